#include "maic/device/lifecycle.hpp"

#include <gtest/gtest.h>

#include "maic/device/device.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"

namespace maic::device {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Lifecycle, TheAccessPointIsOnAfterTheFirstStartOnly) {
  VirtualClock clock;
  EXPECT_TRUE(Lifecycle(clock.steady_now(), true, true).access_point());
  EXPECT_FALSE(Lifecycle(clock.steady_now(), false, true).access_point());
}

TEST(Lifecycle, TheAccessPointGoesOffAtExactlyFifteenMinutesIdle) {
  VirtualClock clock;
  Lifecycle life(clock.steady_now(), true, true);
  clock.advance(minutes(15) - milliseconds(1));
  life.tick(clock.steady_now());
  EXPECT_TRUE(life.access_point()) << "not before";
  clock.advance(milliseconds(1));
  life.tick(clock.steady_now());
  EXPECT_FALSE(life.access_point());
}

TEST(Lifecycle, WebActivityExtendsTheAccessPoint) {
  VirtualClock clock;
  Lifecycle life(clock.steady_now(), true, true);
  clock.advance(minutes(10));
  life.on_web_activity(clock.steady_now());
  EXPECT_EQ(life.access_point_until(), clock.steady_now() + minutes(15));
  clock.advance(minutes(14));
  life.tick(clock.steady_now());
  EXPECT_TRUE(life.access_point()) << "24 minutes after the start, 14 after the last request";
  life.on_web_activity(clock.steady_now() - minutes(20));  // older than the last one
  clock.advance(minutes(1));
  life.tick(clock.steady_now());
  EXPECT_FALSE(life.access_point()) << "an older report does not move the deadline back";
}

TEST(Lifecycle, ActivityWhileTheAccessPointIsOffIsNotCarriedOver) {
  VirtualClock clock;
  Lifecycle life(clock.steady_now(), false, true);
  clock.advance(minutes(10));
  life.on_web_activity(clock.steady_now());
  clock.advance(minutes(10));
  EXPECT_EQ(life.on_button(ButtonPress::kShort, clock.steady_now()),
            (LifecycleActions{.factory_reset = false, .restart_services = true}));
  clock.advance(minutes(15) - milliseconds(1));
  life.tick(clock.steady_now());
  EXPECT_TRUE(life.access_point()) << "15 minutes from the press";
  clock.advance(milliseconds(1));
  life.tick(clock.steady_now());
  EXPECT_FALSE(life.access_point());
}

TEST(Lifecycle, AShortPressRebootsIntoAccessPointMode) {
  VirtualClock clock;
  Lifecycle life(clock.steady_now(), false, true);
  life.on_link(LinkState::kConnected);
  ASSERT_FALSE(life.access_point());
  const LifecycleActions a = life.on_button(ButtonPress::kShort, clock.steady_now());
  EXPECT_TRUE(a.restart_services);
  EXPECT_FALSE(a.factory_reset);
  EXPECT_TRUE(life.access_point());
  EXPECT_EQ(life.link(), LinkState::kConnected) << "the station link stays beside the access point";
}

TEST(Lifecycle, ASecondPressWhileOnRestartsTheFifteenMinutes) {
  VirtualClock clock;
  Lifecycle life(clock.steady_now(), true, true);
  clock.advance(minutes(14));
  (void)life.on_button(ButtonPress::kShort, clock.steady_now());
  clock.advance(minutes(14));
  life.tick(clock.steady_now());
  EXPECT_TRUE(life.access_point());
}

TEST(Lifecycle, ALongPressAsksForFactorySettingsAndAReboot) {
  VirtualClock clock;
  Lifecycle life(clock.steady_now(), false, true);
  const LifecycleActions a = life.on_button(ButtonPress::kLong, clock.steady_now());
  EXPECT_TRUE(a.factory_reset);
  EXPECT_TRUE(a.restart_services);
  EXPECT_TRUE(life.access_point());
}

