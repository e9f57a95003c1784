#include "maic/core/device_secrets.hpp"

#include <gtest/gtest.h>

#include <string>

namespace maic {
namespace {

TEST(DeviceSecrets, SecretHashIsBlake2b256OfTheBytes) {
  // BLAKE2b-256 of the empty string (RFC 7693 parameters, 32-byte output).
  EXPECT_EQ(secret_hash(""), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_NE(secret_hash("a"), secret_hash("b"));
}

TEST(DeviceSecrets, SecretHashesCompareWhole) {
  const std::string h = secret_hash("a");
  EXPECT_TRUE(secret_hashes_equal(h, secret_hash("a")));
  EXPECT_FALSE(secret_hashes_equal(h, secret_hash("b")));
  EXPECT_FALSE(secret_hashes_equal(h, h.substr(0, 63)));
  EXPECT_FALSE(secret_hashes_equal(h, ""));
  EXPECT_TRUE(secret_hashes_equal("", ""));
}

TEST(DeviceSecrets, PinDigestDependsOnSaltAndPin) {
  const std::string salt = new_pin_salt();
  ASSERT_EQ(salt.size(), 32u);
  EXPECT_NE(salt, new_pin_salt());
  auto a = pin_digest(salt, "1234");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(*a, *pin_digest(salt, "1234"));
  EXPECT_NE(*a, *pin_digest(salt, "1235"));
  EXPECT_NE(*a, *pin_digest(new_pin_salt(), "1234"));
}

TEST(DeviceSecrets, MalformedSaltIsRefused) {
  EXPECT_FALSE(pin_digest("xyz", "1234").ok());
  EXPECT_FALSE(pin_digest(std::string(32, 'g'), "1234").ok());
}

}  // namespace
}  // namespace maic
