#include "maic/core/rollup.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace maic {
namespace {

// An hour of minutes: voltage wandering, power stepping, the meter moving
// by each minute's energy, and the user setting the meter at minute 30.
std::vector<MinuteRecord> an_hour() {
  std::vector<MinuteRecord> out;
  double meter = 1000;
  for (int k = 0; k < 60; ++k) {
    MinuteRecord m;
    m.minute = 1'700'000'040 + 60 * k;
    m.temperature_c = 30 + 0.1 * k;
    m.output_on = k >= 45;
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      PhaseMinute& v = m.phase[p];
      v.volts = 228 + (k % 7) * 0.37 + static_cast<double>(p);
      v.amps = 5 + (k % 3);
      v.power_factor = 0.9;
      v.hertz = 50.01;
      v.watts = v.volts * v.amps * v.power_factor;
      v.wh_delta = v.watts / 60;
      if (k == 30) meter = 500'000;  // "initval": not consumption
      meter += v.wh_delta;
      v.wh = meter;
    }
    out.push_back(m);
  }
  return out;
}

TEST(Rollup, FollowsTheManualsTable) {
  const auto minutes = an_hour();
  RollupAccumulator acc;
  for (const auto& m : minutes) acc.add(m);
  const PeriodRow row = acc.row();
  EXPECT_EQ(row.minutes, 60);
  EXPECT_EQ(row.last_minute, minutes.back().minute);
  EXPECT_TRUE(row.output_on);
  double energy = 0;
  double volts = 0;
  for (const auto& m : minutes) {
    energy += m.phase[1].wh_delta;
    volts += m.phase[1].volts;
  }
  EXPECT_NEAR(row.phase[1].wh_energy, energy, 1e-5) << "W becomes the sum of energies";
  EXPECT_NEAR(row.phase[1].volts, volts / 60, 1e-6) << "V is the mean";
  EXPECT_DOUBLE_EQ(row.phase[1].wh, minutes.back().phase[1].wh) << "Wh is the meter at the end";
  // The meter jumped by ~499,000 Wh at minute 30; a difference of meter
  // readings would count that as consumption.
  EXPECT_LT(row.phase[1].wh_energy, 2000) << "setting the meter is not consumption";
  EXPECT_NEAR(row.phase[0].min_volts, 228, 1e-9);
  EXPECT_NEAR(row.phase[0].max_volts, 228 + 6 * 0.37, 1e-9);
  EXPECT_NEAR(row.temperature_c, 30 + 0.1 * 29.5, 1e-9);
}

// Live or backfilled, in order or shuffled, at once or merged in parts: the
// same row, to the bit.
TEST(Rollup, AnyOrderGivesTheSameRow) {
  const auto minutes = an_hour();
  RollupAccumulator live;
  for (const auto& m : minutes) live.add(m);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    auto shuffled = minutes;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    RollupAccumulator a;
    RollupAccumulator b;
    for (std::size_t k = 0; k < shuffled.size(); ++k) (k % 3 ? a : b).add(shuffled[k]);
    a.merge(b);
    EXPECT_EQ(a, live);
    const PeriodRow x = a.row();
    const PeriodRow y = live.row();
    EXPECT_EQ(x.phase[2].wh_energy, y.phase[2].wh_energy);
    EXPECT_EQ(x.phase[2].volts, y.phase[2].volts);
    EXPECT_EQ(x.phase[2].wh, y.phase[2].wh);
  }
}

TEST(Rollup, EmptyIsEmpty) {
  RollupAccumulator acc;
  EXPECT_TRUE(acc.empty());
  EXPECT_EQ(acc.row().minutes, 0);
  acc.merge(RollupAccumulator{});
  EXPECT_TRUE(acc.empty());
}

}  // namespace
}  // namespace maic
