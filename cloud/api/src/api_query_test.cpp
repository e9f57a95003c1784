#include "maic/cloud/api_query.hpp"

#include <gtest/gtest.h>

namespace maic::cloud {
namespace {

constexpr std::int64_t kNow = 1'700'003'723;  // 2023-11-14 23:15:23 UTC

Result<ApiQuery> parse(std::string_view text) {
  auto query = http::parse_query(text);
  EXPECT_TRUE(query.ok());
  return parse_api_query(*query, kNow);
}

TEST(ApiQuery, AWellGivenQuery) {
  auto q = parse("devid=1828719372&apikey=abc&period=hour&date1=1699920000&date2=1700006400");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->devid, "1828719372");
  EXPECT_EQ(q->apikey, "abc");
  EXPECT_EQ(q->period, Period::kHour);
  EXPECT_EQ(q->from, 1'699'920'000);
  EXPECT_EQ(q->to, 1'700'006'400);
}

TEST(ApiQuery, WithoutDatesTheLastCompleteHour) {
  auto minutes = parse("devid=1828719372&apikey=k&period=minute");
  ASSERT_TRUE(minutes.ok());
  EXPECT_EQ(minutes->from, 1'699'999'200);  // 22:00
  EXPECT_EQ(minutes->to, 1'700'002'740);    // 22:59
  auto hours = parse("devid=1828719372&apikey=k&period=hour");
  EXPECT_EQ(hours->from, 1'699'999'200);
  EXPECT_EQ(hours->to, 1'699'999'200);
}

TEST(ApiQuery, ABadlyGivenIntervalIsTheLongestEndingAtDate2) {
  // Reversed.
  auto reversed =
      parse("devid=1828719372&apikey=k&period=minute&date1=1700000000&date2=1690000000");
  ASSERT_TRUE(reversed.ok());
  EXPECT_EQ(reversed->to, 1'690'000'000);
  EXPECT_EQ(reversed->from, 1'690'000'000 - 1500 * 60);
  // Too long: minute data is at most 1500 rows, hour data 1080.
  auto minute = parse("devid=1828719372&apikey=k&period=minute&date1=0&date2=1700000000");
  EXPECT_EQ(minute->from, 1'700'000'000 - 1500 * 60);
  auto hour = parse("devid=1828719372&apikey=k&period=hour&date1=0&date2=1700000000");
  EXPECT_EQ(hour->from, 1'700'000'000 - 1080 * 3600);
  // Only date2: the longest interval ending there; only date1: up to now.
  auto only2 = parse("devid=1828719372&apikey=k&period=hour&date2=1700000000");
  EXPECT_EQ(only2->from, 1'700'000'000 - 1080 * 3600);
  auto only1 = parse("devid=1828719372&apikey=k&period=minute&date1=1700000000");
  EXPECT_EQ(only1->from, 1'700'000'000);
  EXPECT_EQ(only1->to, kNow);
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

TEST(ApiQuery, ExtensionsHaveLimitsToo) {
  for (Period p : {Period::kDay, Period::kWeek, Period::kMonth, Period::kYear}) {
    EXPECT_GT(max_rows(p), 0);
    auto q = parse(std::string("devid=1828719372&apikey=k&period=") + std::string(period_name(p)) +
                   "&date1=0&date2=1700000000");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->to - q->from, max_span_seconds(p));
  }
}

}  // namespace
}  // namespace maic::cloud
