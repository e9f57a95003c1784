#include "maic/device/automation_service.hpp"

#include <fmt/format.h>

#include <mutex>
#include <utility>

#include "maic/automation/output_arbiter.hpp"
#include "maic/core/calendar.hpp"
#include "maic/device/device.hpp"

namespace maic::device {

using automation::ConditionAction;

struct AutomationService::Impl {
  Device& device;
  const Clock& clock;
  Hooks hooks;

  mutable std::mutex mutex;
  bool running = false;
  AutomationSettings settings;
  std::optional<TimeZone> zone;
  std::optional<automation::ConditionEngine> engine;
  std::optional<automation::OutputArbiter> arbiter;
  std::optional<std::int64_t> previous_wall;  // the last pass's wall time (unix s)
  std::optional<SteadyTime> last_switch;      // any switch: the delay carries over a rebuild
  std::uint64_t switches = 0;
  std::int64_t last_switch_wall = 0;
  OutputCause last_cause = OutputCause::kSchedule;
  int last_condition = 0;
  bool last_on = false;

  Impl(Device& d, const Clock& c, Hooks h) : device(d), clock(c), hooks(std::move(h)) {}

  bool active() const {
    if (!settings.schedule.weekly.empty() || !settings.schedule.one_off.empty()) return true;
    for (const automation::Condition& c : settings.conditions) {
      if (c.enabled) return true;
    }
    return false;
  }

  // A new engine and arbiter for `s` (under the lock). The settings were
  // validated against three phases; the device checks its own.
  Status configure(const Settings& s) {
    if (Status v = validate(s.automation, device.phases()); !v) return v;
    auto located = TimeZone::locate(s.timezone);
    if (!located) return located.error();
    settings = s.automation;
    zone = *located;
    engine.emplace(settings.conditions, device.phases());
    arbiter.emplace(settings.delay_s);
    if (last_switch) arbiter->output_changed(*last_switch);
    return ok_status();
  }

  // Steady time `t` as unix seconds, by the clock's two readings now.
  std::int64_t wall_of(SteadyTime t) const {
    return unix_seconds(clock.wall_now()) +
           std::chrono::duration_cast<std::chrono::seconds>(t - clock.steady_now()).count();
  }

  void log(std::string_view line) const {
    if (hooks.log) hooks.log(line);
  }
};

AutomationService::AutomationService(Device& device, const Clock& clock, Hooks hooks)
    : impl_(std::make_unique<Impl>(device, clock, std::move(hooks))) {}

AutomationService::~AutomationService() = default;

Status AutomationService::start(const Settings& settings) {
  std::lock_guard lock(impl_->mutex);
  impl_->running = false;
  impl_->previous_wall.reset();
  if (Status s = impl_->configure(settings); !s) return s;
  impl_->running = true;
  return ok_status();
}

Status AutomationService::reconfigure(const Settings& settings) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->running && impl_->settings == settings.automation && impl_->zone &&
      impl_->zone->name() == settings.timezone)
    return ok_status();  // another part of the settings changed
  impl_->running = false;
  if (Status s = impl_->configure(settings); !s) return s;
  impl_->running = true;
  return ok_status();
}

void AutomationService::on_reading(const Reading& r, SteadyTime now) {
  Impl& m = *impl_;
  std::optional<OutputChange> command;
  std::vector<automation::EmailNotice> emails;
  {
    std::lock_guard lock(m.mutex);
    if (!m.running || !m.engine) return;
    const std::int64_t wall = unix_seconds(r.wall_end);
    const int minute = automation::local_minute_of_day(wall, m.zone->offset_at(wall));
    automation::ConditionPass pass = m.engine->evaluate(r, now, minute);
    // The first pass after a start only marks the time: missed entries are
    // not replayed (the header says why).
    std::optional<automation::Firing> firing;
    if (m.previous_wall) firing = m.settings.schedule.last_due(*m.previous_wall, wall, *m.zone);
    m.previous_wall = wall;
    const automation::ArbiterDecision d =
        m.arbiter->decide(now, firing, pass.relay, m.device.output_on());
    if (d.switch_to) {
      const bool by_condition = d.cause == automation::SwitchCause::kCondition;
      command = OutputChange{*d.switch_to,
                             by_condition ? OutputCause::kCondition : OutputCause::kSchedule,
                             by_condition ? static_cast<int>(d.condition) + 1 : 0};
      if (by_condition) m.engine->note_switched(d.condition, now);
      m.last_switch = now;
      ++m.switches;
      m.last_switch_wall = wall;
      m.last_cause = command->cause;
      m.last_condition = command->condition;
      m.last_on = command->on;
    }
    emails = std::move(pass.emails);
  }
  // Outside the lock: the device tells every service of the switch, this
  // one included.
  if (command) {
    if (Status s = m.device.set_output(*command); !s) {
      m.log(fmt::format("automation: switching the output {} failed: {}",
                        command->on ? "on" : "off", s.error().message));
    } else {
      m.log(command->cause == OutputCause::kCondition
                ? fmt::format("automation: condition {} switched the output {}", command->condition,
                              command->on ? "on" : "off")
                : fmt::format("automation: the schedule switched the output {}",
                              command->on ? "on" : "off"));
    }
  }
  if (m.hooks.email) {
    for (const automation::EmailNotice& e : emails) m.hooks.email(e.condition, e.value, r);
  }
}

void AutomationService::on_output(const OutputChange& change) {
  if (change.cause == OutputCause::kCondition || change.cause == OutputCause::kSchedule) return;
  // A person's command (page, JSON API, MQTT, server): at once, and the
  // delay starts, whether or not it changed the state.
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  const SteadyTime now = m.clock.steady_now();
  m.last_switch = now;
  if (m.arbiter) m.arbiter->person_switched(now);
}

void AutomationService::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->running = false;
}

ServiceStatus AutomationService::report() const {
  std::lock_guard lock(impl_->mutex);
  ServiceStatus s;
  s.state = impl_->running && impl_->active() ? ServiceState::kConnected : ServiceState::kDisabled;
  s.sent = impl_->switches;
  return s;
}

AutomationStatus AutomationService::status() const {
  const Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  AutomationStatus s;
  s.active = m.running && m.active();
  s.conditions = m.settings.conditions;
  s.switches = m.switches;
  s.last_switch = m.last_switch_wall;
  s.last_switch_cause = m.last_cause;
  s.last_switch_condition = m.last_condition;
  s.last_switch_on = m.last_on;
  if (m.engine) {
    s.condition_states = m.engine->status();
    for (const automation::ConditionStatus& c : s.condition_states) {
      s.last_fulfilled.push_back(c.last_fulfilled ? m.wall_of(*c.last_fulfilled) : 0);
      s.last_action.push_back(c.last_action_at ? m.wall_of(*c.last_action_at) : 0);
    }
  }
  const SteadyTime now = m.clock.steady_now();
  if (m.arbiter) {
    s.in_delay = m.arbiter->in_delay(now);
    if (const auto ends = m.arbiter->delay_ends(); ends && s.in_delay)
      s.delay_ends = m.wall_of(*ends);
    s.held = m.arbiter->held();
  }
  if (m.zone) {
    const std::int64_t wall = unix_seconds(m.clock.wall_now());
    const auto next = m.settings.schedule.due(wall, wall + 8 * 86'400, *m.zone);
    if (!next.empty()) s.next = next.front();
  }
  return s;
}

}  // namespace maic::device
