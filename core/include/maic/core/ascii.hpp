// ASCII character classes for text that protocols define byte by byte (IDs,
// PINs, numbers in URLs and queries). Unlike <cctype>, these ignore the C
// locale and take any char, including negative ones and NUL.
#pragma once

#include <algorithm>
#include <string_view>

namespace maic {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Every byte is '0'..'9'. True for the empty string: callers that need at
// least one digit say so (a PIN of 1..10 digits, an ID of exactly 10).
constexpr bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

}  // namespace maic
