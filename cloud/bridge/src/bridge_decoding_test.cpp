// The bridge's pure part on its own: the URL, the topics, the JSON payload
// and the minutes BridgeAggregator builds; no broker, no store.
#include "maic/cloud/bridge_decoding.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "bridge_test_messages.hpp"

namespace maic::cloud {
namespace {

using namespace std::chrono_literals;
using namespace bridge_test;

// --- The URL and the topics -------------------------------------------------------

TEST(MqttBridgeUrl, HostAloneTakesTheDefaults) {
  const MqttBridgeOptions o = must(parse_bridge_url("mqtt://broker.local"));
  EXPECT_EQ(o.host, "broker.local");
  EXPECT_EQ(o.port, 1883);
  EXPECT_EQ(o.prefix, "smart-maic/");
  EXPECT_EQ(o.username, "");
  EXPECT_EQ(o.password, "");
}

TEST(MqttBridgeUrl, EveryPart) {
  const MqttBridgeOptions o = must(parse_bridge_url("mqtt://me:p%40ss:w@10.0.0.2:1884/home/maic/"));
  EXPECT_EQ(o.username, "me");
  EXPECT_EQ(o.password, "p@ss:w");
  EXPECT_EQ(o.host, "10.0.0.2");
  EXPECT_EQ(o.port, 1884);
  EXPECT_EQ(o.prefix, "home/maic/");
  EXPECT_EQ(describe(o), "mqtt://me@10.0.0.2:1884/home/maic/");  // no password
}

TEST(MqttBridgeUrl, ASlashAloneIsTheDefaultPrefix) {
  EXPECT_EQ(must(parse_bridge_url("mqtt://h/")).prefix, "smart-maic/");
  EXPECT_EQ(must(parse_bridge_url("mqtt://h/x")).prefix, "x");
  EXPECT_EQ(must(parse_bridge_url("mqtt://h:1/")).port, 1);
}

TEST(MqttBridgeUrl, Ipv6InBrackets) {
  const MqttBridgeOptions o = must(parse_bridge_url("mqtt://[::1]:1885/x/"));
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 1885);
  EXPECT_EQ(describe(o), "mqtt://[::1]:1885/x/");
}

TEST(MqttBridgeUrl, RefusesWhatItCannotUse) {
  for (const char* bad :
       {"mqtts://h/", "http://h/", "mqtt://", "mqtt:///x/", "mqtt://h:/", "mqtt://h:0/",
        "mqtt://h:65536/", "mqtt://h:12a/", "mqtt://::1/", "mqtt://[::1/", "mqtt://:pw@h/",
        "mqtt://h/a+/", "mqtt://h/#", "mqtt://h/%zz", "mqtt://h/?x=1"}) {
    EXPECT_FALSE(parse_bridge_url(bad).ok()) << bad;
  }
}

TEST(MqttBridgeOptions, ThePinIsOneToTenDigits) {
  MqttBridgeOptions o;
  o.host = "h";
  for (const char* pin : {"", "0", "1234", "0123456789"}) {
    o.pin = pin;
    EXPECT_TRUE(validate(o).ok()) << pin;
  }
  for (const char* pin : {"12345678901", "12a4", " 1234"}) {
    o.pin = pin;
    EXPECT_FALSE(validate(o).ok()) << pin;
  }
}

TEST(MqttBridgeTopics, SubscriptionCoversThePrefix) {
  EXPECT_EQ(bridge_subscription("smart-maic/"), "smart-maic/+/JSON");
  EXPECT_EQ(bridge_subscription(""), "+/JSON");
  EXPECT_EQ(bridge_subscription("a/b/"), "a/b/+/JSON");
  // An unfinished level: + must fill a whole one.
  EXPECT_EQ(bridge_subscription("maic-"), "+/JSON");
  EXPECT_EQ(bridge_subscription("home/maic-"), "home/+/JSON");
}

TEST(MqttBridgeTopics, DeviceIdOfTheTopic) {
  EXPECT_EQ(bridge_device_of("smart-maic/1828719372/JSON", "smart-maic/"), "1828719372");
  EXPECT_EQ(bridge_device_of("1828719372/JSON", ""), "1828719372");
  EXPECT_EQ(bridge_device_of("home/maic-1828719372/JSON", "home/maic-"), "1828719372");
  EXPECT_EQ(bridge_device_of("smart-maic/1828719372/V1", "smart-maic/"), std::nullopt);
  EXPECT_EQ(bridge_device_of("smart-maic/182871937/JSON", "smart-maic/"), std::nullopt);
  EXPECT_EQ(bridge_device_of("smart-maic/18287193720/JSON", "smart-maic/"), std::nullopt);
  EXPECT_EQ(bridge_device_of("smart-maic/18287x9372/JSON", "smart-maic/"), std::nullopt);
  EXPECT_EQ(bridge_device_of("other/1828719372/JSON", "smart-maic/"), std::nullopt);
  EXPECT_EQ(bridge_device_of("home/other1828719372/JSON", "home/maic-"), std::nullopt);
  EXPECT_EQ(bridge_device_of("smart-maic/JSON", "smart-maic/"), std::nullopt);
}

// --- The payload ------------------------------------------------------------------

TEST(MqttBridgeJson, ThreePhases) {
  const Reading r = must(parse_device_json(three_phase_json(229.5, 600, 1234.5, 7), at(kT0)));
  EXPECT_EQ(r.phases, 3);
  EXPECT_EQ(r.wall_end, at(kT0));
  EXPECT_DOUBLE_EQ(r.phase[0].volts, 229.5);
  EXPECT_DOUBLE_EQ(r.phase[2].volts, 231.0);
  EXPECT_DOUBLE_EQ(r.phase[1].amps, 2.5);
  EXPECT_DOUBLE_EQ(r.phase[0].watts, 600);
  EXPECT_DOUBLE_EQ(r.phase[0].wh, 1234.5);
  EXPECT_DOUBLE_EQ(r.phase[2].wh, 3000);
  EXPECT_DOUBLE_EQ(r.phase[0].rwh, 7);
  EXPECT_DOUBLE_EQ(r.phase[1].power_factor, 0.9);
  EXPECT_DOUBLE_EQ(r.temperature_c, 31.5);
  EXPECT_TRUE(r.output_on);
  // The meters are kept as published; the deltas are the aggregator's.
  EXPECT_EQ(r.phase[0].wh_delta, 0);
}

TEST(MqttBridgeJson, SinglePhaseByItsKeys) {
  const Reading r = must(parse_device_json(
      R"({"V":229.1,"A":1.5,"W":300,"rW":0,"Wh":500,"rWh":1,"PF":0.8,"Temp":30,"OUT":0})",
      at(kT0)));
  EXPECT_EQ(r.phases, 1);
  EXPECT_DOUBLE_EQ(r.phase[0].volts, 229.1);
  EXPECT_DOUBLE_EQ(r.phase[0].amps, 1.5);  // "A" is the phase's, not a total
  EXPECT_DOUBLE_EQ(r.phase[0].watts, 300);
  EXPECT_DOUBLE_EQ(r.phase[0].wh, 500);
  EXPECT_DOUBLE_EQ(r.phase[0].rwh, 1);
  EXPECT_FALSE(r.output_on);
  EXPECT_EQ(r.phase[1].volts, 0);
}

TEST(MqttBridgeJson, TotalsAndUnknownKeysAreIgnored) {
  // maic's own JSON carries totals and kWh copies; none of them may win over the phases.
  const Reading r = must(parse_device_json(
      R"({"V1":230,"A":99,"W":99,"TWh":99,"kWh1":99,"Fr1":50.01,"note":"x","Wh1":5})", at(kT0)));
  EXPECT_EQ(r.phases, 3);
  EXPECT_DOUBLE_EQ(r.phase[0].wh, 5);
  EXPECT_DOUBLE_EQ(r.phase[0].hertz, 50.01);
  EXPECT_EQ(r.phase[0].amps, 0);  // absent
  EXPECT_EQ(r.phase[0].watts, 0);
}

TEST(MqttBridgeJson, NegativePowerFactorIsItsMagnitude) {
  EXPECT_DOUBLE_EQ(
      must(parse_device_json(R"({"V1":230,"PF1":-0.5})", at(kT0))).phase[0].power_factor, 0.5);
}

// An original set to °F publishes Temp in °F: a hot board (95 °C is 203 °F)
// must not have its whole message, energy included, refused.
TEST(MqttBridgeJson, ATemperatureInFahrenheitIsNotRefused) {
  EXPECT_DOUBLE_EQ(must(parse_device_json(R"({"V1":230,"Temp":203})", at(kT0))).temperature_c, 203);
  EXPECT_DOUBLE_EQ(must(parse_device_json(R"({"V1":230,"Temp":392})", at(kT0))).temperature_c, 392);
  EXPECT_FALSE(parse_device_json(R"({"V1":230,"Temp":393})", at(kT0)).ok());
}

TEST(MqttBridgeJson, ClearErrors) {
  auto error_of = [](std::string_view payload) {
    Result<Reading> r = parse_device_json(payload, at(kT0));
    return r.ok() ? std::string("<ok>") : r.error().message;
  };
  EXPECT_EQ(error_of("V1=230"), "the message is not JSON");
  EXPECT_EQ(error_of("[230]"), "the message is not a JSON object");
  EXPECT_NE(error_of(R"({"Temp":30,"OUT":1})").find("no measured value"), std::string::npos);
  EXPECT_EQ(error_of(R"({"V1":"230.1"})"), "V1: a number within 0..100000 is required");
  EXPECT_EQ(error_of(R"({"V1":230,"W2":-5})"), "W2: a number within 0..1e+09 is required");
  EXPECT_EQ(error_of(R"({"V1":230,"Wh3":null})"), "Wh3: a number within 0..1e+15 is required");
  EXPECT_EQ(error_of(R"({"V1":230,"PF1":1.5})"), "PF1: a number within -1..1 is required");
  EXPECT_EQ(error_of(R"({"V1":230,"OUT":0.5})"), "OUT: 0 or 1 is required");
  EXPECT_EQ(error_of(R"({"V1":230,"OUT":true})"), "OUT: a number within 0..1 is required");
  EXPECT_EQ(error_of(std::string(kMaxBridgePayload + 1, ' ')),
            "the message is longer than 16384 bytes");
}

// --- Minutes ----------------------------------------------------------------------

// A message received at `unix` with phase 1's voltage, power and meters.
Reading message(std::int64_t unix, double v1, double w1, double wh1, double rwh1 = 0) {
  return must(parse_device_json(three_phase_json(v1, w1, wh1, rwh1), at(unix)));
}

TEST(BridgeAggregator, MeansAndMeterDifferences) {
  BridgeAggregator agg;
  // Every 10 s from :05: the minute kT0 gets six messages.
  for (int k = 0; k < 6; ++k) {
    EXPECT_FALSE(agg.add(message(kT0 + 5 + 10 * k, 230 + k, 600 + 60 * k, 1000 + 2 * k)));
  }
  const std::optional<MinuteRecord> m = agg.add(message(kT0 + 65, 240, 0, 1013));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->minute, kT0);
  EXPECT_EQ(m->phases, 3);
  EXPECT_EQ(m->readings, 6);
  EXPECT_DOUBLE_EQ(m->phase[0].volts, 232.5);  // the mean of 230..235
  EXPECT_DOUBLE_EQ(m->phase[0].watts, 720);    // 10 Wh in the 50 s after the first message
  EXPECT_DOUBLE_EQ(m->phase[0].amps, 2.5);
  EXPECT_DOUBLE_EQ(m->phase[0].power_factor, 0.95);
  EXPECT_DOUBLE_EQ(m->temperature_c, 31.5);
  EXPECT_TRUE(m->output_on);
  // The first message has nothing to differ from; five steps of 2 Wh follow.
  EXPECT_DOUBLE_EQ(m->phase[0].wh_delta, 10);
  EXPECT_DOUBLE_EQ(m->phase[0].wh, 1010);  // the last meter of the minute
  EXPECT_DOUBLE_EQ(m->phase[1].wh_delta, 0);
  EXPECT_DOUBLE_EQ(m->phase[1].wh, 2000);

