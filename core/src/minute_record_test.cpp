#include "maic/core/minute_record.hpp"

#include <gtest/gtest.h>

namespace maic {
namespace {

Reading reading_at(std::int64_t unix_end, double volts, double watts) {
  Reading r;
  r.wall_end = from_unix_seconds(unix_end);
  r.span = std::chrono::seconds(5);
  for (auto& p : r.phase) {
    p.volts = volts;
    p.watts = watts;
    p.wh_delta = watts * 5 / 3600;
  }
  return r;
}

TEST(MinuteAggregator, TwelveReadingsMakeAMinute) {
  MinuteAggregator agg;
  const std::int64_t start = 1'700'000'040;  // a minute boundary
  for (int k = 1; k <= 12; ++k) {
    EXPECT_FALSE(agg.add(reading_at(start + 5 * k, 220 + k, 600)).has_value());
  }
  auto next = agg.add(reading_at(start + 65, 230, 0));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->minute, start);
  EXPECT_EQ(next->readings, 12);
  EXPECT_NEAR(next->phase[0].volts, 226.5, 1e-9);
  EXPECT_NEAR(next->phase[2].watts, 600, 1e-9);
  EXPECT_NEAR(next->phase[1].wh_delta, 10.0, 1e-9);  // 600 W for a minute
  const Quantity* total = find_quantity("W");
  EXPECT_NEAR(value_of(*next, *total), 1800, 1e-9);
}

TEST(MeanPower, IsTheEnergyOverTheTimeCovered) {
  EXPECT_DOUBLE_EQ(mean_power_w(40, kFullMinute), 2400);  // Wh × 60 for a full minute
  EXPECT_DOUBLE_EQ(mean_power_w(10, std::chrono::seconds(15)), 2400);
  EXPECT_DOUBLE_EQ(mean_power_w(10, Duration::zero()), 0);
}

TEST(MinuteAggregator, MeanPowerFollowsTheEnergyWhateverTheReadingInterval) {
  for (const int interval : {1, 5, 10}) {
    MinuteAggregator agg;
    const std::int64_t start = 1'700'000'040;
    for (int t = interval; t <= 60; t += interval) {
      Reading r = reading_at(start + t, 230, 2400);
      r.span = std::chrono::seconds(interval);
      for (auto& p : r.phase) p.wh_delta = 2400.0 * interval / 3600;
      (void)agg.add(r);
    }
    const auto m = agg.flush();
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->covered, kFullMinute) << interval;
    EXPECT_NEAR(m->phase[0].watts, 2400, 1e-9) << interval;
  }
}

TEST(MinuteAggregator, APartialMinuteIsTheMeanOverWhatItCovered) {
  MinuteAggregator agg;
  const std::int64_t start = 1'700'000'040;
  // The device started at :40: four readings, 20 s of the minute.
  for (int t = 45; t <= 60; t += 5) (void)agg.add(reading_at(start + t, 230, 1200));
  const auto m = agg.flush();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->covered, std::chrono::seconds(20));
  EXPECT_NEAR(m->phase[0].wh_delta, 1200.0 * 20 / 3600, 1e-12);
  EXPECT_NEAR(m->phase[0].watts, 1200, 1e-9);
}

TEST(MinuteAggregator, AWindowEndingOnTheMinuteBelongsToTheMinuteBefore) {
  EXPECT_EQ(minute_of(from_unix_seconds(120)), 60);
  EXPECT_EQ(minute_of(from_unix_seconds(121)), 120);
}

TEST(MinuteAggregator, EnergyIsSummedNotTakenFromTheMeters) {
  MinuteAggregator agg;
  Reading a = reading_at(65, 230, 360);
  a.phase[0].wh = 1000;  // the user set a starting value mid-minute
  Reading b = reading_at(70, 230, 360);
  b.phase[0].wh = 5;
  (void)agg.add(a);
  (void)agg.add(b);
  auto m = agg.flush();
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(m->phase[0].wh_delta, 1.0, 1e-12);
  EXPECT_EQ(m->phase[0].wh, 5);
  EXPECT_FALSE(agg.flush().has_value());
}

TEST(MinuteAggregator, AClockJumpBackStartsANewMinute) {
  MinuteAggregator agg;
  (void)agg.add(reading_at(1000, 230, 1));
  auto done = agg.add(reading_at(500, 230, 1));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->minute, 960);
}

// A clock set back writes a minute stamp twice; read back as one minute,
// both records' energy is in it and the means weigh each by its time.
TEST(MergeSameMinute, AddsEnergiesAndWeighsMeansByCoveredTime) {
  MinuteRecord a;
  a.minute = 1'700'000'040;
  a.covered = std::chrono::seconds(60);
  a.temperature_c = 30;
  a.phase[0] = {.volts = 230, .hertz = 50, .wh_delta = 10, .wh = 1010};
  a.readings = 12;
  MinuteRecord b = a;
  b.covered = std::chrono::seconds(20);
  b.temperature_c = 34;
  b.phase[0] = {.volts = 238, .hertz = 50.4, .wh_delta = 5, .wh = 1015};
  b.readings = 4;
  b.output_on = true;
  b.status = kStatusClockCorrected;
  merge_same_minute(a, b);
  EXPECT_DOUBLE_EQ(a.phase[0].wh_delta, 15);
  EXPECT_EQ(a.covered, std::chrono::seconds(80));
  EXPECT_DOUBLE_EQ(a.phase[0].watts, 15 * 3600.0 / 80);
  EXPECT_DOUBLE_EQ(a.phase[0].volts, 232);
  EXPECT_DOUBLE_EQ(a.phase[0].hertz, 50.1);
  EXPECT_DOUBLE_EQ(a.temperature_c, 31);
  EXPECT_EQ(a.phase[0].wh, 1015) << "the later record's meter";
  EXPECT_TRUE(a.output_on);
  EXPECT_EQ(a.readings, 16);
  EXPECT_EQ(a.status, kStatusClockCorrected);
}

TEST(MergeSameMinute, AGapBringsEnergyButNoMeans) {
  MinuteRecord measured;
  measured.phase[0] = {.volts = 230, .wh_delta = 10, .wh = 1010};
  MinuteRecord gap;
  gap.status = kStatusGap;
  gap.covered = std::chrono::hours(48);
  gap.phase[0] = {.wh_delta = 4000, .wh = 5010};
  MinuteRecord m = measured;
  merge_same_minute(m, gap);
  EXPECT_DOUBLE_EQ(m.phase[0].volts, 230);
  EXPECT_DOUBLE_EQ(m.phase[0].wh_delta, 4010);
  EXPECT_EQ(m.status, kStatusGap);
  MinuteRecord g = gap;
  merge_same_minute(g, measured);
  EXPECT_DOUBLE_EQ(g.phase[0].volts, 230);
}

}  // namespace
}  // namespace maic
