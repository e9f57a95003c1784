#include "maic/http/cookie.hpp"

namespace maic::http {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

std::optional<std::string_view> find_cookie(std::string_view field, std::string_view name) {
  while (!field.empty()) {
    const auto semi = field.find(';');
    const std::string_view pair = field.substr(0, semi);
    field = semi == std::string_view::npos ? std::string_view{} : field.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name)
      return trim(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::optional<std::string_view> cookie(const Request& request, std::string_view name) {
  const auto field = request.headers.get("Cookie");
  if (!field) return std::nullopt;
  return find_cookie(*field, name);
}

}  // namespace maic::http
