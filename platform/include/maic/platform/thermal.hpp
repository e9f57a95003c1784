// The device's own temperature on Linux: a thermal zone of the kernel
// (/sys/class/thermal/thermal_zone*/temp, in millidegrees Celsius), as the
// D103 reports its board temperature as `T`.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>

namespace maic::platform {

// Reads one zone's file; nullopt when it is missing or unreadable.
std::optional<double> read_thermal_zone(const std::filesystem::path& file);

// A reader of the first thermal zone that answers now, or nullptr when the
// machine has none (containers, some VMs).
std::function<std::optional<double>()> thermal_sensor(
    const std::filesystem::path& root = "/sys/class/thermal");

}  // namespace maic::platform
