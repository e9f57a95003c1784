#include "maic/core/language.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace maic {
namespace {

TEST(Language, TheManualsTwentyFiveInItsOrder) {
  const auto all = languages();
  ASSERT_EQ(all.size(), 25u);
  EXPECT_EQ(all.front().tag, "en");
  EXPECT_EQ(all.back().tag, "th");
  std::set<std::string_view> tags;
  for (const Language& l : all) {
    EXPECT_TRUE(tags.insert(l.tag).second) << l.tag << " twice";
    EXPECT_FALSE(l.name.empty()) << l.tag;
  }
}

TEST(Language, TagsAreBcp47AndTheManualsCountryCodesAreNot) {
  for (auto [manual, tag] :
       {std::pair{"ua", "uk"}, {"cz", "cs"}, {"gr", "el"}, {"ee", "et"}, {"se", "sv"}}) {
    EXPECT_EQ(find_language(manual), nullptr) << manual;
    const Language* l = find_language(tag);
    ASSERT_NE(l, nullptr) << tag;
    EXPECT_EQ(l->manual, manual);
  }
  ASSERT_NE(find_language("uk"), nullptr);
  EXPECT_EQ(find_language("uk")->name, "Українська");
}

TEST(Language, OnlyExactTagsAreFound) {
  for (std::string_view bad : {"", "EN", "en-GB", "en ", "xx", "english"})
    EXPECT_EQ(find_language(bad), nullptr) << bad;
}

}  // namespace
}  // namespace maic
