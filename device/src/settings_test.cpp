#include "maic/device/settings.hpp"

#include <gtest/gtest.h>

#include "maic/device/settings_json.hpp"

namespace maic::device {
namespace {

using nlohmann::json;

TEST(Settings, DefaultsAreValid) { EXPECT_TRUE(validate(Settings{}).ok()); }

TEST(Settings, RoundTripsThroughJson) {
  Settings s;
  s.pin = "4321";
  s.mqtt.enabled = true;
  s.mqtt.host = "broker.lan";
  s.mqtt.port = 1884;
  s.mqtt.on_phrase = "ON";
  s.output.gpio_chip = "gpiochip0";
  s.output.gpio_line = 17;
  s.timezone = "Asia/Kathmandu";
  auto back = apply_json(Settings{}, to_json(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(Settings, ServerUrlsNeedASchemeAndAHost) {
  for (const char* url :
       {"http://localhost:8081", "https://data.example.com/", "https://data.example.com/maic",
        "http://10.0.0.7", "http://[::1]:8081"}) {
    EXPECT_TRUE(valid_server_url(url)) << url;
    EXPECT_TRUE(apply_json(Settings{}, json{{"server", {{"url", url}}}}).ok()) << url;
  }
  EXPECT_TRUE(apply_json(Settings{}, json{{"server", {{"url", ""}}}}).ok()) << "disables";
  for (const char* url : {"data.example.com", "http:/x", "http://", "https://?a", "http://[]:80"}) {
    EXPECT_FALSE(valid_server_url(url)) << url;
  }
}

TEST(Settings, APatchChangesOnlyWhatItNames) {
  Settings base;
  base.mqtt.host = "a";
  auto s = apply_json(base, json{{"mqtt", {{"port", 2000}}}, {"led", false}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->mqtt.port, 2000);
  EXPECT_EQ(s->mqtt.host, "a");
  EXPECT_FALSE(s->led);
}

TEST(Settings, BadInputNamesTheFieldAndChangesNothing) {
  struct Bad {
    json patch;
    std::string says;
  };
  const Bad cases[] = {
      {json{{"pin", "12a4"}}, "pin"},
      {json{{"pin", "12345678901"}}, "pin"},
      {json{{"pin", 1234}}, "pin: must be a string"},
      {json{{"mqtt", {{"port", 70000}}}}, "mqtt.port"},
      {json{{"mqtt", {{"port", "1883"}}}}, "mqtt.port: must be an integer"},
      {json{{"mqtt", {{"layout", 3}}}}, "mqtt.layout"},
      {json{{"mqtt", {{"on_phrase", "0123456789abcdef"}}}}, "on_phrase"},
      {json{{"mqtt", {{"prefix", "a/#"}}}}, "mqtt.prefix"},
      {json{{"mqtt", {{"enabled", true}}}}, "mqtt.host"},
      {json{{"mqtt", {{"colour", 1}}}}, "mqtt.colour: no such setting"},
      {json{{"mqtt", 5}}, "mqtt: an object"},
      {json{{"nope", 1}}, "nope: no such setting"},
      {json{{"timezone", "../etc/passwd"}}, "timezone"},
      {json{{"timezone", "Mars/Olympus_Mons"}}, "timezone"},
      {json{{"server", {{"url", "ftp://x"}}}}, "server.url"},
      {json{{"server", {{"url", "http://"}}}}, "server.url"},
      {json{{"server", {{"url", "https:///uplink"}}}}, "server.url"},
      {json{{"server", {{"url", "https://:443"}}}}, "server.url"},
      {json{{"server", {{"url", "https://a b.example"}}}}, "server.url"},
      {json{{"server", {{"url", "https://me:pw@data.example"}}}}, "server.url"},
      {json::array(), "object"},
  };
  const Settings base;
  for (const Bad& b : cases) {
    auto s = apply_json(base, b.patch);
    ASSERT_FALSE(s.ok()) << b.patch.dump();
    EXPECT_NE(s.error().message.find(b.says), std::string::npos)
        << b.patch.dump() << " -> " << s.error().message;
  }
}

TEST(Settings, SecretsCanBeHidden) {
  Settings s;
  s.mqtt.password = "hunter2";
  const json shown = to_json(s, false);
  EXPECT_EQ(shown["mqtt"]["password"], "");
  EXPECT_EQ(shown["pin"], "");
  EXPECT_EQ(to_json(s)["mqtt"]["password"], "hunter2");
}

TEST(Identity, IsValidated) {
  EXPECT_TRUE(identity_from_json(
                  {{"devid", "1828719372"}, {"devtype", "D103"}, {"secret", std::string(64, 'a')}})
                  .ok());
  EXPECT_FALSE(identity_from_json({{"devid", "18287"}, {"devtype", "D103"}, {"secret", ""}}).ok());
}

}  // namespace
}  // namespace maic::device
