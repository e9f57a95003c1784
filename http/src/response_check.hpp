// What the server checks in a response before it sends it (a handler must
// not be able to split the response or smuggle in fields), and how it tells
// the log of a handler's failure.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "maic/http/message.hpp"

namespace maic::http::detail {

// RFC 9110 §5.6.2: a field name is a token.
bool is_token(std::string_view s);

// A field value must not smuggle in another field or message.
bool is_field_value(std::string_view s);

// What is wrong with a response (its status, its content type, a header
// field), or nothing.
std::optional<std::string> invalid_response(const Response& r);

// What an exception a handler (or hook) threw says, for the log.
std::string describe(const std::exception_ptr& e);

}  // namespace maic::http::detail
