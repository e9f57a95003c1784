#include "maic/device/indicator.hpp"

#include <gtest/gtest.h>

#include "maic/device/button.hpp"

namespace maic::device {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Counts the LED's flashes over `how_long` of updates every 25 ms.
int flashes(LedPattern pattern, Duration how_long) {
  VirtualClock clock;
  MemoryLed led;
  LedBlinker blinker(led);
  for (SteadyTime end = clock.steady_now() + how_long; clock.steady_now() < end;
       clock.advance(milliseconds(25))) {
    EXPECT_TRUE(blinker.update(pattern, clock.steady_now()).ok());
  }
  int n = 0;
  for (bool lit : led.changes()) n += lit ? 1 : 0;
  return n;
}

TEST(LedBlinker, FlashesAtThePatternsRate) {
  EXPECT_EQ(flashes(LedPattern::kFast, seconds(10)), 40);
  EXPECT_EQ(flashes(LedPattern::kSlow, seconds(10)), 5);
  EXPECT_EQ(flashes(LedPattern::kSteady, seconds(10)), 1);
  EXPECT_EQ(flashes(LedPattern::kOff, seconds(10)), 0);
}

TEST(LedBlinker, FollowsTheLifecyclesPattern) {
  VirtualClock clock;
  MemoryLed led;
  LedBlinker blinker(led);
  Lifecycle life(clock.steady_now(), false, true);
  life.on_link(LinkState::kConnected);
  ASSERT_TRUE(blinker.update(life.led(), clock.steady_now()).ok());
  EXPECT_TRUE(led.lit());
  life.set_led_enabled(false);
  ASSERT_TRUE(blinker.update(life.led(), clock.steady_now()).ok());
  EXPECT_FALSE(led.lit());
}

TEST(ButtonLine, AMemoryButtonFeedsTheDebouncer) {
  VirtualClock clock;
  MemoryButton line;
  ButtonDebouncer button;
  std::vector<ButtonPress> presses;
  const auto run = [&](Duration how_long) {
    for (SteadyTime end = clock.steady_now() + how_long; clock.steady_now() < end;
         clock.advance(milliseconds(10))) {
      auto level = line.pressed();
      ASSERT_TRUE(level.ok());
      if (auto p = button.sample(*level, clock.steady_now())) presses.push_back(*p);
    }
  };
  line.hold(true);
  run(seconds(1));
  line.hold(false);
  run(seconds(1));
  EXPECT_EQ(presses, std::vector<ButtonPress>{ButtonPress::kShort});
}

}  // namespace
}  // namespace maic::device
