#include "maic/http/client_address.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace maic::http {
namespace {

// An address as 16 bytes, IPv4 as v4-mapped IPv6 (RFC 4291 §2.5.5.2).
std::optional<std::array<std::uint8_t, 16>> address_bytes(std::string_view text) {
  if (text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  std::array<std::uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::copy_n(reinterpret_cast<const std::uint8_t*>(&v4), 4, out.begin() + 12);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::copy_n(v6.s6_addr, 16, out.begin());
    return out;
  }
  return std::nullopt;
}

bool v4_mapped(const std::array<std::uint8_t, 16>& a) {
  return std::all_of(a.begin(), a.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
         a[10] == 0xff && a[11] == 0xff;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string client_key(std::string_view address) {
  const auto a = address_bytes(address);
  if (!a) return std::string(address);
  if (v4_mapped(*a)) return fmt::format("{}.{}.{}.{}", (*a)[12], (*a)[13], (*a)[14], (*a)[15]);
  std::string key;
  for (std::size_t k = 0; k < 8; k += 2) key += fmt::format("{:02x}{:02x}:", (*a)[k], (*a)[k + 1]);
  return key + ":/64";
}

Result<AddressSet> AddressSet::parse(const std::vector<std::string>& entries) {
  AddressSet set;
  for (const std::string& entry : entries) {
    const std::string_view e = trim(entry);
    const auto slash = e.find('/');
    const auto bytes = address_bytes(e.substr(0, slash));
    if (!bytes) return make_error(fmt::format("'{}' is not an IP address or network", entry));
    Network n{*bytes, 128};
    const bool v4 = v4_mapped(*bytes) && e.find(':') == std::string_view::npos;
    if (slash != std::string_view::npos) {
      const std::string_view digits = e.substr(slash + 1);
      unsigned prefix = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          prefix > (v4 ? 32u : 128u)) {
        return make_error(
            fmt::format("'{}': the prefix length must be 0..{}", entry, v4 ? 32 : 128));
      }
      n.prefix = v4 ? prefix + 96 : prefix;
    }
    set.networks_.push_back(n);
  }
  return set;
}

bool AddressSet::contains(std::string_view address) const {
  const auto a = address_bytes(trim(address));
  if (!a) return false;
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& n) {
    const unsigned whole = n.prefix / 8;
    const unsigned rest = n.prefix % 8;
    if (!std::equal(n.bytes.begin(), n.bytes.begin() + whole, a->begin())) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (n.bytes[whole] & mask) == ((*a)[whole] & mask);
  });
}

std::string forwarded_client(std::string_view peer, std::optional<std::string_view> x_forwarded_for,
                             const AddressSet& trusted_proxies) {
  std::string client(peer);
  if (!x_forwarded_for || !trusted_proxies.contains(peer)) return client;
  std::string_view rest = *x_forwarded_for;
  while (trusted_proxies.contains(client)) {
    if (rest.empty()) break;
    const auto comma = rest.rfind(',');
    const std::string_view hop =
        trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (!address_bytes(hop)) break;
    client = std::string(hop);
  }
  return client;
}

}  // namespace maic::http
