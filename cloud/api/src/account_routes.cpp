// Accounts: register, log in, log out, the profile with its API key,
// password changes (docs/api.md, "Accounts").
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <string>

#include "auth.hpp"
#include "context.hpp"
#include "maic/core/calendar.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/language.hpp"
#include "maic/http/client_address.hpp"
#include "secrets.hpp"

namespace maic::cloud {
namespace {

constexpr std::size_t kMaxEmail = 254;  // RFC 5321's path limit
constexpr std::size_t kMaxPassword = 1024;

// A deliberately loose check: something@something.something, no spaces or
// control characters. Whether it receives mail is the mail system's business.
bool plausible_email(std::string_view e) {
  const auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos)
    return false;
  const auto dot = e.find('.', at);
  if (dot == std::string_view::npos || dot == at + 1 || dot + 1 == e.size()) return false;
  return std::none_of(e.begin(), e.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// An empty preference is "the browser's": null in JSON.
nlohmann::json or_null(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

nlohmann::json profile(const User& u) {
  const Preferences& p = u.preferences;
  return {{"id", u.id},
          {"email", u.email},
          {"api_key", u.api_key},
          {"created", u.created},
          {"preferences",
           {{"language", or_null(p.language)},
            {"theme", p.theme},
            {"time_zone", or_null(p.time_zone)}}}};
}

// The answer to a successful register or log-in: the profile and the CSRF
// token, and the session cookie for a browser.
http::Response logged_in(Context& ctx, const User& user, int status) {
  std::string csrf;
  auto cookie = open_session(ctx, user, csrf);
  if (!cookie) return cookie.error();
  nlohmann::json body = profile(user);
  body["csrf_token"] = csrf;
  http::Response r = http::Response::json(body, status);
  r.headers.add("Set-Cookie", std::move(*cookie));
  return r;
}

struct Credentials {
  std::string email;
  std::string password;
};

http::Expected<Credentials> credentials(const http::Request& r) {
  auto given = string_fields(r, {{"email", kMaxEmail}, {"password", kMaxPassword}});
  if (!given) return given.error();
  auto& [email, password] = *given;
  return Credentials{lower(std::move(email)), std::move(password)};
}

// Log-in and registration carry no credential a browser adds on its own,
// so the cookie's SameSite and the CSRF token do not protect them: a page on
// another site could log a visitor in to the attacker's account (log-in
// CSRF). Only JSON from this site, or from a script, is taken.
std::optional<http::Response> refuse_foreign_form(const http::Request& r) {
  if (auto refused = refuse_cross_site(r)) return refused;
  return refuse_non_json(r);
}

// 429 with the seconds until `limiter` has a token for `key` again.
http::Response slow_down(RateLimiter& limiter, std::string_view key, std::string_view why) {
  http::Response refused = http::Response::error(429, why);
  const double wait = std::ceil(limiter.seconds_until_allowed(key));
  refused.headers.set("Retry-After", std::to_string(std::max(1, static_cast<int>(wait))));
  return refused;
}

http::Response register_user(const http::Request& r, Context& ctx) {
  if (auto refused = refuse_foreign_form(r)) return std::move(*refused);
  auto given = credentials(r);
  if (!given) return given.error();
  const Credentials& c = *given;
  if (!plausible_email(c.email))
    return http::Response::error(400, "email: an address like name@example.org is required");
  if (auto policy = check_password_policy(c.password); !policy)
    return http::Response::error(400, "password: " + policy.error().message);
  // Also bounds how fast one address can test which e-mail addresses have
  // an account (the 409 below).
  const std::string client = http::client_key(r.remote);
  if (!ctx.registrations_by_address.allow(client))
    return slow_down(ctx.registrations_by_address, client,
                     "too many registrations from this address; wait a minute");
  auto hash = hash_password(c.password);
  if (!hash) return http::Response::error(503, hash.error().message);
  auto user = ctx.store.create_user(c.email, *hash, new_api_key(), ctx.now());
  if (!user) return storage_failure(ctx, user.error());
  if (!*user) return http::Response::error(409, "an account with this e-mail address exists");
  ctx.log("account registered: " + c.email);
  return logged_in(ctx, **user, 201);
}

// Verifies `password` against `hash`, telling the test hook.
bool check_password(const Context& ctx, std::string_view hash, std::string_view password) {
  if (ctx.options.on_password_check) ctx.options.on_password_check(hash);
  return verify_password(hash, password);
}

http::Response log_in(const http::Request& r, Context& ctx) {
  if (auto refused = refuse_foreign_form(r)) return std::move(*refused);
  // A missing credential fails authentication like a wrong one (401); a
  // body that is no JSON object is a malformed request (400).
  auto body = json_object_body(r);
  if (!body) return body.error();
  if (!body->contains("email") || !body->contains("password"))
    return http::Response::error(401, "email and password are required");
  auto given = credentials(r);
  if (!given) return given.error();
  const Credentials& c = *given;
  // Every attempt takes a token of its address and of its (account,
  // address) pair up front — so parallel guesses cannot outrun the budget —
  // and a successful one gives them back: only failures count. Nothing is
  // counted per account alone, so failures from elsewhere never stop the
  // owner (docs/security.md).
  const std::string client = http::client_key(r.remote);
  const std::string pair = c.email + " " + client;
  if (!ctx.login_failures_by_address.allow(client)) {
    ctx.log("log-in throttled: address " + r.remote);
    return slow_down(ctx.login_failures_by_address, client,
                     "too many failed log-ins from this address; wait");
  }
  if (!ctx.login_failures_by_pair.allow(pair)) {
    ctx.login_failures_by_address.refund(client);  // not tried: not a failure
    ctx.log("log-in throttled: " + c.email + " from " + r.remote);
    return slow_down(ctx.login_failures_by_pair, pair,
                     "too many failed log-ins to this account from this address; wait");
  }
  auto user = ctx.store.user_by_email(c.email);
  if (!user) {
    ctx.login_failures_by_address.refund(client);
    ctx.login_failures_by_pair.refund(pair);
    return storage_failure(ctx, user.error());
  }
  // The same answer, after the same work, for an unknown address and a
  // wrong password: the server does not tell who has an account, not even
  // by how long it takes (the dummy hash has today's cost parameters).
  const std::string& hash = *user ? (*user)->password_hash : dummy_password_hash();
  const bool matches = check_password(ctx, hash, c.password);
  if (!*user || !matches) return http::Response::error(401, "wrong e-mail address or password");
  ctx.login_failures_by_address.refund(client);
  ctx.login_failures_by_pair.refund(pair);
  if (needs_rehash((*user)->password_hash)) {
    if (auto rehashed = hash_password(c.password))
      (void)ctx.store.set_password_hash((*user)->id, *rehashed);
  }
  return logged_in(ctx, **user, 200);
}

http::Response log_out(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) {
    if (caller.session) {
      if (auto gone = ctx.store.delete_session(caller.session->token_hash); !gone)
        return storage_failure(ctx, gone.error());
    }
    http::Response out;
    out.status = 204;
    out.headers.add("Set-Cookie", expired_session_cookie(ctx));
    return out;
  });
}

http::Response change_password(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) {
    auto given = string_fields(r, {{"current", kMaxPassword}, {"new", kMaxPassword}});
    if (!given) return given.error();
    const auto& [current, next] = *given;
    const std::string account = std::to_string(caller.user.id);
    if (!ctx.password_checks_by_account.allow(account))
      return slow_down(ctx.password_checks_by_account, account, "too many attempts; wait");
    if (!verify_password(caller.user.password_hash, current))
      return http::Response::error(403, "current: the password is wrong");
    ctx.password_checks_by_account.refund(account);
    if (auto policy = check_password_policy(next); !policy)
      return http::Response::error(400, "new: " + policy.error().message);
    auto hash = hash_password(next);
    if (!hash) return http::Response::error(503, hash.error().message);
    // A new password ends every credential someone who knew the old one
    // could hold: the other sessions, and the API key, which the profile
    // showed them. The caller gets the new key in the answer. All in one
    // transaction: a failure leaves the old password with the old key.
    const std::string keep = caller.session ? caller.session->token_hash : "";
    User user = caller.user;
    user.api_key = new_api_key();
    if (auto changed = ctx.store.change_password(user.id, *hash, user.api_key, keep); !changed)
      return storage_failure(ctx, changed.error());
    nlohmann::json body = profile(user);
    if (caller.session) body["csrf_token"] = caller.session->csrf_token;
    return http::Response::json(body);
  });
}

