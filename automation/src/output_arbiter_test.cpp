#include "maic/automation/output_arbiter.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace maic::automation {
namespace {

SteadyTime at(std::int64_t s) { return SteadyTime(std::chrono::seconds(s)); }

const std::optional<Firing> kNoFiring;
const std::optional<RelayDecision> kNoDecision;
Firing firing(bool on) { return Firing{1'780'000'000, on, false, 0}; }
std::optional<RelayDecision> cond(bool on, std::size_t k = 0) { return RelayDecision{on, k}; }

TEST(OutputArbiter, ValidateDelay) {
  EXPECT_FALSE(validate_delay(59));
  EXPECT_EQ(validate_delay(59).error().message, "delay_s: must be 60 to 86400 seconds");
  EXPECT_EQ(validate_delay(86401, "automation.delay_s").error().message,
            "automation.delay_s: must be 60 to 86400 seconds");
  EXPECT_TRUE(validate_delay(60));
  EXPECT_TRUE(validate_delay(86'400));
  EXPECT_FALSE(validate_delay(86'401));
}

TEST(OutputArbiter, ConditionsSwitchAtOnceWhenNothingSwitchedYet) {
  OutputArbiter a(60);
  const ArbiterDecision d = a.decide(at(0), kNoFiring, cond(true, 2), false);
  EXPECT_EQ(d.switch_to, true);
  EXPECT_EQ(d.cause, SwitchCause::kCondition);
  EXPECT_EQ(d.condition, 2u);
  EXPECT_EQ(a.delay_ends(), at(60));
}

TEST(OutputArbiter, DecisionEqualToTheOutputDoesNothing) {
  OutputArbiter a(60);
  EXPECT_EQ(a.decide(at(0), kNoFiring, cond(true), true), ArbiterDecision{});
  EXPECT_EQ(a.decide(at(0), kNoFiring, kNoDecision, true), ArbiterDecision{});
  EXPECT_FALSE(a.in_delay(at(0)));
}

// "Delay after [sec]": at least the delay; at exactly 60 s it may switch.
TEST(OutputArbiter, DelayEdgesAfterAConditionSwitch) {
  OutputArbiter a(60);
  ASSERT_EQ(a.decide(at(100), kNoFiring, cond(false), true).switch_to, false);
  EXPECT_EQ(a.decide(at(159), kNoFiring, cond(true), false).switch_to, std::nullopt);
  EXPECT_EQ(a.decide(at(160), kNoFiring, cond(true), false).switch_to, true);
  EXPECT_EQ(a.decide(at(219), kNoFiring, cond(false), true).switch_to, std::nullopt);
  EXPECT_EQ(a.decide(at(221), kNoFiring, cond(false), true).switch_to, false);
}

TEST(OutputArbiter, PersonStartsTheDelay) {
  OutputArbiter a(60);
  a.person_switched(at(0));
  EXPECT_EQ(a.decide(at(59), kNoFiring, cond(false), true).switch_to, std::nullopt);
  EXPECT_EQ(a.decide(at(60), kNoFiring, cond(false), true).switch_to, false);
  OutputArbiter b(60);
  b.output_changed(at(0));
  EXPECT_EQ(b.decide(at(59), kNoFiring, cond(false), true).switch_to, std::nullopt);
  EXPECT_EQ(b.decide(at(61), kNoFiring, cond(false), true).switch_to, false);
}

TEST(OutputArbiter, FiringBeatsConditionsInItsPass) {
  OutputArbiter a(60);
  const ArbiterDecision d = a.decide(at(0), firing(true), cond(false), false);
  EXPECT_EQ(d.switch_to, true);
  EXPECT_EQ(d.cause, SwitchCause::kSchedule);
  EXPECT_EQ(d.firing, firing(true));
  // The conditions decide again once the delay has passed.
  EXPECT_EQ(a.decide(at(30), kNoFiring, cond(false), true).switch_to, std::nullopt);
  EXPECT_EQ(a.decide(at(60), kNoFiring, cond(false), true).switch_to, false);
}

TEST(OutputArbiter, FiringThatFindsTheOutputSoOwnsItsPass) {
  OutputArbiter a(60);
  EXPECT_EQ(a.decide(at(0), firing(true), cond(false), true), ArbiterDecision{});
  EXPECT_FALSE(a.in_delay(at(0)));
  EXPECT_EQ(a.decide(at(5), kNoFiring, cond(false), true).switch_to, false);
}

TEST(OutputArbiter, FiringInTheDelayIsHeldAndActsWhenItEnds) {
  OutputArbiter a(60);
  ASSERT_TRUE(a.decide(at(0), kNoFiring, cond(true), false).switch_to);
  EXPECT_EQ(a.decide(at(30), firing(false), cond(true), true), ArbiterDecision{});
  EXPECT_EQ(a.held(), firing(false));
  EXPECT_EQ(a.decide(at(35), kNoFiring, cond(true), true), ArbiterDecision{});
  const ArbiterDecision d = a.decide(at(60), kNoFiring, cond(true), true);
  EXPECT_EQ(d.switch_to, false);
  EXPECT_EQ(d.cause, SwitchCause::kSchedule);
  EXPECT_FALSE(a.held());
  EXPECT_EQ(a.decide(at(119), kNoFiring, cond(true), false).switch_to, std::nullopt);
  EXPECT_EQ(a.decide(at(120), kNoFiring, cond(true), false).switch_to, true);
}

TEST(OutputArbiter, NewerFiringReplacesTheHeldOne) {
  OutputArbiter a(60);
  a.person_switched(at(0));
  a.decide(at(10), firing(false), kNoDecision, true);
  a.decide(at(20), firing(true), kNoDecision, true);
  EXPECT_EQ(a.held(), firing(true));
  EXPECT_EQ(a.decide(at(60), kNoFiring, cond(false), true), ArbiterDecision{});
}

TEST(OutputArbiter, PersonDropsTheHeldFiring) {
  OutputArbiter a(60);
  a.output_changed(at(0));
  a.decide(at(10), firing(false), kNoDecision, true);
  EXPECT_TRUE(a.held());
  a.person_switched(at(20));
  EXPECT_FALSE(a.held());
  EXPECT_EQ(a.decide(at(79), kNoFiring, kNoDecision, true), ArbiterDecision{});
  EXPECT_EQ(a.decide(at(80), kNoFiring, kNoDecision, true), ArbiterDecision{});
}

TEST(OutputArbiter, OutputChangedKeepsTheHeldFiring) {
  OutputArbiter a(60);
  a.person_switched(at(0));
  a.decide(at(10), firing(false), kNoDecision, true);
  a.output_changed(at(20));
  EXPECT_TRUE(a.held());
  EXPECT_EQ(a.decide(at(79), kNoFiring, kNoDecision, true).switch_to, std::nullopt);
  EXPECT_EQ(a.decide(at(80), kNoFiring, kNoDecision, true).switch_to, false);
}

}  // namespace
}  // namespace maic::automation
