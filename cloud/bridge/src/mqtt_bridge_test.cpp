// The MQTT bridge against a real mosquitto on loopback (maic::testing's
// MosquittoBroker) writing into a SqliteStore. Every wait is for a log
// line or a handled message, bounded by kWaitLimit; time is a virtual clock
// the test advances.
#include "maic/cloud/mqtt_bridge.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "bridge_test_messages.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/testing/mosquitto_broker.hpp"
#include "maic/testing/shared_clock.hpp"
#include "maic/testing/temp_dir.hpp"

namespace maic::cloud {
namespace {

using namespace std::chrono_literals;
using namespace bridge_test;
namespace peers = maic::testing;

// --- The bridge against a broker and a store --------------------------------------

using maic::testing::SharedClock;

constexpr std::string_view kThreePhase = "1828719372";
constexpr std::string_view kSinglePhase = "1234567890";
constexpr std::string_view kPin = "4321";

std::string json_topic(std::string_view id) { return fmt::format("smart-maic/{}/JSON", id); }

class MqttBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = must(peers::MosquittoBroker::start());
    store_ = must(SqliteStore::open((dir_.path() / "maic.db").string()));
    client_ = must(peers::MqttTestClient::connect(broker_->port()));
  }

  MqttBridgeOptions options() const {
    MqttBridgeOptions o;
    o.host = "127.0.0.1";
    o.port = broker_->port();
    o.pin = std::string(kPin);
    return o;
  }

  // A started bridge, subscribed.
  std::unique_ptr<MqttBridge> bridge(MqttBridgeOptions o) {
    auto b = std::make_unique<MqttBridge>(
        *store_, clock_, std::move(o), [this](std::string_view l) { log_.push(std::string(l)); },
        [this](std::string_view topic) { handled_.push(std::string(topic)); });
    must(b->start());
    EXPECT_TRUE(subscribed(++subscriptions_)) << broker_->log();
    return b;
  }

  bool subscribed(std::size_t times) {
    return log_.wait_until([&](const std::vector<std::string>& lines) {
      return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [](const auto& l) {
               return l.find("subscribed to smart-maic/+/JSON") != std::string::npos;
             })) >= times;
    });
  }

  bool logged(std::string_view part) {
    return log_.wait_for([&](const std::string& l) { return l.find(part) != std::string::npos; })
        .has_value();
  }

  // Publishes and waits until the bridge handled it.
  void publish(std::string_view topic, std::string_view payload) {
    must(client_->publish(topic, payload));
    const std::size_t n = ++published_;
    ASSERT_TRUE(handled_.wait_until([n](const auto& items) { return items.size() >= n; }))
        << "the bridge did not handle " << topic;
  }

  std::vector<MinuteRecord> minutes(std::string_view id) {
    return must(store_->minutes(std::string(id), 0, kT0 * 2, 100));
  }

  maic::testing::TempDir dir_{"maic-mqtt-bridge"};
  std::unique_ptr<peers::MosquittoBroker> broker_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<peers::MqttTestClient> client_;
  SharedClock clock_{at(kT0)};
  peers::Inbox<std::string> log_;
  peers::Inbox<std::string> handled_;
  std::size_t published_ = 0;
  std::size_t subscriptions_ = 0;  // "subscribed" lines expected so far
};

