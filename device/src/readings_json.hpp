// The device's own JSON view of a reading (GET /api/v1/readings), generated
// from the quantity catalogue: one entry per quantity, in catalogue order.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "maic/core/reading.hpp"
#include "maic/device/settings.hpp"

namespace maic::device {

// {"devid", "devtype", "time" (unix s of the window's end), "phases",
//  "quantities": [{"key","name","unit","family","phase","total","value"}]}
nlohmann::json readings_json(const Reading& r, const Identity& id);

}  // namespace maic::device
