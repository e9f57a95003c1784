#include "maic/core/json_depth.hpp"

#include <gtest/gtest.h>

#include <string>

namespace maic {
namespace {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

TEST(JsonDepth, FlatValuesHaveNoDepth) {
  EXPECT_TRUE(json_within_depth("1", 0));
  EXPECT_TRUE(json_within_depth("\"x\"", 0));
  EXPECT_FALSE(json_within_depth("[]", 0));
  EXPECT_TRUE(json_within_depth("[]", 1));
}

TEST(JsonDepth, ArraysAndObjectsAtTheLimitPassAndOneDeeperFails) {
  EXPECT_TRUE(json_within_depth(nested_arrays(kMaxJsonDepth)));
  EXPECT_FALSE(json_within_depth(nested_arrays(kMaxJsonDepth + 1)));
  EXPECT_TRUE(json_within_depth(nested_objects(kMaxJsonDepth)));
  EXPECT_FALSE(json_within_depth(nested_objects(kMaxJsonDepth + 1)));
  EXPECT_TRUE(json_within_depth("[{\"a\":[1]},{\"b\":{}}]", 3));
  EXPECT_FALSE(json_within_depth("[{\"a\":[1]},{\"b\":{}}]", 2));
}

TEST(JsonDepth, SiblingsDoNotAddUp) {
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += "[[]],";
  wide += "[]]";
  EXPECT_TRUE(json_within_depth(wide, 3));
}

TEST(JsonDepth, BracketsInsideStringsAreNotCounted) {
  const std::string deep_string = "{\"s\":\"" + std::string(10000, '[') + "\"}";
  EXPECT_TRUE(json_within_depth(deep_string, 1));
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  EXPECT_TRUE(json_within_depth(R"(["\"[[[[", "\\", "{{{"])", 1));
  EXPECT_FALSE(json_within_depth(R"(["\\", [[]]])", 2));
}

TEST(JsonDepth, SixtyFiveThousandLevelsAreRefusedWithoutRecursion) {
  const std::string body = "{\"w\":" + nested_arrays(65000) + "}";
  EXPECT_FALSE(json_within_depth(body));
}

TEST(JsonDepth, StrayClosersDoNotMakeRoomForMore) {
  EXPECT_FALSE(json_within_depth("]]]]" + nested_arrays(kMaxJsonDepth + 1)));
}

}  // namespace
}  // namespace maic
