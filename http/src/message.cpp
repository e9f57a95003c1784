#include "maic/http/message.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace maic::http {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const Field& f : fields_) {
    if (iequals(f.name, name)) return f.value;
  }
  return std::nullopt;
}

void Headers::add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

void Headers::set(std::string name, std::string value) {
  erase(name);
  add(std::move(name), std::move(value));
}

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.name, name); });
}

Response Response::json(const nlohmann::json& value, int status) {
  return json_text(value.dump(), status);
}

Response Response::json_text(std::string body, int status) {
  return Response{status, "application/json", {}, std::move(body), nullptr};
}

Response Response::text(std::string body, int status) {
  return Response{status, "text/plain; charset=utf-8", {}, std::move(body), nullptr};
}

Response Response::error(int status, std::string_view message) {
  // Replace, not throw, on invalid UTF-8: an error message may quote client input.
  const nlohmann::json body = {{"error", std::string(message)}};
  return json_text(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
}

}  // namespace maic::http
