// Time is injected: everything that needs "now" is handed a Clock.
//
// Two clocks with different jobs (docs/architecture.md):
//  - steady time orders events and measures intervals (timeouts, energy
//    integration windows); it never jumps;
//  - wall time only stamps records (unix time); it may jump when the clock
//    is corrected, and nothing that integrates energy depends on it.
#pragma once

#include <chrono>
#include <cstdint>

namespace maic {

using Duration = std::chrono::nanoseconds;
using SteadyTime = std::chrono::time_point<std::chrono::steady_clock, Duration>;
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;

inline std::int64_t unix_seconds(WallTime t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline WallTime from_unix_seconds(std::int64_t s) { return WallTime(std::chrono::seconds(s)); }
inline double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// Thread-safety: implementations must allow concurrent calls of both methods.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime steady_now() const = 0;
  virtual WallTime wall_now() const = 0;
};

// A clock that moves only when told to: tests drive hours in microseconds.
// Not thread-safe: advance it from the thread that reads it.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(WallTime wall_start = from_unix_seconds(1'700'000'000))
      : wall_(wall_start) {}

  SteadyTime steady_now() const override { return steady_; }
  WallTime wall_now() const override { return wall_; }

  // Moves both clocks forward by `d` (d >= 0).
  void advance(Duration d) {
    steady_ += d;
    wall_ += d;
  }
  // Sets the wall clock alone, as an NTP correction would; steady time is untouched.
  void set_wall(WallTime t) { wall_ = t; }

 private:
  SteadyTime steady_{};
  WallTime wall_;
};

}  // namespace maic
