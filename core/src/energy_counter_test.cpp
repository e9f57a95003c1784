#include "maic/core/energy_counter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <utility>

namespace maic {
namespace {

using std::chrono::seconds;

// Feeds (wh, watts) readings `every` apart; returns the total counted.
double total(std::initializer_list<std::pair<double, double>> readings,
             Duration every = seconds(5)) {
  EnergyCounter c;
  double sum = 0;
  Duration at{};
  for (const auto& [wh, watts] : readings) {
    sum += c.add(at, wh, watts);
    at += every;
  }
  return sum;
}

TEST(EnergyCounter, CountsTheStepsOfAHealthyCounter) {
  EXPECT_DOUBLE_EQ(total({{1000, 720}, {1001, 720}, {1002, 720}, {1004, 720}}), 4);
}

TEST(EnergyCounter, FirstReadingCountsNothing) {
  EnergyCounter c;
  EXPECT_EQ(c.add(Duration{}, 5000, 100), 0);
  EXPECT_EQ(c.counted(), 5000);
}

// Issue: an SDM630 read as 1000.000, 1000.001, 0, 1000.003, 1000.004 kWh.
TEST(EnergyCounter, AReadOfZeroIsAGlitch) {
  EXPECT_NEAR(
      total({{1'000'000, 720}, {1'000'001, 720}, {0, 720}, {1'000'003, 720}, {1'000'004, 720}}), 4,
      1e-9);
}

TEST(EnergyCounter, GlitchesUpwardsOrTwiceInARowAreForgotten) {
  EXPECT_NEAR(total({{1000, 720}, {1001, 720}, {9e12, 720}, {1003, 720}}), 3, 1e-9);
  EXPECT_NEAR(total({{1000, 720}, {0, 720}, {5e6, 720}, {1003, 720}, {1004, 720}}), 4, 1e-9);
}

TEST(EnergyCounter, AReportedPowerOfZeroStillAllowsTheCountersResolution) {
  EXPECT_DOUBLE_EQ(total({{1000, 0}, {1006, 0}}), 6);
}

// Issue: Wh1 100000, 100001, (absent), 100003, 100004, then 12345000 (the
// owner set an initial value), 12345001, 12345002 at 500 W, every 10 s.
TEST(EnergyCounter, AnInitialValueSetUpwardsIsNotConsumption) {
  const double counted = total({{100000, 500},
                                {100001, 500},
                                {NAN, 500},
                                {100003, 500},
                                {100004, 500},
                                {12345000, 500},
                                {12345001, 500},
                                {12345002, 500}},
                               seconds(10));
  // 4 Wh counted before, 2 after, and 500 W for the 10 s no counter measured.
  EXPECT_NEAR(counted, 4 + 500.0 * 10 / 3600 + 2, 1e-9);
  EXPECT_EQ(std::lround(counted), 7);
}

TEST(EnergyCounter, ACounterResetDownwardsOrAReplacedMeterCountsOnFromTheNewValue) {
  // Reset to a value below: 100 W for the unmeasured 60 s, then +2.
  EXPECT_NEAR(
      total({{50000, 100}, {50001, 100}, {1000, 100}, {1001, 100}, {1002, 100}}, seconds(60)),
      1 + 100.0 * 60 / 3600 + 2, 1e-9);
  // A new meter starting at 0.
  EXPECT_NEAR(total({{7e6, 3000}, {0, 3000}, {4, 3000}}, seconds(5)), 3000.0 * 5 / 3600 + 4, 1e-9);
}

TEST(EnergyCounter, AnAbsentCounterIsNotZeroAndChangesNothing) {
  EnergyCounter c;
  EXPECT_EQ(c.add(seconds(0), 100, 500), 0);
  EXPECT_EQ(c.add(seconds(10), NAN, 500), 0);
  EXPECT_EQ(c.counted(), 100);
  EXPECT_DOUBLE_EQ(c.add(seconds(20), 103, 500), 3);
}

TEST(EnergyCounter, JitterBelowTheLastReadingCountsNothingAndNothingTwice) {
  EXPECT_DOUBLE_EQ(total({{1000, 720}, {999, 720}, {1001, 720}}), 1);
}

TEST(EnergyCounter, ALongGapKeepsWhatTheLoadCouldHaveUsed) {
  // An hour without readings, sampled at 100 W: 20 kWh is within what a
  // phase can draw in an hour (23 kW), whatever the samples said.
  EXPECT_DOUBLE_EQ(total({{1000, 100}, {21000, 100}}, seconds(3600)), 20000);
  // 30 kWh is not, unless a larger power was reported since.
  EXPECT_EQ(total({{1000, 100}, {31000, 100}}, seconds(3600)), 0);
  EnergyCounter c;
  c.start(seconds(0), 1000, 100);
  EXPECT_EQ(c.add(seconds(1800), NAN, 20'000), 0);
  EXPECT_DOUBLE_EQ(c.add(seconds(3600), 31000, 100), 30000);
}

TEST(EnergyCounter, AJumpWithinSecondsIsNotConsumption) {
  // 100 Wh in 10 s would take 36 kW on one phase.
  EXPECT_EQ(total({{1000, 500}, {1100, 500}}, seconds(10)), 0);
  // A large installation that reports 40 kW may.
  EXPECT_DOUBLE_EQ(total({{1000, 40'000}, {1100, 40'000}}, seconds(10)), 100);
}

TEST(EnergyCounter, StartContinuesFromAStoredReading) {
  EnergyCounter c;
  c.start(seconds(0), 100004, 500);
  EXPECT_EQ(c.add(seconds(10), 12345000, 500), 0);
  EXPECT_NEAR(c.add(seconds(20), 12345001, 500), 500.0 * 10 / 3600 + 1, 1e-9);
}

}  // namespace
}  // namespace maic
