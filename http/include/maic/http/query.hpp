// Query strings and HTML form bodies (application/x-www-form-urlencoded).
//
// Parsing happens once, at the edge: the server parses a request's query
// before any handler sees it, and a malformed one is answered with 400, so
// handlers only ever look up already-decoded values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maic/core/result.hpp"

namespace maic::http {

// --- Numbers in parameters --------------------------------------------------------
//
// One grammar for every whole-number parameter (a query's, a form's, a
// URL's port): one or more ASCII digits, preceded by '-' only where
// negatives are allowed (min < 0). Nothing else: no '+', spaces, fraction,
// exponent or trailing bytes, so "5%00junk" (decoded: "5", NUL, "junk") is
// refused, never read as 5. A value outside [min, max] is refused too,
// including one too long for 64 bits (never wrapped). Errors name the
// parameter and quote what was given:
//   "points: a whole number from 1 to 1000 is required, not '1e3'"
//   "mqtt_on: 0 or 1 is required, not '2'"
Result<std::int64_t> parse_int(std::string_view name, std::string_view text, std::int64_t min,
                               std::int64_t max);

// The last second a four-digit year names: 9999-12-31 23:59:59 UTC.
inline constexpr std::int64_t kMaxUnixSeconds = 253'402'300'799;

// Unix seconds (UTC): a whole number 0..kMaxUnixSeconds. Error:
//   "date1: unix seconds expected, not 'yesterday'"
Result<std::int64_t> parse_unix_seconds(std::string_view name, std::string_view text);

// Decoded key/value pairs in the order they appeared. Keys may repeat
// ("?phase=1&phase=2"); get() returns the first, all() every one.
class Query {
 public:
  using Param = std::pair<std::string, std::string>;

  Query() = default;
  explicit Query(std::vector<Param> params) : params_(std::move(params)) {}

  std::optional<std::string_view> get(std::string_view key) const;
  std::vector<std::string_view> all(std::string_view key) const;
  bool contains(std::string_view key) const { return get(key).has_value(); }

  // Typed lookups of the first `key`: nullopt when it is absent, an error
  // (parse_int's, naming `key`) when it is present but not a number in
  // range. An empty value ("?from=") is present and not a number.
  Result<std::optional<std::int64_t>> get_int(std::string_view key, std::int64_t min,
                                              std::int64_t max) const;
  Result<std::optional<std::int64_t>> get_unix_seconds(std::string_view key) const;

  const std::vector<Param>& params() const { return params_; }
  auto begin() const { return params_.begin(); }
  auto end() const { return params_.end(); }
  std::size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }

  friend bool operator==(const Query&, const Query&) = default;

 private:
  std::vector<Param> params_;
};

// Whether '+' stands for a space: it does in query strings and form bodies
// (the WHATWG urlencoded format), not in paths.
enum class Plus { kSpace, kLiteral };

// Decodes %XX escapes (hex digits of either case). Fails, naming the offset,
// on a '%' not followed by two hex digits. Decoded bytes are not checked
// for UTF-8: a handler that needs text validates it.
Result<std::string> percent_decode(std::string_view in, Plus plus);

// Parses "a=1&b=x%20y&flag" (without the leading '?'). Empty segments are
// skipped ("a=1&&b=2"); a segment without '=' has an empty value; only the
// first '=' splits key from value. Fails on a malformed escape.
Result<Query> parse_query(std::string_view in);

// A form body has the query grammar.
inline Result<Query> parse_form(std::string_view body) { return parse_query(body); }

}  // namespace maic::http
