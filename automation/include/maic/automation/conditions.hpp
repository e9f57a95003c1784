// The device's conditions (manual §9, "Conditions and Notices"): up to six
// rules over the measured data that switch the controlled output or send an
// e-mail. Pure: no I/O and no clock; the caller hands in each reading, the
// steady time of the pass and the local minute of the day.
//
// The manual's rules, and where each is kept:
//  - "Conditions are checked from top to bottom, from 1st to 6th. The relay
//    takes on the state according to the last fulfilled condition", and
//    "the relay turns on or off only after all conditions have been
//    checked": ConditionEngine::evaluate() checks all six and returns one
//    relay decision (the last fulfilled relay condition) and the e-mails.
//  - "Conditions do not have the opposite effect": a condition that stops
//    being fulfilled decides nothing; the relay stays as it is.
//  - "Filter up to [sec]": fulfilled only when the value has been in range
//    for more than `filter_s` seconds (Condition::filter_s).
//  - "The condition check can be limited in time": Condition::window.
//  - "Hysteresis is set only for the action - sending an e-mail":
//    Condition::hysteresis.
//  - "Delay after [sec]" is device-wide and belongs to the precedence
//    between people, schedule and conditions: output_arbiter.hpp.
//
// docs/automation.md has the decisions in prose and the precedence table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/clock.hpp"
#include "maic/core/quantity.hpp"
#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"

namespace maic::automation {

inline constexpr std::size_t kMaxConditions = 6;  // manual §9: "up to 6 conditions"
inline constexpr std::int64_t kMaxFilterSeconds = 86'400;

// Which of a per-phase family's phases a condition reads.
//
// Why `kAny` is the default: the manual's example "V > 260 Relay OFF" is a
// protection, and on a three-phase device an over-voltage on any one phase
// must open the relay. Its partner "V < 250 Relay ON" must then be written
// with kAll ("close again when every phase is back"): with kAny one low
// phase would fulfil it while another is over 260 V, and as the later
// condition it would win. A condition over a family compares ONE number:
// the phases are reduced so that the comparison asks what the selector
// names:
//  - kAny: fulfilled when at least one phase is in range: for `>` the
//    largest phase value is compared, for `<` the smallest;
//  - kAll: fulfilled when every phase is in range: for `>` the smallest,
//    for `<` the largest;
//  - kL1, kL2, kL3: that phase alone (a catalogue key such as V2);
//  - kTotal: the family's total over the phases (A, W, TrW, TWh, rTWh).
// The phases are the device's (ConditionEngine's `phases`): a two-phase
// device reads the three-phase catalogue, but its third phase is not
// counted by kAny or kAll. On a single-phase device kAny, kAll and kL1 are
// the one phase. The reduced number is also the value the e-mail hysteresis
// watches and the value an e-mail reports, so "any phase over 260 V" is
// re-armed when every phase is back below 240 V.
// Device-wide families (temperature) have one value; the selector is
// ignored for them.
enum class PhaseSelector { kAny, kAll, kL1, kL2, kL3, kTotal };

// What a condition compares: a measured quantity, or a constant (the
// manual's always-fulfilled "1 > 0").
struct Operand {
  bool is_constant = false;
  double constant = 0;  // when is_constant
  Family family = Family::kVoltage;
  PhaseSelector phases = PhaseSelector::kAny;

