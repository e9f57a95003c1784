#include "maic/cloud/api_rows.hpp"

#include <cmath>

namespace maic::cloud {
namespace {

// The families an /api row carries (compat.md §3), per phase, and T.
bool in_api_row(const Quantity& q) {
  switch (q.family) {
    case Family::kVoltage:
    case Family::kCurrent:
    case Family::kPower:
    case Family::kReversePower:
    case Family::kEnergy:
    case Family::kReverseEnergy:
    case Family::kPowerFactor:
      return !q.is_total;
    case Family::kTemperature:
      return true;
    case Family::kFrequency:
    case Family::kOutput:
      return false;
  }
  return false;
}

double finite(double v) { return std::isfinite(v) ? v : 0.0; }

template <typename ValueOf>
nlohmann::ordered_json row(std::string_view devid, std::int64_t time, int phases,
                           const ValueOf& value) {
  nlohmann::ordered_json out = {{"ID", devid}, {"TIME", time}, {"STAT", 0}};
  for (const Quantity& q : catalogue(phases == 1 ? 1 : 3)) {
    if (in_api_row(q)) out[q.key] = finite(value(q));
  }
  return out;
}

double period_value(const PeriodRow& r, const Quantity& q) {
  if (q.family == Family::kTemperature) return r.temperature_c;
  const PhaseRollup& p = r.phase[static_cast<std::size_t>(q.phase - 1)];
  switch (q.family) {
    case Family::kVoltage:
      return p.volts;
    case Family::kCurrent:
      return p.amps;
    case Family::kPower:
      return p.wh_energy;
    case Family::kReversePower:
      return p.rwh_energy;
    case Family::kEnergy:
      return p.wh;
    case Family::kReverseEnergy:
      return p.rwh;
    case Family::kPowerFactor:
      return p.power_factor;
    default:
      return 0;
  }
}

}  // namespace

nlohmann::ordered_json api_row(std::string_view devid, const MinuteRecord& m) {
  return row(devid, m.minute, m.phases, [&](const Quantity& q) { return value_of(m, q); });
}

nlohmann::ordered_json api_row(std::string_view devid, std::int64_t period_start,
                               const PeriodRow& r) {
  return row(devid, period_start, r.phases, [&](const Quantity& q) { return period_value(r, q); });
}

}  // namespace maic::cloud