  // The next minute counts from the last meter of this one.
  const std::optional<MinuteRecord> next = agg.flush();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->minute, kT0 + 60);
  EXPECT_DOUBLE_EQ(next->phase[0].wh_delta, 3);
  EXPECT_DOUBLE_EQ(next->phase[0].wh, 1013);
  EXPECT_FALSE(agg.flush());
}

TEST(BridgeAggregator, MeanPowerIsTheMetersEnergyOverTheTimeItCovers) {
  BridgeAggregator agg;
  // Reported powers sample 100 W, but the meter counts 2,400 W: 6.67 Wh in
  // every 10 s.
  const auto meter = [](int tens) { return 1000 + 2400.0 * tens / 360; };
  for (int k = 0; k < 6; ++k) agg.add(message(kT0 + 5 + 10 * k, 230, 100, meter(k)));
  const std::optional<MinuteRecord> m = agg.flush();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->minute, kT0);
  EXPECT_EQ(m->covered, 50s);  // the first message has nothing to differ from
  EXPECT_NEAR(m->phase[0].watts, 2400, 1e-9);
  EXPECT_EQ(m->phase[1].watts, 0);

  // After a silence the energy and its time go to the next message's minute.
  agg.add(message(kT0 + 185, 230, 100, meter(18)));
  const std::optional<MinuteRecord> after = agg.flush();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->covered, 130s);
  EXPECT_NEAR(after->phase[0].watts, 2400, 1e-9);
}

