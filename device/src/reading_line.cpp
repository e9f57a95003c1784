#include "maic/device/reading_line.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace maic::device {
namespace {

bool shown(Family f) { return f != Family::kOutput; }

}  // namespace

std::string reading_line(const Reading& r) {
  std::string out =
      fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(r.wall_end));
  Family current = Family::kOutput;
  bool first = true;
  for (const Quantity& q : catalogue(catalogue_phases(r.phases))) {
    if (!shown(q.family) || (!q.is_total && q.phase > r.phases)) continue;
    const bool energy = q.family == Family::kEnergy || q.family == Family::kReverseEnergy;
    const double v = value_of(r, q) / (energy ? 1000.0 : 1.0);
    if (first || q.family != current) {
      out += fmt::format("{}{}", first ? "  " : " | ", family_info(q.family).prefix);
      current = q.family;
      first = false;
    }
    // Meters are shown in kWh, to the Wh.
    const int decimals = energy ? 3 : family_info(q.family).decimals;
    out += fmt::format("{}{:.{}f}", q.is_total ? " = " : " ", v, decimals);
  }
  return out + fmt::format(" | OUT {}", r.output_on ? 1 : 0);
}

std::string reading_line_legend(int phases) {
  return fmt::format(
      "readings every 5 s, per phase L1..L{} and '= total'; V volts, A amps, W and rW "
      "(reverse) watts, Wh and rWh meters in kWh, PF power factor, Fr hertz, T °C",
      phases);
}

}  // namespace maic::device
