#include "readings_json.hpp"

#include <cmath>

namespace maic::device {

std::string_view family_json_name(Family f) {
  switch (f) {
    case Family::kVoltage:
      return "voltage";
    case Family::kCurrent:
      return "current";
    case Family::kPower:
      return "power";
    case Family::kReversePower:
      return "reverse_power";
    case Family::kEnergy:
      return "energy";
    case Family::kReverseEnergy:
      return "reverse_energy";
    case Family::kPowerFactor:
      return "power_factor";
    case Family::kFrequency:
      return "frequency";
    case Family::kTemperature:
      return "temperature";
    case Family::kOutput:
      return "output";
  }
  return "";
}

nlohmann::json readings_json(const Reading& r, const Identity& id) {
  nlohmann::json quantities = nlohmann::json::array();
  const int catalogue_phases = r.phases == 1 ? 1 : 3;
  for (const Quantity& q : catalogue(catalogue_phases)) {
    const double v = value_of(r, q);
    quantities.push_back({{"key", q.key},
                          {"name", q.name},
                          {"unit", q.unit},
                          {"family", family_json_name(q.family)},
                          {"phase", q.phase},
                          {"total", q.is_total},
                          {"value", std::isfinite(v) ? v : 0.0}});
  }
  return {{"devid", id.devid},
          {"devtype", id.devtype},
          {"time", unix_seconds(r.wall_end)},
          {"phases", r.phases},
          {"quantities", std::move(quantities)}};
}

}  // namespace maic::device
