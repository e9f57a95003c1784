#include "mqtt_topics.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace maic::device::mqtt {
namespace {

using ::testing::ElementsAreArray;

const Identity kId{"1828719372", "D103", ""};
constexpr TemperatureUnit kC = TemperatureUnit::kCelsius;
constexpr TemperatureUnit kF = TemperatureUnit::kFahrenheit;

Reading sample() {
  Reading r;
  for (int p = 0; p < 3; ++p) {
    PhaseValues& v = r.phase[static_cast<std::size_t>(p)];
    v.volts = 230.04 + p;
    v.amps = 1.5 + p;
    v.watts = 300 + 10 * p;
    v.reverse_watts = p == 2 ? 12.5 : 0;
    v.power_factor = 0.9876;
    v.hertz = 50.012;
    v.wh = 123456.78 + p;
    v.rwh = 10.0 + p;
  }
  r.temperature_c = 33.46;
  r.output_on = true;
  return r;
}

std::vector<std::string> names(int phases) {
  std::vector<std::string> out;
  for (const Value& v : values(phases)) out.push_back(v.name);
  return out;
}

// The contract (compat.md §2, manual §8), written out once, here, to check
// what the catalogue generates.
TEST(MqttValues, ThreePhaseNamesAreTheManualsTopics) {
  // clang-format off
  EXPECT_THAT(names(3), ElementsAreArray<std::string>({
      "V1", "V2", "V3", "A1", "A2", "A3", "A", "W1", "W2", "W3", "W", "rW1", "rW2", "rW3", "TrW",
      "Wh1", "kWh1", "LWh1", "Wh2", "kWh2", "LWh2", "Wh3", "kWh3", "LWh3", "TWh", "TkWh", "TLWh",
      "rWh1", "rkWh1", "rLWh1", "rWh2", "rkWh2", "rLWh2", "rWh3", "rkWh3", "rLWh3",
      "rTWh", "rTkWh", "rTLWh",
      "PF1", "PF2", "PF3", "Fr1", "Fr2", "Fr3", "Temp", "OUT"}));
  // clang-format on
}

TEST(MqttValues, SinglePhaseNamesHaveNoPhaseNumber) {
  EXPECT_THAT(names(1),
              ElementsAreArray<std::string>({"V", "A", "W", "rW", "Wh", "kWh", "LWh", "rWh", "rkWh",
                                             "rLWh", "PF", "Fr", "Temp", "OUT"}));
}

TEST(MqttValues, LifetimeCopiesReadTheLifetimeRegisters) {
  Reading r = sample();
  for (std::size_t p = 0; p < 3; ++p) r.lifetime[p] = {1000.04 + static_cast<double>(p), 2.0};
  const Value* wh = find_value("Wh1");
  const Value* lwh = find_value("LWh1");
  ASSERT_NE(lwh, nullptr);
  EXPECT_EQ(lwh->quantity, wh->quantity);
  EXPECT_TRUE(lwh->lifetime);
  EXPECT_FALSE(lwh->primary);
  EXPECT_EQ(lwh->unit, "Wh");
  EXPECT_DOUBLE_EQ(published_value(r, *wh, kC), 123456.8);  // the user's meter
  EXPECT_DOUBLE_EQ(published_value(r, *lwh, kC), 1000.0);
  EXPECT_DOUBLE_EQ(published_value(r, *find_value("TLWh"), kC), 3003.1);
  EXPECT_DOUBLE_EQ(published_value(r, *find_value("rTLWh"), kC), 6.0);
  EXPECT_EQ(lifetime_name(*find_quantity("rTWh")), "rTLWh");
  EXPECT_EQ(lifetime_name(*find_quantity("Wh", 1)), "LWh");
}

TEST(MqttValues, EveryCatalogueQuantityIsPublishedOnceAsPrimary) {
  std::set<const Quantity*> primaries;
  for (const Value& v : values(3)) {
    if (v.primary) {
      EXPECT_TRUE(primaries.insert(v.quantity).second) << v.name;
    }
  }
  EXPECT_EQ(primaries.size(), catalogue(3).size());
}

TEST(MqttValues, KiloCopiesKeepTheResolutionOfTheMeter) {
  const Value* wh = find_value("Wh1");
  const Value* kwh = find_value("kWh1");
  ASSERT_NE(wh, nullptr);
  ASSERT_NE(kwh, nullptr);
  EXPECT_EQ(kwh->quantity, wh->quantity);
  EXPECT_EQ(kwh->unit, "kWh");
  EXPECT_FALSE(kwh->primary);
  EXPECT_EQ(kwh->decimals, wh->decimals + 3);
  const Reading r = sample();
  EXPECT_DOUBLE_EQ(published_value(r, *wh, kC), 123456.8);
  EXPECT_DOUBLE_EQ(published_value(r, *kwh, kC), 123.4568);
  EXPECT_DOUBLE_EQ(published_value(r, *find_value("rTkWh"), kC), 0.033);
}

TEST(MqttValues, FindValueKnowsOnlyPublishedNames) {
  EXPECT_NE(find_value("Temp"), nullptr);
  EXPECT_EQ(find_value("T"), nullptr);  // published as Temp
  EXPECT_EQ(find_value("V4"), nullptr);
  EXPECT_NE(find_value("kWh", 1), nullptr);
}

TEST(MqttFormat, PlainDecimalText) {
  EXPECT_EQ(format_number(231.44, 1), "231.4");
  EXPECT_EQ(format_number(231.46, 1), "231.5");
  EXPECT_EQ(format_number(0.98765, 3), "0.988");
  EXPECT_EQ(format_number(12345678.9, 1), "12345678.9");  // no grouping, no exponent
  EXPECT_EQ(format_number(1, 0), "1");
  EXPECT_EQ(format_number(-0.01, 1), "0.0");  // never "-0.0"
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN(), 2), "0.00");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity(), 1), "0.0");
}

