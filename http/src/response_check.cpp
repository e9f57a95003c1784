#include "response_check.hpp"

#include <algorithm>

namespace maic::http::detail {

bool is_token(std::string_view s) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::optional<std::string> invalid_response(const Response& r) {
  if (r.status < 200 || r.status > 999) return "status " + std::to_string(r.status);
  if (!is_field_value(r.content_type)) return std::string("content type with a line break");
  for (const auto& f : r.headers) {
    if (!is_token(f.name) || !is_field_value(f.value)) return "header field '" + f.name + "'";
  }
  return std::nullopt;
}

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace maic::http::detail
