// Who a request comes from, as the server's limits and the services'
// budgets count it.
//
// Behind a reverse proxy every connection comes from the proxy: only for
// addresses listed as trusted proxies is the client taken from the
// `X-Forwarded-For` field the proxy appends to (nginx's
// `$proxy_add_x_forwarded_for`; the de-facto form RFC 7239 §1 describes).
// A field from anyone else is ignored: a client could write anything in it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"

namespace maic::http {

// The key a budget counts a client by: an IPv4 address (also written as a
// v4-mapped IPv6 one, "::ffff:192.0.2.1" -> "192.0.2.1"), or an IPv6
// address's /64, "2001:0db8:0001:0002::/64": one host usually holds a whole
// /64 and could otherwise take a fresh budget with every address in it.
// Text that is no address is its own key.
std::string client_key(std::string_view address);

// A set of addresses and networks: "192.0.2.10", "10.0.0.0/8", "::1",
// "fd00::/8". IPv4 entries also match their v4-mapped IPv6 form.
class AddressSet {
 public:
  AddressSet() = default;
  // Fails, naming the entry, on one that is no address or prefix length.
  static Result<AddressSet> parse(const std::vector<std::string>& entries);

  bool contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    std::array<std::uint8_t, 16> bytes{};  // IPv6, IPv4 as v4-mapped
    unsigned prefix = 128;                 // leading bits that must match
  };
  std::vector<Network> networks_;
};

// The client of a request that arrived from `peer`: `peer` itself unless it
// is a trusted proxy; then `x_forwarded_for` ("client, proxy1, proxy2") is
// read from the right, past every trusted proxy, to the first address that
// is not one. An entry that is no address ends the walk at the hop before
// it (the last address a trusted proxy vouched for). No field: `peer`.
std::string forwarded_client(std::string_view peer, std::optional<std::string_view> x_forwarded_for,
                             const AddressSet& trusted_proxies);

}  // namespace maic::http
