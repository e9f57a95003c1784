#include "api_rows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace maic::cloud {
namespace {

MinuteRecord minute(int k) {
  MinuteRecord m;
  m.minute = 1'700'000'040 + 60 * k;
  m.temperature_c = 31;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    m.phase[p].volts = 230 + static_cast<double>(p);
    m.phase[p].amps = 2;
    m.phase[p].watts = 600;
    m.phase[p].wh_delta = 10;
    m.phase[p].wh = 1000 + 10.0 * (k + 1);
    m.phase[p].power_factor = 0.95;
  }
  return m;
}

TEST(ApiRows, AMinuteRowHasTheD103sKeys) {
  const auto row = api_row("1828719372", minute(0));
  std::vector<std::string> keys;
  for (const auto& [key, value] : row.items()) keys.push_back(key);
  const std::vector<std::string> expected = {
      "ID",  "TIME", "STAT", "V1",  "V2",  "V3",   "A1",   "A2",   "A3",  "W1",  "W2",  "W3", "rW1",
      "rW2", "rW3",  "Wh1",  "Wh2", "Wh3", "rWh1", "rWh2", "rWh3", "PF1", "PF2", "PF3", "T"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(row["ID"], "1828719372");
  EXPECT_EQ(row["TIME"], 1'700'000'040);
  EXPECT_EQ(row["W2"], 600.0);  // a minute row: mean power
  EXPECT_EQ(row["Wh1"], 1010.0);
}

TEST(ApiRows, AnHourRowCarriesEnergyAndTheMeterAtItsEnd) {
  RollupAccumulator acc;
  for (int k = 0; k < 60; ++k) acc.add(minute(k));
  const auto row = api_row("1828719372", 1'699'999'200, acc.row());
  EXPECT_EQ(row["TIME"], 1'699'999'200);
  EXPECT_DOUBLE_EQ(row["W1"].get<double>(), 600.0);    // 60 × 10 Wh
  EXPECT_DOUBLE_EQ(row["Wh1"].get<double>(), 1600.0);  // the meter at the end
  EXPECT_DOUBLE_EQ(row["V3"].get<double>(), 232.0);
}

// Issue 9 K4: clients read /api as numbers people see, at the catalogue's
// decimals; the store keeps full precision.
TEST(ApiRows, ValuesHaveTheCataloguesDecimals) {
  MinuteRecord m = minute(0);
  m.phase[0].volts = 227.92000000000002;
  m.phase[0].amps = 2.0 / 3;
  m.phase[1].watts = 599.96;
  m.phase[2].power_factor = 0.95000000000000007;
  const std::string text = api_row("1828719372", m).dump();
  EXPECT_NE(text.find(R"("V1":227.9,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("A1":0.667,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("W2":600.0,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("PF3":0.95,)"), std::string::npos) << text;
}

TEST(ApiRows, SinglePhaseKeys) {
  MinuteRecord m = minute(0);
  m.phases = 1;
  const auto row = api_row("1828719372", m);
  EXPECT_TRUE(row.contains("V"));
  EXPECT_TRUE(row.contains("rWh"));
  EXPECT_FALSE(row.contains("V1"));
}

TEST(ApiRows, TheCsvCarriesTheRowsKeysAndThePowerAndEnergyTotals) {
  std::vector<std::string> row_keys, csv_keys;
  for (const Quantity& q : catalogue(3)) {
    if (in_api_row(q)) row_keys.push_back(q.key);
    if (in_api_row(q) || in_csv_totals(q)) csv_keys.push_back(q.key);
  }
  EXPECT_EQ(row_keys.size(), 22u);  // 7 families × 3 phases and T
  EXPECT_EQ(csv_keys.size(), 24u);
  EXPECT_NE(std::find(csv_keys.begin(), csv_keys.end(), "W"), csv_keys.end());
  EXPECT_NE(std::find(csv_keys.begin(), csv_keys.end(), "TWh"), csv_keys.end());
  EXPECT_EQ(std::find(csv_keys.begin(), csv_keys.end(), "A"), csv_keys.end());
}

}  // namespace
}  // namespace maic::cloud
