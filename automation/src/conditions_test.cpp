#include "maic/automation/conditions.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

namespace maic::automation {
namespace {

SteadyTime at(std::int64_t s) { return SteadyTime(std::chrono::seconds(s)); }

Reading volts(double v1, double v2 = 0, double v3 = 0, int phases = 3) {
  Reading r;
  r.phases = phases;
  r.phase[0].volts = v1;
  r.phase[1].volts = v2;
  r.phase[2].volts = v3;
  return r;
}

Condition make(Operand operand, Comparison cmp, double value, ConditionAction action,
               std::int64_t filter_s = 0) {
  Condition c;
  c.enabled = true;
  c.operand = operand;
  c.comparison = cmp;
  c.value = value;
  c.action = action;
  c.filter_s = filter_s;
  return c;
}

const Operand kV = Operand::of(Family::kVoltage);
const Operand kVAll = Operand::of(Family::kVoltage, PhaseSelector::kAll);
constexpr auto kGt = Comparison::kGreater;
constexpr auto kLt = Comparison::kLess;
constexpr auto kOn = ConditionAction::kRelayOn;
constexpr auto kOff = ConditionAction::kRelayOff;
constexpr auto kMail = ConditionAction::kEmail;
constexpr int kNoon = 720;

std::optional<RelayDecision> relay(bool on, std::size_t k) { return RelayDecision{on, k}; }

// Manual §9: "first, set the condition common to all others, for example,
// switch off the relay by condition, which is always fulfilled 1 > 0".
TEST(Conditions, ManualAlwaysTrueDefault) {
  ConditionEngine engine({make(Operand::constant_value(1), kGt, 0, kOff)}, 3);
  for (std::int64_t t = 0; t < 30; t += 5) {
    EXPECT_EQ(engine.evaluate(volts(230, 230, 230), at(t), kNoon).relay, relay(false, 0));
  }
}

TEST(Conditions, AlwaysTrueDefaultIsOverriddenByLaterConditions) {
  ConditionEngine engine({make(Operand::constant_value(1), kGt, 0, kOff),
                          make(Operand::of(Family::kPower, PhaseSelector::kTotal), kGt, 1000, kOn)},
                         3);
  Reading r = volts(230, 230, 230);
  EXPECT_EQ(engine.evaluate(r, at(0), kNoon).relay, relay(false, 0));
  r.phase[0].watts = 600;
  r.phase[1].watts = 500;  // total 1100 W
  EXPECT_EQ(engine.evaluate(r, at(5), kNoon).relay, relay(true, 1));
}

// Manual §9's example on a single-phase device: V > 260 Relay OFF,
// V < 250 Relay ON; between 250 and 260 neither is fulfilled and the relay
// stays as it is.
TEST(Conditions, ManualOverVoltageExampleSinglePhase) {
  ConditionEngine engine({make(kV, kGt, 260, kOff), make(kV, kLt, 250, kOn)}, 1);
  const auto pass = [&](double v, std::int64_t t) {
    return engine.evaluate(volts(v, 0, 0, 1), at(t), kNoon).relay;
  };
  EXPECT_EQ(pass(230, 0), relay(true, 1));
  EXPECT_EQ(pass(255, 5), std::nullopt);
  EXPECT_EQ(pass(261, 10), relay(false, 0));
  EXPECT_EQ(pass(260, 15), std::nullopt);  // strict: 260 is not > 260
  EXPECT_EQ(pass(250, 20), std::nullopt);
  EXPECT_EQ(pass(249.9, 25), relay(true, 1));
}

// On three phases the protection is "any phase over" and "all phases back".
TEST(Conditions, ManualOverVoltageExampleThreePhases) {
  ConditionEngine engine({make(kV, kGt, 260, kOff), make(kVAll, kLt, 250, kOn)}, 3);
  EXPECT_EQ(engine.evaluate(volts(230, 265, 230), at(0), kNoon).relay, relay(false, 0));
  EXPECT_EQ(engine.evaluate(volts(230, 255, 230), at(5), kNoon).relay, std::nullopt);
  EXPECT_EQ(engine.evaluate(volts(230, 245, 230), at(10), kNoon).relay, relay(true, 1));
}

// Why the header asks for kAll on the ON condition: with kAny one low phase
// fulfils it while another is over, and the later condition wins.
TEST(Conditions, AnyPhaseOnBothConditionsLetsTheLaterWin) {
  ConditionEngine engine({make(kV, kGt, 260, kOff), make(kV, kLt, 250, kOn)}, 3);
  EXPECT_EQ(engine.evaluate(volts(230, 265, 230), at(0), kNoon).relay, relay(true, 1));
}

TEST(Conditions, PhaseSelectors) {
  const Reading r = volts(230, 265, 240);
  EXPECT_EQ(operand_value(kV, kGt, r, 3), 265);
  EXPECT_EQ(operand_value(kV, kLt, r, 3), 230);
  EXPECT_EQ(operand_value(kVAll, kGt, r, 3), 230);
  EXPECT_EQ(operand_value(kVAll, kLt, r, 3), 265);
  EXPECT_EQ(operand_value(Operand::of(Family::kVoltage, PhaseSelector::kL3), kGt, r, 3), 240);
  // A two-phase device does not count its third phase (it reads 0).
  EXPECT_EQ(operand_value(kVAll, kGt, volts(230, 240, 0), 2), 230);
  EXPECT_EQ(operand_value(kV, kGt, volts(230, 0, 0, 1), 1), 230);
  Reading warm;
  warm.temperature_c = 61;
  EXPECT_EQ(operand_value(Operand::of(Family::kTemperature), kGt, warm, 3), 61);
  Reading nan = volts(230, std::numeric_limits<double>::quiet_NaN(), 230);
  EXPECT_TRUE(std::isnan(operand_value(kV, kGt, nan, 3)));
}

TEST(Conditions, NaNFulfilsNothing) {
  ConditionEngine engine({make(kV, kGt, 260, kOff), make(kV, kLt, 250, kOn)}, 3);
  Reading r = volts(230, std::numeric_limits<double>::quiet_NaN(), 230);
  EXPECT_EQ(engine.evaluate(r, at(0), kNoon).relay, std::nullopt);
}

TEST(Conditions, LastFulfilledWinsInConditionOrder) {
  ConditionEngine on_last({make(kV, kGt, 200, kOff), make(kV, kGt, 210, kOn)}, 3);
  EXPECT_EQ(on_last.evaluate(volts(230, 230, 230), at(0), kNoon).relay, relay(true, 1));
  ConditionEngine off_last({make(kV, kGt, 210, kOn), make(kV, kGt, 200, kOff)}, 3);
  EXPECT_EQ(off_last.evaluate(volts(230, 230, 230), at(0), kNoon).relay, relay(false, 1));
  // An unfulfilled later condition does not override.
  ConditionEngine third(
      {make(kV, kGt, 200, kOff), make(kV, kGt, 210, kOn), make(kV, kGt, 300, kOff)}, 3);
  EXPECT_EQ(third.evaluate(volts(230, 230, 230), at(0), kNoon).relay, relay(true, 1));
}

TEST(Conditions, DisabledConditionsAreSkipped) {
  std::vector<Condition> cs{make(kV, kGt, 200, kOff), make(kV, kGt, 210, kOn)};
  cs[1].enabled = false;
  ConditionEngine engine(cs, 3);
  EXPECT_EQ(engine.evaluate(volts(230, 230, 230), at(0), kNoon).relay, relay(false, 0));
  EXPECT_FALSE(engine.status()[1].checked);
}

// "Conditions do not have the opposite effect."
TEST(Conditions, NoInverseAction) {
  ConditionEngine engine({make(kV, kGt, 260, kOff)}, 3);
  EXPECT_EQ(engine.evaluate(volts(265, 230, 230), at(0), kNoon).relay, relay(false, 0));
  EXPECT_EQ(engine.evaluate(volts(230, 230, 230), at(5), kNoon).relay, std::nullopt);
}

TEST(Conditions, EmailDoesNotDecideTheRelay) {
  ConditionEngine engine({make(kV, kGt, 200, kOff), make(kV, kGt, 210, kMail)}, 3);
  const ConditionPass p = engine.evaluate(volts(230, 230, 230), at(0), kNoon);
  EXPECT_EQ(p.relay, relay(false, 0));
  ASSERT_EQ(p.emails.size(), 1u);
  EXPECT_EQ(p.emails[0], (EmailNotice{1, 230}));
}

// "Filter up to [sec]": in range for MORE than the filter, counted from the
// first in-range reading.
TEST(Conditions, FilterEdges) {
  ConditionEngine engine({make(kV, kGt, 260, kOff, 60)}, 3);
  EXPECT_EQ(engine.evaluate(volts(265), at(1000), kNoon).relay, std::nullopt);
  EXPECT_EQ(engine.evaluate(volts(265), at(1059), kNoon).relay, std::nullopt);
  EXPECT_EQ(engine.evaluate(volts(265), at(1060), kNoon).relay, std::nullopt);  // not more than 60
  EXPECT_EQ(engine.evaluate(volts(265), at(1061), kNoon).relay, relay(false, 0));
  EXPECT_EQ(engine.status()[0].in_range_since, at(1000));
  EXPECT_EQ(engine.status()[0].last_fulfilled, at(1061));
}

TEST(Conditions, FilterRestartsWhenTheValueLeavesTheRange) {
  ConditionEngine engine({make(kV, kGt, 260, kOff, 10)}, 3);
  engine.evaluate(volts(265), at(0), kNoon);
  engine.evaluate(volts(265), at(5), kNoon);
  engine.evaluate(volts(259), at(10), kNoon);  // a dip: the run ends
  EXPECT_EQ(engine.evaluate(volts(265), at(15), kNoon).relay, std::nullopt);
  EXPECT_EQ(engine.evaluate(volts(265), at(25), kNoon).relay, std::nullopt);
  EXPECT_EQ(engine.evaluate(volts(265), at(26), kNoon).relay, relay(false, 0));
}

TEST(Conditions, FilterZeroFulfilsAtOnce) {
  ConditionEngine engine({make(kV, kGt, 260, kOff, 0)}, 3);
  EXPECT_EQ(engine.evaluate(volts(265), at(0), kNoon).relay, relay(false, 0));
}

TEST(Conditions, WindowContains) {
  const TimeWindow day{480, 1020};  // 08:00-17:00
  EXPECT_FALSE(day.contains(479));
  EXPECT_TRUE(day.contains(480));
  EXPECT_TRUE(day.contains(1019));
  EXPECT_FALSE(day.contains(1020));
  const TimeWindow night{1320, 360};  // 22:00-06:00, across midnight
  EXPECT_FALSE(night.contains(1319));
  EXPECT_TRUE(night.contains(1320));
  EXPECT_TRUE(night.contains(1439));
  EXPECT_TRUE(night.contains(0));
  EXPECT_TRUE(night.contains(359));
  EXPECT_FALSE(night.contains(360));
  EXPECT_FALSE(night.contains(720));
  const TimeWindow all{600, 600};
  EXPECT_TRUE(all.contains(0));
  EXPECT_TRUE(all.contains(1439));
}

TEST(Conditions, OutsideItsWindowAConditionIsNotChecked) {
  Condition c = make(kV, kGt, 260, kOff);
  c.window = TimeWindow{1320, 360};
  ConditionEngine engine({c}, 3);
  EXPECT_EQ(engine.evaluate(volts(265), at(0), 1319).relay, std::nullopt);
  EXPECT_FALSE(engine.status()[0].checked);
  EXPECT_EQ(engine.evaluate(volts(265), at(60), 1320).relay, relay(false, 0));
  EXPECT_EQ(engine.evaluate(volts(265), at(120), 0).relay, relay(false, 0));
  EXPECT_EQ(engine.evaluate(volts(265), at(180), 359).relay, relay(false, 0));
  EXPECT_EQ(engine.evaluate(volts(265), at(240), 360).relay, std::nullopt);
}

// The filter counts only checked time: when the window opens it starts
// again, even if the value was in range before.
TEST(Conditions, FilterRestartsWhenTheWindowOpens) {
  Condition c = make(kV, kGt, 260, kOff, 30);
  c.window = TimeWindow{1320, 360};
  ConditionEngine engine({c}, 3);
  const std::int64_t open = 22 * 3600;  // steady seconds, here equal to local time
  for (std::int64_t t = open - 600; t < open; t += 5) {
    EXPECT_EQ(engine.evaluate(volts(265), at(t), local_minute_of_day(t, 0)).relay, std::nullopt);
  }
  EXPECT_EQ(engine.evaluate(volts(265), at(open), 1320).relay, std::nullopt);
  EXPECT_EQ(engine.evaluate(volts(265), at(open + 30), 1320).relay, std::nullopt);
  EXPECT_EQ(engine.evaluate(volts(265), at(open + 35), 1320).relay, relay(false, 0));
  EXPECT_EQ(engine.status()[0].in_range_since, at(open));
}

// Manual §9: V > 260 e-mail, hysteresis 20: after an e-mail, the next only
// after V fell below 240 and rose above 260 again.
TEST(Conditions, EmailHysteresisManualExample) {
  Condition c = make(kV, kGt, 260, kMail);
  c.hysteresis = 20;
  ConditionEngine engine({c}, 1);
  std::int64_t t = 0;
  const auto sends = [&](double v) {
    t += 5;
    return engine.evaluate(volts(v, 0, 0, 1), at(t), kNoon).emails.size();
  };
  EXPECT_EQ(sends(265), 1u);
  EXPECT_EQ(sends(270), 0u);
  EXPECT_EQ(sends(250), 0u);
  EXPECT_EQ(sends(265), 0u);  // back over 260, but never below 240
  EXPECT_EQ(sends(240), 0u);  // 240 is not below 240
  EXPECT_FALSE(engine.status()[0].email_armed);
  EXPECT_EQ(sends(239), 0u);  // re-armed
  EXPECT_TRUE(engine.status()[0].email_armed);
  EXPECT_EQ(sends(255), 0u);
  EXPECT_EQ(sends(261), 1u);
  EXPECT_EQ(engine.status()[0].emails_sent, 2u);
  EXPECT_EQ(engine.status()[0].last_action, kMail);
  EXPECT_EQ(engine.status()[0].last_action_at, at(t));
}

TEST(Conditions, EmailHysteresisMirroredForLess) {
  Condition c = make(kV, kLt, 200, kMail);
  c.hysteresis = 10;
  ConditionEngine engine({c}, 1);
  std::int64_t t = 0;
  const auto sends = [&](double v) {
    t += 5;
    return engine.evaluate(volts(v, 0, 0, 1), at(t), kNoon).emails.size();
  };
  EXPECT_EQ(sends(195), 1u);
  EXPECT_EQ(sends(205), 0u);
  EXPECT_EQ(sends(199), 0u);
  EXPECT_EQ(sends(210), 0u);  // not above 210
  EXPECT_EQ(sends(211), 0u);  // re-armed
  EXPECT_EQ(sends(199), 1u);
}

// Re-arming reads the raw value; the next e-mail still waits for the filter.
TEST(Conditions, EmailAfterReArmWaitsForTheFilter) {
  Condition c = make(kV, kGt, 260, kMail, 10);
  c.hysteresis = 20;
  ConditionEngine engine({c}, 1);
  const auto sends = [&](double v, std::int64_t t) {
    return engine.evaluate(volts(v, 0, 0, 1), at(t), kNoon).emails.size();
  };
  EXPECT_EQ(sends(265, 0), 0u);
  EXPECT_EQ(sends(265, 11), 1u);
  EXPECT_EQ(sends(230, 15), 0u);  // a single reading re-arms
  EXPECT_EQ(sends(265, 20), 0u);
  EXPECT_EQ(sends(265, 30), 0u);
  EXPECT_EQ(sends(265, 31), 1u);
}

TEST(Conditions, HysteresisZeroReArmsBelowTheThreshold) {
  ConditionEngine engine({make(kV, kGt, 260, kMail)}, 1);
  EXPECT_EQ(engine.evaluate(volts(261, 0, 0, 1), at(0), kNoon).emails.size(), 1u);
  EXPECT_EQ(engine.evaluate(volts(260, 0, 0, 1), at(5), kNoon).emails.size(), 0u);
  EXPECT_EQ(engine.evaluate(volts(261, 0, 0, 1), at(10), kNoon).emails.size(), 0u);
  EXPECT_EQ(engine.evaluate(volts(259, 0, 0, 1), at(15), kNoon).emails.size(), 0u);
  EXPECT_EQ(engine.evaluate(volts(261, 0, 0, 1), at(20), kNoon).emails.size(), 1u);
}

// Any phase over: re-armed only when every phase is back.
TEST(Conditions, AnyPhaseHysteresisWaitsForEveryPhase) {
  Condition c = make(kV, kGt, 260, kMail);
  c.hysteresis = 20;
  ConditionEngine engine({c}, 3);
  EXPECT_EQ(engine.evaluate(volts(265, 230, 230), at(0), kNoon).emails.size(), 1u);
  EXPECT_EQ(engine.evaluate(volts(230, 250, 230), at(5), kNoon).emails.size(), 0u);
  EXPECT_EQ(engine.evaluate(volts(230, 230, 265), at(10), kNoon).emails.size(), 0u);
  EXPECT_EQ(engine.evaluate(volts(230, 230, 230), at(15), kNoon).emails.size(), 0u);
  EXPECT_EQ(engine.evaluate(volts(230, 230, 265), at(20), kNoon).emails.size(), 1u);
}

TEST(Conditions, StatusRecordsActionsAndSwitches) {
  ConditionEngine engine({make(kV, kGt, 260, kOff), make(kV, kLt, 250, kOn)}, 1);
  engine.evaluate(volts(230, 0, 0, 1), at(5), kNoon);
  engine.note_switched(1, at(5));
  engine.evaluate(volts(255, 0, 0, 1), at(10), kNoon);
  const std::vector<ConditionStatus> st = engine.status();
  EXPECT_EQ(st[1].last_action, kOn);
  EXPECT_EQ(st[1].last_action_at, at(5));
  EXPECT_EQ(st[1].last_fulfilled, at(5));
  EXPECT_EQ(st[1].last_switched_at, at(5));
  EXPECT_FALSE(st[1].fulfilled);
  EXPECT_FALSE(st[0].last_action.has_value());
}

TEST(Conditions, LocalMinuteOfDay) {
  EXPECT_EQ(local_minute_of_day(0, 0), 0);
  EXPECT_EQ(local_minute_of_day(23 * 3600, 3600), 0);
  EXPECT_EQ(local_minute_of_day(0, -60), 1439);
  EXPECT_EQ(local_minute_of_day(-1, 0), 1439);
  EXPECT_EQ(local_minute_of_day(1'700'000'000, 19800), (1'700'000'000 + 19800) % 86400 / 60);
}

TEST(Conditions, OperandOfKey) {
  EXPECT_EQ(operand_of_key("V2", 3).value(), Operand::of(Family::kVoltage, PhaseSelector::kL2));
  EXPECT_EQ(operand_of_key("V", 3).value(), Operand::of(Family::kVoltage, PhaseSelector::kAny));
  EXPECT_EQ(operand_of_key("A", 3).value(), Operand::of(Family::kCurrent, PhaseSelector::kTotal));
  EXPECT_EQ(operand_of_key("TW", 3).value(), Operand::of(Family::kPower, PhaseSelector::kTotal));
  EXPECT_EQ(operand_of_key("Fr", 3).value(), Operand::of(Family::kFrequency));
  EXPECT_EQ(operand_of_key("T", 3).value(), Operand::of(Family::kTemperature));
  EXPECT_EQ(operand_of_key("A", 1).value(), Operand::of(Family::kCurrent));
  EXPECT_EQ(operand_of_key("1", 3).value(), Operand::constant_value(1));
  EXPECT_FALSE(operand_of_key("OUT", 3));
  EXPECT_FALSE(operand_of_key("V3", 2));
  EXPECT_FALSE(operand_of_key("X", 3));
  EXPECT_FALSE(operand_of_key("", 3));
}

TEST(Conditions, OperandKeyNamesWhatOperandOfKeyReads) {
  EXPECT_EQ(operand_key(Operand::of(Family::kVoltage, PhaseSelector::kL2)), "V2");
  EXPECT_EQ(operand_key(Operand::of(Family::kVoltage, PhaseSelector::kAny)), "V");
  EXPECT_EQ(operand_key(Operand::of(Family::kVoltage, PhaseSelector::kAll)), "V");
  EXPECT_EQ(operand_key(Operand::of(Family::kCurrent, PhaseSelector::kTotal)), "A");
  EXPECT_EQ(operand_key(Operand::of(Family::kReversePower, PhaseSelector::kTotal)), "TrW");
  EXPECT_EQ(operand_key(Operand::of(Family::kTemperature)), "T");
  EXPECT_EQ(operand_key(Operand::constant_value(1)), "1");
  EXPECT_EQ(operand_key(Operand::constant_value(0.5)), "0.5");
  for (const Quantity& q : catalogue(3)) {
    if (q.family == Family::kOutput) continue;
    const Operand o = operand_of_key(q.key, 3).value();
    EXPECT_EQ(operand_of_key(operand_key(o), 3).value(), o) << q.key;
  }
  for (const FamilyInfo& f : families()) {
    if (f.family == Family::kOutput) continue;
    const Operand o = operand_of_key(f.prefix, 3).value();
    EXPECT_EQ(operand_of_key(operand_key(o), 3).value(), o) << f.prefix;
  }
}

std::string error_of(const std::vector<Condition>& cs, int phases = 3) {
  const Status s = validate_conditions(cs, phases);
  return s ? "" : s.error().message;
}

TEST(Conditions, Validation) {
  const Condition good = make(kV, kGt, 260, kOff);
  EXPECT_EQ(error_of({good, good}), "");
  EXPECT_EQ(error_of(std::vector<Condition>(6, good)), "");
  EXPECT_EQ(error_of(std::vector<Condition>(7, good)), "conditions: at most 6, not 7");

  Condition c = good;
  c.value = std::numeric_limits<double>::infinity();
  EXPECT_EQ(error_of({good, good, c}), "conditions[2].value: not a finite number");
  // Named under the caller's root.
  EXPECT_EQ(validate_conditions(std::vector<Condition>{good, good, c}, 3, "automation.conditions")
                .error()
                .message,
            "automation.conditions[2].value: not a finite number");
  c = good;
  c.filter_s = 86'401;
  EXPECT_EQ(error_of({c}), "conditions[0].filter: must be 0 to 86400 seconds");
  c.filter_s = -1;
  EXPECT_EQ(error_of({c}), "conditions[0].filter: must be 0 to 86400 seconds");
  c.filter_s = 86'400;
  EXPECT_EQ(error_of({c}), "");
  c = good;
  c.hysteresis = 5;
  EXPECT_EQ(error_of({c}), "conditions[0].hysteresis: only an e-mail action has a hysteresis");
  c.action = kMail;
  EXPECT_EQ(error_of({c}), "");
  c.hysteresis = -1;
  EXPECT_EQ(error_of({c}), "conditions[0].hysteresis: must be a number >= 0");
  c = good;
  c.window = TimeWindow{1320, 1440};
  EXPECT_EQ(error_of({c}), "conditions[0].window.to: must be a minute of the day, 0 to 1439");
  c.window = TimeWindow{-1, 360};
  EXPECT_EQ(error_of({c}), "conditions[0].window.from: must be a minute of the day, 0 to 1439");
  c = good;
  c.operand = Operand::of(Family::kOutput);
  EXPECT_EQ(error_of({c}), "conditions[0].operand: the output is not a data type of conditions");
  c.operand = Operand::of(Family::kVoltage, PhaseSelector::kL3);
  EXPECT_EQ(error_of({c}, 3), "");
  EXPECT_EQ(error_of({c}, 1),
            "conditions[0].operand: a device with 1 phase has no such Voltage quantity");
  c.operand = Operand::of(Family::kVoltage, PhaseSelector::kTotal);
  EXPECT_EQ(error_of({c}),
            "conditions[0].operand: a device with 3 phases has no such Voltage quantity");
  c.operand = Operand::of(Family::kPower, PhaseSelector::kTotal);
  EXPECT_EQ(error_of({c}), "");
  c.operand = Operand::constant_value(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(error_of({c}), "conditions[0].operand: the constant is not a finite number");
  // Disabled conditions are checked too.
  c.enabled = false;
  EXPECT_NE(error_of({c}), "");
}

}  // namespace
}  // namespace maic::automation
