#include "maic/http/endpoint.hpp"

#include "maic/core/ascii.hpp"

namespace maic::http {

Result<Endpoint> parse_endpoint(std::string_view text) {
  const auto fail = [&](std::string_view why) {
    return make_error("invalid listen address '" + std::string(text) + "': " + std::string(why) +
                      " (expected HOST:PORT or [IPV6]:PORT)");
  };
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.starts_with(':')) return fail("missing ':' after ']'");
    port = rest.substr(1);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("missing ':PORT'");
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return fail("an IPv6 address needs brackets");
    port = text.substr(colon + 1);
  }
  if (host.empty()) return fail("empty host");
  const std::optional<std::int64_t> value = whole_number(port, false);
  if (!value || *value > 65535) return fail("port must be a number from 0 to 65535");
  return Endpoint{std::string(host), static_cast<std::uint16_t>(*value)};
}

std::string to_string(const Endpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

}  // namespace maic::http
