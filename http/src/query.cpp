#include "maic/http/query.hpp"

#include <fmt/format.h>

#include <string>

#include "maic/core/ascii.hpp"

namespace maic::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes `in`, which starts at offset `base` of the caller's input, so an
// error names the position in what the client sent.
Result<std::string> decode(std::string_view in, Plus plus, std::size_t base) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && plus == Plus::kSpace) {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return make_error("malformed percent-escape at offset " + std::to_string(base + i) +
                          " (a '%' must be followed by two hex digits)");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

// Where a typed lookup found nothing.
constexpr std::optional<std::int64_t> kAbsent;

}  // namespace

Result<std::int64_t> parse_int(std::string_view name, std::string_view text, std::int64_t min,
                               std::int64_t max) {
  const auto refuse = [&] {
    return make_error(max > min && max - 1 == min
                          ? fmt::format("{}: {} or {} is required, not '{}'", name, min, max, text)
                          : fmt::format("{}: a whole number from {} to {} is "
                                        "required, not '{}'",
                                        name, min, max, text));
  };
  const std::optional<std::int64_t> v = whole_number(text, min < 0);
  if (!v || *v < min || *v > max) return refuse();
  return *v;
}

Result<std::int64_t> parse_unix_seconds(std::string_view name, std::string_view text) {
  auto v = parse_int(name, text, 0, kMaxUnixSeconds);
  if (!v) return make_error(fmt::format("{}: unix seconds expected, not '{}'", name, text));
  return v;
}

std::optional<std::string_view> Query::get(std::string_view key) const {
  for (const Param& p : params_) {
    if (p.first == key) return p.second;
  }
  return std::nullopt;
}

std::vector<std::string_view> Query::all(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const Param& p : params_) {
    if (p.first == key) out.emplace_back(p.second);
  }
  return out;
}

Result<std::optional<std::int64_t>> Query::get_int(std::string_view key, std::int64_t min,
                                                   std::int64_t max) const {
  const auto text = get(key);
  if (!text) return kAbsent;
  auto v = parse_int(key, *text, min, max);
  if (!v) return v.error();
  return std::optional<std::int64_t>(*v);
}

Result<std::optional<std::int64_t>> Query::get_unix_seconds(std::string_view key) const {
  const auto text = get(key);
  if (!text) return kAbsent;
  auto v = parse_unix_seconds(key, *text);
  if (!v) return v.error();
  return std::optional<std::int64_t>(*v);
}

Result<std::string> percent_decode(std::string_view in, Plus plus) { return decode(in, plus, 0); }

Result<Query> parse_query(std::string_view in) {
  std::vector<Query::Param> params;
  std::size_t offset = 0;  // of the segment within `in`, for error messages
  while (offset <= in.size()) {
    const std::size_t amp = in.find('&', offset);
    const std::size_t stop = amp == std::string_view::npos ? in.size() : amp;
    const std::string_view segment = in.substr(offset, stop - offset);
    if (!segment.empty()) {
      const std::size_t eq = segment.find('=');
      const std::string_view raw_key = segment.substr(0, eq);
      const std::string_view raw_value =
          eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
      auto key = decode(raw_key, Plus::kSpace, offset);
      if (!key) return make_error("query string: " + key.error().message);
      auto value =
          decode(raw_value, Plus::kSpace, eq == std::string_view::npos ? stop : offset + eq + 1);
      if (!value) return make_error("query string: " + value.error().message);
      params.emplace_back(std::move(*key), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    offset = amp + 1;
  }
  return Query(std::move(params));
}

}  // namespace maic::http
