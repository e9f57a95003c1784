#include "maic/device/lifecycle_loop.hpp"

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

// A device on memory storage, a simulated radio with the home network in
// reach, an LED and a button in memory, and the loop, all on one virtual
// clock; turn() advances it as the daemon's threads would.
struct Rig {
  VirtualClock clock{from_unix_seconds(1'700'000'040)};
  MemoryStorage storage;
  std::unique_ptr<Device> device;
  SimulatedNetwork radio{{{{"Home", -55, true}, "secret-pw"}}};
  MemoryLed led;
  MemoryButton button;
  std::vector<std::string> log;
  std::optional<LifecycleLoop> loop;

  explicit Rig(bool first_start) {
    metering::SyntheticConfig c;
    const metering::PhaseLoad load{230, 10, 0};
    c.profile = metering::constant_profile({load, load, load});
    auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                  clock.steady_now(), "synthetic");
    EXPECT_TRUE(source.ok());
    int n = 0;
    auto opened = Device::open({clock, storage, std::move(source).value(),
                                [n](std::span<std::byte> out) mutable {
                                  for (auto& b : out) b = static_cast<std::byte>(++n * 7);
                                }},
                               DeviceOptions{});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    device = std::move(opened).value();
    LifecycleLoop::Options o;
    o.log = [this](std::string_view line) { log.emplace_back(line); };
    loop.emplace(LifecycleLoop::Parts{*device, radio, &led, &button}, clock.steady_now(),
                 first_start, o);
    loop->step(clock.steady_now());
  }
  // `how_long` of 25 ms loop turns, with a metering step each second.
  void run(Duration how_long) {
    const SteadyTime end = clock.steady_now() + how_long;
    while (clock.steady_now() < end) {
      clock.advance(milliseconds(25));
      loop->step(clock.steady_now());
      if (clock.steady_now().time_since_epoch() % seconds(1) == Duration::zero()) device->step();
    }
  }
  std::string ap_name() const { return access_point_name(device->identity().devid); }
};

TEST(LifecycleLoop, OpensTheAccessPointOnFirstStartAndClosesItAfterFifteenIdleMinutes) {
  Rig rig(true);
  EXPECT_EQ(rig.radio.access_point(), rig.ap_name());
  EXPECT_EQ(rig.loop->report().access_point, rig.ap_name());
  EXPECT_EQ(rig.loop->report().led, LedPattern::kSlow);
  rig.run(minutes(10));
  rig.loop->web_activity(rig.clock.steady_now());
  rig.run(minutes(15) - milliseconds(25));
  EXPECT_TRUE(rig.radio.access_point()) << "15 minutes after the last request, not before";
  rig.run(milliseconds(25));
  EXPECT_FALSE(rig.radio.access_point());
  EXPECT_FALSE(rig.loop->report().access_point);
  EXPECT_EQ(rig.loop->report().led, LedPattern::kFast) << "no network joined";
}

TEST(LifecycleLoop, NotOnFirstStartTheAccessPointStaysClosed) {
  Rig rig(false);
  EXPECT_FALSE(rig.radio.access_point());
  ASSERT_EQ(rig.radio.connect("Home", "secret-pw", WifiType::kN).outcome,
            ConnectOutcome::kConnected);
  rig.run(seconds(3));
  EXPECT_EQ(rig.loop->report().led, LedPattern::kSteady);
  EXPECT_EQ(rig.loop->report().link.ssid, "Home");
  EXPECT_TRUE(rig.led.lit());
}

TEST(LifecycleLoop, AShortPressOpensTheAccessPointAndReboots) {
  Rig rig(false);
  rig.loop->press(ButtonPress::kShort);
  rig.run(milliseconds(25));
  EXPECT_EQ(rig.radio.access_point(), rig.ap_name());
  EXPECT_EQ(rig.loop->report().led, LedPattern::kSlow);
  EXPECT_NE(std::find(rig.log.begin(), rig.log.end(), "short press: reboot into access-point mode"),
            rig.log.end());
}

TEST(LifecycleLoop, HoldingTheButtonRestoresFactorySettingsAndKeepsTheMeters) {
  Rig rig(false);
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"pin", "2468"}, {"led", false}})).ok());
  rig.run(minutes(1) + seconds(5));
  EXPECT_EQ(rig.loop->report().led, LedPattern::kOff) << "off in the settings";
  EXPECT_FALSE(rig.led.lit());
  const double wh = rig.device->latest()->phase[0].wh;
  ASSERT_GT(wh, 0);
  rig.button.hold(true);
  rig.run(seconds(5));
  EXPECT_EQ(rig.device->settings().pin, "2468") << "not yet: 5 s is not more than 5 s";
  rig.run(milliseconds(100));
  EXPECT_EQ(rig.device->settings(), Settings{}) << "while still held";
  EXPECT_EQ(rig.radio.access_point(), rig.ap_name());
  EXPECT_EQ(rig.loop->report().led, LedPattern::kSlow) << "the LED is on by default again";
  rig.button.hold(false);
  rig.run(seconds(2));
  EXPECT_GE(rig.device->latest()->phase[0].wh, wh) << "meters kept";
  EXPECT_NE(std::find(rig.log.begin(), rig.log.end(), "factory reset: done"), rig.log.end());
}

TEST(LifecycleLoop, ARadioFailureIsReportedAndTheLinkPolledAgain) {
  Rig rig(false);
  rig.radio.fail_next("radio jammed");
  rig.run(seconds(2));
  EXPECT_EQ(rig.loop->report().error, "network: radio jammed");
  EXPECT_NE(std::find(rig.log.begin(), rig.log.end(), "network: radio jammed"), rig.log.end());
  ASSERT_EQ(rig.radio.connect("Home", "secret-pw", WifiType::kN).outcome,
            ConnectOutcome::kConnected);
  rig.run(seconds(2));
  EXPECT_EQ(rig.loop->report().link.state, LinkState::kConnected);
  EXPECT_EQ(rig.loop->report().led, LedPattern::kSteady);
}

// The settings' wifi_type (the manual's "WiFi type") reaches the radio with
// the site's "Connect", as the settings stand when the loop carries it out.
TEST(LifecycleLoop, ConnectHandsTheRadioTheWifiTypeOfTheSettings) {
  Rig rig(false);
  rig.loop->connect_to("Home", "secret-pw");
  rig.run(milliseconds(25));
  EXPECT_EQ(rig.radio.wifi_type(), WifiType::kN) << "the default: b/g/n";
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"wifi_type", "g"}})).ok());
  rig.loop->connect_to("Home", "secret-pw");
  rig.run(milliseconds(25));
  EXPECT_EQ(rig.radio.wifi_type(), WifiType::kG);
  ASSERT_TRUE(rig.loop->report().connect);
  EXPECT_EQ(rig.loop->report().connect->outcome, ConnectOutcome::kConnected);
}

}  // namespace
}  // namespace maic::device
