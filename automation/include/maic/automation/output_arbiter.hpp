// Who switches the output when people, the schedule and the conditions
// disagree. Pure: a small state machine the caller feeds with what
// happened and asks once a pass.
//
// The rules (docs/automation.md has the table of every combination):
//  - A person's command (page, JSON API, MQTT, server) takes effect at
//    once: the caller switches the output without asking the arbiter, then
//    tells it (person_switched), which starts the delay and drops a held
//    schedule firing (the person's command is newer).
//  - "Delay after [sec]" (manual §9; device-wide, at least 60 s): after any
//    switch, by anything, neither the schedule nor the conditions switch
//    the output until at least the delay has passed; at exactly the delay
//    they may ("at least").
//  - The schedule is edge-triggered: a firing acts in its pass and, in that
//    pass, beats the conditions (it is the newer, explicit instruction).
//    A firing that falls inside the delay is held, not dropped: it acts in
//    the first pass after the delay, again before the conditions, unless a
//    person switched meanwhile. A newer firing replaces a held one.
//  - The conditions are level-triggered: in a pass after the delay with no
//    firing, their decision (the last fulfilled relay condition) switches
//    the output if it differs.
//  - A decision equal to the output's state does not switch and does not
//    start the delay. A firing that finds the output already in its state
//    still owns its pass (the conditions decide again in the next pass,
//    one reading later).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "maic/automation/conditions.hpp"
#include "maic/automation/schedule.hpp"
#include "maic/core/clock.hpp"

namespace maic::automation {

inline constexpr std::int64_t kMinDelaySeconds = 60;  // manual §9

// "Delay after [sec]": must be at least 60 s (and at most a day). The error
// names the field by the caller's name for it: "<field>: must be ...".
Status validate_delay(std::int64_t delay_s, std::string_view field = "delay_s");

enum class SwitchCause { kNone, kSchedule, kCondition };

struct ArbiterDecision {
  std::optional<bool> switch_to;  // set: the caller switches the output to it
  SwitchCause cause = SwitchCause::kNone;
  std::size_t condition = 0;     // when cause is kCondition: its index, 0-based
  std::optional<Firing> firing;  // when cause is kSchedule: the entry that acted
  friend bool operator==(const ArbiterDecision&, const ArbiterDecision&) = default;
};

// Not thread-safe: the caller serialises calls (the device's mutex). Times
// are steady time, never going back.
class OutputArbiter {
 public:
  // Precondition: validate_delay(delay_s) is ok.
  explicit OutputArbiter(std::int64_t delay_s) : delay_(std::chrono::seconds(delay_s)) {}

  // A person switched the output (or sent a command that found it already
  // so) at `now`: starts the delay and drops a held firing.
  void person_switched(SteadyTime now);
  // The output changed at `now` by anything else the arbiter did not
  // decide (restored at start, a service): starts the delay. A held firing
  // stays held.
  void output_changed(SteadyTime now);

  // One pass at `now`: `firing` is the schedule's newest firing since the
  // last pass (Schedule::last_due), `conditions` the conditions' decision
  // of this pass, `output_on` the output's state now. When the result
  // switches, the caller switches the output (the arbiter takes it as done
  // and starts the delay at `now`).
  ArbiterDecision decide(SteadyTime now, const std::optional<Firing>& firing,
                         const std::optional<RelayDecision>& conditions, bool output_on);

  // For the status API.
  bool in_delay(SteadyTime now) const { return last_switch_ && now - *last_switch_ < delay_; }
  std::optional<SteadyTime> delay_ends() const;
  const std::optional<Firing>& held() const { return held_; }

 private:
  Duration delay_;
  std::optional<SteadyTime> last_switch_;
  std::optional<Firing> held_;
};

}  // namespace maic::automation
