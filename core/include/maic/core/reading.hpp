// A reading: what the device shows every 5 s (manual §11, "data refresh
// interval"), for each phase and for the device.
#pragma once

#include <array>

#include "maic/core/clock.hpp"
#include "maic/core/quantity.hpp"

namespace maic {

inline constexpr int kMaxPhases = 3;

struct PhaseValues {
  double volts = 0;          // true RMS over the window
  double amps = 0;           // true RMS over the window
  double watts = 0;          // mean power towards the consumer over the window, >= 0
  double reverse_watts = 0;  // mean power back from the consumer, >= 0
  double power_factor = 0;   // |P| / (Vrms * Irms), 0..1
  double hertz = 0;          // 0 when no voltage
  double wh_delta = 0;       // energy consumed within the window, Wh
  double rwh_delta = 0;      // energy generated within the window, Wh
  double wh = 0;             // cumulative meter at the window's end, Wh
  double rwh = 0;            // cumulative reverse meter at the window's end, Wh
};

struct Reading {
  SteadyTime end{};  // end of the measuring window
  WallTime wall_end{};
  Duration span{};  // length of the window
  int phases = 3;
  std::array<PhaseValues, kMaxPhases> phase{};
  double temperature_c = 0;
  bool output_on = false;
};

// The value of one family in one phase's values. Works for any per-phase
// type with the fields of PhaseValues (readings and minute records alike).
template <typename Phase>
double phase_value(const Phase& p, Family f) {
  switch (f) {
    case Family::kVoltage:
      return p.volts;
    case Family::kCurrent:
      return p.amps;
    case Family::kPower:
      return p.watts;
    case Family::kReversePower:
      return p.reverse_watts;
    case Family::kEnergy:
      return p.wh;
    case Family::kReverseEnergy:
      return p.rwh;
    case Family::kPowerFactor:
      return p.power_factor;
    case Family::kFrequency:
      return p.hertz;
    case Family::kTemperature:
    case Family::kOutput:
      return 0;
  }
  return 0;
}

// The value of quantity `q` in a reading or a minute record: totals are
// sums over the phases.
template <typename Record>
double catalogue_value(const Record& r, const Quantity& q) {
  if (q.family == Family::kTemperature) return r.temperature_c;
  if (q.family == Family::kOutput) return r.output_on ? 1 : 0;
  if (!q.is_total) return phase_value(r.phase[static_cast<std::size_t>(q.phase - 1)], q.family);
  double sum = 0;
  for (int p = 0; p < r.phases; ++p) {
    sum += phase_value(r.phase[static_cast<std::size_t>(p)], q.family);
  }
  return sum;
}

inline double value_of(const Reading& r, const Quantity& q) { return catalogue_value(r, q); }

}  // namespace maic
