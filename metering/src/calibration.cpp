#include "maic/metering/calibration.hpp"

#include <cmath>
#include <string>

namespace maic::metering {

Status validate(const Calibration& c, int phases) {
  for (int p = 0; p < phases; ++p) {
    const PhaseCalibration& pc = c[static_cast<std::size_t>(p)];
    const std::string where = "calibration of phase " + std::to_string(p + 1) + ": ";
    if (!(pc.voltage.scale > 0) || !std::isfinite(pc.voltage.scale)) {
      return make_error(where + "voltage scale must be a positive number of volts per code");
    }
    if (!(pc.current.scale > 0) || !std::isfinite(pc.current.scale)) {
      return make_error(where + "current scale must be a positive number of amps per code");
    }
    if (!std::isfinite(pc.voltage.offset) || !std::isfinite(pc.current.offset) ||
        std::abs(pc.voltage.offset) > 65535 || std::abs(pc.current.offset) > 65535) {
      return make_error(where + "offsets must be ADC codes within ±65535");
    }
    if (!std::isfinite(pc.phase_deg) || std::abs(pc.phase_deg) > 20) {
      return make_error(where + "phase correction must be within ±20 degrees");
    }
  }
  return ok_status();
}

}  // namespace maic::metering