// Three simulated minutes of a three-phase device, every 10 s from :05, and
// a single-phase one alongside: the minutes and the hour in the store are
// what was published.
TEST_F(MqttBridgeTest, StoresMinutesAndRollupsOfWhatWasPublished) {
  auto b = bridge(options());
  constexpr int kMessages = 18;
  constexpr double kStep = 600.0 * 10 / 3600;  // Wh in 10 s at 600 W
  clock_.advance(5s);
  for (int k = 0; k < kMessages; ++k) {
    publish(json_topic(kThreePhase), three_phase_json(230 + 0.1 * k, 600, 10'000 + kStep * k));
    publish(json_topic(kSinglePhase),
            fmt::format(R"({{"V":{},"A":1,"W":100,"Wh":{},"PF":1,"Temp":20,"OUT":0}})", 220 + k,
                        500 + k));
    if (k == 6) {
      // The first message of the second minute stored the first.
      EXPECT_EQ(minutes(kThreePhase).size(), 1u);
    }
    clock_.advance(10s);
  }
  // Past the third minute's end: nobody speaks, the caller's timer stores it.
  clock_.advance(10s);
  b->store_ended_minutes();

  const MqttBridgeStatus s = b->status();
  EXPECT_TRUE(s.connected);
  EXPECT_EQ(s.messages, 2u * kMessages);
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_EQ(s.devices, 2u);
  EXPECT_EQ(s.minutes_stored, 6u);
  EXPECT_EQ(s.last_error, "");

  const std::optional<DeviceRow> row = must(store_->device(std::string(kThreePhase)));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->identity.devtype, kBridgeDevtype);
  EXPECT_EQ(row->identity.phases, 3);
  EXPECT_EQ(row->owner, 0);
  EXPECT_EQ(row->newest_minute, kT0 + 120);
  EXPECT_EQ(row->newest_seq, static_cast<std::uint32_t>((kT0 + 120) / 60));
  // The installer's PIN opens it; nothing else does.
  EXPECT_EQ(must(pin_digest(row->identity.pin_salt, kPin)), row->identity.pin_hash);
  EXPECT_NE(must(pin_digest(row->identity.pin_salt, "0000")), row->identity.pin_hash);

  const std::vector<MinuteRecord> ms = minutes(kThreePhase);
  ASSERT_EQ(ms.size(), 3u);
  double energy = 0;
  for (int m = 0; m < 3; ++m) {
    const MinuteRecord& r = ms[static_cast<std::size_t>(m)];
    EXPECT_EQ(r.minute, kT0 + 60 * m);
    EXPECT_EQ(r.readings, 6);
    EXPECT_NEAR(r.phase[0].volts, 230 + 0.1 * (6 * m + 2.5), 1e-9);
    EXPECT_NEAR(r.phase[1].volts, 230, 1e-9);
    EXPECT_NEAR(r.phase[0].watts, 600, 1e-9);
    EXPECT_NEAR(r.phase[0].power_factor, 0.95, 1e-9);
    EXPECT_NEAR(r.temperature_c, 31.5, 1e-9);
    EXPECT_TRUE(r.output_on);
    // Six steps a minute, but the very first message has no predecessor.
    EXPECT_NEAR(r.phase[0].wh_delta, kStep * (m == 0 ? 5 : 6), 1e-6);
    EXPECT_NEAR(r.phase[0].wh, 10'000 + kStep * (6 * m + 5), 1e-6);
    EXPECT_NEAR(r.phase[2].wh, 3000, 1e-9);
    EXPECT_EQ(r.phase[2].wh_delta, 0);
    energy += r.phase[0].wh_delta;
  }

  const std::int64_t hour = kT0 - kT0 % 3600;
  const std::vector<PeriodValue> hours =
      must(store_->periods(std::string(kThreePhase), Period::kHour, hour, hour, 10));
  ASSERT_EQ(hours.size(), 1u);
  const PeriodRow& h = hours[0].row;
  EXPECT_EQ(h.minutes, 3);
  EXPECT_NEAR(h.phase[0].wh_energy, energy, 1e-3);
  EXPECT_NEAR(h.phase[0].wh_energy, kStep * (kMessages - 1), 1e-3);  // first to last meter
  EXPECT_NEAR(h.phase[0].wh, 10'000 + kStep * (kMessages - 1), 1e-3);
  EXPECT_NEAR(h.phase[0].volts, 230 + 0.1 * 8.5, 1e-3);

  const std::vector<MinuteRecord> single = minutes(kSinglePhase);
  ASSERT_EQ(single.size(), 3u);
  EXPECT_EQ(single[1].phases, 1);
  EXPECT_NEAR(single[1].phase[0].volts, 220 + 8.5, 1e-9);
  EXPECT_NEAR(single[1].phase[0].wh_delta, 6, 1e-9);
  EXPECT_NEAR(single[1].phase[0].wh, 511, 1e-9);
  EXPECT_FALSE(single[1].output_on);
  EXPECT_EQ(must(store_->device(std::string(kSinglePhase)))->identity.phases, 1);
}

// Issue 9 K1: Wh1 100000, 100001, (a message without Wh1), 100003, 100004,
// then 12345000 (the owner set an initial value on the device), 12345001,
// 12345002, every 10 s at 500 W. An absent key is not zero and a new
// initial value is not consumption: the hour books 7 Wh, not 12,345,003.
TEST_F(MqttBridgeTest, AGlitchOrANewInitialValueIsNotConsumption) {
  auto b = bridge(options());
  clock_.advance(5s);
  for (const char* wh1 :
       {"100000", "100001", "", "100003", "100004", "12345000", "12345001", "12345002"}) {
    const std::string meter = *wh1 == '\0' ? "" : fmt::format(R"("Wh1":{},)", wh1);
    publish(json_topic(kThreePhase),
            fmt::format(R"({{"V1":230,"W1":500,{}"Wh2":0,"Wh3":0,"OUT":1}})", meter));
    clock_.advance(10s);
  }
  clock_.advance(60s);
  b->store_ended_minutes();

  const std::int64_t hour = kT0 - kT0 % 3600;
  const std::vector<PeriodValue> hours =
      must(store_->periods(std::string(kThreePhase), Period::kHour, hour, hour, 10));
  ASSERT_EQ(hours.size(), 1u);
  // 4 Wh counted before, 2 after, and 500 W for the 10 s no meter measured.
  EXPECT_NEAR(hours[0].row.phase[0].wh_energy, 4 + 500.0 * 10 / 3600 + 2, 1e-6);
  EXPECT_EQ(std::lround(hours[0].row.phase[0].wh_energy), 7);
  // The meter shown is the device's: the owner's new value.
  EXPECT_NEAR(hours[0].row.phase[0].wh, 12345002, 1e-6);
}

TEST_F(MqttBridgeTest, MalformedMessagesAreCountedNotFatal) {
  auto b = bridge(options());
  clock_.advance(5s);
  publish(json_topic(kThreePhase), "V1=230");
  publish(json_topic(kThreePhase), R"({"V1":"230"})");
  publish("smart-maic/42/JSON", three_phase_json(230, 0, 1));
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 1));
  EXPECT_TRUE(logged("V1: a number within 0..100000 is required"));
  EXPECT_TRUE(logged("smart-maic/42/JSON: the device ID must be 10 digits"));
  b->stop();
  const MqttBridgeStatus s = b->status();
  EXPECT_FALSE(s.running);
  EXPECT_EQ(s.messages, 4u);
  EXPECT_EQ(s.malformed, 3u);
  EXPECT_EQ(s.devices, 1u);
  // stop() stored the open minute.
  EXPECT_EQ(minutes(kThreePhase).size(), 1u);
  EXPECT_FALSE(must(store_->device("42")));
}

TEST_F(MqttBridgeTest, LeavesDevicesOfTheUplinkAlone) {
  DeviceIdentity uplink{
      std::string(kThreePhase), "D103", "1.0", 3, secret_hash("s"), new_pin_salt(),
      std::string(64, 'a')};
  must(store_->upsert_device(uplink, kT0));
  auto b = bridge(options());
  clock_.advance(5s);
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 1));
  EXPECT_TRUE(logged("is a D103 of the HTTP uplink"));
  b->stop();
  EXPECT_EQ(b->status().ignored, 1u);
  EXPECT_EQ(b->status().devices, 0u);
  EXPECT_EQ(must(store_->device(std::string(kThreePhase)))->identity, uplink);
  EXPECT_TRUE(minutes(kThreePhase).empty());
}

