// A cumulative energy counter read from outside — an SDM630's import
// register over Modbus, an original device's Wh1 on MQTT — turned into the
// energy used between readings, refusing the steps no load could have made.
//
// Meters and gateways return a bad read at times (0, a stale or torn
// value), and people reset a meter or give it an initial value (manual §5).
// Neither is consumption. The rule (docs/sources.md, "Meters that glitch or
// are reset"):
//  - A step Δ from the last counted reading over the time t since it is
//    plausible when -kSlackWh <= Δ <= max(2 · P, kPhaseWatts) · t + kSlackWh,
//    where P is the highest power the source reported since that reading
//    (at either end included): what the load could have used, with a
//    margin for power that changed between samples — and never less than
//    what a household phase can draw, since samples miss a kettle between
//    them — plus the counter's own resolution.
//    A plausible step counts max(Δ, 0); the counter moves on only forwards,
//    so jitter below a reading does not count twice.
//  - An implausible reading (backwards, or up by more than the load could
//    use) counts nothing yet; it becomes the candidate. The next reading
//    decides:
//     - a plausible step from the last counted reading: the candidate was a
//       glitch and is forgotten; the step counts, covering the whole time;
//     - else a plausible step from the candidate: the counter was reset,
//       replaced or given a new value. Counting restarts from the
//       candidate; the time between the last counted reading and the
//       candidate, which no counter measured, counts what the reported
//       power says (the mean of the powers at its ends times its length);
//       the step from the candidate counts as usual;
//     - else the new reading is the candidate.
// So energy is never invented by a counter's jump, and only estimated (not
// dropped) across a real reset.
//
// Values in Wh and W; times as durations since any fixed epoch, increasing.
// Not thread-safe; one per counter (phase and direction).
#pragma once

#include <optional>

#include "maic/core/clock.hpp"

namespace maic {

class EnergyCounter {
 public:
  // A counter's resolution and float noise: an SDM630's float32 kWh
  // register steps by up to ~6 Wh at 100 MWh.
  static constexpr double kSlackWh = 10;
  // The power margin: the load may have drawn more between two samples.
  static constexpr double kPowerMargin = 2;
  // What one phase may draw whatever was reported: 230 V at 100 A, the
  // largest common main fuse. A meter's jump of 1 MWh in a minute, or a new
  // initial value, is far beyond it; a larger installation reports larger
  // powers, which widen the bound.
  static constexpr double kPhaseWatts = 23'000;

  // The first reading (or a stored one, to continue from): counts nothing.
  // Also what add() does without a start.
  void start(Duration at, double wh, double watts);

  // A reading taken at `at`: `wh` on the counter, `watts` the power the
  // source reported with it (>= 0). Returns the energy, Wh, >= 0, counted
  // for the time since the previous reading. A non-finite `wh` (the source
  // did not report the counter) counts nothing and changes nothing.
  double add(Duration at, double wh, double watts);

  // The value counting continues from (the last counted reading), if any.
  std::optional<double> counted() const;

 private:
  struct Point {
    Duration at;
    double wh;
    double watts;
  };
  bool plausible(const Point& from, const Point& to, double peak_watts) const;

  std::optional<Point> last_;       // the last counted reading
  std::optional<Point> candidate_;  // an implausible reading awaiting the next
  double peak_watts_ = 0;           // the highest power reported since last_
};

}  // namespace maic
