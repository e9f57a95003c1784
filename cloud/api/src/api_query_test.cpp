#include "maic/cloud/api_query.hpp"

#include <gtest/gtest.h>

namespace maic::cloud {
namespace {

constexpr std::int64_t kNow = 1'700'003'723;  // 2023-11-14 23:15:23 UTC

Result<ApiQuery> parse(std::string_view text) {
  auto query = http::parse_query(text);
  EXPECT_TRUE(query.ok());
  return parse_api_query(*query);
}

TimeZone zone(std::string_view name) {
  auto z = TimeZone::locate(name);
  EXPECT_TRUE(z.ok()) << name;
  return z ? *z : TimeZone::utc();
}

// The interval of a query that parses, at kNow in `zone_name`.
ApiInterval interval(std::string_view text, std::string_view zone_name = "UTC",
                     std::int64_t now = kNow) {
  auto q = parse(text);
  EXPECT_TRUE(q.ok()) << text << ": " << (q ? "" : q.error().message);
  return q ? api_interval(*q, now, zone(zone_name)) : ApiInterval{};
}

// Rows of period `p` that start in [from, to] in `z`, walked one by one.
std::int64_t rows_in(Period p, const ApiInterval& i, const TimeZone& z) {
  std::int64_t n = 0;
  PeriodSpan s = period_of(p, i.from, z);
  if (s.start < i.from) s = period_of(p, s.end, z);
  for (; s.start <= i.to; s = period_of(p, s.end, z)) ++n;
  return n;
}

TEST(ApiQuery, AWellGivenQuery) {
  auto q = parse("devid=1828719372&apikey=abc&period=hour&date1=1699920000&date2=1700006400");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->devid, "1828719372");
  EXPECT_EQ(q->apikey, "abc");
  EXPECT_EQ(q->period, Period::kHour);
  EXPECT_EQ(q->date1, 1'699'920'000);
  EXPECT_EQ(q->date2, 1'700'006'400);
  for (std::string_view z : {"UTC", "Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin"}) {
    EXPECT_EQ(api_interval(*q, kNow, zone(z)), (ApiInterval{1'699'920'000, 1'700'006'400})) << z;
  }
}

TEST(ApiQuery, WithoutDatesTheLastCompleteHour) {
  const ApiInterval minutes = interval("devid=1828719372&apikey=k&period=minute");
  EXPECT_EQ(minutes.from, 1'699'999'200);  // 22:00
  EXPECT_EQ(minutes.to, 1'700'002'740);    // 22:59
  const ApiInterval hours = interval("devid=1828719372&apikey=k&period=hour");
  EXPECT_EQ(hours.from, 1'699'999'200);
  EXPECT_EQ(hours.to, 1'699'999'200);
}

// kNow is 04:45 in Kolkata (+5:30): the last complete local hour is 03:00 to
// 04:00 local, from 21:30 UTC; the UTC hour from 22:00 is no Kolkata hour.
TEST(ApiQuery, WithoutDatesTheLastCompleteLocalHourInEveryZone) {
  struct Case {
    std::string_view zone;
    std::int64_t hour;  // the last complete local hour's start at kNow
  };
  const Case cases[] = {
      {"UTC", 1'699'999'200},                 // 22:00 UTC
      {"Asia/Kolkata", 1'699'997'400},        // 03:30 local (+5:30), 21:30 UTC
      {"Asia/Kathmandu", 1'700'000'100},      // 04:00 local (+5:45), 22:15 UTC
      {"Australia/Adelaide", 1'699'997'400},  // 08:00 local (+10:30, summer)
      {"America/St_Johns", 1'699'997'400},    // 18:00 local (-3:30)
      {"Europe/Berlin", 1'699'999'200},       // 23:00 local (+1)
  };
  for (const Case& c : cases) {
    const ApiInterval hour = interval("devid=1828719372&apikey=k&period=hour", c.zone);
    EXPECT_EQ(hour, (ApiInterval{c.hour, c.hour})) << c.zone;
    const ApiInterval minutes = interval("devid=1828719372&apikey=k&period=minute", c.zone);
    EXPECT_EQ(minutes, (ApiInterval{c.hour, c.hour + 3600 - 60})) << c.zone;
  }
}

TEST(ApiQuery, WithoutDatesTheLastCompleteLocalDay) {
  struct Case {
    std::string_view zone;
    std::int64_t now;
    std::int64_t day;  // yesterday's local midnight
  };
  const Case cases[] = {
      {"UTC", kNow, 1'699'833'600},
      {"Asia/Kolkata", kNow, 1'699'900'200},        // 2023-11-14 00:00 +5:30
      {"Asia/Kathmandu", kNow, 1'699'899'300},      // 2023-11-14 00:00 +5:45
      {"Australia/Adelaide", kNow, 1'699'882'200},  // 2023-11-14 00:00 +10:30
      {"America/St_Johns", kNow, 1'699'846'200},    // 2023-11-13 00:00 -3:30
      {"Europe/Berlin", kNow, 1'699'916'400},       // 2023-11-14 00:00 +1 (kNow is 00:15)
      // The day after a DST change: yesterday had 25 hours, or 23.
      {"Europe/Berlin", 1'698'620'400 + 3600, 1'698'530'400},     // 2023-10-29
      {"Europe/Berlin", 1'679'868'000 + 3600, 1'679'785'200},     // 2023-03-26
      {"Australia/Adelaide", 1'696'167'000 + 60, 1'696'084'200},  // 2023-10-01
      {"America/St_Johns", 1'699'241'400 + 7200, 1'699'151'400},  // 2023-11-05
  };
  for (const Case& c : cases) {
    const ApiInterval day = interval("devid=1828719372&apikey=k&period=day", c.zone, c.now);
    EXPECT_EQ(day, (ApiInterval{c.day, c.day})) << c.zone << " at " << c.now;
  }
  // Week, month and year likewise: the last complete one, from local midnight.
  const TimeZone kolkata = zone("Asia/Kolkata");
  for (Period p : {Period::kWeek, Period::kMonth, Period::kYear}) {
    const ApiInterval i =
        interval(std::string("devid=1828719372&apikey=k&period=") + std::string(period_name(p)),
                 "Asia/Kolkata");
    const PeriodSpan last = period_of(p, period_of(p, kNow, kolkata).start - 1, kolkata);
    EXPECT_EQ(i, (ApiInterval{last.start, last.start})) << period_name(p);
    EXPECT_LE(last.end, kNow);
  }
}

TEST(ApiQuery, ABadlyGivenIntervalIsTheLongestEndingAtDate2) {
  // Reversed: 1500 minutes ending with date2's minute.
  const ApiInterval reversed =
      interval("devid=1828719372&apikey=k&period=minute&date1=1700000000&date2=1690000000");
  EXPECT_EQ(reversed.to, 1'690'000'000);
  EXPECT_EQ(reversed.from, 1'689'999'960 - 1499 * 60);
  // Too long: minute data is at most 1500 rows, hour data 1080.
  const ApiInterval minute =
      interval("devid=1828719372&apikey=k&period=minute&date1=0&date2=1700000000");
  EXPECT_EQ(minute.from, 1'699'999'980 - 1499 * 60);
  const ApiInterval hour =
      interval("devid=1828719372&apikey=k&period=hour&date1=0&date2=1700000000");
  EXPECT_EQ(hour.from, 1'699'999'200 - 1079 * 3600);
  // In Kolkata the hours start at :30.
  const ApiInterval kolkata =
      interval("devid=1828719372&apikey=k&period=hour&date1=0&date2=1700000000", "Asia/Kolkata");
  EXPECT_EQ(kolkata.from, 1'699'997'400 - 1079 * 3600);
  // Only date2: the longest interval ending there; only date1: up to now.
  const ApiInterval only2 = interval("devid=1828719372&apikey=k&period=hour&date2=1700000000");
  EXPECT_EQ(only2.from, 1'699'999'200 - 1079 * 3600);
  const ApiInterval only1 = interval("devid=1828719372&apikey=k&period=minute&date1=1700000000");
  EXPECT_EQ(only1.from, 1'700'000'000);
  EXPECT_EQ(only1.to, kNow);
}

TEST(ApiQuery, BadParametersAreNamed) {
  struct Bad {
    std::string_view query;
    std::string_view says;
  };
  const Bad cases[] = {
      {"apikey=k&period=hour", "devid"},
      {"devid=12345&apikey=k&period=hour", "devid"},
      {"devid=18287193x2&apikey=k&period=hour", "devid"},
      {"devid=1828719372&period=hour", "apikey"},
      {"devid=1828719372&apikey=&period=hour", "apikey"},
      {"devid=1828719372&apikey=k", "period"},
      {"devid=1828719372&apikey=k&period=fortnight", "period"},
      {"devid=1828719372&apikey=k&period=hour&date1=yesterday", "date1"},
      {"devid=1828719372&apikey=k&period=hour&date2=-5", "date2"},
      {"devid=1828719372&apikey=k&period=hour&date2=1e9", "date2"},
      {"devid=1828719372'%20OR%201=1&apikey=k&period=hour", "devid"},
  };
  for (const Bad& b : cases) {
    auto q = parse(b.query);
    ASSERT_FALSE(q.ok()) << b.query;
    EXPECT_EQ(q.error().message.rfind(b.says, 0), 0u) << b.query << " -> " << q.error().message;
  }
}

TEST(ApiQuery, TheLongestIntervalHoldsTheLimitInLocalRows) {
  // Counted in the local calendar, where a day has 23 to 25 hours and a month
  // 28 to 31 days: exactly max_rows rows, the newest the one date2 is in.
  for (std::string_view name : {"UTC", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide",
                                "America/St_Johns", "Europe/Berlin"}) {
    const TimeZone z = zone(name);
    for (Period p : {Period::kMinute, Period::kHour, Period::kDay, Period::kWeek, Period::kMonth,
                     Period::kYear}) {
      EXPECT_GT(max_rows(p), 0);
      const ApiInterval i = interval(std::string("devid=1828719372&apikey=k&period=") +
                                         std::string(period_name(p)) + "&date1=0&date2=1700000000",
                                     name);
      EXPECT_EQ(i.to, 1'700'000'000);
      EXPECT_EQ(rows_in(p, i, z), max_rows(p)) << name << " " << period_name(p);
      EXPECT_EQ(period_of(p, i.from, z).start, i.from) << name << " " << period_name(p);
      EXPECT_LE(i.to - i.from, max_span_seconds(p));
    }
  }
}

}  // namespace
}  // namespace maic::cloud