TEST_F(MqttBridgeTest, WithoutAPinNobodyCanAddTheDevice) {
  MqttBridgeOptions o = options();
  o.pin.clear();
  auto b = bridge(o);
  clock_.advance(5s);
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 1));
  const std::optional<DeviceRow> row = must(store_->device(std::string(kThreePhase)));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->identity.pin_hash.size(), 64u);
  for (const char* pin : {"", "0", "0000", "1234", "4321"}) {
    EXPECT_NE(must(pin_digest(row->identity.pin_salt, pin)), row->identity.pin_hash) << pin;
  }
}

// Stopped mid-minute and started again: the flushed minute is final, and
// the energy counts on from its meters, none lost.
TEST_F(MqttBridgeTest, ARestartedBridgeCountsOnFromTheStoredMeters) {
  auto b = bridge(options());
  clock_.advance(5s);
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 100));
  clock_.advance(10s);
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 101));
  b->stop();
  b.reset();

  auto again = bridge(options());
  clock_.advance(10s);  // :25, the stored minute
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 104));
  clock_.advance(50s);  // the next minute
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 110));
  again->stop();
  const std::vector<MinuteRecord> ms = minutes(kThreePhase);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_DOUBLE_EQ(ms[0].phase[0].wh_delta, 1);
  EXPECT_DOUBLE_EQ(ms[0].phase[0].wh, 101);
  EXPECT_EQ(ms[1].minute, kT0 + 60);
  EXPECT_DOUBLE_EQ(ms[1].phase[0].wh_delta, 9);
  EXPECT_DOUBLE_EQ(ms[1].phase[0].wh, 110);
}

// The one slow test (about 1 s): libmosquitto's reconnect delay.
TEST_F(MqttBridgeTest, ReconnectsAndSubscribesAgain) {
  auto b = bridge(options());
  broker_->kill();
  EXPECT_TRUE(logged("connection to 127.0.0.1"));
  must(broker_->restart());
  ASSERT_TRUE(subscribed(++subscriptions_)) << broker_->log();
  client_ = must(peers::MqttTestClient::connect(broker_->port()));
  clock_.advance(5s);
  publish(json_topic(kThreePhase), three_phase_json(230, 0, 1));
  EXPECT_TRUE(b->status().connected);
  EXPECT_EQ(b->status().devices, 1u);
}

}  // namespace
}  // namespace maic::cloud
