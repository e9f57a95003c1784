#include "readings_json.hpp"

#include <gtest/gtest.h>

namespace maic::device {
namespace {

TEST(ReadingsJson, EveryQuantityOfTheCatalogueInOrder) {
  Reading r;
  r.wall_end = from_unix_seconds(1'700'000'005);
  r.phase[0].volts = 231.5;
  r.phase[1].amps = 2;
  r.phase[2].amps = 3;
  r.temperature_c = 33;
  r.output_on = true;
  const nlohmann::json j = readings_json(r, {"1828719372", "D103", ""});
  EXPECT_EQ(j["devid"], "1828719372");
  EXPECT_EQ(j["time"], 1'700'000'005);
  const auto& q = j["quantities"];
  ASSERT_EQ(q.size(), catalogue(3).size());
  EXPECT_EQ(q[0]["key"], "V1");
  EXPECT_EQ(q[0]["value"], 231.5);
  EXPECT_EQ(q[0]["family"], "voltage");
  EXPECT_EQ(q[0]["phase"], 1);
  EXPECT_EQ(q[6]["key"], "A");
  EXPECT_EQ(q[6]["value"], 5.0);
  EXPECT_EQ(q[6]["total"], true);
  EXPECT_EQ(q.back()["key"], "OUT");
  EXPECT_EQ(q.back()["value"], 1.0);
}

TEST(ReadingsJson, SinglePhaseUsesItsOwnKeys) {
  Reading r;
  r.phases = 1;
  const nlohmann::json j = readings_json(r, {"1", "D101", ""});
  EXPECT_EQ(j["quantities"][0]["key"], "V");
  EXPECT_EQ(j["quantities"].size(), catalogue(1).size());
}

}  // namespace
}  // namespace maic::device

#include "maic/device/reading_line.hpp"

namespace maic::device {
namespace {

TEST(ReadingLine, ShowsEveryFamilyWithTotals) {
  Reading r;
  r.wall_end = from_unix_seconds(1'700'000'005);
  for (auto& p : r.phase) {
    p.volts = 230;
    p.amps = 1.5;
    p.wh = 1234.5;
  }
  const std::string line = reading_line(r);
  EXPECT_EQ(
      line.rfind("2023-11-14T22:13:25Z  V 230.0 230.0 230.0 | A 1.500 1.500 1.500 = 4.500", 0), 0u)
      << line;
  EXPECT_NE(line.find("Wh 1.234 1.234 1.234 = 3.704"), std::string::npos) << line;
  EXPECT_NE(line.find("| OUT 0"), std::string::npos) << line;
}

}  // namespace
}  // namespace maic::device
