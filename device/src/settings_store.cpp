#include "maic/device/settings_store.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "maic/device/settings_json.hpp"
#include "maic/http/json.hpp"

namespace maic::device {
namespace {
constexpr std::string_view kFormat = "maic-device-settings";
}

Identity new_identity(const RandomBytes& random) {
  std::array<std::byte, 40> bytes{};
  random(bytes);
  Identity id;
  // 10 digits, the first 1..9: IDs look like the original's (1828719372).
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < 8; ++k) n = (n << 8) | std::to_integer<std::uint64_t>(bytes[k]);
  id.devid = fmt::format("{}{:09}", 1 + n % 9, (n / 9) % 1'000'000'000);
  for (std::size_t k = 8; k < bytes.size(); ++k) {
    id.secret += fmt::format("{:02x}", std::to_integer<unsigned>(bytes[k]));
  }
  return id;
}

std::string format_device_config(const DeviceConfig& config) {
  const nlohmann::json doc = {{"format", kFormat},
                              {"version", Settings::kVersion},
                              {"identity", to_json(config.identity)},
                              {"settings", to_json(config.settings)}};
  return doc.dump(2) + "\n";
}

Result<DeviceConfig> parse_device_config(std::string_view text) {
  auto parsed = http::parse_json(text);
  if (!parsed) return make_error("not a JSON object: " + parsed.error().message);
  const nlohmann::json& doc = *parsed;
  if (!doc.is_object()) return make_error("not a JSON object");
  if (doc.value("format", "") != kFormat) {
    return make_error(fmt::format("format: expected \"{}\"", kFormat));
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()) {
    return make_error("version: a whole number is required");
  }
  if (*version > Settings::kVersion) {
    return make_error(fmt::format("version {} was written by a newer maic (this one reads {})",
                                  version->dump(), Settings::kVersion));
  }
  const auto identity = doc.find("identity");
  if (identity == doc.end()) return make_error("identity: missing");
  Result<Identity> id = identity_from_json(*identity);
  if (!id) return id.error();
  const auto settings = doc.find("settings");
  if (settings == doc.end()) return make_error("settings: missing");
  // Fields the file does not name keep their defaults: older files load.
  Result<Settings> s = apply_json(Settings{}, *settings);
  if (!s) return make_error("settings." + s.error().message);
  return DeviceConfig{*id, *s};
}

Status save(Storage& storage, const DeviceConfig& config) {
  const std::string text = format_device_config(config);
  return storage.write_file_atomic(kSettingsFile, std::as_bytes(std::span(text)));
}

Result<DeviceConfig> load_or_create(Storage& storage, const RandomBytes& random) {
  auto content = storage.read_file(kSettingsFile);
  if (!content) return make_error(fmt::format("{}: {}", kSettingsFile, content.error().message));
  if (!*content) {
    DeviceConfig fresh{new_identity(random), Settings{}};
    if (Status s = save(storage, fresh); !s) {
      return make_error(fmt::format("{}: {}", kSettingsFile, s.error().message));
    }
    return fresh;
  }
  const auto& bytes = **content;
  Result<DeviceConfig> parsed = parse_device_config(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (!parsed) return make_error(fmt::format("{}: {}", kSettingsFile, parsed.error().message));
  return parsed;
}

}  // namespace maic::device
