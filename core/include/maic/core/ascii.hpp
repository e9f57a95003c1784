// ASCII character classes for text that protocols define byte by byte (IDs,
// PINs, numbers in URLs and queries). Unlike <cctype>, these ignore the C
// locale and take any char, including negative ones and NUL.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
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

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence. Text
// that is sent on as JSON or MQTT must pass it: nlohmann::json refuses to
// write anything else.
constexpr bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xbf;  // the second byte's range; later ones are 80..bf
    if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b == 0xe0) lo = 0xa0;  // overlong
      if (b == 0xed) hi = 0x9f;  // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b == 0xf0) lo = 0x90;  // overlong
      if (b == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf)) return false;
    }
    i += n + 1;
  }
  return true;
}

// A C0 control character (U+0000..U+001F) or DEL: bytes no setting's text
// has a use for (a NUL would cut a host name short in the C APIs below).
constexpr bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
constexpr bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), is_control);
}

}  // namespace maic
