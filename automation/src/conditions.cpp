#include "maic/automation/conditions.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace maic::automation {
namespace {

constexpr int kMinutesPerDay = 1440;

bool per_phase(Family f) { return phase_member(f) != nullptr; }

// The catalogue quantities `operand` reads on a device with `phases`
// phases; empty when the device has no such quantity. The catalogue is the
// one place that says which quantities exist (quantity.hpp).
std::vector<const Quantity*> quantities_of(const Operand& operand, int phases) {
  std::vector<const Quantity*> out;
  if (operand.is_constant) return out;
  const int variant = catalogue_phases(phases);
  const auto phase_quantity = [&](int p) -> const Quantity* {
    for (const Quantity& q : catalogue(variant)) {
      if (q.family == operand.family && q.phase == p && !q.is_total) return &q;
    }
    return nullptr;
  };
  if (!per_phase(operand.family)) {
    if (const Quantity* q = phase_quantity(0)) out.push_back(q);
    return out;
  }
  switch (operand.phases) {
    case PhaseSelector::kAny:
    case PhaseSelector::kAll:
      for (int p = 1; p <= phases; ++p) {
        if (const Quantity* q = phase_quantity(p)) out.push_back(q);
      }
      break;
    case PhaseSelector::kL1:
    case PhaseSelector::kL2:
    case PhaseSelector::kL3: {
      const int p = static_cast<int>(operand.phases) - static_cast<int>(PhaseSelector::kL1) + 1;
      if (p > phases) break;
      if (const Quantity* q = phase_quantity(p)) out.push_back(q);
      break;
    }
    case PhaseSelector::kTotal:
      for (const Quantity& q : catalogue(variant)) {
        if (q.family == operand.family && q.is_total) out.push_back(&q);
      }
      break;
  }
  return out;
}

bool in_range(const Condition& c, double v) {
  // NaN compares false both ways: a value that is not there fulfils nothing.
  return c.comparison == Comparison::kGreater ? v > c.value : v < c.value;
}

// The raw value has come back past the threshold by the hysteresis: the
// e-mail is armed again (manual §9: V > 260, hysteresis 20: below 240).
bool past_hysteresis(const Condition& c, double v) {
  return c.comparison == Comparison::kGreater ? v < c.value - c.hysteresis
                                              : v > c.value + c.hysteresis;
}

std::string field(std::string_view root, std::size_t i, std::string_view name) {
  return std::string(root) + "[" + std::to_string(i) + "]." + std::string(name) + ": ";
}

}  // namespace

bool TimeWindow::contains(int minute_of_day) const {
  if (from == to) return true;
  if (from < to) return minute_of_day >= from && minute_of_day < to;
  return minute_of_day >= from || minute_of_day < to;  // across midnight
}

Result<Operand> operand_of_key(std::string_view key, int phases) {
  double number = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), number);
  if (!key.empty() && ec == std::errc() && end == key.data() + key.size()) {
    if (!std::isfinite(number)) return make_error("constant " + std::string(key) + ": not finite");
    return Operand::constant_value(number);
  }
  if (const Quantity* q = find_quantity(key, catalogue_phases(phases))) {
    if (q->family == Family::kOutput) {
      return make_error(std::string(key) + ": the output is not a data type of conditions");
    }
    if (q->is_total) return Operand::of(q->family, PhaseSelector::kTotal);
    if (q->phase == 0 || phases == 1) return Operand::of(q->family, PhaseSelector::kAny);
    if (q->phase > phases) {
      return make_error(std::string(key) + ": the device has " + std::to_string(phases) +
                        " phases");
    }
    return Operand::of(
        q->family, static_cast<PhaseSelector>(static_cast<int>(PhaseSelector::kL1) + q->phase - 1));
  }
  for (const FamilyInfo& f : families()) {
    if (f.prefix == key && per_phase(f.family)) return Operand::of(f.family, PhaseSelector::kAny);
  }
  return make_error(std::string(key) + ": not a data type of the catalogue");
}

std::string operand_key(const Operand& operand) {
  if (operand.is_constant) {
    char text[32];
    const auto [end, ec] = std::to_chars(std::begin(text), std::end(text), operand.constant);
    return ec == std::errc() ? std::string(text, end) : std::string("0");
  }
  const auto key_of = [&](int phase, bool total) -> std::string {
    for (const Quantity& q : catalogue(3)) {
      if (q.family == operand.family && q.phase == phase && q.is_total == total) return q.key;
    }
    return std::string(family_info(operand.family).prefix);
  };
  if (!per_phase(operand.family)) return key_of(0, false);
  switch (operand.phases) {
    case PhaseSelector::kL1:
    case PhaseSelector::kL2:
    case PhaseSelector::kL3:
      return key_of(static_cast<int>(operand.phases) - static_cast<int>(PhaseSelector::kL1) + 1,
                    false);
    case PhaseSelector::kTotal:
      return key_of(0, true);
    case PhaseSelector::kAny:
    case PhaseSelector::kAll:
      break;
  }
  return std::string(family_info(operand.family).prefix);
}

