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

TEST(AccessControl, ABrowsersLogInGrantsTheSessionOnly) {
  Fixture f;
  auto login = f.access.login({"10.0.0.2", "1", "", /*from_browser=*/true}, "1");
  ASSERT_EQ(login.outcome, AccessControl::Outcome::kGranted);
  EXPECT_FALSE(f.access.authorised("10.0.0.2", ""));
  EXPECT_TRUE(f.access.authorised("10.0.0.2", login.token));
  EXPECT_EQ(f.access.session_csrf(login.token), login.csrf);
  EXPECT_NE(login.csrf, login.token);
  EXPECT_EQ(f.access.session_csrf("no-such-session"), "");
  EXPECT_EQ(f.access.session_csrf(""), "");
}

// Twenty wrong PINs device-wide are free; then each one closes log-in to
// unknown callers for 1 s, 2 s, 4 s, ... (at most 15 min).
TEST(AccessControl, TheDeviceWideBudgetBacksOffExponentially) {
  Fixture f;
  auto wrong = [&](int k) {
    return f.access.login("10.1." + std::to_string(k / 4) + "." + std::to_string(k % 4), "9", "1");
  };
  for (int k = 0; k < 20; ++k) EXPECT_EQ(wrong(k).outcome, AccessControl::Outcome::kWrongPin);
  EXPECT_EQ(wrong(20).outcome, AccessControl::Outcome::kWrongPin);  // the 21st starts it
  auto backed = f.access.login("10.2.0.1", "1", "1");
  EXPECT_EQ(backed.outcome, AccessControl::Outcome::kBackedOff);
  EXPECT_EQ(backed.retry_after, seconds(1));
  f.clock.advance(seconds(1));
  EXPECT_EQ(wrong(21).outcome, AccessControl::Outcome::kWrongPin);
  EXPECT_EQ(f.access.login("10.2.0.1", "1", "1").retry_after, seconds(2));
  for (int k = 22; k < 40; ++k) {
    f.clock.advance(minutes(15));
    (void)wrong(k);
  }
  EXPECT_EQ(f.access.login("10.2.0.1", "1", "1").retry_after, minutes(15)) << "capped";
  // Forgotten an hour after the last wrong PIN.
  f.clock.advance(std::chrono::hours(1));
  EXPECT_EQ(f.access.login("10.2.0.1", "1", "1").outcome, AccessControl::Outcome::kGranted);
  for (int k = 0; k < 20; ++k) EXPECT_EQ(wrong(k).outcome, AccessControl::Outcome::kWrongPin);
  EXPECT_EQ(f.access.login("10.2.0.2", "1", "1").outcome, AccessControl::Outcome::kGranted);
}

TEST(AccessControl, TheBackoffDoesNotLockOutAuthorisedClients) {
  Fixture f;
  ASSERT_EQ(f.access.login("10.0.0.1", "1", "1").outcome, AccessControl::Outcome::kGranted);
  const auto browser = f.access.login({"10.0.0.2", "1", "", true}, "1");
  for (int a = 0; a < 49; ++a) {
    for (int k = 0; k < 5; ++k) (void)f.access.login("10.9.0." + std::to_string(a), "9", "1");
  }
  EXPECT_EQ(f.access.login("10.0.0.3", "1", "1").outcome, AccessControl::Outcome::kBackedOff);
  EXPECT_EQ(f.access.login("10.0.0.1", "1", "1").outcome, AccessControl::Outcome::kGranted);
  EXPECT_EQ(f.access.login({"10.0.0.2", "1", browser.token, true}, "1").outcome,
            AccessControl::Outcome::kGranted);
  EXPECT_EQ(f.access.login({"10.0.0.4", "1", "stale", true}, "1").outcome,
            AccessControl::Outcome::kBackedOff);
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
