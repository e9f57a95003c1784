#include "maic/metering/calibration.hpp"

#include <fmt/format.h>

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

Status validate(const CalibrationCorrection& c, std::string_view where) {
  const struct {
    const char* name;
    double value;
  } gains[] = {{"voltage_gain", c.voltage_gain}, {"current_gain", c.current_gain}};
  for (const auto& g : gains) {
    if (!(g.value >= kMinCorrectionGain && g.value <= kMaxCorrectionGain)) {
      return make_error(fmt::format("{}.{}: must be {}..{}", where, g.name, kMinCorrectionGain,
                                    kMaxCorrectionGain));
    }
  }
  if (!(std::abs(c.phase_deg) <= kMaxCorrectionDeg)) {
    return make_error(
        fmt::format("{}.phase_deg: must be within ±{} degrees", where, kMaxCorrectionDeg));
  }
  return ok_status();
}

Calibration corrected(const Calibration& base, const Corrections& c) {
  Calibration out = base;
  for (std::size_t p = 0; p < out.size(); ++p) {
    out[p].voltage.scale *= c[p].voltage_gain;
    out[p].current.scale *= c[p].current_gain;
    out[p].phase_deg += c[p].phase_deg;
  }
  return out;
}

}  // namespace maic::metering
