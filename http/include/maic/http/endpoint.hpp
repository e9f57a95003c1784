// Where a server listens: a host and a TCP port, as given on a command line
// ("--listen 127.0.0.1:8080", "--listen [::]:0").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "maic/core/result.hpp"

namespace maic::http {

struct Endpoint {
  std::string host = "127.0.0.1";  // an IPv4/IPv6 address or a name to resolve; no brackets
  std::uint16_t port = 0;          // 0: the system picks a free port
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "host:port" or "[ipv6]:port". The host must not be empty; the port
// is a decimal number 0..65535.
Result<Endpoint> parse_endpoint(std::string_view text);

// "127.0.0.1:8080", "[::1]:8080": the form parse_endpoint reads and URLs use.
std::string to_string(const Endpoint& endpoint);

}  // namespace maic::http