TEST(MqttTopics, PrefixMayBeEmpty) {
  EXPECT_EQ(Topics("", "1828719372").json, "1828719372/JSON");
  const Topics t("smart-maic/", "1828719372");
  EXPECT_EQ(t.json, "smart-maic/1828719372/JSON");
  EXPECT_EQ(t.setout, "smart-maic/1828719372/SETOUT");
  EXPECT_EQ(t.status, "smart-maic/1828719372/status");
  EXPECT_EQ(t.out, "smart-maic/1828719372/OUT");
  EXPECT_EQ(t.of("kWh1"), "smart-maic/1828719372/kWh1");
}

TEST(MqttJson, EveryValueIsANumberUnderItsName) {
  const nlohmann::json j = nlohmann::json::parse(json_payload(sample(), kC));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), values(3).size());
  for (const Value& v : values(3)) {
    ASSERT_TRUE(j.contains(v.name)) << v.name;
    EXPECT_TRUE(j[v.name].is_number()) << v.name;
  }
  EXPECT_EQ(j["V1"], 230.0);
  EXPECT_EQ(j["V3"], 232.0);
  EXPECT_EQ(j["A"], 7.5);  // a total: the sum over the phases
  EXPECT_EQ(j["rW3"], 12.5);
  EXPECT_EQ(j["PF1"], 0.988);
  EXPECT_EQ(j["Fr1"], 50.01);
  EXPECT_EQ(j["Temp"], 33.5);
  EXPECT_TRUE(j["OUT"].is_number_integer());
  EXPECT_EQ(j["OUT"], 1);
}

TEST(MqttJson, KeysKeepCatalogueOrder) {
  const std::string payload = json_payload(sample(), kC);
  EXPECT_EQ(payload.rfind("{\"V1\":", 0), 0u) << payload;
  EXPECT_LT(payload.find("\"Temp\""), payload.find("\"OUT\""));
}

