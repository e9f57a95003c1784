#include "maic/device/page_api.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace maic::device {
namespace {

http::Query query(std::string_view text) {
  auto q = http::parse_query(text);
  EXPECT_TRUE(q.ok());
  return *q;
}

Reading sample_reading() {
  Reading r;
  r.wall_end = from_unix_seconds(1'700'000'000);
  for (int p = 0; p < 3; ++p) {
    auto& v = r.phase[static_cast<std::size_t>(p)];
    v.volts = 229.5 + p;
    v.amps = 1.25 * (p + 1);
    v.watts = 250.0 * (p + 1);
    v.wh = 12345.678;
    v.power_factor = 0.93;
    v.hertz = 50.01;
  }
  r.temperature_c = 31.4;
  return r;
}

// A strict client, as one exporter is: every listed key present, every
// value a number (it panics on anything else); headings carry only a name.
void expect_strict_client_accepts(const nlohmann::ordered_json& data) {
  const char* keys[] = {"V1",  "V2",  "V3",  "A1",  "A2",  "A3",   "W1",   "W2",   "W3",  "rW1",
                        "rW2", "rW3", "Wh1", "Wh2", "Wh3", "rWh1", "rWh2", "rWh3", "PF1", "PF2",
                        "PF3", "Fr1", "Fr2", "Fr3", "A",   "W",    "TWh",  "T"};
  for (const char* key : keys) {
    ASSERT_TRUE(data.contains(key)) << key;
    const auto& entry = data[key];
    ASSERT_TRUE(entry["value"].is_string()) << key;
    const std::string text = entry["value"];
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    EXPECT_TRUE(!text.empty() && *end == '\0') << key << " = '" << text << "'";
    EXPECT_TRUE(entry["name"].is_string()) << key;
  }
  for (const char* heading : {"br0", "br1", "br2", "br3"}) {
    ASSERT_TRUE(data.contains(heading)) << heading;
    EXPECT_EQ(data[heading].size(), 1u);
    EXPECT_TRUE(data[heading]["name"].is_string());
  }
}

TEST(PageApi, DataHasEveryKeyAsANumberInText) {
  const auto data = page_data(sample_reading());
  expect_strict_client_accepts(data);
  EXPECT_EQ(data["V2"]["value"], "230.5");
  EXPECT_EQ(data["A"]["value"], "7.500");
  EXPECT_EQ(data["W"]["value"], "1500.0");
  EXPECT_EQ(data["TWh"]["value"], "37037.0");
  EXPECT_EQ(data["V1"]["unit"], "V");
  EXPECT_EQ(data.begin().key(), "br0");
}

TEST(PageApi, GetdataCarriesIdentityTimeAndOutput) {
  const auto j = page_getdata({"1828719372", "D103", ""}, sample_reading(), true);
  EXPECT_EQ(j["devid"], "1828719372");
  EXPECT_TRUE(j["devid"].is_string());
  EXPECT_EQ(j["time"], 1'700'000'000);
  EXPECT_TRUE(j["time"].is_number_integer());
  // Strings, as the original sends them (compat.md §1).
  EXPECT_EQ(j["pout"], "1");
  EXPECT_EQ(j["powset"], "1");
  expect_strict_client_accepts(j["data"]);
  const auto off = page_getdata({"1828719372", "D103", ""}, sample_reading(), false);
  EXPECT_EQ(off["pout"], "0");
  EXPECT_EQ(off["powset"], "0");
}

TEST(PageApi, WebinitHasWhatTheIntegrationReads) {
  Settings s;
  s.mqtt.host = "broker";
  s.mqtt.username = "u";
  const auto j = page_webinit({"1828719372", "D103", ""}, s, "0.1.0");
  EXPECT_EQ(j["serv"], "broker");
  EXPECT_EQ(j["port"], 1883);
  EXPECT_EQ(j["uname"], "u");
  EXPECT_EQ(j["pass"], "");
  EXPECT_EQ(j["about"]["devid"]["value"], "1828719372");
  EXPECT_EQ(j["about"]["devtype"]["value"], "D103");
  EXPECT_TRUE(j["about"]["devid"]["value"].is_string());
  EXPECT_TRUE(j["about"]["devtype"]["value"].is_string());
}

TEST(PageApi, MqttParametersBecomeASettingsPatch) {
  auto patch =
      mqtt_page_patch(query("page=mqtt&serv=10.0.0.5&port=1884&uname=&pass=&mqtt_on=1&mqttint=5&"
                            "separat=2&prefix=smart-maic/"));
  ASSERT_TRUE(patch.ok()) << patch.error().message;
  const auto& m = (*patch)["mqtt"];
  EXPECT_EQ(m["host"], "10.0.0.5");
  EXPECT_EQ(m["port"], 1884);
  EXPECT_EQ(m["enabled"], true);
  EXPECT_EQ(m["layout"], 2);
  EXPECT_EQ(m["prefix"], "smart-maic/");
}

TEST(PageApi, BadMqttParametersAreNamed) {
  EXPECT_NE(mqtt_page_patch(query("page=mqtt&port=abc")).error().message.find("port"),
            std::string::npos);
  EXPECT_NE(mqtt_page_patch(query("page=mqtt&mqtt_on=2")).error().message.find("0 or 1"),
            std::string::npos);
  EXPECT_NE(mqtt_page_patch(query("page=mqtt&colour=red")).error().message.find("colour"),
            std::string::npos);
}

TEST(PageApi, InitialValues) {
  auto v = initval_page_values(query("page=initval&Wh1=123000&rWh3=5.5"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].family, Family::kEnergy);
  EXPECT_EQ((*v)[0].phase, 1);
  EXPECT_EQ((*v)[0].wh, 123000);
  EXPECT_EQ((*v)[1].family, Family::kReverseEnergy);
  EXPECT_EQ((*v)[1].phase, 3);
  EXPECT_FALSE(initval_page_values(query("page=initval")).ok());
  EXPECT_FALSE(initval_page_values(query("page=initval&V1=3")).ok());
  EXPECT_FALSE(initval_page_values(query("page=initval&TWh=3")).ok());
  EXPECT_FALSE(initval_page_values(query("page=initval&Wh1=-3")).ok());
  EXPECT_FALSE(initval_page_values(query("page=initval&Wh1=1e400")).ok());
  EXPECT_FALSE(initval_page_values(query("page=initval&Wh1=12abc")).ok());
}

TEST(PageApi, Pout) {
  EXPECT_TRUE(*pout_page_state(query("page=pout&state=1")));
  EXPECT_FALSE(*pout_page_state(query("page=pout&state=0")));
  EXPECT_FALSE(pout_page_state(query("page=pout&state=on")).ok());
  EXPECT_FALSE(pout_page_state(query("page=pout")).ok());
}

}  // namespace
}  // namespace maic::device
