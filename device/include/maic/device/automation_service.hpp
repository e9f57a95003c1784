// The device's automation as a service (manual §9, "Conditions and
// Notices"; docs/automation.md): on each reading the conditions, the
// schedule and the delay decide the output, over the pure engine of
// automation/ (conditions.hpp, schedule.hpp, output_arbiter.hpp).
//
// A pass per reading (every 5 s, or a Modbus source's interval):
//  1. the conditions are evaluated, 1st to 6th, on the reading at its
//     steady time, with the local minute of the day in the device's zone;
//  2. the schedule's newest firing since the last pass (its local times in
//     the device's zone, DST-correct) is taken;
//  3. the arbiter decides: the delay after any switch, a person's command
//     before everything, schedule firings held through the delay;
//  4. only then is the output switched (never mid-pass), with the cause
//     (OutputCause::kCondition with its number, or kSchedule), and each
//     e-mail action fired is handed to the notifications.
// A person's command (page, JSON API, MQTT, server: on_output) starts the
// delay at once.
//
// The schedule acts at its times while the daemon runs: after a restart
// the output keeps its remembered state (PersistedOutput) and the next
// entries act; missed ones are not replayed. A change of the automation
// settings or of the zone builds a new engine (filters and e-mail
// hysteresis start afresh); the delay carries over.
//
// Threads: on_reading from the metering thread; on_output from any
// thread, also from inside on_reading (the switch it makes); status() from
// any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "maic/automation/conditions.hpp"
#include "maic/automation/schedule.hpp"
#include "maic/core/clock.hpp"
#include "maic/device/output.hpp"
#include "maic/device/service.hpp"

namespace maic::device {

class Device;

// What the status API and /metrics show of the automation. Times are unix
// seconds (0: never).
struct AutomationStatus {
  bool active = false;  // some condition enabled or some schedule entry
  std::vector<automation::Condition> conditions;
  std::vector<automation::ConditionStatus> condition_states;
  std::vector<std::int64_t> last_fulfilled;  // per condition, unix s; 0: never
  std::vector<std::int64_t> last_action;     // per condition, unix s; 0: never
  bool in_delay = false;
  std::int64_t delay_ends = 0;
  std::optional<automation::Firing> held;  // a schedule firing waiting for the delay
  std::optional<automation::Firing> next;  // the schedule's next firing (within 8 days)
  std::uint64_t switches = 0;              // switches made by the automation since start
  std::int64_t last_switch = 0;            // the automation's last switch
  OutputCause last_switch_cause = OutputCause::kSchedule;
  int last_switch_condition = 0;  // 1..6 when the cause is a condition
  bool last_switch_on = false;
};

class AutomationService final : public Service {
 public:
  struct Hooks {
    // Condition `condition` (0-based) fired its e-mail action with the
    // compared value `value` on `reading`; from the metering thread.
    std::function<void(std::size_t condition, double value, const Reading& reading)> email;
    std::function<void(std::string_view line)> log;
  };

  // `device` and `clock` must outlive the service.
  AutomationService(Device& device, const Clock& clock, Hooks hooks);
  ~AutomationService() override;

  std::string_view name() const override { return "automation"; }
  Status start(const Settings& settings) override;
  Status reconfigure(const Settings& settings) override;
  void on_reading(const Reading& r, SteadyTime now) override;
  void on_output(const OutputChange& change) override;
  void stop() override;
  ServiceStatus report() const override;

  AutomationStatus status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::device
