// ASCII character classes for text that protocols define byte by byte (IDs,
// PINs, numbers in URLs and queries). Unlike <cctype>, these ignore the C
// locale and take any char, including negative ones and NUL.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace maic {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Every byte is '0'..'9'. True for the empty string: callers that need at
// least one digit say so (a PIN of 1..10 digits, an ID of exactly 10).
constexpr bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

// The one grammar of a whole number in text a protocol carries (a query
// parameter, a port, a Modbus URL's unit): one or more digits, preceded by
// '-' only when `negative_allowed`; nothing else (no '+', spaces, fraction,
// exponent or trailing bytes, so "5\0junk" is no number). nullopt also for
// a value beyond 64 bits: never wrapped. Callers check the range and word
// the error their way.
inline std::optional<std::int64_t> whole_number(std::string_view text,
                                                bool negative_allowed = true) {
  const std::string_view digits = negative_allowed && text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || !all_digits(digits)) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace maic
