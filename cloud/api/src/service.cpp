#include "maic/cloud/service.hpp"

#include <fmt/format.h>

#include "context.hpp"
#include "maic/http/json.hpp"
#include "secrets.hpp"

namespace maic::cloud {

Context::Context(Store& s, const Clock& c, CloudOptions o)
    : store(s),
      clock(c),
      options(std::move(o)),
      login_failures_by_pair(c, options.login_pair_per_second, options.login_pair_burst),
      login_failures_by_address(c, options.login_address_per_second, options.login_address_burst),
      registrations_by_address(c, 1.0 / 60, 10),
      password_checks_by_account(c, 1.0 / 6, 10),
      claims_by_user(c, 1.0 / 60, 5),
      claims_by_device(c, 1.0 / 60, 10),
      commands(s, c, options.command_check_interval) {
  // Made now rather than at the first log-in for an unknown address, which
  // would otherwise take twice as long as any other.
  (void)dummy_password_hash();
}

http::Response storage_failure(const Context& ctx, const Error& e) {
  ctx.log("storage: " + e.message);
  http::Response r = http::Response::error(503, "the database is unavailable; try again shortly");
  r.headers.set("Retry-After", "5");
  return r;
}

void add_routes(http::Router& router, Context& ctx, std::span<const Route> routes) {
  for (const Route& route : routes) {
    router.add(std::string(route.method), std::string(route.path),
               [&ctx, handle = route.handle](const http::Request& r) { return handle(r, ctx); });
  }
}

http::Expected<nlohmann::json> json_object_body(const http::Request& r) {
  auto parsed = http::parse_json(r.body);
  if (!parsed) return http::Response::error(400, "the body is " + parsed.error().message);
  nlohmann::json& body = *parsed;
  if (!body.is_object()) return http::Response::error(400, "the body must be a JSON object");
  return body;
}

http::Expected<std::string> string_field(const nlohmann::json& body, std::string_view name,
                                         std::size_t max) {
  const auto it = body.find(name);
  if (it == body.end() || !it->is_string())
    return http::Response::error(400, std::string(name) + ": a string is required");
  std::string value = it->get<std::string>();
  if (value.size() > max)
    return http::Response::error(400,
                                 std::string(name) + ": at most " + std::to_string(max) + " bytes");
  return value;
}

http::Expected<std::int64_t> int_field(const nlohmann::json& body, std::string_view name,
                                       std::int64_t min, std::int64_t max) {
  const auto it = body.find(name);
  // nlohmann keeps a value above INT64_MAX as unsigned: compared as such,
  // never read as int64 (which would wrap it).
  const bool fits =
      it != body.end() && it->is_number_integer() &&
      (it->is_number_unsigned()
           ? max >= 0 && it->get<std::uint64_t>() <= static_cast<std::uint64_t>(max) &&
                 static_cast<std::int64_t>(it->get<std::uint64_t>()) >= min
           : it->get<std::int64_t>() >= min && it->get<std::int64_t>() <= max);
  if (!fits) {
    return http::Response::error(
        400, max > min && max - 1 == min
                 ? fmt::format("{}: {} or {} is required", name, min, max)
                 : fmt::format("{}: a whole number from {} to {} is required", name, min, max));
  }
  return it->get<std::int64_t>();
}

struct CloudService::State {
  State(Store& s, const Clock& c, CloudOptions o) : ctx(s, c, std::move(o)) {
    add_account_routes(router, ctx);
    add_device_routes(router, ctx);
    add_uplink_routes(router, ctx);
    add_data_routes(router, ctx);
    add_site_routes(router, ctx.options.site);
  }
  Context ctx;
  http::Router router;
};

CloudService::CloudService(Store& store, const Clock& clock, CloudOptions options)
    : state_(std::make_unique<State>(store, clock, std::move(options))) {}

CloudService::~CloudService() = default;

http::Expected<std::size_t> CloudService::body_limit(const http::Request& header) const {
  Context& ctx = state_->ctx;
  auto limit = uplink_body_limit(header, ctx);
  if (!limit || *limit != kBodyBytes) return limit;
  return device_body_limit(header, ctx);
}

http::Response CloudService::handle(const http::Request& request) const {
  http::Response r = state_->router.handle(request);
  // Answers about accounts and data are nobody's to cache.
  if (!r.headers.contains("Cache-Control")) r.headers.set("Cache-Control", "no-store");
  return r;
}

}  // namespace maic::cloud
