// The minute record: what the device keeps every minute (manual §11, "data
// collection interval 1 minute") and what the server stores and rolls up.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "maic/core/quantity.hpp"
#include "maic/core/reading.hpp"

namespace maic {

// A minute's mean power: the energy of the minute (Wh) over the time its
// readings covered, W = Wh × 3600 / s; 0 when nothing was covered. The one
// definition, for full and partial minutes alike: a full minute's power is
// its energy × 60 per Wh, one read for 20 s of it its energy × 180. Taking
// the time from how many readings there were, or a mean of reported powers,
// is wrong whenever readings are not 5 s apart or not evenly spaced.
double mean_power_w(double energy_wh, Duration covered);

inline constexpr Duration kFullMinute = std::chrono::seconds(60);

// MinuteRecord::status: what the server knows about how a stored minute came
// to be, shown as "STAT" in /api rows and "status" in the JSON API
// (docs/api.md, docs/uplink.md). Bits, OR'd over the minutes of a period.
//  - kStatusClockCorrected: the device stamped the record at a time its own
//    clock could not have read (a clock that jumped ahead); it is booked at
//    a corrected time instead.
//  - kStatusGap: the energy of a span no record covers (an outage longer
//    than the journal keeps): the lifetime registers moved by it. Booked in
//    one minute, covering the whole span, and kept out of means and peaks.
inline constexpr std::uint8_t kStatusClockCorrected = 1;
inline constexpr std::uint8_t kStatusGap = 2;

// A minute: per phase, the means of its readings (volts, amps, power
// factor, hertz, weighted by window length), the energies within it
// (wh_delta, rwh_delta), the meters at its end (wh, rwh), and the mean
// powers (watts, reverse_watts), always mean_power_w(energy, covered).
struct MinuteRecord {
  std::int64_t minute = 0;  // unix seconds (UTC) of the minute's start, a multiple of 60
  int phases = 3;
  std::array<PhaseValues, kMaxPhases> phase{};
  double temperature_c = 0;  // mean
  bool output_on = false;    // at the minute's end
  int readings = 0;          // how many readings it was built from
  // The time the minute's energies were measured over: the sum of its
  // readings' windows, 60 s for a full minute, less for the first minute
  // after a start or a gap (a window ending in the minute may begin in the
  // one before, so a few seconds more are possible).
  Duration covered = kFullMinute;
  std::uint8_t status = 0;  // kStatus* bits; 0 for a minute as measured
};

// Merges `later` into `earlier`, two records of the same minute (a device
// clock set back writes a minute stamp twice; the server keeps both):
// energies and covered time add up, means are weighted by covered time,
// the meters and the output are `later`'s, status bits are OR'd, and the
// mean powers follow from the sums (mean_power_w).
void merge_same_minute(MinuteRecord& earlier, const MinuteRecord& later);

// Sets each phase's watts and reverse_watts from its energies and
// m.covered (mean_power_w): for code that builds minutes from stored or
// received energies (the journal, the wire, the MQTT bridge).
void set_mean_powers(MinuteRecord& m);

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
  std::array<PhaseValues, kMaxPhases> weighted_{};
  double weighted_temperature_ = 0;
};

std::int64_t minute_of(WallTime window_end);

}  // namespace maic
