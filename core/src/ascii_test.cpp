#include "maic/core/ascii.hpp"

#include <gtest/gtest.h>

#include <string>

namespace maic {
namespace {

TEST(Ascii, WholeNumbersAreDigitsOnlyAndNeverWrap) {
  EXPECT_EQ(whole_number("883"), 883);
  EXPECT_EQ(whole_number("-5"), -5);
  EXPECT_EQ(whole_number("-5", false), std::nullopt);
  EXPECT_EQ(whole_number("4294968179"), 4294968179);  // read whole; the caller checks the range
  EXPECT_EQ(whole_number("9223372036854775808"), std::nullopt);
  for (std::string_view bad : {"", "-", "+5", " 5", "5 ", "5x", "0x10", "1e3", "1.5"}) {
    EXPECT_EQ(whole_number(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(whole_number(std::string_view("5\0junk", 6)), std::nullopt);
  EXPECT_EQ(whole_number(std::string_view("\0", 1)), std::nullopt);
}

TEST(Ascii, Utf8IsWellFormedOrRefused) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("broker.example"));
  EXPECT_TRUE(valid_utf8("J\xc3\xbcrgen"));      // ü
  EXPECT_TRUE(valid_utf8("\xe2\x9c\x93"));       // ✓
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x94\x8c"));   // 🔌
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(valid_utf8("\xff"));              // never in UTF-8
  EXPECT_FALSE(valid_utf8("\x80"));              // a lone continuation
  EXPECT_FALSE(valid_utf8("a\xc3"));             // truncated
  EXPECT_FALSE(valid_utf8("\xe2\x9c"));          // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xc3\x28"));          // bad continuation
}

TEST(Ascii, ControlCharacters) {
  EXPECT_FALSE(has_control("broker.example"));
  EXPECT_FALSE(has_control("J\xc3\xbcrgen"));
  EXPECT_TRUE(has_control(std::string_view("a\0b", 3)));
  EXPECT_TRUE(has_control("a\nb"));
  EXPECT_TRUE(has_control("a\x1b"));
  EXPECT_TRUE(has_control("\x7f"));
}

}  // namespace
}  // namespace maic
