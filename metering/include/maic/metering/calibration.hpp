// How raw ADC codes become volts and amps, per phase.
#pragma once

#include <array>

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

}  // namespace maic::metering
