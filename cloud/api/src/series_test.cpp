#include "series.hpp"

#include <gtest/gtest.h>

namespace maic::cloud {
namespace {

const Quantity* q(std::string_view key) { return find_quantity(key, 3); }

TimeZone zone(std::string_view name) {
  auto z = TimeZone::locate(name);
  EXPECT_TRUE(z.ok()) << name;
  return z ? *z : TimeZone::utc();
}

TEST(Series, AutoPeriodIsTheFinestThatFits) {
  const TimeZone utc = TimeZone::utc();
  EXPECT_EQ(auto_period(0, 86'400 - 1, 2000, utc), Period::kMinute);  // 1,440 minutes
  EXPECT_EQ(auto_period(0, 2 * 86'400 - 1, 2000, utc), Period::kHour);
  EXPECT_EQ(auto_period(0, 366 * 86'400, 2000, utc), Period::kDay);
  EXPECT_EQ(auto_period(0, 366 * 86'400, 100, utc), Period::kWeek);
  EXPECT_EQ(auto_period(0, 5LL * 366 * 86'400, 100, utc), Period::kMonth);  // 61 months
  EXPECT_EQ(auto_period(0, 100LL * 366 * 86'400, 100, utc), Period::kYear);
}

constexpr std::int64_t kNow = 1'700'003'723;  // 2023-11-14 23:15:23 UTC

TEST(Series, AWeekToNowIsSevenDaysInEveryZone) {
  // from seven days ago to now: seven local midnights, so seven day rows,
  // not one week row; six points do not hold them.
  for (std::string_view name : {"UTC", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide",
                                "America/St_Johns", "Europe/Berlin"}) {
    const TimeZone z = zone(name);
    EXPECT_EQ(periods_starting_in(Period::kDay, kNow - 7 * 86'400, kNow, z, 2000), 7u) << name;
    EXPECT_EQ(auto_period(kNow - 7 * 86'400, kNow, 7, z), Period::kDay) << name;
    EXPECT_EQ(auto_period(kNow - 7 * 86'400, kNow, 6, z), Period::kWeek) << name;
  }
  // Over a 25-hour day too: noon of 2023-10-30 in Berlin, a week back.
  const std::int64_t noon = 1'698'620'400 + 12 * 3600;
  EXPECT_EQ(auto_period(noon - 7 * 86'400, noon, 7, zone("Europe/Berlin")), Period::kDay);
}

TEST(Series, RowsAreCountedInTheLocalCalendar) {
  struct Day {
    std::string_view zone;
    std::int64_t start, end;  // local midnights
    std::size_t hours;
  };
  const Day days[] = {
      {"Europe/Berlin", 1'698'530'400, 1'698'620'400, 25},       // 2023-10-29
      {"Europe/Berlin", 1'679'785'200, 1'679'868'000, 23},       // 2023-03-26
      {"Australia/Adelaide", 1'696'084'200, 1'696'167'000, 23},  // 2023-10-01
      {"Australia/Adelaide", 1'680'355'800, 1'680'445'800, 25},  // 2023-04-02
      {"America/St_Johns", 1'678'591'800, 1'678'674'600, 23},    // 2023-03-12
      {"America/St_Johns", 1'699'151'400, 1'699'241'400, 25},    // 2023-11-05
      {"Asia/Kolkata", 1'699'900'200, 1'699'986'600, 24},        // 2023-11-14
      {"Asia/Kathmandu", 1'699'899'300, 1'699'985'700, 24},      // 2023-11-14
  };
  for (const Day& d : days) {
    const TimeZone z = zone(d.zone);
    EXPECT_EQ(periods_starting_in(Period::kHour, d.start, d.end - 1, z, 2000), d.hours)
        << d.zone << " " << d.start;
    EXPECT_EQ(periods_starting_in(Period::kDay, d.start, d.end - 1, z, 2000), 1u) << d.zone;
    // A day's hours fit in as many points as it has hours, not fewer.
    EXPECT_EQ(auto_period(d.start, d.end - 1, d.hours, z), Period::kHour) << d.zone;
    EXPECT_EQ(auto_period(d.start, d.end - 1, d.hours - 1, z), Period::kDay) << d.zone;
  }
  // The count stops past the cap.
  EXPECT_EQ(periods_starting_in(Period::kHour, 0, 100LL * 366 * 86'400, TimeZone::utc(), 10), 11u);
  EXPECT_EQ(periods_starting_in(Period::kMinute, 0, 100LL * 366 * 86'400, TimeZone::utc(), 10),
            11u);
  EXPECT_EQ(periods_starting_in(Period::kMinute, 30, 150, TimeZone::utc(), 10), 2u);
  EXPECT_EQ(periods_starting_in(Period::kDay, 10, 5, TimeZone::utc(), 10), 0u);
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
    s.status.push_back(i == 4 ? kStatusGap : 0);
  }
  const Series d = downsample(s, qs, 4);  // buckets of 3, 3, 3, 1
  EXPECT_EQ(d.status, (std::vector<std::uint8_t>{0, kStatusGap, 0, 0})) << "OR'd per bucket";
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
