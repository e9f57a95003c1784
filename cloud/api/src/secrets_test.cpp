#include "secrets.hpp"

#include <gtest/gtest.h>

#include <set>

namespace maic::cloud {
namespace {

TEST(Secrets, APasswordVerifiesAndAWrongOneDoesNot) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.error().message;
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password(*hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(*hash, "correct horse batterY"));
  EXPECT_FALSE(verify_password(*hash, ""));
  EXPECT_FALSE(needs_rehash(*hash));
}

TEST(Secrets, EachHashHasItsOwnSalt) {
  auto a = hash_password("same password");
  auto b = hash_password("same password");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password(*b, "same password"));
}

TEST(Secrets, MalformedHashesNeverVerify) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
  EXPECT_FALSE(verify_password(std::string(500, 'a'), "x"));
  EXPECT_TRUE(needs_rehash("$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"));
}

TEST(Secrets, PasswordPolicy) {
  EXPECT_FALSE(check_password_policy("short").ok());
  EXPECT_TRUE(check_password_policy("long enough").ok());
  EXPECT_FALSE(check_password_policy(std::string(1025, 'x')).ok());
  EXPECT_FALSE(hash_password(std::string(1025, 'x')).ok());
}

TEST(Secrets, ApiKeysAreLongRandomAndHex) {
  std::set<std::string> keys;
  for (int k = 0; k < 100; ++k) {
    const std::string key = new_api_key();
    ASSERT_EQ(key.size(), 64u);
    EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 100u);
}

TEST(Secrets, ConstantTimeComparison) {
  EXPECT_TRUE(secrets_equal("abc", "abc"));
  EXPECT_FALSE(secrets_equal("abc", "abd"));
  EXPECT_FALSE(secrets_equal("abc", "abcd"));
}

}  // namespace
}  // namespace maic::cloud
