// What a server refuses of requests a browser sends on another site's
// behalf: cross-site request forgery and DNS rebinding. One definition for
// both servers (the cloud's auth.cpp, the device's web_api.cpp).
//
// A browser attaches its cookies to requests that pages of *other* sites
// make it send (an <img>, a form, a fetch without credentials checks), and
// a page whose name an attacker re-points at a LAN address (DNS rebinding)
// is "same-origin" to the browser while its Host names the attacker's
// domain. Scripts (curl, Home Assistant, exporters) have neither problem:
// they carry no cookies the user did not give them and name the host they
// mean. So each rule below is keyed to what only a browser sends.
//
// Each refusal is a ready Response ({"error": "..."}, a message naming the
// rule); nullopt means "not refused". All functions are pure and
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/http/message.hpp"

namespace maic::http {

// The authority of an absolute URL, as Origin (RFC 6454 §7) and Referer
// (RFC 9110 §10.1.3) carry it: "https://host:port/path?q" -> "host:port";
// nullopt without a scheme (and for the opaque origin "null").
std::optional<std::string_view> url_authority(std::string_view url);

// Which Sec-Fetch-Site values (Fetch Metadata, W3C, §2.1) count as another
// site's. "same-site" is a sibling host of the same registrable domain:
// for a public server (the cloud) a sibling is its own operator's, for a
// device on a LAN any host under the same name (other devices, routers'
// pages under .lan/.home) may be another party's.
enum class SitePolicy {
  kRefuseCrossSite,  // refuse "cross-site" only
  kRefuseSameSite,   // refuse "cross-site" and "same-site"
};

// 403 for a request a browser sent on another site's behalf:
//  - `Sec-Fetch-Site` says so (per `policy`);
//  - `Origin` (RFC 6454 §7: the site of the page that made the request) is
//    "null" (a sandboxed or privacy-stripped page) or names another
//    authority than `Host`;
//  - without Origin, `Referer` names another authority than `Host`
//    (browsers omit Origin on some same-origin GETs; OWASP CSRF cheat
//    sheet, "Verifying origin with standard headers").
// A request with none of these fields (a script) passes; so does one with
// `Sec-Fetch-Mode` alone (Node's fetch sends "cors").
std::optional<Response> refuse_cross_site(const Request& r, SitePolicy policy);

// True if a browser sent `r`: it carries any of Sec-Fetch-Site,
// Sec-Fetch-Dest, Sec-Fetch-User (Fetch Metadata, sent by browsers on every
// request since 2020-2023), Origin or Referer. `Sec-Fetch-Mode` alone does
// not count: Node's fetch (undici) sends "Sec-Fetch-Mode: cors" and nothing
// else of these.
bool browser_marked(const Request& r);

// 415 for a body not labelled `Content-Type: application/json` (parameters
// such as "; charset=utf-8" allowed): a browser sends text/plain, form and
// multipart bodies across sites without asking first (no CORS preflight,
// Fetch §3.2.3 "CORS-safelisted request-header"), a JSON body only after
// a preflight that these servers never grant.
std::optional<Response> refuse_non_json(const Request& r);

// The request header that carries a session's CSRF token. A header, not a
// query parameter or a form field: a cross-site page cannot set it without a
// CORS preflight, and it never lands in logs, history or Referer.
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// 403 unless `r` carries `kCsrfHeader` equal to `expected` (compared in
// constant time). An empty `expected` (no session) never matches.
std::optional<Response> refuse_wrong_csrf(const Request& r, std::string_view expected);

// Equality of two secrets in time that depends on their lengths only.
bool secrets_equal(std::string_view a, std::string_view b);

// The names a server answers to: a request whose Host names anything else
// may be a DNS-rebinding page (an attacker's name resolving to this
// server's address), so browsers' requests must name one of these.
class HostAllowList {
 public:
  // Accepted: IP literals (v4 "192.168.1.5", v6 "[fe80::1]"; a rebinding
  // page cannot name one, its origin is its domain), "localhost", every one
  // of `names` and, for a name without a dot, "<name>.local" (mDNS,
  // RFC 6762). Compared case-insensitively, a port and a trailing dot
  // ignored. A "*" in `names` accepts every host.
  explicit HostAllowList(std::vector<std::string> names = {});

  // Whether a Host field's value ("name:port", "[v6]:port") is accepted.
  bool allows(std::string_view host) const;

 private:
  std::vector<std::string> names_;  // lower case, no trailing dot
  bool any_ = false;
};

// 403 for a request whose Host the list does not accept. Without a Host
// field the request passes: every browser sends one (RFC 9112 §3.2).
std::optional<Response> refuse_foreign_host(const Request& r, const HostAllowList& hosts);

}  // namespace maic::http
