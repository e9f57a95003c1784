#include "maic/http/cookie.hpp"

#include <gtest/gtest.h>

namespace maic::http {
namespace {

// Fields in which the cookie is found: {field, name, value, why}.
struct Found {
  std::string_view field, name, value, why;
};
constexpr Found kFound[] = {
    {"maic_session=abc", "maic_session", "abc", "the only pair"},
    {"a=1; maic_session=abc; b=2", "maic_session", "abc", "among others"},
    {"a=1;maic_session=abc", "maic_session", "abc", "without a space after ';'"},
    {"s=1; s=2", "s", "1", "the first of a repeated name wins"},
    {"maic_session_old=x; maic_session=y", "maic_session", "y", "the exact name after a near one"},
    {"  a = 1 ;\tb=2\t", "a", "1", "whitespace around a name and value is not part of them"},
    {"  a = 1 ;\tb=2\t", "b", "2", "nor is a tab"},
    {"a=; b=2", "a", "", "an empty value is present"},
    {"a=1=2", "a", "1=2", "only the first '=' splits"},
    {"a; b=2", "b", "2", "a pair without '=' is skipped, the next one read"},
};

TEST(FindCookie, FindsTheValueOfAName) {
  for (const Found& c : kFound) EXPECT_EQ(find_cookie(c.field, c.name), c.value) << c.why;
}

TEST(FindCookie, AbsentNamesAreNullopt) {
  // {field, name} in which the name is not found.
  for (const auto& [field, name] : {
           std::pair{"maic_session_old=x", "maic_session"},  // a longer name is another name
           std::pair{"old_maic_session=x", "maic_session"},  // so is one with a prefix
           std::pair{"MAIC_SESSION=x", "maic_session"},      // names are case-sensitive
           std::pair{"", "a"}, std::pair{";;", "a"},
           std::pair{"a; b=2", "a"},  // without '=' it is no pair
       }) {
    EXPECT_EQ(find_cookie(field, name), std::nullopt) << field;
  }
}

TEST(Cookie, ReadsTheRequestsCookieField) {
  Request r;
  EXPECT_EQ(cookie(r, "a"), std::nullopt);
  r.headers.add("cookie", "a=1; b=2");  // field names are case-insensitive
  EXPECT_EQ(cookie(r, "b"), "2");
  EXPECT_EQ(cookie(r, "c"), std::nullopt);
}

}  // namespace
}  // namespace maic::http
