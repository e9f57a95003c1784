#include "maic/http/browser_guard.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace maic::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

Response cross_site(std::string_view why) {
  return Response::error(403, fmt::format("cross-site request refused: {}", why));
}

// A Host value without its port: "name:80" -> "name", "[::1]:80" -> "[::1]".
std::string_view host_name(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

bool ip_literal(std::string_view name) {
  if (name.size() > INET6_ADDRSTRLEN + 2) return false;
  unsigned char buf[sizeof(in6_addr)];
  if (name.starts_with('[') && name.ends_with(']')) {
    const std::string inner(name.substr(1, name.size() - 2));
    return inet_pton(AF_INET6, inner.c_str(), buf) == 1;
  }
  return inet_pton(AF_INET, std::string(name).c_str(), buf) == 1;
}

std::string without_trailing_dot(std::string s) {
  if (s.ends_with('.')) s.pop_back();
  return s;
}

}  // namespace

std::optional<std::string_view> url_authority(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(scheme + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

std::optional<Response> refuse_cross_site(const Request& r, SitePolicy policy) {
  if (const auto site = r.headers.get("Sec-Fetch-Site")) {
    if (iequals(*site, "cross-site")) return cross_site("Sec-Fetch-Site is cross-site");
    if (policy == SitePolicy::kRefuseSameSite && iequals(*site, "same-site"))
      return cross_site("Sec-Fetch-Site is same-site");
  }
  // Origin names the page that made the request; a browser that omits it
  // may still send Referer. Either must name this host.
  std::string_view field = "Origin";
  std::optional<std::string_view> from = r.headers.get(field);
  if (!from) from = r.headers.get(field = "Referer");
  if (!from) return std::nullopt;
  const auto authority = url_authority(*from);
  if (!authority) return cross_site(fmt::format("{} names no host (\"null\" or not a URL)", field));
  const auto host = r.headers.get("Host");
  if (!host || !iequals(*authority, *host))
    return cross_site(fmt::format("{} names another host than Host", field));
  return std::nullopt;
}

bool browser_marked(const Request& r) {
  for (std::string_view field :
       {"Sec-Fetch-Site", "Sec-Fetch-Dest", "Sec-Fetch-User", "Origin", "Referer"}) {
    if (r.headers.contains(field)) return true;
  }
  return false;
}

std::optional<Response> refuse_non_json(const Request& r) {
  std::string_view type = r.headers.get("Content-Type").value_or("");
  type = trim(type.substr(0, type.find(';')));  // parameters: "; charset=utf-8"
  if (iequals(type, "application/json")) return std::nullopt;
  return Response::error(415, "Content-Type: application/json is required");
}

bool secrets_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  // No early exit: the time must not say how many leading bytes match.
  for (std::size_t k = 0; k < a.size(); ++k) diff |= static_cast<unsigned char>(a[k] ^ b[k]);
  return diff == 0;
}

std::optional<Response> refuse_wrong_csrf(const Request& r, std::string_view expected) {
  const auto given = r.headers.get(kCsrfHeader);
  if (!expected.empty() && given && secrets_equal(*given, expected)) return std::nullopt;
  return Response::error(403, fmt::format("the {} header is missing or wrong", kCsrfHeader));
}

HostAllowList::HostAllowList(std::vector<std::string> names) {
  names_.push_back("localhost");
  for (const std::string& n : names) {
    if (n == "*") any_ = true;
    std::string name = without_trailing_dot(lower(n));
    if (name.empty()) continue;
    if (name.find('.') == std::string::npos) names_.push_back(name + ".local");
    names_.push_back(std::move(name));
  }
}

bool HostAllowList::allows(std::string_view host) const {
  if (any_) return true;
  const std::string_view name = host_name(trim(host));
  if (ip_literal(name)) return true;
  return std::ranges::find(names_, without_trailing_dot(lower(name))) != names_.end();
}

std::optional<Response> refuse_foreign_host(const Request& r, const HostAllowList& hosts) {
  const auto host = r.headers.get("Host");
  if (!host || hosts.allows(*host)) return std::nullopt;
  return Response::error(403,
                         "Host is not one of this server's names (a DNS-rebinding page?); "
                         "use its address or a name it is configured with");
}

}  // namespace maic::http
