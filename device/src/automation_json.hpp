// The automation's settings as JSON (settings_json.cpp's "automation"
// section; docs/automation.md, "Settings"):
//
//   "conditions": [{"enabled": true, "operand": "V", "phases": "all",
//                   "compare": ">", "value": 260, "action": "off",
//                   "filter": 10, "window": {"from": "22:00", "to": "06:00"},
//                   "hysteresis": 0}, ...]
//   "schedule": {"weekly": [{"day": "mon", "time": "07:00", "on": true}, ...],
//                "one_off": [{"date": "2026-12-24", "time": "18:00", "on": false}, ...]}
//
// "operand" is a catalogue key (V2, A, T), a family's stem (V, PF: any
// phase, or "all" in "phases") or a number (the manual's "1 > 0"). Times
// are local HH:MM in the device's zone. Parsing is strict: unknown members,
// wrong types and bad values are errors naming the field
// ("conditions[2].compare: must be \">\" or \"<\""); the ranges are the
// automation library's validators'.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "maic/automation/conditions.hpp"
#include "maic/automation/schedule.hpp"
#include "maic/core/result.hpp"
#include "maic/device/automation_service.hpp"

namespace maic::device {

nlohmann::json conditions_to_json(const std::vector<automation::Condition>& conditions);
Result<std::vector<automation::Condition>> conditions_from_json(const nlohmann::json& j);

nlohmann::json schedule_to_json(const automation::Schedule& schedule);

// The status API's "automation" member (docs/automation.md, "Status"): the
// delay, the schedule's held and next firings, the last switch, and each
// condition's state.
nlohmann::json automation_status_to_json(const AutomationStatus& s);
Result<automation::Schedule> schedule_from_json(const nlohmann::json& j);

}  // namespace maic::device