Status validate_conditions(std::span<const Condition> conditions, int phases,
                           std::string_view root) {
  if (phases < 1 || phases > kMaxPhases) return make_error("phases: must be 1 to 3");
  if (conditions.size() > kMaxConditions) {
    return make_error(std::string(root) + ": at most " + std::to_string(kMaxConditions) + ", not " +
                      std::to_string(conditions.size()));
  }
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    const Condition& c = conditions[i];
    if (c.operand.is_constant) {
      if (!std::isfinite(c.operand.constant)) {
        return make_error(field(root, i, "operand") + "the constant is not a finite number");
      }
    } else if (c.operand.family == Family::kOutput) {
      return make_error(field(root, i, "operand") + "the output is not a data type of conditions");
    } else if (quantities_of(c.operand, phases).empty()) {
      return make_error(field(root, i, "operand") + "a device with " + std::to_string(phases) +
                        (phases == 1 ? " phase" : " phases") + " has no such " +
                        std::string(family_info(c.operand.family).name) + " quantity");
    }
    if (!std::isfinite(c.value)) return make_error(field(root, i, "value") + "not a finite number");
    if (c.filter_s < 0 || c.filter_s > kMaxFilterSeconds) {
      return make_error(field(root, i, "filter") + "must be 0 to " +
                        std::to_string(kMaxFilterSeconds) + " seconds");
    }
    if (!std::isfinite(c.hysteresis) || c.hysteresis < 0) {
      return make_error(field(root, i, "hysteresis") + "must be a number >= 0");
    }
    if (c.hysteresis != 0 && c.action != ConditionAction::kEmail) {
      return make_error(field(root, i, "hysteresis") + "only an e-mail action has a hysteresis");
    }
    if (c.window) {
      if (c.window->from < 0 || c.window->from >= kMinutesPerDay) {
        return make_error(field(root, i, "window.from") + "must be a minute of the day, 0 to 1439");
      }
      if (c.window->to < 0 || c.window->to >= kMinutesPerDay) {
        return make_error(field(root, i, "window.to") + "must be a minute of the day, 0 to 1439");
      }
    }
  }
  return ok_status();
}

double operand_value(const Operand& operand, Comparison c, const Reading& reading, int phases) {
  if (operand.is_constant) return operand.constant;
  const std::vector<const Quantity*> qs = quantities_of(operand, phases);
  if (qs.empty()) return std::numeric_limits<double>::quiet_NaN();
  // kAny asks for the phase most in range, kAll for the one least in range.
  const bool want_max = (operand.phases == PhaseSelector::kAny) == (c == Comparison::kGreater);
  double out = value_of(reading, *qs.front());
  for (const Quantity* q : qs) {
    const double v = value_of(reading, *q);
    if (std::isnan(v)) return v;
    out = want_max ? std::max(out, v) : std::min(out, v);
  }
  return out;
}

int local_minute_of_day(std::int64_t t, std::int64_t offset_s) {
  constexpr std::int64_t kDay = 86'400;
  const std::int64_t local = ((t + offset_s) % kDay + kDay) % kDay;
  return static_cast<int>(local / 60);
}

ConditionEngine::ConditionEngine(std::vector<Condition> conditions, int phases)
    : conditions_(std::move(conditions)), phases_(phases), status_(conditions_.size()) {
  for (std::size_t i = 0; i < conditions_.size(); ++i) status_[i].enabled = conditions_[i].enabled;
}

ConditionPass ConditionEngine::evaluate(const Reading& reading, SteadyTime now, int local_minute) {
  ConditionPass pass;
  for (std::size_t i = 0; i < conditions_.size(); ++i) {
    const Condition& c = conditions_[i];
    ConditionStatus& st = status_[i];
    st.checked = c.enabled && (!c.window || c.window->contains(local_minute));
    if (!st.checked) {
      // Not checked: no range, no filter run (it starts again when the
      // window opens); the e-mail's hysteresis state is kept.
      st.in_range = st.fulfilled = false;
      st.in_range_since.reset();
      continue;
    }
    const double v = operand_value(c.operand, c.comparison, reading, phases_);
    st.in_range = in_range(c, v);
    if (!st.in_range) {
      st.in_range_since.reset();
    } else if (!st.in_range_since) {
      st.in_range_since = now;
    }
    st.fulfilled = st.in_range &&
                   (c.filter_s == 0 || now - *st.in_range_since > std::chrono::seconds(c.filter_s));
    if (st.fulfilled) st.last_fulfilled = now;
    if (c.action == ConditionAction::kEmail) {
      if (!st.email_armed && past_hysteresis(c, v)) st.email_armed = true;
      if (st.fulfilled && st.email_armed) {
        st.email_armed = false;
        ++st.emails_sent;
        st.last_action = c.action;
        st.last_action_at = now;
        pass.emails.push_back({i, v});
      }
    } else if (st.fulfilled) {
      // The last fulfilled relay condition decides; earlier ones are
      // overridden, nothing switches mid-pass.
      pass.relay = RelayDecision{c.action == ConditionAction::kRelayOn, i};
    }
  }
  if (pass.relay) {
    ConditionStatus& st = status_[pass.relay->condition];
    st.last_action = conditions_[pass.relay->condition].action;
    st.last_action_at = now;
  }
  return pass;
}

void ConditionEngine::note_switched(std::size_t index, SteadyTime now) {
  if (index < status_.size()) status_[index].last_switched_at = now;
}

}  // namespace maic::automation
