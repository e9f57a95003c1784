// Guided calibration as the JSON API speaks it (docs/device.md, "JSON API";
// POST /api/v1/calibration/measure, GET /api/v1/calibration).
#pragma once

#include <nlohmann/json.hpp>

#include "maic/core/result.hpp"
#include "maic/device/calibration.hpp"

namespace maic::device {

// {"seconds": 60, "reference": [{"phase": 1, "volts": 230, "amps": 10,
// "watts": 1150, "power_factor": 0.5}, ...]}: the types and names only
// (errors name the field); CalibrationSession checks the values.
Result<CalibrationRequest> calibration_request_from_json(const nlohmann::json& j);

// The status, with the current correction of the device's `phases` phases.
nlohmann::json calibration_to_json(const CalibrationStatus& s, int phases);

}  // namespace maic::device
