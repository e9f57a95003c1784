#include "auth.hpp"

#include <fmt/format.h>

#include "maic/core/device_secrets.hpp"
#include "maic/http/browser_guard.hpp"
#include "maic/http/cookie.hpp"
#include "secrets.hpp"

namespace maic::cloud {
namespace {

bool safe_method(std::string_view m) { return m == "GET" || m == "HEAD"; }

http::Response unauthorized(std::string_view why) {
  http::Response r = http::Response::error(401, why);
  r.headers.set("WWW-Authenticate", "Bearer realm=\"maic\"");
  return r;
}

}  // namespace

std::optional<http::Response> refuse_cross_site(const http::Request& r) {
  // A sibling host under the cloud's own domain is its operator's: only
  // "cross-site" is another party's (browser_guard.hpp).
  return http::refuse_cross_site(r, http::SitePolicy::kRefuseCrossSite);
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
    if (auto refused = http::refuse_wrong_csrf(r, (*session)->csrf_token))
      return std::move(*refused);
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
