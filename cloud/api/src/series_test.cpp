#include "series.hpp"

#include <gtest/gtest.h>

namespace maic::cloud {
namespace {

const Quantity* q(std::string_view key) { return find_quantity(key, 3); }

TEST(Series, AutoPeriodIsTheFinestThatFits) {
  EXPECT_EQ(auto_period(0, 86'400 - 1, 2000), Period::kMinute);  // 1,440 minutes
  EXPECT_EQ(auto_period(0, 2 * 86'400 - 1, 2000), Period::kHour);
  EXPECT_EQ(auto_period(0, 366 * 86'400, 2000), Period::kDay);
  EXPECT_EQ(auto_period(0, 366 * 86'400, 100), Period::kWeek);
  EXPECT_EQ(auto_period(0, 5LL * 366 * 86'400, 100), Period::kMonth);  // 61 months
  EXPECT_EQ(auto_period(0, 100LL * 366 * 86'400, 100), Period::kYear);
}

TEST(Series, PeriodValuesFollowTheManualsTable) {
  PeriodRow row;
  row.phases = 3;
  for (std::size_t p = 0; p < 3; ++p) {
    row.phase[p].volts = 230 + static_cast<double>(p);
    row.phase[p].wh_energy = 100 * static_cast<double>(p + 1);
    row.phase[p].wh = 1000;
    row.phase[p].hertz = 50;
  }
  row.temperature_c = 31;
  row.output_on = true;
  EXPECT_EQ(value_of(row, *q("V2")), 231);
  EXPECT_EQ(value_of(row, *q("W3")), 300);  // energy of the period
  EXPECT_EQ(value_of(row, *q("W")), 600);   // totals add up
  EXPECT_EQ(value_of(row, *q("TWh")), 3000);
  EXPECT_EQ(value_of(row, *q("T")), 31);
  EXPECT_EQ(value_of(row, *q("OUT")), 1);
}

TEST(Series, DownsamplingKeepsMeansMeansSumsEnergiesAndTakesLastMeters) {
  Series s;
  s.period = Period::kHour;
  const std::vector<const Quantity*> qs{q("V1"), q("W1"), q("Wh1")};
  s.columns.resize(3);
  for (int i = 0; i < 10; ++i) {
    s.time.push_back(3600 * i);
    s.columns[0].push_back(220 + i);
    s.columns[1].push_back(10);
    s.columns[2].push_back(1000 + 10 * i);
  }
  const Series d = downsample(s, qs, 4);  // buckets of 3, 3, 3, 1
  ASSERT_EQ(d.time.size(), 4u);
  EXPECT_TRUE(d.downsampled);
  EXPECT_EQ(d.time[1], 3 * 3600);
  EXPECT_DOUBLE_EQ(d.columns[0][0], 221);   // mean of 220, 221, 222
  EXPECT_DOUBLE_EQ(d.columns[1][0], 30);    // hourly energies add up
  EXPECT_DOUBLE_EQ(d.columns[2][0], 1020);  // the meter at the bucket's end
  EXPECT_DOUBLE_EQ(d.columns[1][3], 10);

  // Minute rows carry power, not energy: it averages.
  s.period = Period::kMinute;
  EXPECT_DOUBLE_EQ(downsample(s, qs, 4).columns[1][0], 10);
  // Nothing to do when it fits.
  EXPECT_FALSE(downsample(s, qs, 10).downsampled);
}

}  // namespace
}  // namespace maic::cloud
