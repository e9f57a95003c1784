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
      PhaseValues& v = m.phase[p];
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

TEST(Rollup, EncodeDecodeRoundTripsAndMergesAsTheOriginal) {
  const auto minutes = an_hour();
  RollupAccumulator first;
  RollupAccumulator second;
  for (std::size_t k = 0; k < minutes.size(); ++k) (k < 40 ? first : second).add(minutes[k]);
  for (const RollupAccumulator& a : {first, second, RollupAccumulator{}}) {
    auto back = RollupAccumulator::decode(a.encode());
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, a);
  }
  // What a store does: read the stored blob, merge the new minutes, write.
  auto stored = RollupAccumulator::decode(first.encode());
  ASSERT_TRUE(stored.ok());
  stored->merge(second);
  RollupAccumulator all;
  for (const auto& m : minutes) all.add(m);
  EXPECT_EQ(*stored, all);
  EXPECT_EQ(stored->encode(), all.encode());
}

TEST(Rollup, EncodingIsLittleEndianWithALeadingVersion) {
  RollupAccumulator a;
  MinuteRecord m;
  m.minute = 0x0102030405060708;
  m.phases = 2;
  a.add(m);
  const std::string blob = a.encode();
  ASSERT_EQ(blob.size(), 324u);
  EXPECT_EQ(blob.substr(0, 17), std::string("\x02\x01\0\0\0\0\0\0\0"
                                            "\x08\x07\x06\x05\x04\x03\x02\x01",
                                            17));
  EXPECT_EQ(blob[17], 2) << "phases";
  // A version 1 blob (before gaps and status) is the same without its tail.
  std::string v1 = blob.substr(0, 315);
  v1[0] = 1;
  auto old = RollupAccumulator::decode(v1);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(*old, a);
}

// A long outage's energy, booked as one gap record, counts in the period's
// energy and meters and nowhere else: not a minute, not a peak, not a mean.
TEST(Rollup, AGapAddsEnergyAndNoMeansOrPeaks) {
  const auto hour = an_hour();
  RollupAccumulator measured;
  for (const auto& m : hour) measured.add(m);
  MinuteRecord gap;
  gap.minute = hour.back().minute + 60;
  gap.phases = 3;
  gap.status = kStatusGap;
  gap.covered = std::chrono::hours(24);
  gap.phase[0].wh_delta = 166'000'000;  // 166 MWh: a 7 MW mean over the day
  gap.phase[0].wh = 1e9;
  set_mean_powers(gap);
  RollupAccumulator with_gap = measured;
  with_gap.add(gap);
  const PeriodRow a = measured.row();
  const PeriodRow b = with_gap.row();
  EXPECT_EQ(b.minutes, a.minutes);
  EXPECT_EQ(b.gaps, 1);
  EXPECT_EQ(b.status, kStatusGap);
  EXPECT_EQ(a.status, 0);
  EXPECT_DOUBLE_EQ(b.phase[0].wh_energy, a.phase[0].wh_energy + 166'000'000);
  EXPECT_EQ(b.phase[0].wh, 1e9) << "the meter at the period's end";
  EXPECT_EQ(b.phase[0].max_watts, a.phase[0].max_watts);
  EXPECT_EQ(b.phase[0].volts, a.phase[0].volts);
  EXPECT_EQ(b.phase[0].min_volts, a.phase[0].min_volts);
  EXPECT_EQ(b.temperature_c, a.temperature_c);
  // Merged in either order, and through the stored form, the same.
  RollupAccumulator only_gap;
  only_gap.add(gap);
  EXPECT_FALSE(only_gap.empty());
  const PeriodRow g = only_gap.row();
  EXPECT_EQ(g.minutes, 0);
  EXPECT_EQ(g.phase[0].volts, 0) << "no means without a measured minute";
  EXPECT_EQ(g.phase[0].min_volts, 0);
  EXPECT_EQ(g.phase[0].max_watts, 0);
  RollupAccumulator merged = only_gap;
  merged.merge(measured);
  EXPECT_EQ(merged, with_gap);
  EXPECT_EQ(*RollupAccumulator::decode(with_gap.encode()), with_gap);
}

TEST(Rollup, DecodeRefusesWhatEncodeDidNotWrite) {
  RollupAccumulator a;
  for (const auto& m : an_hour()) a.add(m);
  const std::string good = a.encode();
  EXPECT_FALSE(RollupAccumulator::decode("").ok());
  EXPECT_FALSE(RollupAccumulator::decode(good.substr(1)).ok());
  EXPECT_FALSE(RollupAccumulator::decode(good + '\0').ok());
  std::string bad = good;
  bad[0] = 9;
  auto r = RollupAccumulator::decode(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("version"), std::string::npos);
  bad = good;
  bad[17] = 0;  // phases
  EXPECT_FALSE(RollupAccumulator::decode(bad).ok());
  bad = good;
  bad[8] = '\x80';  // a negative count
  EXPECT_FALSE(RollupAccumulator::decode(bad).ok());
}

}  // namespace
}  // namespace maic
