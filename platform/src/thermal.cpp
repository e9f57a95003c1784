#include "maic/platform/thermal.hpp"

#include <fstream>
#include <string>

namespace maic::platform {

std::optional<double> read_thermal_zone(const std::filesystem::path& file) {
  std::ifstream in(file);
  long millidegrees = 0;
  if (!(in >> millidegrees)) return std::nullopt;
  return static_cast<double>(millidegrees) / 1000.0;
}

std::function<std::optional<double>()> thermal_sensor(const std::filesystem::path& root) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (entry.path().filename().string().rfind("thermal_zone", 0) != 0) continue;
    const auto file = entry.path() / "temp";
    if (read_thermal_zone(file)) return [file] { return read_thermal_zone(file); };
  }
  return nullptr;
}

}  // namespace maic::platform
