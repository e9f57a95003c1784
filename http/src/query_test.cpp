#include "maic/http/query.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace maic::http