TEST(BridgeAggregator, AMeterGoingBackCountsNothingForThatStep) {
  BridgeAggregator agg;
  agg.add(message(kT0 + 5, 230, 0, 5000, 100));
  agg.add(message(kT0 + 15, 230, 0, 5004, 101));
  agg.add(message(kT0 + 25, 230, 0, 0, 0));  // the user set the meters to 0
  agg.add(message(kT0 + 35, 230, 0, 3, 2));
  const std::optional<MinuteRecord> m = agg.flush();
  ASSERT_TRUE(m);
  EXPECT_DOUBLE_EQ(m->phase[0].wh_delta, 4 + 0 + 3);
  EXPECT_DOUBLE_EQ(m->phase[0].rwh_delta, 1 + 0 + 2);
  EXPECT_DOUBLE_EQ(m->phase[0].wh, 3);
}

TEST(BridgeAggregator, AMessageOnTheMinuteClosesTheMinuteBefore) {
  BridgeAggregator agg;
  agg.add(message(kT0 + 30, 230, 0, 0));
  // Received exactly at kT0 + 60: still the minute kT0, as minute_of() says.
  EXPECT_FALSE(agg.add(message(kT0 + 60, 230, 0, 1)));
  EXPECT_FALSE(agg.add(message(kT0 + 60, 230, 0, 2)));
  Reading late = message(kT0 + 60, 230, 0, 3);
  late.wall_end += 1ns;
  const std::optional<MinuteRecord> closed = agg.add(late);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->minute, kT0);
  EXPECT_EQ(closed->readings, 3);
  EXPECT_DOUBLE_EQ(closed->phase[0].wh_delta, 2);
}

