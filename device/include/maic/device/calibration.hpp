// The device's guided calibration (docs/metering.md, "Guided calibration"):
// what is asked for, and what it reports while it measures and after.
// The arithmetic is metering's (guided_calibration.hpp); Device runs the
// measurement over its own readings (device.hpp: start_calibration).
#pragma once

#include <string_view>
#include <vector>

#include "maic/metering/guided_calibration.hpp"

namespace maic::device {

// The measurement's length: long enough that a minute's mean smooths a
// flickering load, short enough to stand beside the meter.
inline constexpr int kMinCalibrationSeconds = 30;
inline constexpr int kMaxCalibrationSeconds = 600;

struct ReferencePhase {
  int phase = 1;  // 1..the source's phases
  metering::PhaseReference reference;
};

struct CalibrationRequest {
  int seconds = 60;                       // kMinCalibrationSeconds..kMaxCalibrationSeconds
  std::vector<ReferencePhase> reference;  // 1..3 phases, each once
};

enum class CalibrationState { kIdle, kMeasuring, kDone, kFailed };
std::string_view to_string(CalibrationState s);

struct CalibrationPhaseReport {
  int phase = 1;
  metering::PhaseReference reference;   // as asked; completed once done
  metering::PhaseMeasurement measured;  // the means so far
  // Once done: the proposal (its correction, errors before and predicted
  // after); failed phases stop the whole measurement.
  std::optional<metering::PhaseProposal> proposal;
};

struct CalibrationStatus {
  CalibrationState state = CalibrationState::kIdle;
  std::string error;  // why it failed
  int seconds = 0;    // asked for
  int readings = 0;   // averaged so far
  int readings_needed = 0;
  bool applied = false;  // the proposal was saved in the settings
  std::vector<CalibrationPhaseReport> phases;
  metering::Corrections current{};  // the correction in force (the settings')
  bool calibratable = false;        // whether the source can be calibrated at all
};

}  // namespace maic::device
