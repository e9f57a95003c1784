// The engine against a second, plain implementation over 1,000 random
// sequences. The reference keeps no incremental state: for each pass it
// looks back over the whole history (the run of in-range passes, the
// e-mails sent so far), and it states "any" and "all" as "some phase" and
// "every phase" rather than as a maximum or minimum.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "maic/automation/conditions.hpp"

namespace maic::automation {
namespace {

struct Step {
  std::int64_t t;  // steady seconds
  int minute;      // local minute of the day
  Reading reading;
};

int phase_count(const Operand& o) {
  if (o.phases == PhaseSelector::kL1 || o.phases == PhaseSelector::kL2 ||
      o.phases == PhaseSelector::kL3) {
    return 1;
  }
  return 3;
}

double phase_volts(const Operand& o, const Reading& r, int k) {
  int p = k;
  if (o.phases == PhaseSelector::kL2) p = 1;
  if (o.phases == PhaseSelector::kL3) p = 2;
  return r.phase[static_cast<std::size_t>(p)].volts;
}

// Whether the phases the condition reads satisfy `pred`, in the selector's
// sense: some phase (any, the single phases) or every phase (all).
template <typename Pred>
bool selected(const Condition& c, const Reading& r, Pred pred) {
  if (c.operand.is_constant) return pred(c.operand.constant);
  const int n = phase_count(c.operand);
  if (c.operand.phases == PhaseSelector::kAll) {
    for (int k = 0; k < n; ++k) {
      if (!pred(phase_volts(c.operand, r, k))) return false;
    }
    return true;
  }
  for (int k = 0; k < n; ++k) {
    if (pred(phase_volts(c.operand, r, k))) return true;
  }
  return false;
}

bool ref_checked(const Condition& c, const Step& s) {
  return c.enabled && (!c.window || c.window->contains(s.minute));
}

bool ref_in_range(const Condition& c, const Step& s) {
  if (!ref_checked(c, s)) return false;
  if (c.comparison == Comparison::kGreater) {
    return selected(c, s.reading, [&](double v) { return v > c.value; });
  }
  return selected(c, s.reading, [&](double v) { return v < c.value; });
}

// Back past the threshold by the hysteresis: "any phase in range" ends only
// when every phase is back; "all phases in range" when one is.
bool ref_past_hysteresis(const Condition& c, const Step& s) {
  if (!ref_checked(c, s) || c.operand.is_constant) return false;
  const auto past = [&](double v) {
    return c.comparison == Comparison::kGreater ? v < c.value - c.hysteresis
                                                : v > c.value + c.hysteresis;
  };
  Condition flipped = c;
  if (c.operand.phases == PhaseSelector::kAny) flipped.operand.phases = PhaseSelector::kAll;
  if (c.operand.phases == PhaseSelector::kAll) flipped.operand.phases = PhaseSelector::kAny;
  return selected(flipped, s.reading, past);
}

bool ref_fulfilled(const Condition& c, const std::vector<Step>& h, std::size_t i) {
  if (!ref_in_range(c, h[i])) return false;
  if (c.filter_s == 0) return true;
  std::size_t start = i;
  while (start > 0 && ref_in_range(c, h[start - 1])) --start;
  return h[i].t - h[start].t > c.filter_s;
}

std::optional<RelayDecision> ref_relay(const std::vector<Condition>& cs, const std::vector<Step>& h,
                                       std::size_t i) {
  std::optional<RelayDecision> out;
  for (std::size_t k = 0; k < cs.size(); ++k) {
    if (cs[k].action == ConditionAction::kEmail) continue;
    if (ref_fulfilled(cs[k], h, i))
      out = RelayDecision{cs[k].action == ConditionAction::kRelayOn, k};
  }
  return out;
}

// Whether condition k sends at pass i, given the passes it sent at before.
bool ref_sends(const Condition& c, const std::vector<Step>& h, std::size_t i,
               const std::vector<std::size_t>& sent_before) {
  if (c.action != ConditionAction::kEmail || !ref_fulfilled(c, h, i)) return false;
  if (sent_before.empty()) return true;
  for (std::size_t m = sent_before.back() + 1; m <= i; ++m) {
    if (ref_past_hysteresis(c, h[m])) return true;
  }
  return false;
}

Condition random_condition(std::mt19937& rng) {
  const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  Condition c;
  c.enabled = pick(6) != 0;
  if (pick(8) == 0) {
    c.operand = Operand::constant_value(pick(2) == 0 ? 1 : -1);
    c.value = 0;
  } else {
    c.operand = Operand::of(Family::kVoltage, static_cast<PhaseSelector>(pick(5)));
    c.value = 200 + 5 * pick(13);
  }
  c.comparison = pick(2) == 0 ? Comparison::kGreater : Comparison::kLess;
  c.action = static_cast<ConditionAction>(pick(3));
  const std::int64_t filters[] = {0, 0, 5, 10, 30, 60};
  c.filter_s = filters[pick(6)];
  if (pick(3) == 0) c.window = TimeWindow{pick(1440), pick(1440)};
  if (c.action == ConditionAction::kEmail) c.hysteresis = 5.0 * pick(5);
  return c;
}

double random_volts(std::mt19937& rng, double centre) {
  return std::normal_distribution<double>(centre, 15)(rng);
}

TEST(ConditionsReference, ThousandRandomSequences) {
  for (unsigned seed = 1; seed <= 1000; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    std::vector<Condition> cs(static_cast<std::size_t>(1 + pick(6)));
    for (Condition& c : cs) c = random_condition(rng);
    ASSERT_TRUE(validate_conditions(cs, 3));
    ConditionEngine engine(cs, 3);

    std::vector<Step> history;
    std::vector<std::vector<std::size_t>> sent(cs.size());
    std::int64_t t = pick(100'000);
    const int start_minute = pick(1440);
    double centre = 230;
    for (int n = 0; n < 150; ++n) {
      t += 1 + pick(20);
      if (pick(10) == 0) centre = 200 + pick(70);
      Reading r;
      for (PhaseValues& p : r.phase) p.volts = random_volts(rng, centre);
      // Local time runs with steady time here, jumping now and then (a
      // time zone change or an NTP correction moves the window, not the
      // filter).
      const int minute = (start_minute + static_cast<int>(t / 60) + (n > 75 ? 600 : 0)) % 1440;
      history.push_back({t, minute, r});
      const std::size_t i = history.size() - 1;

      const ConditionPass pass = engine.evaluate(r, SteadyTime(std::chrono::seconds(t)), minute);
      ASSERT_EQ(pass.relay, ref_relay(cs, history, i)) << "pass " << i;
      std::vector<std::size_t> want_mail;
      for (std::size_t k = 0; k < cs.size(); ++k) {
        if (ref_sends(cs[k], history, i, sent[k])) {
          want_mail.push_back(k);
          sent[k].push_back(i);
        }
      }
      std::vector<std::size_t> got_mail;
      for (const EmailNotice& e : pass.emails) got_mail.push_back(e.condition);
      ASSERT_EQ(got_mail, want_mail) << "pass " << i;
      const std::vector<ConditionStatus> st = engine.status();
      for (std::size_t k = 0; k < cs.size(); ++k) {
        ASSERT_EQ(st[k].fulfilled, ref_fulfilled(cs[k], history, i)) << "pass " << i << " c " << k;
        ASSERT_EQ(st[k].emails_sent, sent[k].size());
      }
    }
  }
}

}  // namespace
}  // namespace maic::automation
