// A VirtualClock behind a lock, for tests whose code under test reads the
// clock on a thread of its own (a sender, a network loop) while the test
// moves it: VirtualClock alone is not thread-safe.
#pragma once

#include <mutex>

#include "maic/core/clock.hpp"

namespace maic::testing {

class SharedClock final : public Clock {
 public:
  explicit SharedClock(WallTime start = from_unix_seconds(1'700'000'000)) : clock_(start) {}
  SteadyTime steady_now() const override {
    std::lock_guard lock(mutex_);
    return clock_.steady_now();
  }
  WallTime wall_now() const override {
    std::lock_guard lock(mutex_);
    return clock_.wall_now();
  }
  void advance(Duration d) {
    std::lock_guard lock(mutex_);
    clock_.advance(d);
  }

 private:
  mutable std::mutex mutex_;
  VirtualClock clock_;
};

}  // namespace maic::testing
