#include "maic/metering/household_minutes.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "maic/metering/synthetic.hpp"

namespace maic::metering {
namespace {

// Local times (read as UTC) in 2025.
constexpr std::int64_t kMidsummerNoon = 1'750'510'800;  // 21 June 13:00
constexpr std::int64_t kJan15 = 1'736'899'200;          // 15 January 00:00
constexpr std::int64_t kJul15 = 1'752'537'600;          // 15 July 00:00

double energy_wh(const HouseholdMinuteOptions& o, std::int64_t from, std::int64_t to) {
  double sum = 0;
  for (std::int64_t t = from; t < to; t += 60) {
    const MinuteRecord m = household_minute(o, t);
    for (std::size_t p = 0; p < 3; ++p) sum += m.phase[p].wh_delta - m.phase[p].rwh_delta;
  }
  return sum;
}

// At a summer noon the sun outweighs the house on L1: the minute exports
// there and consumes on L2 and L3.
TEST(HouseholdMinutes, SummerNoonExportsOnL1) {
  const MinuteRecord m = household_minute({}, kMidsummerNoon);
  EXPECT_GT(m.phase[0].rwh_delta, 0);
  EXPECT_EQ(m.phase[0].wh_delta, 0);
  EXPECT_GT(m.phase[0].reverse_watts, 1000);
  EXPECT_GT(m.phase[1].wh_delta, 0);
  EXPECT_EQ(m.phase[1].rwh_delta, 0);
  // At night nothing is generated.
  const MinuteRecord night = household_minute({}, kMidsummerNoon + 13 * 3600);
  EXPECT_EQ(night.phase[0].rwh_delta, 0);
}

// Summer gives more solar energy than winter, over the whole day.
TEST(HouseholdMinutes, SummerGeneratesMoreThanWinter) {
  const auto generated = [](std::int64_t day) {
    double sum = 0;
    for (std::int64_t t = day; t < day + 86400; t += 60) {
      sum += household_minute({}, t).phase[0].rwh_delta;
    }
    return sum;
  };
  EXPECT_GT(generated(kJul15), 2 * generated(kJan15));
}

// Winter evenings draw more than summer evenings, week after week.
TEST(HouseholdMinutes, WinterEveningsConsumeMore) {
  for (int day = 0; day < 7; ++day) {
    const std::int64_t winter = kJan15 + day * 86400 + 17 * 3600;
    const std::int64_t summer = kJul15 + day * 86400 + 17 * 3600;
    EXPECT_GT(energy_wh({}, winter, winter + 5 * 3600),
              1.3 * energy_wh({}, summer, summer + 5 * 3600))
        << "day " << day;
  }
}

// A minute's energy is its mean power for one minute, by the one
// definition (mean_power_w), and the power is the model's V·A·PF.
TEST(HouseholdMinutes, EnergyIsMeanPowerTimesAMinute) {
  for (std::int64_t t = kJul15; t < kJul15 + 86400; t += 7 * 60) {
    const MinuteRecord m = household_minute({}, t);
    const ThreePhaseLoad load = household_load(1, 20, static_cast<double>(t) + 30);
    for (std::size_t p = 0; p < 3; ++p) {
      const PhaseValues& v = m.phase[p];
      EXPECT_DOUBLE_EQ(v.watts, mean_power_w(v.wh_delta, kFullMinute));
      EXPECT_DOUBLE_EQ(v.reverse_watts, mean_power_w(v.rwh_delta, kFullMinute));
      EXPECT_NEAR(v.wh_delta - v.rwh_delta,
                  load[p].volts * load[p].amps * std::cos(load[p].angle_deg * M_PI / 180) / 60,
                  1e-9);
      EXPECT_NEAR(v.power_factor * v.volts * v.amps, v.watts + v.reverse_watts, 1e-6);
      EXPECT_DOUBLE_EQ(v.volts, load[p].volts);
    }
  }
}

// The live source's profile is the same household: its load at a moment
// is household_load's.
TEST(HouseholdMinutes, TheLiveProfileIsTheSameHousehold) {
  const auto live = household_profile({.seed = 4, .start_local_s = kJan15, .solar_peak_amps = 15});
  for (double t = 0; t < 86400; t += 997) {
    const ThreePhaseLoad a = live->at(t);
    const ThreePhaseLoad b = household_load(4, 15, static_cast<double>(kJan15) + t);
    for (std::size_t p = 0; p < 3; ++p) {
      EXPECT_DOUBLE_EQ(a[p].amps, b[p].amps);
      EXPECT_DOUBLE_EQ(a[p].angle_deg, b[p].angle_deg);
    }
  }
}

// The lifetime registers run on without a jump: each minute's registers
// are the previous ones plus its energy, a history split in two ends where
// one run ends, and registers_after() says where.
TEST(HouseholdMinutes, RegistersAreContinuous) {
  const MicroWhRegisters start{{1'000'000, 2'000'000, 3'000'000}, {5, 6, 7}};
  HouseholdHistory h({}, kJul15, start);
  MinuteRecord previous = h.next();
  for (int k = 1; k < 3 * 1440; ++k) {
    const MinuteRecord m = h.next();
    EXPECT_EQ(m.minute, previous.minute + 60);
    for (std::size_t p = 0; p < 3; ++p) {
      EXPECT_NEAR(m.phase[p].wh, previous.phase[p].wh + m.phase[p].wh_delta, 1e-6);
      EXPECT_NEAR(m.phase[p].rwh, previous.phase[p].rwh + m.phase[p].rwh_delta, 1e-6);
    }
    previous = m;
  }
  const std::int64_t end = kJul15 + 3 * 86400;
  EXPECT_EQ(h.registers(), registers_after({}, kJul15, end, start));
  HouseholdHistory first({}, kJul15, start);
  while (first.next_minute() < kJul15 + 86400) first.next();
  EXPECT_EQ(registers_after({}, kJul15 + 86400, end, first.registers()), h.registers());
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_DOUBLE_EQ(previous.phase[p].wh, static_cast<double>(h.registers().forward[p]) / 1e6);
  }
}

// One phase: the others stay empty.
TEST(HouseholdMinutes, OnePhase) {
  const MinuteRecord m = household_minute({.phases = 1}, kJul15);
  EXPECT_EQ(m.phases, 1);
  EXPECT_GT(m.phase[0].volts, 200);
  EXPECT_EQ(m.phase[1].volts, 0);
}

}  // namespace
}  // namespace maic::metering