// The settings' temperature_unit: Temp in °F (F = C × 9/5 + 32, one
// decimal as in °C), every other value as in °C.
TEST(MqttFahrenheit, TempIsConvertedAndNothingElse) {
  const Reading r = sample();  // 33.46 °C = 92.228 °F
  const Value* temp = find_value("Temp");
  ASSERT_NE(temp, nullptr);
  EXPECT_DOUBLE_EQ(published_value(r, *temp, kC), 33.5);
  EXPECT_DOUBLE_EQ(published_value(r, *temp, kF), 92.2);
  EXPECT_EQ(published_unit(*temp, kC), "°C");
  EXPECT_EQ(published_unit(*temp, kF), "°F");
  EXPECT_EQ(published_unit(*find_value("V1"), kF), "V");
  Reading freezing = r;
  freezing.temperature_c = -40;  // the scales meet
  EXPECT_DOUBLE_EQ(published_value(freezing, *temp, kF), -40.0);
  freezing.temperature_c = 100;
  EXPECT_DOUBLE_EQ(published_value(freezing, *temp, kF), 212.0);

  const nlohmann::json c = nlohmann::json::parse(json_payload(r, kC));
  const nlohmann::json f = nlohmann::json::parse(json_payload(r, kF));
  EXPECT_EQ(f["Temp"], 92.2);
  for (const auto& [key, value] : c.items()) {
    if (key != "Temp") {
      EXPECT_EQ(f[key], value) << key;
    }
  }
  const Topics t("", "1");
  const std::vector<Message> separate = reading_messages(r, t, 0, kF);
  const auto temp_topic = std::ranges::find(separate, std::string("1/Temp"), &Message::topic);
  ASSERT_NE(temp_topic, separate.end());
  EXPECT_EQ(temp_topic->payload, "92.2");
  EXPECT_EQ(nlohmann::json::parse(reading_messages(r, t, 1, kF)[0].payload)["Temp"], 92.2);
  const std::vector<Message> switched = output_messages(false, &r, t, 1, kF);
  ASSERT_EQ(switched.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(switched[0].payload)["Temp"], 92.2);
}

TEST(MqttReadingMessages, LayoutChoosesTheTopics) {
  const Topics t("smart-maic/", "1828719372");
  const Reading r = sample();
  const std::vector<Message> separate = reading_messages(r, t, 0, kC);
  ASSERT_EQ(separate.size(), values(3).size());
  EXPECT_EQ(separate.front(), (Message{"smart-maic/1828719372/V1", "230.0", false}));
  EXPECT_EQ(separate.back(), (Message{"smart-maic/1828719372/OUT", "1", false}));

  const std::vector<Message> json = reading_messages(r, t, 1, kC);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0].topic, t.json);
  EXPECT_EQ(json[0].payload, json_payload(r, kC));

  const std::vector<Message> both = reading_messages(r, t, 2, kC);
  ASSERT_EQ(both.size(), values(3).size() + 1);
  EXPECT_EQ(both.back().topic, t.json);
}

TEST(MqttReadingMessages, SeparateTopicsCarryTheSameNumbersAsTheJson) {
  const Topics t("", "1");
  const Reading r = sample();
  const nlohmann::json j = nlohmann::json::parse(json_payload(r, kC));
  for (const Message& m : reading_messages(r, t, 0, kC)) {
    const std::string name = m.topic.substr(t.base.size());
    EXPECT_DOUBLE_EQ(std::stod(m.payload), j[name].get<double>()) << name;
  }
}

TEST(MqttOutputMessages, FollowTheLayout) {
  const Topics t("", "1");
  const Reading r = sample();
  EXPECT_THAT(output_messages(false, &r, t, 0, kC), ElementsAreArray({Message{"1/OUT", "0"}}));
  const std::vector<Message> json = output_messages(false, &r, t, 1, kC);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(json[0].payload)["OUT"], 0);
  EXPECT_TRUE(output_messages(true, nullptr, t, 1, kC).empty());  // no reading yet: nothing to show
  EXPECT_EQ(output_messages(true, &r, t, 2, kC).size(), 2u);
}

TEST(MqttAvailability, RetainedOnlineAndOffline) {
  const Topics t("p/", "1");
  EXPECT_EQ(availability(t, true), (Message{"p/1/status", "online", true}));
  EXPECT_EQ(availability(t, false), (Message{"p/1/status", "offline", true}));
}

