#include "maic/core/calendar.hpp"

#include <gtest/gtest.h>

namespace maic {
namespace {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

TimeZone zone(std::string_view name) {
  auto z = TimeZone::locate(name);
  EXPECT_TRUE(z.ok()) << name;
  return *z;
}

TEST(Calendar, UnknownZonesAreRefused) {
  auto z = TimeZone::locate("Mars/Olympus_Mons");
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.error().message.find("Mars/Olympus_Mons"), std::string::npos);
}

TEST(Calendar, PeriodNames) {
  EXPECT_EQ(*parse_period("week"), Period::kWeek);
  EXPECT_EQ(period_name(Period::kYear), "year");
  EXPECT_FALSE(parse_period("fortnight").ok());
}

TEST(Calendar, UtcIsPlain) {
  const TimeZone utc = TimeZone::utc();
  const std::int64_t t = 1'700'000'123;  // 2023-11-14 22:15:23 UTC, a Tuesday
  EXPECT_EQ(period_of(Period::kMinute, t, utc), (PeriodSpan{1'700'000'100, 1'700'000'160}));
  EXPECT_EQ(period_of(Period::kHour, t, utc), (PeriodSpan{1'699'999'200, 1'700'002'800}));
  EXPECT_EQ(period_of(Period::kDay, t, utc), (PeriodSpan{1'699'920'000, 1'700'006'400}));
  // ISO week: Monday 2023-11-13 to Monday 2023-11-20.
  EXPECT_EQ(period_of(Period::kWeek, t, utc), (PeriodSpan{1'699'833'600, 1'700'438'400}));
  EXPECT_EQ(period_of(Period::kMonth, t, utc), (PeriodSpan{1'698'796'800, 1'701'388'800}));
  EXPECT_EQ(period_of(Period::kYear, t, utc), (PeriodSpan{1'672'531'200, 1'704'067'200}));
}

// Europe/Berlin: 2024-03-31 has 23 hours, 2024-10-27 has 25.
TEST(Calendar, DstDaysAre23And25HoursLong) {
  const TimeZone berlin = zone("Europe/Berlin");
  const std::int64_t spring = 1'711'843'200;  // 2024-03-31 00:00 UTC = 01:00 CET
  const PeriodSpan s = period_of(Period::kDay, spring + 12 * kHour, berlin);
  EXPECT_EQ(s.start, spring - kHour);  // local midnight, CET (UTC+1)
  EXPECT_EQ(s.end - s.start, 23 * kHour);
  const std::int64_t autumn = 1'729'987'200;  // 2024-10-27 00:00 UTC = 02:00 CEST
  const PeriodSpan a = period_of(Period::kDay, autumn + 12 * kHour, berlin);
  EXPECT_EQ(a.start, autumn - 2 * kHour);  // local midnight, CEST (UTC+2)
  EXPECT_EQ(a.end - a.start, 25 * kHour);
}

// The repeated hour 02:00-03:00 of 2024-10-27 in Berlin: two periods.
TEST(Calendar, TheRepeatedHourIsTwoHours) {
  const TimeZone berlin = zone("Europe/Berlin");
  const std::int64_t first = 1'729'987'200;   // 00:00 UTC = 02:00 CEST
  const std::int64_t second = first + kHour;  // 01:00 UTC = 02:00 CET
  EXPECT_EQ(period_of(Period::kHour, first + 600, berlin), (PeriodSpan{first, second}));
  EXPECT_EQ(period_of(Period::kHour, second + 600, berlin), (PeriodSpan{second, second + kHour}));
}

// Kolkata is UTC+5:30, Kathmandu UTC+5:45: their hours and days start off
// the UTC hour.
TEST(Calendar, HalfAndQuarterHourZones) {
  const TimeZone kolkata = zone("Asia/Kolkata");
  const TimeZone kathmandu = zone("Asia/Kathmandu");
  const std::int64_t t = 1'700'000'123;
  EXPECT_EQ(kolkata.offset_at(t), 19'800);
  EXPECT_EQ(kathmandu.offset_at(t), 20'700);
  const PeriodSpan h = period_of(Period::kHour, t, kolkata);
  EXPECT_EQ((h.start + 19'800) % kHour, 0);
  EXPECT_LE(h.start, t);
  EXPECT_GT(h.end, t);
  const PeriodSpan d = period_of(Period::kDay, t, kathmandu);
  EXPECT_EQ((d.start + 20'700) % kDay, 0);
  EXPECT_EQ(d.end - d.start, kDay);
  EXPECT_LE(d.start, t);
  EXPECT_GT(d.end, t);
}

// Periods tile time: every period's end is the next one's start, and a
// year of hours in a DST zone adds up to the year; each hour and day starts
// on the local hour or midnight, also where the offset has half or quarter
// hours and changes with DST.
TEST(Calendar, PeriodsTileAYearInEveryZone) {
  for (std::string_view name : {"Europe/Berlin", "UTC", "Asia/Kolkata", "Asia/Kathmandu",
                                "Australia/Adelaide", "America/St_Johns"}) {
    const TimeZone z = zone(name);
    const PeriodSpan year = period_of(Period::kYear, 1'710'000'000, z);  // 2024
    for (Period p : {Period::kHour, Period::kDay, Period::kMonth}) {
      std::int64_t at = year.start;
      int count = 0;
      while (at < year.end) {
        const PeriodSpan s = period_of(p, at, z);
        ASSERT_EQ(s.start, at) << name << " " << period_name(p);
        ASSERT_GT(s.end, s.start);
        const std::int64_t local = s.start + z.offset_at(s.start);
        ASSERT_EQ(local % (p == Period::kHour ? kHour : kDay), 0) << name << " " << s.start;
        at = s.end;
        ++count;
      }
      EXPECT_EQ(at, year.end);
      const int expected = p == Period::kHour ? 366 * 24 : p == Period::kDay ? 366 : 12;
      EXPECT_EQ(count, expected) << name << " " << period_name(p);
    }
  }
}

// Half-hour zones with DST: Adelaide (+9:30, summer +10:30) and St. John's
// (-3:30, summer -2:30) change at 02:00 local, so their DST days have 23 and
// 25 hours, each starting at :30 UTC.
TEST(Calendar, DstDaysInHalfHourZones) {
  struct Day {
    std::string_view zone;
    std::int64_t midnight;  // local, unix seconds
    std::int64_t hours;
  };
  const Day days[] = {
      {"Australia/Adelaide", 1'696'084'200, 23},  // 2023-10-01
      {"Australia/Adelaide", 1'680'355'800, 25},  // 2023-04-02
      {"America/St_Johns", 1'678'591'800, 23},    // 2023-03-12
      {"America/St_Johns", 1'699'151'400, 25},    // 2023-11-05
  };
  for (const Day& d : days) {
    const TimeZone z = zone(d.zone);
    const PeriodSpan day = period_of(Period::kDay, d.midnight + 12 * kHour, z);
    EXPECT_EQ(day, (PeriodSpan{d.midnight, d.midnight + d.hours * kHour})) << d.zone;
    std::int64_t hours = 0;
    for (std::int64_t at = day.start; at < day.end; at = period_of(Period::kHour, at, z).end) {
      EXPECT_EQ(at % kHour, 1800) << d.zone << " " << at;
      ++hours;
    }
    EXPECT_EQ(hours, d.hours) << d.zone;
  }
}

}  // namespace
}  // namespace maic
