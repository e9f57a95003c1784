// The real clocks, optionally accelerated.
#pragma once

#include <memory>
#include <optional>

#include "maic/core/clock.hpp"

namespace maic::platform {

// std::chrono's steady and system clocks.
std::unique_ptr<Clock> system_clock();

// A clock that runs `scale` times faster than real time from the moment it
// is made: steady and wall time both advance by scale × the real elapsed
// time, the wall time from `wall_start` (default: the real time now). With
// scale 1 and no start it is the system clock. Precondition: scale > 0.
std::unique_ptr<Clock> scaled_clock(double scale, std::optional<WallTime> wall_start = {});

// How long to wait in real time until `clock` shows `duration` more of its
// own time (for a clock made by scaled_clock(scale)).
Duration real_time_for(Duration clock_time, double scale);

}  // namespace maic::platform
