#include "maic/core/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace maic {
namespace {

TEST(RateLimiter, ABurstThenTheRefillRate) {
  VirtualClock clock;
  RateLimiter limiter(clock, 1.0 / 6, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a")) << i;
  EXPECT_FALSE(limiter.allow("a"));
  EXPECT_TRUE(limiter.allow("b")) << "keys are independent";
  clock.advance(std::chrono::seconds(6));
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.allow("a"));
}

TEST(RateLimiter, ARefundGivesBackOneTokenUpToTheBurst) {
  VirtualClock clock;
  RateLimiter limiter(clock, 1.0 / 6, 2);
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_TRUE(limiter.allow("a"));
  limiter.refund("a");
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.allow("a"));
  // Never beyond the burst: refunds of a full bucket are lost.
  limiter.refund("b");
  limiter.refund("b");
  EXPECT_TRUE(limiter.allow("b"));
  EXPECT_TRUE(limiter.allow("b"));
  EXPECT_FALSE(limiter.allow("b"));
}

TEST(RateLimiter, SecondsUntilAllowedFollowsTheRefill) {
  VirtualClock clock;
  RateLimiter limiter(clock, 1.0 / 6, 1);
  EXPECT_EQ(limiter.seconds_until_allowed("a"), 0.0);
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_NEAR(limiter.seconds_until_allowed("a"), 6.0, 1e-9);
  clock.advance(std::chrono::seconds(2));
  EXPECT_NEAR(limiter.seconds_until_allowed("a"), 4.0, 1e-9);
  EXPECT_FALSE(limiter.allow("a")) << "asking does not take a token, a refusal neither";
  clock.advance(std::chrono::seconds(4));
  EXPECT_EQ(limiter.seconds_until_allowed("a"), 0.0);
  EXPECT_TRUE(limiter.allow("a"));
}

}  // namespace
}  // namespace maic
