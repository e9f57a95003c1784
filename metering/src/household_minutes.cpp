#include "maic/metering/household_minutes.hpp"

#include <cmath>
#include <numbers>

#include "maic/metering/synthetic.hpp"

namespace maic::metering {
namespace {

constexpr double kMicroWhPerWh = 1e6;
constexpr int kReadingsPerMinute = 12;  // the D103's 5-s readings

double wh_of(std::int64_t micro_wh) { return static_cast<double>(micro_wh) / kMicroWhPerWh; }

}  // namespace

MinuteRecord household_minute(const HouseholdMinuteOptions& o, std::int64_t minute) {
  MinuteRecord m;
  m.minute = minute;
  m.phases = o.phases;
  m.readings = kReadingsPerMinute;
  m.covered = kFullMinute;
  const double local_s = static_cast<double>(minute);
  const double middle = local_s + 30;
  const ThreePhaseLoad load = household_load(o.seed, o.solar_peak_amps, middle);
  for (std::size_t p = 0; p < static_cast<std::size_t>(o.phases); ++p) {
    const PhaseLoad& l = load[p];
    PhaseValues& v = m.phase[p];
    v.volts = l.volts;
    v.amps = l.amps;
    v.hertz = o.frequency_hz;
    const double cos_angle = std::cos(l.angle_deg * std::numbers::pi / 180);
    v.power_factor = l.amps > 0 ? std::abs(cos_angle) : 0;
    const double watts = l.volts * l.amps * cos_angle;  // signed: negative is generation
    const double wh = std::abs(watts) * seconds(kFullMinute) / 3600;
    (watts >= 0 ? v.wh_delta : v.rwh_delta) = wh;
  }
  m.temperature_c = board_temperature_c(std::fmod(middle, 86400.0));
  set_mean_powers(m);
  return m;
}

MicroWhRegisters minute_energy(const MinuteRecord& m) {
  MicroWhRegisters e;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    e.forward[p] = std::llround(m.phase[p].wh_delta * kMicroWhPerWh);
    e.reverse[p] = std::llround(m.phase[p].rwh_delta * kMicroWhPerWh);
  }
  return e;
}

HouseholdHistory::HouseholdHistory(const HouseholdMinuteOptions& options, std::int64_t first_minute,
                                   const MicroWhRegisters& start)
    : options_(options), next_minute_(first_minute), registers_(start) {}

MinuteRecord HouseholdHistory::next() {
  MinuteRecord m = household_minute(options_, next_minute_);
  const MicroWhRegisters e = minute_energy(m);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    registers_.forward[p] += e.forward[p];
    registers_.reverse[p] += e.reverse[p];
    PhaseValues& v = m.phase[p];
    // The minute's energies as counted, so that the registers are their sums.
    v.wh_delta = wh_of(e.forward[p]);
    v.rwh_delta = wh_of(e.reverse[p]);
    if (p < static_cast<std::size_t>(m.phases)) {
      v.wh = wh_of(registers_.forward[p]);
      v.rwh = wh_of(registers_.reverse[p]);
    }
  }
  set_mean_powers(m);
  next_minute_ += 60;
  return m;
}

MicroWhRegisters registers_after(const HouseholdMinuteOptions& options, std::int64_t first_minute,
                                 std::int64_t end_minute, const MicroWhRegisters& start) {
  HouseholdHistory h(options, first_minute, start);
  while (h.next_minute() < end_minute) h.next();
  return h.registers();
}

}  // namespace maic::metering
