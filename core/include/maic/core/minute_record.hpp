// The minute record: what the device keeps every minute (manual §11, "data
// collection interval 1 minute") and what the server stores and rolls up.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "maic/core/quantity.hpp"
#include "maic/core/reading.hpp"

namespace maic {

struct PhaseMinute {
  double volts = 0;          // mean of the minute's readings
  double amps = 0;           // mean
  double power_factor = 0;   // mean
  double watts = 0;          // mean power towards the consumer
  double reverse_watts = 0;  // mean power back
  double hertz = 0;          // mean
  double wh_delta = 0;       // energy consumed within the minute, Wh
  double rwh_delta = 0;      // energy generated within the minute, Wh
  double wh = 0;             // cumulative meter at the minute's end, Wh
  double rwh = 0;            // cumulative reverse meter at the minute's end, Wh
};

struct MinuteRecord {
  std::int64_t minute = 0;  // unix seconds (UTC) of the minute's start, a multiple of 60
  int phases = 3;
  std::array<PhaseMinute, kMaxPhases> phase{};
  double temperature_c = 0;  // mean
  bool output_on = false;    // at the minute's end
  int readings = 0;          // how many readings it was built from
};

// The value of quantity `q` in a minute record, as the server's minute rows
// show it: W and rW as mean power, Wh and rWh as the meters, totals as sums.
double value_of(const MinuteRecord& m, const Quantity& q);

// Builds minute records from a stream of readings. A reading belongs to the
// minute that contains its window's end (a window ending exactly on the
// minute belongs to the minute before). Means are weighted by window length;
// energies are summed, never taken as differences of the meters.
class MinuteAggregator {
 public:
  // Adds a reading; returns the previous minute's record when `r` starts a
  // new minute (including when the wall clock jumped backwards).
  std::optional<MinuteRecord> add(const Reading& r);

  // Returns the minute in progress, if any, and starts afresh.
  std::optional<MinuteRecord> flush();

 private:
  MinuteRecord finish() const;

  bool open_ = false;
  MinuteRecord current_{};
  double weight_ = 0;  // seconds of readings in current_
  std::array<PhaseMinute, kMaxPhases> weighted_{};
  double weighted_temperature_ = 0;
};

std::int64_t minute_of(WallTime window_end);

}  // namespace maic