http::Response show_profile(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) {
    nlohmann::json body = profile(caller.user);
    if (caller.session) body["csrf_token"] = caller.session->csrf_token;
    return http::Response::json(body);
  });
}

// PATCH /api/v1/profile: {"language"?, "theme"?, "time_zone"?}. Every
// member is checked before anything is stored; null returns a choice to
// the browser's.
http::Response change_preferences(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) {
    auto body = json_object_body(r);
    if (!body) return body.error();
    User user = caller.user;
    Preferences& p = user.preferences;
    for (const auto& [key, value] : body->items()) {
      if (key != "language" && key != "theme" && key != "time_zone")
        return http::Response::error(400, key + ": not a preference (language, theme, time_zone)");
      const bool cleared = value.is_null() && key != "theme";
      if (!cleared && !value.is_string())
        return http::Response::error(
            400, key + ": must be a string" + (key == "theme" ? "" : " or null"));
      const std::string text = cleared ? "" : value.get<std::string>();
      if (key == "language") {
        if (!text.empty() && find_language(text) == nullptr)
          return http::Response::error(
              400, "language: not one of the 25 languages (a BCP 47 tag such as de or uk)");
        p.language = text;
      } else if (key == "theme") {
        if (text != "system" && text != "light" && text != "dark")
          return http::Response::error(400, "theme: must be system, light or dark");
        p.theme = text;
      } else {
        if (!text.empty()) {
          if (text.size() > 64) return http::Response::error(400, "time_zone: too long");
          if (auto zone = TimeZone::locate(text); !zone)
            return http::Response::error(400, "time_zone: " + zone.error().message);
        }
        p.time_zone = text;
      }
    }
    if (p != caller.user.preferences) {
      if (auto set = ctx.store.set_preferences(user.id, p); !set)
        return storage_failure(ctx, set.error());
    }
    nlohmann::json out = profile(user);
    if (caller.session) out["csrf_token"] = caller.session->csrf_token;
    return http::Response::json(out);
  });
}

http::Response regenerate_api_key(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) {
    User user = caller.user;
    user.api_key = new_api_key();
    if (auto set = ctx.store.set_api_key(user.id, user.api_key); !set)
      return storage_failure(ctx, set.error());
    return http::Response::json(profile(user));
  });
}

}  // namespace

void add_account_routes(http::Router& router, Context& ctx) {
  static constexpr Route kRoutes[] = {
      {"POST", "/api/v1/register", register_user},
      {"POST", "/api/v1/login", log_in},
      {"POST", "/api/v1/logout", log_out},
      {"GET", "/api/v1/profile", show_profile},
      {"PATCH", "/api/v1/profile", change_preferences},
      {"POST", "/api/v1/password", change_password},
      {"POST", "/api/v1/apikey", regenerate_api_key},
  };
  add_routes(router, ctx, kRoutes);
}

}  // namespace maic::cloud
