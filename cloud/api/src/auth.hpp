// Who is calling: a browser with a session cookie, or a script with the
// account's API key (private to the cloud library).
//
//  - Scripts send `Authorization: Bearer <API key>`. No CSRF check: a
//    browser never attaches that header to a cross-site request on its own.
//  - Browsers carry the HttpOnly `maic_session` cookie; a state-changing
//    request (anything but GET and HEAD) must also send the session's CSRF
//    token in `X-CSRF-Token`, and must not come from another site
//    (refuse_cross_site).
//  - Log-in and registration, which have neither, take only JSON bodies
//    from this site (refuse_non_json, refuse_cross_site): log-in CSRF.
#pragma once

#include <optional>
#include <string>

#include "context.hpp"
#include "maic/http/browser_guard.hpp"

namespace maic::cloud {

struct Caller {
  User user;
  std::optional<Session> session;  // absent for an API key
};

inline constexpr std::string_view kSessionCookie = "maic_session";

// The shared browser rules (maic/http/browser_guard.hpp) with the cloud's
// policy: refuses (403) a request a browser sent from another site —
// `Sec-Fetch-Site: cross-site` (a same-site sibling is the operator's own),
// a foreign or "null" Origin, a foreign Referer. nullopt: not refused.
std::optional<http::Response> refuse_cross_site(const http::Request& r);

// 415 for a body not labelled application/json (browser_guard.hpp).
using http::refuse_non_json;

// The caller, or the response refusing the request (401, 403, 503).
http::Expected<Caller> authenticate(const http::Request& r, const Context& ctx);

// Opens a session for `user`: stores it and returns the response headers'
// Set-Cookie value and the CSRF token in `csrf`.
http::Expected<std::string> open_session(const Context& ctx, const User& user, std::string& csrf);
// A Set-Cookie value that removes the session cookie.
std::string expired_session_cookie(const Context& ctx);

// Runs `f(caller)` for an authenticated request, or answers the refusal.
template <typename F>
http::Response with_caller(const http::Request& r, const Context& ctx, F&& f) {
  auto who = authenticate(r, ctx);
  if (!who) return who.error();
  return f(*who);
}

}  // namespace maic::cloud