TEST(MqttSetout, PhrasesAreExact) {
  MqttSettings s;
  EXPECT_EQ(parse_setout("1", s), true);
  EXPECT_EQ(parse_setout("0", s), false);
  EXPECT_EQ(parse_setout("", s), std::nullopt);
  EXPECT_EQ(parse_setout("1\n", s), std::nullopt);
  s.on_phrase = "Switch ON";
  s.off_phrase = "switch off";
  EXPECT_EQ(parse_setout("Switch ON", s), true);
  EXPECT_EQ(parse_setout("switch off", s), false);
  EXPECT_EQ(parse_setout("switch on", s), std::nullopt);
  EXPECT_EQ(parse_setout("1", s), std::nullopt);
}

MqttSettings discovery_settings() {
  MqttSettings s;
  s.prefix = "smart-maic/";
  s.layout = 2;
  s.control_enabled = true;
  s.on_phrase = "on";
  s.off_phrase = "off";
  return s;
}

const Message* find_topic(const std::vector<Message>& ms, std::string_view topic) {
  for (const Message& m : ms) {
    if (m.topic == topic) return &m;
  }
  return nullptr;
}

nlohmann::json config_of(const std::vector<Message>& ms, std::string_view topic) {
  const Message* m = find_topic(ms, topic);
  if (m == nullptr) return nullptr;
  return nlohmann::json::parse(m->payload);
}

TEST(MqttDiscovery, OneRetainedSensorPerQuantityAndTheOutput) {
  const std::vector<Message> ms = discovery_messages(discovery_settings(), kId, 3, kC);
  // Every catalogue quantity but the output is a sensor; the output is a
  // switch, and the binary_sensor alternative is removed.
  ASSERT_EQ(ms.size(), catalogue(3).size() - 1 + 2);
  for (const Message& m : ms) {
    EXPECT_TRUE(m.retain) << m.topic;
    if (!m.payload.empty()) {
      EXPECT_TRUE(nlohmann::json::accept(m.payload)) << m.topic;
    }
  }
  EXPECT_NE(find_topic(ms, "homeassistant/sensor/maic_1828719372/Temp/config"), nullptr);
  EXPECT_EQ(find_topic(ms, "homeassistant/sensor/maic_1828719372/kWh1/config"), nullptr);
  EXPECT_EQ(find_topic(ms, "homeassistant/sensor/maic_1828719372/OUT/config"), nullptr);
}

TEST(MqttDiscovery, SensorReadsItsKeyOfTheJsonTopic) {
  const std::vector<Message> ms = discovery_messages(discovery_settings(), kId, 3, kC);
  const nlohmann::json v1 = config_of(ms, "homeassistant/sensor/maic_1828719372/V1/config");
  EXPECT_EQ(v1["name"], "Voltage L1");
  EXPECT_EQ(v1["unique_id"], "maic_1828719372_V1");
  EXPECT_EQ(v1["device_class"], "voltage");
  EXPECT_EQ(v1["unit_of_measurement"], "V");
  EXPECT_EQ(v1["state_class"], "measurement");
  EXPECT_EQ(v1["state_topic"], "smart-maic/1828719372/JSON");
  EXPECT_EQ(v1["value_template"], "{{ value_json.V1 }}");
  EXPECT_EQ(v1["availability_topic"], "smart-maic/1828719372/status");
  EXPECT_EQ(v1["payload_available"], "online");
  EXPECT_EQ(v1["payload_not_available"], "offline");
  EXPECT_EQ(v1["device"]["identifiers"], nlohmann::json::array({"maic_1828719372"}));
  EXPECT_EQ(v1["device"]["model"], "D103");
  EXPECT_TRUE(v1["device"]["name"].is_string());
  EXPECT_TRUE(v1["device"]["manufacturer"].is_string());
}

