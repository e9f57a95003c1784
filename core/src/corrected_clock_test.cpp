#include "maic/core/corrected_clock.hpp"

#include <gtest/gtest.h>

namespace maic {
namespace {

using std::chrono::seconds;

TEST(CorrectedClock, CorrectsWallTimeAndLeavesSteadyTimeAlone) {
  VirtualClock base(from_unix_seconds(1'700'000'000));
  CorrectedClock clock(base);
  EXPECT_EQ(clock.wall_now(), base.wall_now());
  EXPECT_EQ(clock.offset(), Duration::zero());

  const SteadyTime steady = clock.steady_now();
  clock.set_wall(from_unix_seconds(1'700'000'100));
  EXPECT_EQ(clock.wall_now(), from_unix_seconds(1'700'000'100));
  EXPECT_EQ(clock.offset(), seconds(100));
  EXPECT_EQ(clock.steady_now(), steady) << "a correction is not an interval";

  base.advance(seconds(5));
  EXPECT_EQ(clock.wall_now(), from_unix_seconds(1'700'000'105)) << "runs on with the base";
  EXPECT_EQ(clock.steady_now(), steady + seconds(5));

  clock.set_wall(from_unix_seconds(1'699'999'000));  // backwards too
  EXPECT_EQ(clock.wall_now(), from_unix_seconds(1'699'999'000));
  EXPECT_EQ(clock.offset(), seconds(1'699'999'000 - 1'700'000'005));
}

}  // namespace
}  // namespace maic
