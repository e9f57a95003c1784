#include "maic/device/access_control.hpp"

#include <gtest/gtest.h>

namespace maic::device {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

struct Fixture {
  VirtualClock clock;
  int next = 0;
  AccessControl access{clock, {}, [this] { return "token" + std::to_string(++next); }};
};

TEST(AccessControl, ALoginAuthorisesTheAddressAndASession) {
  Fixture f;
  EXPECT_FALSE(f.access.authorised("10.0.0.2", ""));
  auto login = f.access.login("10.0.0.2", "1234", "1234");
  ASSERT_EQ(login.outcome, AccessControl::Outcome::kGranted);
  EXPECT_EQ(login.token, "token1");
  EXPECT_TRUE(f.access.authorised("10.0.0.2", ""));        // no cookie needed
  EXPECT_TRUE(f.access.authorised("10.0.0.9", "token1"));  // or the cookie elsewhere
  EXPECT_FALSE(f.access.authorised("10.0.0.9", "token2"));
}

TEST(AccessControl, GrantsExpireWhenIdleAndRefreshOnUse) {
  Fixture f;
  (void)f.access.login("a", "1", "1");
  f.clock.advance(minutes(14));
  EXPECT_TRUE(f.access.authorised("a", ""));  // refreshed
  f.clock.advance(minutes(14));
  EXPECT_TRUE(f.access.authorised("a", ""));
  f.clock.advance(minutes(16));
  EXPECT_FALSE(f.access.authorised("a", ""));
}

TEST(AccessControl, FiveWrongPinsLockTheAddressOut) {
  Fixture f;
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(f.access.login("x", "0000", "1234").outcome, AccessControl::Outcome::kWrongPin);
  }
  auto fifth = f.access.login("x", "0000", "1234");
  EXPECT_EQ(fifth.outcome, AccessControl::Outcome::kLockedOut);
  EXPECT_EQ(fifth.retry_after, minutes(5));
  // Even the right PIN is refused while locked out; another address is not.
  f.clock.advance(minutes(2));
  auto locked = f.access.login("x", "1234", "1234");
  EXPECT_EQ(locked.outcome, AccessControl::Outcome::kLockedOut);
  EXPECT_EQ(locked.retry_after, minutes(3));
  EXPECT_EQ(f.access.login("y", "1234", "1234").outcome, AccessControl::Outcome::kGranted);
  f.clock.advance(minutes(3));
  EXPECT_EQ(f.access.login("x", "1234", "1234").outcome, AccessControl::Outcome::kGranted);
}

TEST(AccessControl, RevokeEndsEverything) {
  Fixture f;
  auto login = f.access.login("a", "1", "1");
  f.access.revoke_all();
  EXPECT_FALSE(f.access.authorised("a", login.token));
}

TEST(AccessControl, MemoryIsBounded) {
  VirtualClock clock;
  AccessControl::Options o;
  o.max_tracked = 8;
  AccessControl access(clock, o, [] { return std::string("t"); });
  for (int k = 0; k < 100; ++k) (void)access.login("10.0.0." + std::to_string(k), "1", "1");
  EXPECT_TRUE(access.authorised("10.0.0.99", ""));
  EXPECT_FALSE(access.authorised("10.0.0.1", ""));
}

TEST(RateLimiter, ShedsBurstsAndRefills) {
  VirtualClock clock;
  RateLimiter limiter(clock, 2, 5);
  for (int k = 0; k < 5; ++k) EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.allow("a"));
  EXPECT_TRUE(limiter.allow("b"));
  clock.advance(std::chrono::milliseconds(500));
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.allow("a"));
  clock.advance(seconds(10));
  for (int k = 0; k < 5; ++k) EXPECT_TRUE(limiter.allow("a"));
}

}  // namespace
}  // namespace maic::device
