#include "maic/automation/output_arbiter.hpp"

#include <string>

namespace maic::automation {

Status validate_delay(std::int64_t delay_s, std::string_view field) {
  if (delay_s < kMinDelaySeconds || delay_s > 86'400) {
    return make_error(std::string(field) + ": must be " + std::to_string(kMinDelaySeconds) +
                      " to 86400 seconds");
  }
  return ok_status();
}

void OutputArbiter::person_switched(SteadyTime now) {
  last_switch_ = now;
  held_.reset();
}

void OutputArbiter::output_changed(SteadyTime now) { last_switch_ = now; }

std::optional<SteadyTime> OutputArbiter::delay_ends() const {
  if (!last_switch_) return std::nullopt;
  return *last_switch_ + delay_;
}

ArbiterDecision OutputArbiter::decide(SteadyTime now, const std::optional<Firing>& firing,
                                      const std::optional<RelayDecision>& conditions,
                                      bool output_on) {
  if (firing) held_ = firing;  // the newest firing replaces an older held one
  if (in_delay(now)) return {};
  ArbiterDecision out;
  if (held_) {
    const Firing f = *held_;
    held_.reset();
    // The schedule's edge owns this pass, switching or not; the conditions
    // decide again in the next one.
    if (f.on == output_on) return out;
    out = {f.on, SwitchCause::kSchedule, 0, f};
  } else if (conditions && conditions->on != output_on) {
    out = {conditions->on, SwitchCause::kCondition, conditions->condition, std::nullopt};
  } else {
    return out;
  }
  last_switch_ = now;
  return out;
}

}  // namespace maic::automation
