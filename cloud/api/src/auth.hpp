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

namespace maic::cloud {

struct Caller {
  User user;
  std::optional<Session> session;  // absent for an API key
};

inline constexpr std::string_view kSessionCookie = "maic_session";

// Refuses (403) a request a browser sent on another site's behalf: its
// `Origin` (or, without one, its `Referer`) names another host than its
// `Host`, its Origin is "null" (a sandboxed or privacy-stripped page), or it
// carries `Sec-Fetch-Site: cross-site`. A request with none of these (a
// script) passes. nullopt: not refused.
std::optional<http::Response> refuse_cross_site(const http::Request& r);

// Refuses (415) a body not labelled `Content-Type: application/json`: a
// browser sends text/plain, form and multipart bodies across sites without
// asking first (no CORS preflight), a JSON body only after asking — which
// this server never grants. nullopt: not refused.
std::optional<http::Response> refuse_non_json(const http::Request& r);

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
