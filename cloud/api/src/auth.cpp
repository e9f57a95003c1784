#include "auth.hpp"

#include <fmt/format.h>

#include "maic/core/device_secrets.hpp"
#include "maic/http/cookie.hpp"
#include "secrets.hpp"

namespace maic::cloud {
namespace {

bool safe_method(std::string_view m) { return m == "GET" || m == "HEAD"; }

// The authority of an absolute URL, as Origin and Referer carry it:
// "https://host:port/path?q" -> "host:port"; nullopt without a scheme.
std::optional<std::string_view> url_authority(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(scheme + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

http::Response unauthorized(std::string_view why) {
  http::Response r = http::Response::error(401, why);
  r.headers.set("WWW-Authenticate", "Bearer realm=\"maic\"");
  return r;
}

}  // namespace

std::optional<http::Response> refuse_cross_site(const http::Request& r) {
  const auto cross_site = [] { return http::Response::error(403, "cross-site request refused"); };
  if (const auto site = r.headers.get("Sec-Fetch-Site"); site && http::iequals(*site, "cross-site"))
    return cross_site();
  // Origin says where the page that sent the request came from; a browser
  // that omits it may still send Referer. Either must name this host.
  std::optional<std::string_view> from = r.headers.get("Origin");
  if (!from) from = r.headers.get("Referer");
  if (!from) return std::nullopt;
  const auto authority = url_authority(*from);
  const auto host = r.headers.get("Host");
  if (!authority || !host || !http::iequals(*authority, *host)) return cross_site();
  return std::nullopt;
}

std::optional<http::Response> refuse_non_json(const http::Request& r) {
  std::string_view type = r.headers.get("Content-Type").value_or("");
  type = type.substr(0, type.find(';'));  // parameters: "; charset=utf-8"
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  if (http::iequals(type, "application/json")) return std::nullopt;
  return http::Response::error(415, "Content-Type: application/json is required");
}

http::Expected<Caller> authenticate(const http::Request& r, const Context& ctx) {
  if (const auto auth = r.headers.get("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (!auth->starts_with(kBearer))
      return unauthorized("Authorization must be \"Bearer <API key>\"");
    const std::string key(auth->substr(kBearer.size()));
    auto user = ctx.store.user_by_api_key(key);
    if (!user) return storage_failure(ctx, user.error());
    if (!*user) return unauthorized("the API key is not valid");
    return Caller{std::move(**user), std::nullopt};
  }
  const auto token = http::cookie(r, kSessionCookie);
  if (!token) return unauthorized("log in first, or send an API key");
  auto session = ctx.store.session(secret_hash(*token), ctx.now());
  if (!session) return storage_failure(ctx, session.error());
  if (!*session) return unauthorized("the session has ended; log in again");
  if (!safe_method(r.method)) {
    if (auto refused = refuse_cross_site(r)) return std::move(*refused);
    const auto csrf = r.headers.get("X-CSRF-Token");
    if (!csrf || !secrets_equal(*csrf, (*session)->csrf_token))
      return http::Response::error(403, "the X-CSRF-Token header is missing or wrong");
  }
  auto user = ctx.store.user_by_id((*session)->user);
  if (!user) return storage_failure(ctx, user.error());
  if (!*user) return unauthorized("the account no longer exists");
  return Caller{std::move(**user), std::move(**session)};
}

http::Expected<std::string> open_session(const Context& ctx, const User& user, std::string& csrf) {
  const std::string token = new_api_key();
  csrf = new_api_key();
  const auto ttl = ctx.options.session_ttl.count();
  Session s{secret_hash(token), user.id, csrf, ctx.now() + ttl};
  if (auto stored = ctx.store.create_session(s); !stored)
    return storage_failure(ctx, stored.error());
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}", kSessionCookie, token,
                     ttl, ctx.options.secure_cookies ? "; Secure" : "");
}

std::string expired_session_cookie(const Context& ctx) {
  return fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}", kSessionCookie,
                     ctx.options.secure_cookies ? "; Secure" : "");
}

}  // namespace maic::cloud