TEST(BridgeAggregator, AMinuteEndsWithTime) {
  BridgeAggregator agg;
  agg.add(message(kT0 + 5, 230, 0, 0));
  EXPECT_FALSE(agg.finish_ended(at(kT0 + 59)));
  EXPECT_FALSE(agg.finish_ended(at(kT0 + 60)));
  const std::optional<MinuteRecord> m = agg.finish_ended(at(kT0 + 61));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->minute, kT0);
  EXPECT_FALSE(agg.finish_ended(at(kT0 + 200)));
  // The energy of the silence goes to the minute of the next message.
  agg.add(message(kT0 + 185, 230, 0, 7));
  const std::optional<MinuteRecord> after = agg.flush();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->minute, kT0 + 180);
  EXPECT_DOUBLE_EQ(after->phase[0].wh_delta, 7);
}

TEST(BridgeAggregator, MinutesComeOutOnceAndInOrder) {
  BridgeAggregator agg;
  agg.add(message(kT0 + 65, 230, 0, 10));
  ASSERT_TRUE(agg.add(message(kT0 + 125, 230, 0, 11)));  // minute kT0 + 60 out
  // The wall clock goes back a minute: not aggregated, meters not taken.
  EXPECT_FALSE(agg.add(message(kT0 + 70, 999, 0, 12)));
  EXPECT_FALSE(agg.add(message(kT0 + 5, 999, 0, 13)));
  const std::optional<MinuteRecord> m = agg.add(message(kT0 + 185, 230, 0, 14));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->minute, kT0 + 120);
  EXPECT_DOUBLE_EQ(m->phase[0].volts, 230);
  EXPECT_DOUBLE_EQ(m->phase[0].wh_delta, 1);
  const std::optional<MinuteRecord> last = agg.flush();
  ASSERT_TRUE(last);
  EXPECT_DOUBLE_EQ(last->phase[0].wh_delta, 3);  // 11 -> 14: nothing lost
}

TEST(BridgeAggregator, ResumesAfterTheStoredMinute) {
  MinuteRecord stored;
  stored.minute = kT0;
  stored.phases = 3;
  stored.phase[0].wh = 1000;
  stored.phase[0].rwh = 50;
  BridgeAggregator agg;
  agg.resume_after(stored);
  // A restart within the stored minute: that minute is final.
  EXPECT_FALSE(agg.add(message(kT0 + 40, 230, 0, 1003, 50)));
  EXPECT_FALSE(agg.flush());
  agg.add(message(kT0 + 65, 230, 0, 1005, 51));
  const std::optional<MinuteRecord> m = agg.flush();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->minute, kT0 + 60);
  EXPECT_DOUBLE_EQ(m->phase[0].wh_delta, 5);
  EXPECT_DOUBLE_EQ(m->phase[0].rwh_delta, 1);
}

TEST(BridgeAggregator, ChangedPhasesStartTheMetersAfresh) {
  BridgeAggregator agg;
  agg.add(message(kT0 + 5, 230, 0, 1000));
  agg.add(must(parse_device_json(R"({"V":230,"Wh":1500})", at(kT0 + 65))));
  agg.add(must(parse_device_json(R"({"V":230,"Wh":1502})", at(kT0 + 75))));
  const std::optional<MinuteRecord> m = agg.flush();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->phases, 1);
  EXPECT_DOUBLE_EQ(m->phase[0].wh_delta, 2);
}

}  // namespace
}  // namespace maic::cloud
