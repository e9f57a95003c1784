// What the route modules of CloudService share (private to the cloud
// library): the store, the clock, the options, the limiters and the command
// board, and the small helpers every handler uses.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "command_board.hpp"
#include "maic/cloud/service.hpp"
#include "maic/cloud/store.hpp"
#include "maic/core/rate_limiter.hpp"
#include "maic/http/expected.hpp"
#include "maic/http/message.hpp"
#include "maic/http/router.hpp"

namespace maic::cloud {

struct Context {
  Context(Store& s, const Clock& c, CloudOptions o);

  Store& store;
  const Clock& clock;
  CloudOptions options;
  // Failed log-ins (docs/security.md, "Log-in"). A failure costs a token of
  // its (account, address) pair and of its address; a log-in that succeeds
  // gets its tokens back. Deliberately nothing per account alone: whoever
  // knows an address could then lock its owner out. An address's budget
  // covers every account it tries (a guesser going down a list).
  RateLimiter login_failures_by_pair;
  RateLimiter login_failures_by_address;
  // Registrations per address: each one costs a password hash, and its 409
  // is the one answer that says an address has an account.
  RateLimiter registrations_by_address;
  // Checks of the current password when changing it, per account (only an
  // account's own session or key reaches them).
  RateLimiter password_checks_by_account;
  // Claims of a device by PIN, per (user, device) and per device: a PIN of
  // 4 digits must not be guessable by trying.
  RateLimiter claims_by_user;
  RateLimiter claims_by_device;
  CommandBoard commands;

  std::int64_t now() const { return unix_seconds(clock.wall_now()); }
  void log(std::string_view line) const {
    if (options.log) options.log(line);
  }
  bool debugging() const { return static_cast<bool>(options.debug); }
  void debug(std::string_view line) const {
    if (options.debug) options.debug(line);
  }
};

// The uniform answer to a storage failure: the client may retry.
http::Response storage_failure(const Context& ctx, const Error& e);

// Parses a JSON object body; the error response names what is wrong.
http::Expected<nlohmann::json> json_object_body(const http::Request& r);

// A string member of a JSON object: absent or not a string is an error
// naming the field; `max` bounds its length in bytes.
http::Expected<std::string> string_field(const nlohmann::json& body, std::string_view name,
                                         std::size_t max);

// A whole-number member of a JSON object in [min, max]: absent, a float
// (1.5, 1.0), a string or a number outside the range (2^32 + 1 is refused,
// never wrapped) is a 400 naming the field.
http::Expected<std::int64_t> int_field(const nlohmann::json& body, std::string_view name,
                                       std::int64_t min, std::int64_t max);

// A string member of a JSON object body: its name and longest length in bytes.
struct StringField {
  std::string_view name;
  std::size_t max;
};

// The string members `fields` of a JSON object body, in the order asked;
// the error is the body's, or the first missing or bad member's
// (string_field's).
template <std::size_t N>
http::Expected<std::array<std::string, N>> string_fields(const http::Request& r,
                                                         const StringField (&fields)[N]) {
  auto body = json_object_body(r);
  if (!body) return body.error();
  std::array<std::string, N> out;
  for (std::size_t k = 0; k < N; ++k) {
    auto value = string_field(*body, fields[k].name, fields[k].max);
    if (!value) return value.error();
    out[k] = std::move(*value);
  }
  return out;
}

// A route of the server's table: the method, the path, and the handler.
struct Route {
  std::string_view method;
  std::string_view path;
  http::Response (*handle)(const http::Request& r, Context& ctx);
};
// Adds each route to `router`, its handler bound to `ctx`.
void add_routes(http::Router& router, Context& ctx, std::span<const Route> routes);

void add_account_routes(http::Router& router, Context& ctx);
void add_device_routes(http::Router& router, Context& ctx);
void add_uplink_routes(http::Router& router, Context& ctx);
void add_data_routes(http::Router& router, Context& ctx);
// The Dashboard at "/" (CloudOptions::site): nothing when `site` is empty.
void add_site_routes(http::Router& router, http::AssetTable site);

// Parts of CloudService::body_limit: the body limit of the routes each
// file serves, checking the caller on the header where a route takes a
// large body; kBodyBytes for every other request.
http::Expected<std::size_t> uplink_body_limit(const http::Request& header, Context& ctx);
http::Expected<std::size_t> device_body_limit(const http::Request& header, Context& ctx);

}  // namespace maic::cloud
