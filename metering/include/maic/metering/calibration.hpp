// How raw ADC codes become volts and amps, per phase.
#pragma once

#include <array>
#include <string_view>

#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"

namespace maic::metering {

struct ChannelCalibration {
  double offset = 0;  // ADC code of zero input (e.g. 2048 for a unipolar 12-bit ADC)
  double scale = 1;   // volts or amps per ADC code; > 0
};

struct PhaseCalibration {
  ChannelCalibration voltage;
  ChannelCalibration current;
  // Phase error of the current channel at the fundamental, in degrees:
  // positive when the current sensor makes the current appear to lead (as
  // most CTs do). The engine removes it from the active power.
  double phase_deg = 0;
};

using Calibration = std::array<PhaseCalibration, kMaxPhases>;

// Checks scales and phase corrections; names the bad field.
Status validate(const Calibration& c, int phases);

// A correction on top of a source's own calibration, per phase: what guided
// calibration (guided_calibration.hpp) finds and the device's settings keep.
// The source's calibration describes the hardware as built; the correction
// is this unit's deviation from it, measured against a reference.
struct CalibrationCorrection {
  double voltage_gain = 1;  // multiplies the voltage channel's scale, 0.5..2
  double current_gain = 1;  // multiplies the current channel's scale, 0.5..2
  double phase_deg = 0;     // added to PhaseCalibration::phase_deg, ±20
  friend bool operator==(const CalibrationCorrection&, const CalibrationCorrection&) = default;
};
using Corrections = std::array<CalibrationCorrection, kMaxPhases>;

// Beyond these a "correction" is a wiring fault or a wrong reference (a CT
// on the wrong phase, amps for watts), not a deviation of the hardware.
inline constexpr double kMinCorrectionGain = 0.5;
inline constexpr double kMaxCorrectionGain = 2;
inline constexpr double kMaxCorrectionDeg = 20;

// Checks one phase's correction against those bounds; the error starts with
// `where` and names the field ("calibration.phase2.current_gain: ...").
Status validate(const CalibrationCorrection& c, std::string_view where);

// `base` with each phase's correction applied: scales multiplied by the
// gains, the phase corrections added. Offsets are untouched.
Calibration corrected(const Calibration& base, const Corrections& c);

}  // namespace maic::metering
