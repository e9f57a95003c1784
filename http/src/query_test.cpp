#include "maic/http/query.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace maic::http {
namespace {

using Params = std::vector<Query::Param>;

TEST(PercentDecode, DecodesEscapesOfEitherCase) {
  const auto out = percent_decode("a%20b%2fc%2Fd%00e", Plus::kLiteral);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, std::string("a b/c/d\0e", 9));
}

TEST(PercentDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(*percent_decode("a+b%2B", Plus::kSpace), "a b+");
  EXPECT_EQ(*percent_decode("a+b%2B", Plus::kLiteral), "a+b+");
}

TEST(PercentDecode, KeepsNonAsciiBytes) {
  EXPECT_EQ(*percent_decode("%C2%B0C", Plus::kLiteral),
            "\xC2\xB0"
            "C");
}

TEST(PercentDecode, RejectsMalformedEscapesNamingTheOffset) {
  for (const std::string_view bad : {"%", "%2", "%zz", "%2g", "ab%", "ab%%20"}) {
    const auto out = percent_decode(bad, Plus::kSpace);
    ASSERT_FALSE(out.ok()) << bad;
    EXPECT_NE(out.error().message.find("malformed percent-escape"), std::string::npos);
  }
  EXPECT_NE(percent_decode("abc%zz", Plus::kSpace).error().message.find("offset 3"),
            std::string::npos);
}

TEST(ParseQuery, KeepsOrderAndRepeatedKeys) {
  const auto q = parse_query("b=2&a=1&b=3");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->params(), (Params{{"b", "2"}, {"a", "1"}, {"b", "3"}}));
  EXPECT_EQ(q->get("b"), "2");
  EXPECT_EQ(q->all("b"), (std::vector<std::string_view>{"2", "3"}));
  EXPECT_EQ(q->get("c"), std::nullopt);
  EXPECT_TRUE(q->all("c").empty());
}

TEST(ParseQuery, DecodesKeysAndValues) {
  const auto q = parse_query("na%6De=J%C3%B6rg+M%C3%BCller&x%2By=1%3D2");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->get("name"), "Jörg Müller");
  EXPECT_EQ(q->get("x+y"), "1=2");
}

TEST(ParseQuery, HandlesEmptyPartsAndMissingValues) {
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_TRUE(parse_query("&&&")->empty());
  const auto q = parse_query("flag&a=&=v&&b=1=2");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->params(), (Params{{"flag", ""}, {"a", ""}, {"", "v"}, {"b", "1=2"}}));
  EXPECT_TRUE(q->contains("flag"));
}

TEST(ParseQuery, RejectsMalformedEscapesWithTheirPosition) {
  const auto key = parse_query("a=1&b%zz=2");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("offset 5"), std::string::npos) << key.error().message;
  const auto value = parse_query("a=1&b=%4");
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.error().message.find("offset 6"), std::string::npos) << value.error().message;
}

TEST(ParseForm, IsTheQueryGrammar) {
  const auto f = parse_form("user=ann&pass=a+b%26c");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->get("pass"), "a b&c");
}

TEST(ParseInt, ReadsWholeNumbersInRange) {
  EXPECT_EQ(*parse_int("n", "0", 0, 10), 0);
  EXPECT_EQ(*parse_int("n", "10", 0, 10), 10);
  EXPECT_EQ(*parse_int("n", "007", 0, 10), 7);
  EXPECT_EQ(*parse_int("n", "-5", -10, 10), -5);
  EXPECT_EQ(*parse_int("n", "-0", -10, 10), 0);
}

TEST(ParseInt, EnforcesTheBounds) {
  EXPECT_FALSE(parse_int("n", "11", 0, 10).ok());
  EXPECT_FALSE(parse_int("n", "-11", -10, 10).ok());
  EXPECT_FALSE(parse_int("n", "0", 1, 10).ok());
}

TEST(ParseInt, NeverWrapsOnOverflow) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_FALSE(parse_int("n", "4294967297", 0, 65535).ok());  // 2^32 + 1
  EXPECT_FALSE(parse_int("n", "4294967297", 0, 4294967296).ok());
  EXPECT_EQ(*parse_int("n", "4294967297", 0, kMax), 4294967297);
  EXPECT_FALSE(parse_int("n", "18446744073709551616", 0, kMax).ok());  // 2^64
  EXPECT_FALSE(parse_int("n", "18446744073709551617", 0, kMax).ok());
  EXPECT_FALSE(parse_int("n", "9223372036854775808", 0, kMax).ok());  // 2^63
  EXPECT_EQ(*parse_int("n", "9223372036854775807", 0, kMax), kMax);
  EXPECT_EQ(*parse_int("n", "-9223372036854775808", kMin, kMax), kMin);
  EXPECT_FALSE(parse_int("n", "-9223372036854775809", kMin, kMax).ok());
}