  static Operand of(Family f, PhaseSelector s = PhaseSelector::kAny) { return {false, 0, f, s}; }
  static Operand constant_value(double v) {
    return {true, v, Family::kVoltage, PhaseSelector::kAny};
  }
  friend bool operator==(const Operand&, const Operand&) = default;
};

// The operand a catalogue key names on a device with `phases` phases:
// "V2" is phase 2, "A" and "W" the totals, "T" the temperature; a family's
// stem that is not itself a key ("V", "PF", "Fr" on a three-phase device)
// means any phase; a number ("1") is a constant. Errors name the key.
Result<Operand> operand_of_key(std::string_view key, int phases);
// The key that names `operand` in the three-phase catalogue, as settings
// write it: "V2" (kL2), "A" (kTotal), "T", the family's stem for kAny and
// kAll ("V": the selector is written apart), a constant as its shortest
// decimal ("1", "0.5"). operand_of_key(operand_key(o), 3) gives o back,
// with kAll read as kAny.
std::string operand_key(const Operand& operand);

enum class Comparison { kGreater, kLess };  // the manual's ">" and "<", both strict
enum class ConditionAction { kRelayOn, kRelayOff, kEmail };

// A time of day window in the device's local time, minutes after local
// midnight (0..1439). The condition is checked from `from` (inclusive) to
// `to` (exclusive); from > to crosses midnight (22:00-06:00 is 1320..360);
// from == to is the whole day.
struct TimeWindow {
  int from = 0;
  int to = 0;
  bool contains(int minute_of_day) const;
  friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

struct Condition {
  bool enabled = false;
  Operand operand;
  Comparison comparison = Comparison::kGreater;
  double value = 0;  // in the operand's unit (V, A, W, Wh, Hz, °C, PF)
  ConditionAction action = ConditionAction::kRelayOff;
  // "Filter up to [sec]", 0..86400: fulfilled only when the value has been
  // in range for strictly more than this many seconds, counted from the
  // first in-range reading of an unbroken run; 0 fulfils at once.
  std::int64_t filter_s = 0;
  // Checked only inside the window; outside it the condition is not
  // checked at all, and its filter starts again when the window opens.
  std::optional<TimeWindow> window;
  // For kEmail only, >= 0, in the operand's unit: after an e-mail, the next
  // one is sent only after the value has come back past the threshold by
  // the hysteresis (for `>`: below value - hysteresis, strictly; for `<`:
  // above value + hysteresis) and is then fulfilled again (filter
  // included). Must be 0 for the relay actions.
  double hysteresis = 0;
  friend bool operator==(const Condition&, const Condition&) = default;
};

// Checks a condition set for a device with `phases` phases (1..3). The
// error names the first bad field: "conditions[2].value: not a finite
// number". Rules: at most 6; the operand's family is a data type of the
// catalogue other than the output, and its selector names a quantity the
// device has (kL3 needs three phases, kTotal a family with a total); value,
// constant and hysteresis finite; filter 0..86400 s; hysteresis >= 0 and 0
// unless the action is kEmail; window minutes 0..1439. Disabled conditions
// are checked too: they are kept and may be enabled later.
// Errors name the field under `root`, the list's name in the caller's
// document ("automation.conditions[2].value: ...").
Status validate_conditions(std::span<const Condition> conditions, int phases,
                           std::string_view root = "conditions");

// One pass's relay decision: the last fulfilled relay condition.
struct RelayDecision {
  bool on = false;
  std::size_t condition = 0;  // index, 0-based (the manual's 1st is 0)
  friend bool operator==(const RelayDecision&, const RelayDecision&) = default;
};

struct EmailNotice {
  std::size_t condition = 0;  // index, 0-based
  double value = 0;           // the compared value (see PhaseSelector)
  friend bool operator==(const EmailNotice&, const EmailNotice&) = default;
};

// What one pass over all conditions decided: at most one relay state, and
// the e-mails to send, in condition order.
struct ConditionPass {
  std::optional<RelayDecision> relay;
  std::vector<EmailNotice> emails;
};

// One condition's state, for the status API.
struct ConditionStatus {
  bool enabled = false;
  bool checked = false;    // enabled and inside its window at the last pass
  bool in_range = false;   // at the last pass
  bool fulfilled = false;  // at the last pass: in range for longer than the filter
  std::optional<SteadyTime> in_range_since;  // start of the current run
  std::optional<SteadyTime> last_fulfilled;
  // The last pass whose outcome was this condition's action: the relay
  // decision (whether or not the relay had to move) or an e-mail queued.
  std::optional<ConditionAction> last_action;
  std::optional<SteadyTime> last_action_at;
  // When the output was last switched because of this condition
  // (ConditionEngine::note_switched).
  std::optional<SteadyTime> last_switched_at;
  std::uint64_t emails_sent = 0;
  bool email_armed = true;  // false: waiting for the value to pass the hysteresis
};

// The engine over one condition set. Not thread-safe: one pass at a time,
// on the thread that owns it (the daemon's metering loop).
//
// Level-triggered: every pass decides the relay again from the conditions
// as they stand. A new condition set is a new engine: filters and e-mail
// hysteresis start afresh.
class ConditionEngine {
 public:
  // Preconditions: validate_conditions(conditions, phases) is ok.
  ConditionEngine(std::vector<Condition> conditions, int phases);

  // One pass, on each reading (every 5 s, or a Modbus source's interval).
  // `now` is steady time and must not go back between passes; the filter
  // counts in it, and a gap between two in-range readings counts as in
  // range. `local_minute` is the minute of the day in the device's time
  // zone (0..1439), for the windows: the caller computes it
  // (local_minute_of_day below).
  ConditionPass evaluate(const Reading& reading, SteadyTime now, int local_minute);

  // Records that the output was switched at `now` because of condition
  // `index`'s decision (the arbiter's cause), for the status API.
  void note_switched(std::size_t index, SteadyTime now);

  const std::vector<Condition>& conditions() const { return conditions_; }
  std::vector<ConditionStatus> status() const { return status_; }

 private:
  std::vector<Condition> conditions_;
  int phases_;
  std::vector<ConditionStatus> status_;
};

// The compared value of `operand` in `reading` on a device with `phases`
// phases, for comparison `c` (which phase kAny/kAll pick depends on it).
// NaN if any phase it reads is NaN.
double operand_value(const Operand& operand, Comparison c, const Reading& reading, int phases);

// Local minute of the day (0..1439) of unix time `t` in a zone whose
// offset at `t` is `offset_s` seconds east (TimeZone::offset_at(t)).
int local_minute_of_day(std::int64_t t, std::int64_t offset_s);

}  // namespace maic::automation
