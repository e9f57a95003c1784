// A wall clock that can be corrected from a trusted source (the device's
// data server, docs/uplink.md) without touching the system's clock: it adds
// an offset to the wall time of the clock it wraps. Steady time is passed
// through unchanged, so intervals, timeouts and energy integration never
// see a correction (clock.hpp: "two clocks").
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "maic/core/clock.hpp"

namespace maic {

// Thread-safe as Clock requires, if the wrapped clock is: the offset is an
// atomic, so one thread may correct while others read. `base` must outlive
// this.
class CorrectedClock final : public Clock {
 public:
  explicit CorrectedClock(const Clock& base) : base_(base) {}

  SteadyTime steady_now() const override { return base_.steady_now(); }
  WallTime wall_now() const override { return base_.wall_now() + offset(); }

  // From now on wall_now() reads `now` at this instant and runs on with the
  // wrapped clock.
  void set_wall(WallTime now) {
    offset_ns_.store((now - base_.wall_now()).count(), std::memory_order_relaxed);
    corrected_at_ns_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  }
  // What is added to the wrapped clock's wall time (0 until set_wall()).
  Duration offset() const { return Duration(offset_ns_.load(std::memory_order_relaxed)); }
  // The corrected wall time of the last set_wall(); nullopt: never
  // corrected, the wrapped clock (the system's: the RTC) alone.
  std::optional<WallTime> corrected_at() const {
    const std::int64_t ns = corrected_at_ns_.load(std::memory_order_relaxed);
    if (ns == 0) return std::nullopt;
    return WallTime(Duration(ns));
  }

 private:
  const Clock& base_;
  std::atomic<std::int64_t> offset_ns_{0};        // Duration's nanoseconds
  std::atomic<std::int64_t> corrected_at_ns_{0};  // WallTime's; 0: never
};

}  // namespace maic
