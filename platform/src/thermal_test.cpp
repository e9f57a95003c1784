#include "maic/platform/thermal.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "maic/testing/temp_dir.hpp"

namespace maic::platform {
namespace {

struct Root {
  maic::testing::TempDir dir{"maic-thermal"};
  const std::filesystem::path& path = dir.path();
  void zone(const std::string& name, const std::string& content) {
    std::filesystem::create_directories(path / name);
    std::ofstream(path / name / "temp") << content;
  }
};

TEST(Thermal, ReadsMillidegrees) {
  Root r;
  r.zone("thermal_zone0", "garbage");
  r.zone("thermal_zone1", "41500\n");
  auto sensor = thermal_sensor(r.path);
  ASSERT_TRUE(sensor);
  EXPECT_DOUBLE_EQ(*sensor(), 41.5);
}

TEST(Thermal, NoZonesNoSensor) {
  Root r;
  EXPECT_FALSE(thermal_sensor(r.path));
  EXPECT_FALSE(thermal_sensor(r.path / "missing"));
  EXPECT_FALSE(read_thermal_zone(r.path / "nope").has_value());
}

}  // namespace
}  // namespace maic::platform
