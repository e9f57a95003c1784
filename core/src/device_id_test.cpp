#include "maic/core/device_id.hpp"

#include <gtest/gtest.h>

namespace maic {
namespace {

TEST(DeviceId, TenDigitsAreAnId) {
  const auto id = DeviceId::parse("1828719372");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->str(), "1828719372");
  EXPECT_TRUE(DeviceId::valid("1828719372"));
}

TEST(DeviceId, KeepsLeadingZeros) {
  const auto id = DeviceId::parse("0000000042");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->str(), "0000000042");
  EXPECT_NE(*id, *DeviceId::parse("0000000420"));
}

TEST(DeviceId, RejectsOtherLengths) {
  EXPECT_FALSE(DeviceId::parse(""));
  EXPECT_FALSE(DeviceId::parse("182871937"));    // 9 digits
  EXPECT_FALSE(DeviceId::parse("18287193720"));  // 11 digits
}

TEST(DeviceId, RejectsAnythingButDigits) {
  for (const std::string_view bad :
       {"18287193a2", "A828719372", "-182871937", "+182871937", "18287.9372", "1828719 72",
        " 182871937", "182871937 ", "１828719372"}) {
    EXPECT_FALSE(DeviceId::parse(bad)) << bad;
  }
}

TEST(DeviceId, RejectsNul) {
  EXPECT_FALSE(
      DeviceId::parse(std::string_view("18287\0"
                                       "9372",
                                       10)));
  EXPECT_FALSE(DeviceId::parse(std::string_view("1828719372\0", 11)));
}

TEST(DeviceId, Orders) {
  EXPECT_LT(*DeviceId::parse("0000000001"), *DeviceId::parse("0000000002"));
}

TEST(DeviceId, EqualsTheTextThatSpellsIt) {
  const DeviceId id = *DeviceId::parse("0012345678");
  EXPECT_EQ(id, "0012345678");
  EXPECT_NE(id, "12345678");
  EXPECT_NE(id, "0012345678 ");
}

TEST(AllDigits, IsTrueForTheEmptyStringAndDigitsOnly) {
  EXPECT_TRUE(all_digits(""));
  EXPECT_TRUE(all_digits("0123456789"));
  EXPECT_FALSE(all_digits("12a"));
  EXPECT_FALSE(all_digits("-1"));
  EXPECT_FALSE(all_digits(std::string_view("1\0", 2)));
  EXPECT_FALSE(all_digits("\xb9"));  // a negative char
}

}  // namespace
}  // namespace maic
