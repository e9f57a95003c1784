#include "maic/http/client_address.hpp"

#include <gtest/gtest.h>

namespace maic::http {
namespace {

TEST(ClientKey, IPv4IsItselfAndIPv6CountsPerSlash64) {
  EXPECT_EQ(client_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(client_key("::ffff:192.0.2.7"), "192.0.2.7") << "v4-mapped is the IPv4 client";
  EXPECT_EQ(client_key("2001:db8:1:2::1"), "2001:0db8:0001:0002::/64");
  EXPECT_EQ(client_key("2001:db8:1:2:ffff::9"), client_key("2001:db8:1:2::1"));
  EXPECT_NE(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
  EXPECT_EQ(client_key("not an address"), "not an address");
}

TEST(AddressSet, MatchesAddressesAndNetworks) {
  auto set = AddressSet::parse({"192.0.2.10", "10.0.0.0/8", "fd00::/8", " ::1 "});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_TRUE(set->contains("192.0.2.10"));
  EXPECT_TRUE(set->contains("::ffff:192.0.2.10"));
  EXPECT_FALSE(set->contains("192.0.2.11"));
  EXPECT_TRUE(set->contains("10.255.1.2"));
  EXPECT_FALSE(set->contains("11.0.0.1"));
  EXPECT_TRUE(set->contains("fd12:3456::1"));
  EXPECT_FALSE(set->contains("fe80::1"));
  EXPECT_TRUE(set->contains("::1"));
  EXPECT_FALSE(set->contains("garbage"));
  EXPECT_TRUE(AddressSet::parse({"0.0.0.0/0"})->contains("203.0.113.5"));
  EXPECT_TRUE(AddressSet().empty());
}

TEST(AddressSet, RefusesWhatIsNoAddressOrPrefix) {
  for (const char* bad : {"example.org", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x",
                          "10.0.0.0/8/9", ""}) {
    const auto set = AddressSet::parse({bad});
    ASSERT_FALSE(set.ok()) << bad;
    EXPECT_NE(set.error().message.find(bad), std::string::npos) << set.error().message;
  }
}

TEST(ForwardedClient, OnlyTrustedProxiesAreBelieved) {
  const auto proxies = *AddressSet::parse({"10.0.0.0/8"});
  EXPECT_EQ(forwarded_client("203.0.113.5", "198.51.100.1", proxies), "203.0.113.5")
      << "a client's own field is ignored";
  EXPECT_EQ(forwarded_client("10.0.0.2", "198.51.100.1", proxies), "198.51.100.1");
  EXPECT_EQ(forwarded_client("10.0.0.2", std::nullopt, proxies), "10.0.0.2");
  EXPECT_EQ(forwarded_client("10.0.0.2", "", proxies), "10.0.0.2");
}

TEST(ForwardedClient, WalksPastTrustedHopsFromTheRight) {
  const auto proxies = *AddressSet::parse({"10.0.0.0/8"});
  // The client wrote "1.2.3.4" itself; the proxies appended the rest.
  EXPECT_EQ(forwarded_client("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9", proxies),
            "198.51.100.1");
  EXPECT_EQ(forwarded_client("10.0.0.2", "1.2.3.4,198.51.100.1", proxies), "198.51.100.1");
  // A hop that is no address ends the walk at the last trusted one.
  EXPECT_EQ(forwarded_client("10.0.0.2", "198.51.100.1, junk", proxies), "10.0.0.2");
  EXPECT_EQ(forwarded_client("10.0.0.2", "198.51.100.1, junk, 10.0.0.7", proxies), "10.0.0.7");
  EXPECT_EQ(forwarded_client("10.0.0.2", "2001:db8::5", proxies), "2001:db8::5");
}

}  // namespace
}  // namespace maic::http
