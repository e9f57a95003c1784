#include "maic/http/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace maic::http {
namespace {

TEST(ParseJson, ParsesWhatIsWithinTheDepth) {
  const std::string at_limit = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  auto v = parse_json(at_limit);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->is_array());
}

TEST(ParseJson, RefusesDeeperInputBeforeParsing) {
  const std::string deep = "{\"w\":" + std::string(65000, '[') + std::string(65000, ']') + "}";
  auto v = parse_json(deep);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "nested deeper than 32 levels");
  EXPECT_FALSE(parse_json("[[1]]", 1));
}

TEST(ParseJson, InvalidJsonIsAnError) {
  auto v = parse_json("{\"a\":");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "not valid JSON");
}

}  // namespace
}  // namespace maic::http
