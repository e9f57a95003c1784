// The settings file: identity and settings in one JSON document, replaced
// atomically (Storage::write_file_atomic), so a crash mid-write leaves the
// old or the new settings, never a broken file.
//
//   {"format": "maic-device-settings", "version": 1,
//    "identity": {"devid", "devtype", "secret"}, "settings": {...}}
//
// Loading validates everything and names the bad field; a file written by a
// newer version is refused rather than misread.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "maic/core/result.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/settings.hpp"

namespace maic::device {

inline constexpr std::string_view kSettingsFile = "settings.json";

struct DeviceConfig {
  Identity identity;
  Settings settings;
};

// Fills a buffer with unpredictable bytes (the OS's random source).
using RandomBytes = std::function<void(std::span<std::byte>)>;

// A new device: a 10-digit ID (not starting with 0) and a 256-bit secret.
Identity new_identity(const RandomBytes& random);

// Reads the settings file; creates it (new identity, default settings) when
// there is none. An unreadable or invalid file is an error: the daemon
// refuses to start rather than silently lose its identity.
Result<DeviceConfig> load_or_create(Storage& storage, const RandomBytes& random);

Status save(Storage& storage, const DeviceConfig& config);

// Parses a settings document (the file's content).
Result<DeviceConfig> parse_device_config(std::string_view text);
std::string format_device_config(const DeviceConfig& config);

}  // namespace maic::device
