#include "maic/platform/system_clock.hpp"

#include <chrono>

namespace maic::platform {
namespace {

class SystemClock final : public Clock {
 public:
  SteadyTime steady_now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
  }
  WallTime wall_now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

class ScaledClock final : public Clock {
 public:
  ScaledClock(double scale, std::optional<WallTime> wall_start)
      : scale_(scale),
        real_origin_(real_.steady_now()),
        wall_origin_(wall_start.value_or(real_.wall_now())) {}

  SteadyTime steady_now() const override { return real_origin_ + scaled_elapsed(); }
  WallTime wall_now() const override { return wall_origin_ + scaled_elapsed(); }

 private:
  Duration scaled_elapsed() const {
    const auto real = real_.steady_now() - real_origin_;
    return Duration(static_cast<Duration::rep>(static_cast<double>(real.count()) * scale_));
  }

  SystemClock real_;
  double scale_;
  SteadyTime real_origin_;
  WallTime wall_origin_;
};

}  // namespace

std::unique_ptr<Clock> system_clock() { return std::make_unique<SystemClock>(); }

std::unique_ptr<Clock> scaled_clock(double scale, std::optional<WallTime> wall_start) {
  if (scale == 1 && !wall_start) return system_clock();
  return std::make_unique<ScaledClock>(scale, wall_start);
}

Duration real_time_for(Duration clock_time, double scale) {
  return Duration(static_cast<Duration::rep>(static_cast<double>(clock_time.count()) / scale));
}

}  // namespace maic::platform
