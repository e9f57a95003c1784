#include "metrics.hpp"

#include <fmt/format.h>

#include <cmath>

namespace maic::device {
namespace {

struct MetricFamily {
  Family family;
  std::string_view metric;
  std::string_view direction;  // "" when the family has no direction
  std::string_view help;
  std::string_view type;
  bool lifetime = false;  // the lifetime register, not the family's value
};

// Families that share a metric (forward and reverse power) sit next to each
// other so the metric's HELP and TYPE are written once. A counter must
// never decrease (Prometheus reads a drop as a counter reset): the energy
// counter is the lifetime register, which the user cannot set; the user's
// meter (manual §5, may be set back) is a gauge beside it. Both as of the
// meter store's last save (Device::published()).
constexpr MetricFamily kMetrics[] = {
    {Family::kVoltage, "maic_voltage_volts", "", "True RMS voltage per phase", "gauge"},
    {Family::kCurrent, "maic_current_amperes", "", "True RMS current per phase", "gauge"},
    {Family::kPower, "maic_power_watts", "forward",
     "Mean active power over the last 5 s; forward: to the consumer, reverse: generation", "gauge"},
    {Family::kReversePower, "maic_power_watts", "reverse", "", "gauge"},
    {Family::kEnergy, "maic_energy_watt_hours_total", "forward",
     "Lifetime energy register, as last saved: never set by the user, never decreasing; "
     "forward: consumed, reverse: generated",
     "counter", true},
    {Family::kReverseEnergy, "maic_energy_watt_hours_total", "reverse", "", "counter", true},
    {Family::kEnergy, "maic_energy_meter_watt_hours", "forward",
     "The user's energy meter (Wh1.. of the page API), as last saved: the lifetime register "
     "plus the initial value set (manual §5), which may set it back; forward: consumed, "
     "reverse: generated",
     "gauge"},
    {Family::kReverseEnergy, "maic_energy_meter_watt_hours", "reverse", "", "gauge"},
    {Family::kPowerFactor, "maic_power_factor", "", "Power factor |P|/(Vrms*Irms)", "gauge"},
    {Family::kFrequency, "maic_frequency_hertz", "", "Line frequency per phase", "gauge"},
};

std::string number(double v) {
  if (!std::isfinite(v)) return "NaN";
  return fmt::format("{}", v);
}

}  // namespace

std::string metrics_text(const std::optional<Reading>& reading, std::string_view devid,
                         std::span<const Gauge> gauges) {
  std::string out;
  if (reading) {
    std::string_view last_metric;
    for (const MetricFamily& m : kMetrics) {
      if (m.metric != last_metric) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", m.metric, m.help, m.metric, m.type);
        last_metric = m.metric;
      }
      for (int p = 0; p < reading->phases; ++p) {
        const auto i = static_cast<std::size_t>(p);
        const double v = m.lifetime ? reading->lifetime[i].of(m.family)
                                    : phase_value(reading->phase[i], m.family);
        out += fmt::format("{}{{devid=\"{}\",phase=\"{}\"{}}} {}\n", m.metric, devid, p + 1,
                           m.direction.empty() ? "" : fmt::format(",direction=\"{}\"", m.direction),
                           number(v));
      }
    }
    out += fmt::format(
        "# HELP maic_temperature_celsius The device's temperature\n"
        "# TYPE maic_temperature_celsius gauge\n"
        "maic_temperature_celsius{{devid=\"{}\"}} {}\n"
        "# HELP maic_reading_timestamp_seconds Unix time of the last reading\n"
        "# TYPE maic_reading_timestamp_seconds gauge\n"
        "maic_reading_timestamp_seconds{{devid=\"{}\"}} {}\n",
        devid, number(reading->temperature_c), devid, unix_seconds(reading->wall_end));
  }
  const Gauge* previous = nullptr;
  for (const Gauge& g : gauges) {
    if (previous == nullptr || previous->name != g.name)
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", g.name, g.help, g.name, g.type);
    out += fmt::format("{}{{devid=\"{}\"{}{}}} {}\n", g.name, devid, g.labels.empty() ? "" : ",",
                       g.labels, number(g.value));
    previous = &g;
  }
  return out;
}

}  // namespace maic::device
