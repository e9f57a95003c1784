// Reading the cookies a browser sends (RFC 6265 §4.2, §5.4): one Cookie
// field of "name=value" pairs separated by ';' and optional whitespace.
#pragma once

#include <optional>
#include <string_view>

#include "maic/http/message.hpp"

namespace maic::http {

// The value of the first cookie named `name` (compared exactly, names are
// case-sensitive) in a Cookie field's value, or nullopt. Whitespace around
// a name or value is not part of it (RFC 6265 §5.2); a pair without '=' is
// skipped; the value may be empty ("a=" is present with ""). Views into
// `field`.
std::optional<std::string_view> find_cookie(std::string_view field, std::string_view name);

// The cookie `name` of a request's first Cookie field. Views into `request`.
std::optional<std::string_view> cookie(const Request& request, std::string_view name);

}  // namespace maic::http