TEST(MqttDiscovery, ClassesAndUnitsPerFamily) {
  const std::vector<Message> ms = discovery_messages(discovery_settings(), kId, 3, kC);
  auto config = [&](std::string_view name) {
    return config_of(ms, fmt::format("homeassistant/sensor/maic_1828719372/{}/config", name));
  };
  EXPECT_EQ(config("A")["device_class"], "current");
  EXPECT_EQ(config("A")["unit_of_measurement"], "A");
  EXPECT_EQ(config("rW2")["device_class"], "power");
  EXPECT_EQ(config("TWh")["device_class"], "energy");
  EXPECT_EQ(config("TWh")["unit_of_measurement"], "Wh");
  EXPECT_EQ(config("TWh")["state_class"], "total_increasing");
  EXPECT_EQ(config("rWh1")["state_class"], "total_increasing");
  EXPECT_EQ(config("PF3")["device_class"], "power_factor");
  EXPECT_FALSE(config("PF3").contains("unit_of_measurement"));  // 0..1, no unit
  EXPECT_EQ(config("Fr2")["device_class"], "frequency");
  EXPECT_EQ(config("Fr2")["unit_of_measurement"], "Hz");
  EXPECT_EQ(config("Temp")["device_class"], "temperature");
  EXPECT_EQ(config("Temp")["unit_of_measurement"], "°C");
  EXPECT_EQ(config("Temp")["value_template"], "{{ value_json.Temp }}");
}

// Home Assistant's total_increasing reads a drop as a meter reset and a
// jump as consumption: the energy sensors read the lifetime registers,
// which the user's initial values (manual §5) do not move. Their entities
// keep the meter's unique_id.
TEST(MqttDiscovery, EnergySensorsReadTheLifetimeRegisters) {
  MqttSettings s = discovery_settings();
  for (const int layout : {0, 1, 2}) {
    s.layout = layout;
    const std::vector<Message> ms = discovery_messages(s, kId, 3, kC);
    int meters = 0;
    for (const Message& m : ms) {
      if (m.payload.empty()) continue;
      const nlohmann::json c = nlohmann::json::parse(m.payload);
      if (c.value("device_class", "") != "energy") continue;
      ++meters;
      EXPECT_EQ(c["state_class"], "total_increasing") << m.topic;
      const std::string key =
          c["unique_id"].get<std::string>().substr(std::string_view("maic_1828719372_").size());
      const std::string lifetime = lifetime_name(*find_quantity(key));
      if (has_json(layout)) {
        EXPECT_EQ(c["state_topic"], "smart-maic/1828719372/JSON") << m.topic;
        EXPECT_EQ(c["value_template"], fmt::format("{{{{ value_json.{} }}}}", lifetime));
      } else {
        EXPECT_EQ(c["state_topic"], "smart-maic/1828719372/" + lifetime) << m.topic;
      }
    }
    EXPECT_EQ(meters, 8) << "layout " << layout;  // Wh1..3, TWh, rWh1..3, rTWh
  }
  const nlohmann::json wh1 = config_of(discovery_messages(discovery_settings(), kId, 3, kC),
                                       "homeassistant/sensor/maic_1828719372/Wh1/config");
  EXPECT_EQ(wh1["unique_id"], "maic_1828719372_Wh1");
  EXPECT_EQ(wh1["value_template"], "{{ value_json.LWh1 }}");
  s.layout = 0;
  const nlohmann::json single = config_of(discovery_messages(s, {"42", "D101", ""}, 1, kC),
                                          "homeassistant/sensor/maic_42/rWh/config");
  EXPECT_EQ(single["state_topic"], "smart-maic/42/rLWh");
}

TEST(MqttDiscovery, OutputIsASwitchWhenControlIsEnabled) {
  const std::vector<Message> ms = discovery_messages(discovery_settings(), kId, 3, kC);
  const nlohmann::json sw = config_of(ms, "homeassistant/switch/maic_1828719372/output/config");
  EXPECT_EQ(sw["command_topic"], "smart-maic/1828719372/SETOUT");
  EXPECT_EQ(sw["payload_on"], "on");
  EXPECT_EQ(sw["payload_off"], "off");
  EXPECT_EQ(sw["state_topic"], "smart-maic/1828719372/OUT");
  EXPECT_EQ(sw["state_on"], "1");
  EXPECT_EQ(sw["state_off"], "0");
  EXPECT_EQ(sw["retain"], true);
  const Message* sensor =
      find_topic(ms, "homeassistant/binary_sensor/maic_1828719372/output/config");
  ASSERT_NE(sensor, nullptr);
  EXPECT_EQ(sensor->payload, "");  // removed
}

