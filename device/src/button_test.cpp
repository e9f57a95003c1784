#include "maic/device/button.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace maic::device {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Samples the button every 10 ms on a virtual clock and collects presses.
struct Finger {
  VirtualClock clock;
  ButtonDebouncer button;
  std::vector<ButtonPress> presses;

  void hold(bool pressed, Duration how_long) {
    const SteadyTime end = clock.steady_now() + how_long;
    while (clock.steady_now() < end) {
      if (auto p = button.sample(pressed, clock.steady_now())) presses.push_back(*p);
      clock.advance(milliseconds(10));
    }
  }
};

TEST(ButtonDebouncer, AShortPressFiresOnRelease) {
  Finger f;
  f.hold(false, milliseconds(100));
  f.hold(true, milliseconds(300));
  EXPECT_TRUE(f.presses.empty()) << "nothing while held";
  EXPECT_TRUE(f.button.held());
  f.hold(false, milliseconds(40));
  EXPECT_TRUE(f.presses.empty()) << "the release is not yet debounced";
  f.hold(false, milliseconds(100));
  EXPECT_EQ(f.presses, std::vector<ButtonPress>{ButtonPress::kShort});
  EXPECT_FALSE(f.button.held());
}

TEST(ButtonDebouncer, BounceAndGlitchesAreIgnored) {
  Finger f;
  for (int i = 0; i < 5; ++i) {  // 40 ms spikes of interference
    f.hold(true, milliseconds(40));
    f.hold(false, milliseconds(40));
  }
  EXPECT_TRUE(f.presses.empty());
  // A press whose contacts bounce on the way down and up: one press.
  for (int i = 0; i < 3; ++i) {
    f.hold(true, milliseconds(10));
    f.hold(false, milliseconds(10));
  }
  f.hold(true, milliseconds(200));
  for (int i = 0; i < 3; ++i) {
    f.hold(false, milliseconds(10));
    f.hold(true, milliseconds(10));
  }
  f.hold(false, milliseconds(100));
  EXPECT_EQ(f.presses, std::vector<ButtonPress>{ButtonPress::kShort});
}

TEST(ButtonDebouncer, AHoldOfMoreThanFiveSecondsFiresLongWhileHeld) {
  Finger f;
  ButtonDebouncer& b = f.button;
  const SteadyTime t0 = f.clock.steady_now();
  EXPECT_FALSE(b.sample(true, t0));
  EXPECT_FALSE(b.sample(true, t0 + milliseconds(50))) << "accepted as held, dating from t0";
  EXPECT_TRUE(b.held());
  EXPECT_FALSE(b.sample(true, t0 + seconds(5))) << "5 s is not more than 5 s";
  EXPECT_EQ(b.sample(true, t0 + seconds(5) + milliseconds(10)), ButtonPress::kLong);
  EXPECT_FALSE(b.sample(true, t0 + seconds(9)));
  EXPECT_FALSE(b.sample(false, t0 + seconds(10)));
  EXPECT_FALSE(b.sample(false, t0 + seconds(11))) << "the release after a long press fires nothing";
  EXPECT_FALSE(b.held());
}

TEST(ButtonDebouncer, JustUnderFiveSecondsIsShort) {
  Finger f;
  f.hold(true, seconds(5) - milliseconds(60));
  f.hold(false, milliseconds(100));
  EXPECT_EQ(f.presses, std::vector<ButtonPress>{ButtonPress::kShort});
}

TEST(ButtonDebouncer, PressesFollowEachOther) {
  Finger f;
  f.hold(true, seconds(6));
  f.hold(false, milliseconds(200));
  f.hold(true, milliseconds(200));
  f.hold(false, milliseconds(200));
  EXPECT_EQ(f.presses, (std::vector<ButtonPress>{ButtonPress::kLong, ButtonPress::kShort}));
}

TEST(ButtonDebouncer, AButtonHeldAtTheFirstSampleIsAPress) {
  Finger f;
  f.clock.advance(seconds(100));
  f.hold(true, seconds(6));
  EXPECT_EQ(f.presses, std::vector<ButtonPress>{ButtonPress::kLong});
}

}  // namespace
}  // namespace maic::device
