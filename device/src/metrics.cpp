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
};

// Families that share a metric (forward and reverse power) sit next to each
// other so the metric's HELP and TYPE are written once.
constexpr MetricFamily kMetrics[] = {
    {Family::kVoltage, "maic_voltage_volts", "", "True RMS voltage per phase", "gauge"},
    {Family::kCurrent, "maic_current_amperes", "", "True RMS current per phase", "gauge"},
    {Family::kPower, "maic_power_watts", "forward",
     "Mean active power over the last 5 s; forward: to the consumer, reverse: generation", "gauge"},
    {Family::kReversePower, "maic_power_watts", "reverse", "", "gauge"},
    {Family::kEnergy, "maic_energy_watt_hours_total", "forward",
     "Cumulative energy meter; forward: consumed, reverse: generated", "counter"},
    {Family::kReverseEnergy, "maic_energy_watt_hours_total", "reverse", "", "counter"},
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
        const double v = phase_value(reading->phase[static_cast<std::size_t>(p)], m.family);
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
  for (const Gauge& g : gauges) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{}{{devid=\"{}\"}} {}\n", g.name, g.help,
                       g.name, g.type, g.name, devid, number(g.value));
  }
  return out;
}

}  // namespace maic::device
