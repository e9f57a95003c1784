#include "maic/device/device.hpp"

#include <gtest/gtest.h>

#include "maic/device/settings_json.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"

namespace maic::device {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

RandomBytes fixed_random() {
  return [n = 0](std::span<std::byte> out) mutable {
    for (auto& b : out) b = static_cast<std::byte>(++n * 13);
  };
}

// A device on memory storage and a virtual clock, fed a constant 230 V ×
// 10 A at PF 1 on three phases: 6.9 kW, 115 Wh a minute.
struct Bench {
  VirtualClock clock{from_unix_seconds(1'700'000'040)};  // on a minute boundary
  MemoryStorage storage;

  std::unique_ptr<Device> open() {
    metering::SyntheticConfig c;
    const metering::PhaseLoad load{230, 10, 0};
    c.profile = metering::constant_profile({load, load, load});
    auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                  clock.steady_now(), "synthetic");
    EXPECT_TRUE(source.ok());
    DeviceOptions options;
    options.firmware_version = "test";
    auto device =
        Device::open({clock, storage, std::move(source).value(), fixed_random()}, options);
    EXPECT_TRUE(device.ok()) << device.error().message;
    return std::move(device).value();
  }

  void run(Device& d, Duration how_long) {
    const SteadyTime end = clock.steady_now() + how_long;
    while (clock.steady_now() < end) {
      clock.advance(seconds(1));
      d.step();
    }
  }
};

double total_wh(const Reading& r) { return r.phase[0].wh + r.phase[1].wh + r.phase[2].wh; }

TEST(Device, MetersJournalsAndKeepsItsIdentity) {
  Bench b;
  std::string devid;
  {
    auto d = b.open();
    devid = d->identity().devid;
    b.run(*d, minutes(10) + seconds(5));
    ASSERT_TRUE(d->latest().has_value());
    EXPECT_NEAR(total_wh(*d->latest()), 6900.0 * (600 + 5) / 3600, 2);
    const auto journal = d->minutes(0, std::numeric_limits<std::int64_t>::max());
    ASSERT_EQ(journal.size(), 10u);
    EXPECT_EQ(journal.front().minute, 1'700'000'040);
    EXPECT_EQ(journal.back().minute, 1'700'000'040 + 9 * 60);
    // The journal's energy is the counters' difference: 115 Wh a minute
    // (the first minute has no record before it).
    EXPECT_NEAR(journal[5].phase[0].wh_delta * 3, 115, 0.5);
    EXPECT_NEAR(journal[5].phase[1].watts, 2300, 10);
    // The minute's mean frequency is journaled (field fault K4: it read 0).
    for (std::size_t p = 0; p < 3; ++p) {
      EXPECT_NEAR(journal[5].phase[p].hertz, d->latest()->phase[p].hertz, 0.02) << p;
      EXPECT_GT(journal[5].phase[p].hertz, 40) << p;
    }
    d->shutdown();
  }
  auto again = b.open();
  EXPECT_EQ(again->identity().devid, devid);
  b.run(*again, seconds(5));
  EXPECT_GE(total_wh(*again->latest()), 6900.0 * 600 / 3600) << "meters never go backwards";
}

TEST(Device, InitialValuesSetTheMetersWithoutCountingAsConsumption) {
  Bench b;
  auto d = b.open();
  b.run(*d, minutes(2) + seconds(5));
  const InitialValue v[] = {{Family::kEnergy, 1, 1'000'000}};
  ASSERT_TRUE(d->set_initial_values(v).ok());
  b.run(*d, minutes(1));
  EXPECT_NEAR(d->latest()->phase[0].wh, 1'000'000 + 2300.0 * 60 / 3600, 1);
  const auto journal = d->minutes(0, std::numeric_limits<std::int64_t>::max());
  for (const MinuteRecord& m : journal) {
    EXPECT_LT(m.phase[0].wh_delta, 40) << "minute " << m.minute;
  }
  EXPECT_GT(journal.back().phase[0].wh, 1'000'000);
}

TEST(Device, OutputSwitchesAndPersists) {
  Bench b;
  {
    auto d = b.open();
    EXPECT_FALSE(d->output_on());
    ASSERT_TRUE(d->set_output(true).ok());
    b.run(*d, seconds(5));
    EXPECT_TRUE(d->latest()->output_on);
  }
  auto again = b.open();
  EXPECT_TRUE(again->output_on());
}

TEST(Device, BadSettingsChangeNothing) {
  Bench b;
  auto d = b.open();
  const Settings before = d->settings();
  const Status s = d->update_settings(json_patch({{"mqtt", {{"port", 0}}}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("mqtt.port"), std::string::npos);
  EXPECT_EQ(d->settings(), before);
  ASSERT_TRUE(d->update_settings(json_patch({{"pin", "2468"}})).ok());
  EXPECT_EQ(b.open()->settings().pin, "2468") << "saved";
}

TEST(Device, FactoryResetKeepsIdentityMetersAndJournal) {
  Bench b;
  auto d = b.open();
  ASSERT_TRUE(d->update_settings(json_patch({{"pin", "2468"}, {"led", false}})).ok());
  b.run(*d, minutes(3) + seconds(5));
  const double wh = total_wh(*d->latest());
  const std::string devid = d->identity().devid;
  ASSERT_TRUE(d->factory_reset().ok());
  EXPECT_EQ(d->settings(), Settings{});
  EXPECT_EQ(d->identity().devid, devid);
  b.run(*d, seconds(5));
  EXPECT_GE(total_wh(*d->latest()), wh);
  EXPECT_EQ(d->minutes(0, std::numeric_limits<std::int64_t>::max()).size(), 3u);
  d->shutdown();
  EXPECT_EQ(b.open()->settings().pin, "0000");
}

TEST(Device, StatusSaysWhatItIs) {
  Bench b;
  auto d = b.open();
  b.run(*d, minutes(1) + seconds(5));
  const DeviceStatus s = d->status();
  EXPECT_EQ(s.identity.devtype, "D103");
  EXPECT_EQ(s.firmware_version, "test");
  EXPECT_EQ(to_string(s.mqtt_state), "disabled");
  EXPECT_EQ(s.journal_records, 1u);
  EXPECT_TRUE(s.source.last_error.empty());
  EXPECT_EQ(s.uptime, minutes(1) + seconds(5));
}

}  // namespace
}  // namespace maic::device