TEST(ParseInt, RefusesEverythingButDigits) {
  for (const std::string_view bad :
       {"", "-", "+5", " 5", "5 ", "5.0", "1e3", "0x10", "five", "5junk", "--5", "5-"}) {
    EXPECT_FALSE(parse_int("n", bad, -100, 100).ok()) << bad;
  }
  EXPECT_FALSE(parse_int("n", "-5", 0, 100).ok()) << "no sign where negatives are not allowed";
}

TEST(ParseInt, RefusesANulInTheMiddle) {
  EXPECT_FALSE(parse_int("n", std::string_view("5\0junk", 6), 0, 100).ok());
  EXPECT_FALSE(parse_int("n", std::string_view("5\0", 2), 0, 100).ok());
  const auto q = parse_query("wait=5%00junk");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->get_int("wait", 0, 100).ok());
}

TEST(ParseInt, ErrorsNameTheParameterAndTheRange) {
  EXPECT_EQ(parse_int("points", "x", 1, 1000).error().message,
            "points: a whole number from 1 to 1000 is required, not 'x'");
  EXPECT_EQ(parse_int("mqtt_on", "2", 0, 1).error().message,
            "mqtt_on: 0 or 1 is required, not '2'");
}

TEST(ParseUnixSeconds, IsAWholeNumberUpToTheYear9999) {
  EXPECT_EQ(*parse_unix_seconds("t", "0"), 0);
  EXPECT_EQ(*parse_unix_seconds("t", "1700000000"), 1700000000);
  EXPECT_EQ(*parse_unix_seconds("t", "253402300799"), kMaxUnixSeconds);
  EXPECT_FALSE(parse_unix_seconds("t", "253402300800").ok());
  EXPECT_FALSE(parse_unix_seconds("t", "-5").ok());
  EXPECT_FALSE(parse_unix_seconds("t", "1e9").ok());
  EXPECT_EQ(parse_unix_seconds("date1", "yesterday").error().message,
            "date1: unix seconds expected, not 'yesterday'");
}

TEST(QueryGetInt, AbsentIsNulloptPresentIsCheckedAndTheFirstCounts) {
  const auto q = parse_query("a=5&b=&c=x&a=99");
  ASSERT_TRUE(q.ok());
  const auto absent = q->get_int("z", 0, 10);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, std::nullopt);
  EXPECT_EQ(*q->get_int("a", 0, 10), 5);
  EXPECT_FALSE(q->get_int("b", 0, 10).ok()) << "an empty value is not a number";
  EXPECT_NE(q->get_int("c", 0, 10).error().message.find("c: "), std::string::npos);
  EXPECT_EQ(*q->get_unix_seconds("a"), 5);
  EXPECT_EQ(*q->get_unix_seconds("z"), std::nullopt);
  EXPECT_FALSE(q->get_unix_seconds("c").ok());
}

// After percent-decoding, the whole value must be the number: "wait=%00"
// is a NUL, not 0; "from=5%00junk" is not 5; 2^32 + 883 is not 883.
TEST(QueryGetInt, TheWholeDecodedValueIsTheNumber) {
  const auto q = parse_query(
      "nul=%00&junk=5%00junk&space=%205&tail=5%20&plus=%2B5&big=4294968179&huge="
      "99999999999999999999&neg=-1&tab=5%09");
  ASSERT_TRUE(q.ok());
  for (const char* key : {"nul", "junk", "space", "tail", "plus", "huge", "tab"}) {
    const auto v = q->get_int(key, -100, 100);
    ASSERT_FALSE(v.ok()) << key;
    EXPECT_TRUE(v.error().message.starts_with(std::string(key) + ": ")) << v.error().message;
  }
  EXPECT_FALSE(q->get_int("big", 1, 65535).ok());
  EXPECT_EQ(*q->get_int("big", 0, std::numeric_limits<std::int64_t>::max()), 4294968179);
  EXPECT_FALSE(q->get_int("neg", 0, 100).ok()) << "no '-' where negatives are not allowed";
  EXPECT_EQ(*q->get_int("neg", -5, 5), -1);
  EXPECT_FALSE(q->get_unix_seconds("nul").ok());
  EXPECT_FALSE(q->get_unix_seconds("junk").ok());
  EXPECT_FALSE(q->get_unix_seconds("neg").ok());
}

}  // namespace
}  // namespace maic::http