TEST(Lifecycle, TheLedShowsEachState) {
  VirtualClock clock;
  Lifecycle life(clock.steady_now(), true, true);
  EXPECT_EQ(life.led(), LedPattern::kSlow) << "access point";
  life.on_link(LinkState::kConnecting);
  EXPECT_EQ(life.led(), LedPattern::kSlow) << "the access point wins while it is on";
  clock.advance(minutes(15));
  life.tick(clock.steady_now());
  EXPECT_EQ(life.led(), LedPattern::kFast) << "connecting";
  life.on_link(LinkState::kDisconnected);
  EXPECT_EQ(life.led(), LedPattern::kFast) << "searching";
  life.on_link(LinkState::kConnected);
  EXPECT_EQ(life.led(), LedPattern::kSteady);
  life.set_led_enabled(false);
  EXPECT_EQ(life.led(), LedPattern::kOff) << "off in the settings";
  (void)life.on_button(ButtonPress::kShort, clock.steady_now());
  EXPECT_EQ(life.led(), LedPattern::kOff) << "also in access-point mode";
  life.set_led_enabled(true);
  EXPECT_EQ(life.led(), LedPattern::kSlow);
}

TEST(Lifecycle, PatternsNameThemselves) {
  EXPECT_EQ(to_string(LedPattern::kOff), "off");
  EXPECT_EQ(to_string(LedPattern::kFast), "fast");
  EXPECT_EQ(to_string(LedPattern::kSlow), "slow");
  EXPECT_EQ(to_string(LedPattern::kSteady), "steady");
  EXPECT_EQ(to_string(LinkState::kConnecting), "connecting");
}

TEST(LedLit, FlashesAtEachPatternsRate) {
  const SteadyTime t0{};
  for (int i = 0; i < 8; ++i) {
    const SteadyTime t = t0 + milliseconds(125 * i);
    EXPECT_EQ(led_lit(LedPattern::kFast, t), i % 2 == 0) << i;
    EXPECT_EQ(led_lit(LedPattern::kSlow, t), i < 8 && (i / 8) % 2 == 0) << i;
    EXPECT_TRUE(led_lit(LedPattern::kSteady, t));
    EXPECT_FALSE(led_lit(LedPattern::kOff, t));
  }
  EXPECT_FALSE(led_lit(LedPattern::kSlow, t0 + milliseconds(1000)));
  EXPECT_FALSE(led_lit(LedPattern::kSlow, t0 + milliseconds(1999)));
  EXPECT_TRUE(led_lit(LedPattern::kSlow, t0 + milliseconds(2000)));
  EXPECT_FALSE(led_lit(LedPattern::kFast, t0 + milliseconds(249)));
}

// The daemon's part of a long press on a device: factory settings, the
// identity and meters kept, the LED setting back to its default.
TEST(Lifecycle, ALongPressOnADeviceKeepsTheMeters) {
  VirtualClock clock{from_unix_seconds(1'700'000'040)};
  MemoryStorage storage;
  metering::SyntheticConfig c;
  const metering::PhaseLoad load{230, 10, 0};
  c.profile = metering::constant_profile({load, load, load});
  auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                clock.steady_now(), "synthetic");
  ASSERT_TRUE(source.ok());
  int n = 0;
  auto opened = Device::open({clock, storage, std::move(source).value(),
                              [&n](std::span<std::byte> out) {
                                for (auto& b : out) b = static_cast<std::byte>(++n * 13);
                              }},
                             DeviceOptions{});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Device& d = **opened;
  ASSERT_TRUE(d.update_settings(json_patch({{"pin", "2468"}, {"led", false}})).ok());
  Lifecycle life(clock.steady_now(), false, d.settings().led);
  for (int i = 0; i < 65; ++i) {
    clock.advance(seconds(1));
    d.step();
  }
  ASSERT_TRUE(d.latest().has_value());
  const double wh = d.latest()->phase[0].wh;
  ASSERT_GT(wh, 0);
  EXPECT_EQ(life.led(), LedPattern::kOff);

  ASSERT_TRUE(carry_out(life.on_button(ButtonPress::kLong, clock.steady_now()), d).ok());
  life.set_led_enabled(d.settings().led);
  EXPECT_EQ(d.settings(), Settings{});
  EXPECT_EQ(life.led(), LedPattern::kSlow) << "the LED is on again by default";
  clock.advance(seconds(5));
  d.step();
  EXPECT_GE(d.latest()->phase[0].wh, wh) << "meters kept";
  d.shutdown();
}

}  // namespace
}  // namespace maic::device
