// One guided calibration's measurement: the means of the readings it is
// given, then the proposal (metering's propose_correction). Time is the
// readings': it counts them, never a clock. Not thread-safe: Device holds
// it under its lock.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "maic/core/reading.hpp"
#include "maic/device/calibration.hpp"

namespace maic::device {

class CalibrationSession {
 public:
  // Checks `request` (its seconds, phases 1..`phases` each once, every
  // reference complete: errors name the field, "reference[1].amps: ...")
  // and starts measuring with `in_force` the correction then applied. The
  // first reading after this is skipped: its window began before.
  Status start(const CalibrationRequest& request, const metering::Corrections& in_force,
               int phases);
  // While measuring: averages `r` in; once enough, proposes (done or failed).
  void add(const Reading& r);
  // While measuring: stops with `why` (the correction changed underneath).
  void fail(std::string why);
  void cancel();
  void mark_applied();

  CalibrationState state() const { return state_; }
  // The correction the measurement was made with.
  const metering::Corrections& in_force() const { return in_force_; }
  // All but `current` and `calibratable`, which are the device's.
  CalibrationStatus status() const;
  // When done: `in_force` with the measured phases' proposed corrections.
  std::optional<metering::Corrections> proposal() const;

 private:
  void finish();
  metering::PhaseMeasurement mean(int phase) const;  // of the readings so far

  CalibrationState state_ = CalibrationState::kIdle;
  CalibrationRequest request_;
  metering::Corrections in_force_{};
  std::string error_;
  bool skip_next_ = false;
  bool applied_ = false;
  int readings_ = 0;
  int needed_ = 0;
  std::array<metering::PhaseMeasurement, kMaxPhases> sums_{};  // by phase index
  std::vector<CalibrationPhaseReport> reports_;
};

}  // namespace maic::device
