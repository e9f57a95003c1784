// OutputArbiter against a plain restatement of its rules over 1,000 random
// sequences of passes and people's commands. The reference keeps the whole
// history and answers each pass from it: the last switch is the newest of
// all switches so far; the firing that acts is the newest one since the last
// pass outside the delay that a person has not overtaken.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <random>
#include <vector>

#include "maic/automation/output_arbiter.hpp"

namespace maic::automation {
namespace {

struct Pass {
  std::int64_t t;
  std::optional<Firing> firing;
  std::optional<RelayDecision> conditions;
  bool output_on;
  bool in_delay = false;  // filled in by the reference
  std::optional<bool> switch_to;
};

struct Event {
  std::int64_t t;
  bool person;  // else an output change the arbiter did not decide
};

std::optional<bool> reference_pass(std::vector<Pass>& passes, const std::vector<Event>& events,
                                   std::int64_t delay) {
  Pass& now = passes.back();
  const std::size_t i = passes.size() - 1;
  std::optional<std::int64_t> last_switch;
  std::optional<std::int64_t> last_person;
  for (const Event& e : events) {
    if (e.t > now.t) continue;
    last_switch = std::max(last_switch.value_or(e.t), e.t);
    if (e.person) last_person = std::max(last_person.value_or(e.t), e.t);
  }
  for (std::size_t j = 0; j < i; ++j) {
    if (passes[j].switch_to) last_switch = std::max(last_switch.value_or(passes[j].t), passes[j].t);
  }
  now.in_delay = last_switch && now.t - *last_switch < delay;
  if (now.in_delay) return std::nullopt;
  // The firings since the last pass outside the delay, not older than a
  // person's command: the newest acts.
  std::size_t from = 0;
  for (std::size_t j = 0; j < i; ++j) {
    if (!passes[j].in_delay) from = j + 1;
  }
  std::optional<Firing> acting;
  for (std::size_t j = from; j <= i; ++j) {
    if (passes[j].firing && !(last_person && *last_person >= passes[j].t))
      acting = passes[j].firing;
  }
  if (acting) return acting->on != now.output_on ? std::optional<bool>(acting->on) : std::nullopt;
  if (now.conditions && now.conditions->on != now.output_on) return now.conditions->on;
  return std::nullopt;
}

TEST(OutputArbiterReference, ThousandRandomSequences) {
  for (unsigned seed = 1; seed <= 1000; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    const std::int64_t delay = 60 + 10 * pick(4);
    OutputArbiter arbiter(delay);
    std::vector<Pass> passes;
    std::vector<Event> events;
    bool output = pick(2) == 1;
    std::int64_t t = 0;
    for (int n = 0; n < 200; ++n) {
      t += 1 + pick(15);
      if (pick(12) == 0) {
        // A person's command (or another change) between two passes.
        const bool person = pick(3) != 0;
        events.push_back({t, person});
        const SteadyTime at{std::chrono::seconds(t)};
        if (person) {
          output = pick(2) == 1;
          arbiter.person_switched(at);
        } else {
          output = !output;
          arbiter.output_changed(at);
        }
        t += 1 + pick(10);
      }
      Pass p{t, std::nullopt, std::nullopt, output, false, std::nullopt};
      if (pick(10) == 0) p.firing = Firing{t, pick(2) == 1, pick(2) == 1, 0};
      if (pick(3) != 0)
        p.conditions = RelayDecision{pick(2) == 1, static_cast<std::size_t>(pick(6))};
      passes.push_back(p);
      const std::optional<bool> want = reference_pass(passes, events, delay);
      passes.back().switch_to = want;
      const ArbiterDecision got =
          arbiter.decide(SteadyTime(std::chrono::seconds(t)), p.firing, p.conditions, output);
      ASSERT_EQ(got.switch_to, want) << "pass " << n << " t " << t;
      if (got.switch_to) output = *got.switch_to;
    }
  }
}

}  // namespace
}  // namespace maic::automation