TEST(MqttDiscovery, OutputIsABinarySensorWithoutControl) {
  MqttSettings s = discovery_settings();
  s.control_enabled = false;
  const std::vector<Message> ms = discovery_messages(s, kId, 3, kC);
  const nlohmann::json bs =
      config_of(ms, "homeassistant/binary_sensor/maic_1828719372/output/config");
  EXPECT_EQ(bs["state_topic"], "smart-maic/1828719372/OUT");
  EXPECT_FALSE(bs.contains("command_topic"));
  EXPECT_EQ(find_topic(ms, "homeassistant/switch/maic_1828719372/output/config")->payload, "");
}

TEST(MqttDiscovery, StateSourceFollowsTheLayout) {
  MqttSettings s = discovery_settings();
  s.layout = 0;  // no JSON topic: each sensor reads its own topic
  std::vector<Message> ms = discovery_messages(s, kId, 3, kC);
  nlohmann::json v1 = config_of(ms, "homeassistant/sensor/maic_1828719372/V1/config");
  EXPECT_EQ(v1["state_topic"], "smart-maic/1828719372/V1");
  EXPECT_FALSE(v1.contains("value_template"));

  s.layout = 1;  // no OUT topic: the output reads the JSON
  ms = discovery_messages(s, kId, 3, kC);
  const nlohmann::json sw = config_of(ms, "homeassistant/switch/maic_1828719372/output/config");
  EXPECT_EQ(sw["state_topic"], "smart-maic/1828719372/JSON");
  EXPECT_EQ(sw["value_template"], "{{ value_json.OUT }}");
}

TEST(MqttDiscovery, CustomPrefixAndSinglePhase) {
  MqttSettings s = discovery_settings();
  s.discovery_prefix = "ha";
  const std::vector<Message> ms = discovery_messages(s, {"42", "D101", ""}, 1, kC);
  EXPECT_EQ(ms.size(), catalogue(1).size() - 1 + 2);
  const nlohmann::json v = config_of(ms, "ha/sensor/maic_42/V/config");
  EXPECT_EQ(v["device"]["model"], "D101");
}

TEST(MqttDiscovery, TheTemperaturesUnitFollowsTheSetting) {
  const auto temp_config = [](TemperatureUnit unit) {
    return config_of(discovery_messages(discovery_settings(), kId, 3, unit),
                     "homeassistant/sensor/maic_1828719372/Temp/config");
  };
  EXPECT_EQ(temp_config(kC)["unit_of_measurement"], "°C");
  const nlohmann::json f = temp_config(kF);
  EXPECT_EQ(f["unit_of_measurement"], "°F");
  EXPECT_EQ(f["device_class"], "temperature");
  EXPECT_EQ(f["unique_id"], "maic_1828719372_Temp") << "the same entity";
  const nlohmann::json v1 = config_of(discovery_messages(discovery_settings(), kId, 3, kF),
                                      "homeassistant/sensor/maic_1828719372/V1/config");
  EXPECT_EQ(v1["unit_of_measurement"], "V");
}

TEST(MqttDiscovery, RemovalsEmptyEveryConfig) {
  const MqttSettings s = discovery_settings();
  const std::vector<Message> configs = discovery_messages(s, kId, 3, kC);
  const std::vector<Message> removals = discovery_removals(s, kId, 3);
  ASSERT_EQ(removals.size(), configs.size());
  for (std::size_t i = 0; i < removals.size(); ++i) {
    EXPECT_EQ(removals[i].topic, configs[i].topic);
    EXPECT_EQ(removals[i].payload, "");
    EXPECT_TRUE(removals[i].retain);
  }
}

}  // namespace
}  // namespace maic::device::mqtt
