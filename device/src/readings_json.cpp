#include "readings_json.hpp"

#include <cmath>

namespace maic::device {

nlohmann::json readings_json(const Reading& r, const Identity& id) {
  nlohmann::json quantities = nlohmann::json::array();
  for (const Quantity& q : catalogue(catalogue_phases(r.phases))) {
    quantities.push_back({{"key", q.key},
                          {"name", q.name},
                          {"unit", q.unit},
                          {"family", family_info(q.family).json_name},
                          {"phase", q.phase},
                          {"total", q.is_total},
                          {"value", display_value(q, value_of(r, q))}});
  }
  return {{"devid", id.devid},
          {"devtype", id.devtype},
          {"time", unix_seconds(r.wall_end)},
          {"phases", r.phases},
          {"quantities", std::move(quantities)}};
}

}  // namespace maic::device
