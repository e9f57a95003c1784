#include "maic/device/settings_store.hpp"

#include <gtest/gtest.h>

#include "maic/core/json_depth.hpp"
#include "maic/core/storage.hpp"

namespace maic::device {
namespace {

RandomBytes counting_random() {
  return [n = 0](std::span<std::byte> out) mutable {
    for (auto& b : out) b = static_cast<std::byte>(n++ * 37 + 11);
  };
}

void put(Storage& storage, std::string_view text) {
  ASSERT_TRUE(storage.write_file_atomic(kSettingsFile, std::as_bytes(std::span(text))).ok());
}

TEST(SettingsStore, AFreshStorageGetsANewIdentityThatSticks) {
  MemoryStorage storage;
  auto first = load_or_create(storage, counting_random());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->identity.devid.size(), 10u);
  EXPECT_NE(first->identity.devid[0], '0');
  EXPECT_EQ(first->identity.secret.size(), 64u);
  EXPECT_EQ(first->settings.pin, "0000");
  auto again = load_or_create(storage, [](std::span<std::byte>) { FAIL() << "no new identity"; });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->identity.devid, first->identity.devid);
  EXPECT_EQ(again->identity.secret, first->identity.secret);
}

TEST(SettingsStore, SavedSettingsComeBack) {
  MemoryStorage storage;
  auto config = load_or_create(storage, counting_random());
  ASSERT_TRUE(config.ok());
  config->settings.pin = "2468";
  config->settings.mqtt.host = "broker";
  config->settings.temperature_unit = TemperatureUnit::kFahrenheit;
  config->settings.wifi_type = WifiType::kG;
  ASSERT_TRUE(save(storage, *config).ok());
  auto back = load_or_create(storage, counting_random());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->settings, config->settings);
}

TEST(SettingsStore, ABadFileIsRefusedWithTheFieldNamed) {
  MemoryStorage storage;
  auto config = load_or_create(storage, counting_random());
  ASSERT_TRUE(config.ok());
  std::string text = format_device_config(*config);
  const auto at = text.find("\"port\": 1883");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 12, "\"port\": 0");
  put(storage, text);
  auto bad = load_or_create(storage, counting_random());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("settings.mqtt.port"), std::string::npos)
      << bad.error().message;

  const std::string deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  put(storage, "{\"format\":" + deep + "}");
  EXPECT_NE(load_or_create(storage, counting_random()).error().message.find("nested deeper"),
            std::string::npos);

  put(storage, "{not json");
  EXPECT_NE(load_or_create(storage, counting_random()).error().message.find("not a JSON object"),
            std::string::npos);
}

TEST(SettingsStore, ANewerVersionIsNotMisread) {
  auto parsed = parse_device_config(
      R"({"format":"maic-device-settings","version":99,"identity":{},"settings":{}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("newer"), std::string::npos);
}

TEST(SettingsStore, AnOlderFileWithFewerFieldsLoadsWithDefaults) {
  auto parsed =
      parse_device_config(R"({"format":"maic-device-settings","version":1,)"
                          R"("identity":{"devid":"1828719372","devtype":"D103","secret":")" +
                          std::string(64, 'f') + R"("},"settings":{"pin":"1357"}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->settings.pin, "1357");
  EXPECT_EQ(parsed->settings.mqtt.port, 1883);
}

}  // namespace
}  // namespace maic::device
