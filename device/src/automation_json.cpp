#include "automation_json.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "maic/core/ascii.hpp"
#include "maic/core/quantity.hpp"

namespace maic::device {
namespace {

using automation::Comparison;
using automation::Condition;
using automation::ConditionAction;
using automation::PhaseSelector;
using nlohmann::json;

constexpr std::array<std::string_view, 7> kDays{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// "07:30" -> 450; nullopt for anything but HH:MM of a real time of day.
std::optional<int> minute_of(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  const auto h = whole_number(text.substr(0, 2), false);
  const auto m = whole_number(text.substr(3, 2), false);
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  return static_cast<int>(*h * 60 + *m);
}

std::string time_of(int minute) { return fmt::format("{:02}:{:02}", minute / 60, minute % 60); }

// Reads the members of object `j` at `where`; every member must be one of
// `known`.
Status only_members(const json& j, const std::string& where,
                    std::initializer_list<std::string_view> known) {
  if (!j.is_object()) return make_error(where + ": an object is expected");
  for (const auto& [key, value] : j.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) return make_error(fmt::format("{}.{}: no such member", where, key));
  }
  return ok_status();
}

Result<const json*> member(const json& j, const std::string& where, std::string_view name) {
  const auto it = j.find(name);
  if (it == j.end()) return make_error(fmt::format("{}.{}: is required", where, name));
  return &*it;
}

Result<std::string> text_member(const json& j, const std::string& where, std::string_view name) {
  auto m = member(j, where, name);
  if (!m) return m.error();
  if (!(*m)->is_string()) return make_error(fmt::format("{}.{}: must be a string", where, name));
  return (*m)->get<std::string>();
}

Result<double> number_member(const json& j, const std::string& where, std::string_view name) {
  auto m = member(j, where, name);
  if (!m) return m.error();
  if (!(*m)->is_number()) return make_error(fmt::format("{}.{}: must be a number", where, name));
  return (*m)->get<double>();
}

Result<bool> bool_member(const json& j, const std::string& where, std::string_view name) {
  auto m = member(j, where, name);
  if (!m) return m.error();
  if (!(*m)->is_boolean())
    return make_error(fmt::format("{}.{}: must be true or false", where, name));
  return (*m)->get<bool>();
}

Result<int> time_member(const json& j, const std::string& where, std::string_view name) {
  auto text = text_member(j, where, name);
  if (!text) return text.error();
  auto minute = minute_of(*text);
  if (!minute)
    return make_error(fmt::format("{}.{}: a local time HH:MM, 00:00 to 23:59", where, name));
  return *minute;
}

std::string_view action_name(ConditionAction a) {
  switch (a) {
    case ConditionAction::kRelayOn:
      return "on";
    case ConditionAction::kRelayOff:
      return "off";
    case ConditionAction::kEmail:
      return "email";
  }
  return "off";
}

Result<Condition> condition_from_json(const json& j, const std::string& where) {
  if (Status s = only_members(j, where,
                              {"enabled", "operand", "phases", "compare", "value", "action",
                               "filter", "window", "hysteresis"});
      !s)
    return s.error();
  Condition c;
  auto enabled = bool_member(j, where, "enabled");
  if (!enabled) return enabled.error();
  c.enabled = *enabled;
  auto key = text_member(j, where, "operand");
  if (!key) return key.error();
  auto operand = automation::operand_of_key(*key, 3);
  if (!operand) return make_error(where + ".operand: " + operand.error().message);
  c.operand = *operand;
  if (j.contains("phases")) {
    auto phases = text_member(j, where, "phases");
    if (!phases) return phases.error();
    if (c.operand.is_constant || c.operand.phases != PhaseSelector::kAny)
      return make_error(where + ".phases: only with a family's stem (V, A, W, PF, ...), not " +
                        *key);
    if (*phases == "all") {
      c.operand.phases = PhaseSelector::kAll;
    } else if (*phases != "any") {
      return make_error(where + ".phases: must be \"any\" or \"all\"");
    }
  }
  auto compare = text_member(j, where, "compare");
  if (!compare) return compare.error();
  if (*compare != ">" && *compare != "<")
    return make_error(where + ".compare: must be \">\" or \"<\"");
  c.comparison = *compare == ">" ? Comparison::kGreater : Comparison::kLess;
  auto value = number_member(j, where, "value");
  if (!value) return value.error();
  c.value = *value;
  auto action = text_member(j, where, "action");
  if (!action) return action.error();
  if (*action == "on") {
    c.action = ConditionAction::kRelayOn;
  } else if (*action == "off") {
    c.action = ConditionAction::kRelayOff;
  } else if (*action == "email") {
    c.action = ConditionAction::kEmail;
  } else {
    return make_error(where + ".action: must be \"on\", \"off\" or \"email\"");
  }
  if (j.contains("filter")) {
    const json& f = j.at("filter");
    if (!f.is_number_integer()) return make_error(where + ".filter: whole seconds, 0 to 86400");
    c.filter_s = f.get<std::int64_t>();
  }
  if (j.contains("window") && !j.at("window").is_null()) {
    const json& w = j.at("window");
    const std::string at = where + ".window";
    if (Status s = only_members(w, at, {"from", "to"}); !s) return s.error();
    auto from = time_member(w, at, "from");
    if (!from) return from.error();
    auto to = time_member(w, at, "to");
    if (!to) return to.error();
    c.window = automation::TimeWindow{*from, *to};
  }
  if (j.contains("hysteresis")) {
    auto h = number_member(j, where, "hysteresis");
    if (!h) return h.error();
    c.hysteresis = *h;
  }
  return c;
}

Result<bool> on_member(const json& j, const std::string& where) {
  return bool_member(j, where, "on");
}

}  // namespace

json conditions_to_json(const std::vector<Condition>& conditions) {
  json out = json::array();
  for (const Condition& c : conditions) {
    json j = {
        {"enabled", c.enabled},
        {"operand", automation::operand_key(c.operand)},
        {"compare", c.comparison == Comparison::kGreater ? ">" : "<"},
        {"value", c.value},
        {"action", action_name(c.action)},
        {"filter", c.filter_s},
        {"window", c.window ? json{{"from", time_of(c.window->from)}, {"to", time_of(c.window->to)}}
                            : json()},
        {"hysteresis", c.hysteresis}};
    // A family's stem (no key of its own) reads several phases: say how.
    if (!c.operand.is_constant && find_quantity(automation::operand_key(c.operand), 3) == nullptr) {
      j["phases"] = c.operand.phases == PhaseSelector::kAll ? "all" : "any";
    }
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::vector<Condition>> conditions_from_json(const json& j) {
  if (!j.is_array()) return make_error("conditions: an array is expected");
  if (j.size() > automation::kMaxConditions)
    return make_error(
        fmt::format("conditions: at most {}, not {}", automation::kMaxConditions, j.size()));
  std::vector<Condition> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto c = condition_from_json(j[i], fmt::format("conditions[{}]", i));
    if (!c) return c.error();
    out.push_back(*c);
  }
  return out;
}

json automation_status_to_json(const AutomationStatus& s) {
  const auto firing = [](const std::optional<automation::Firing>& f) -> json {
    if (!f) return json();
    return {{"at", f->at},
            {"on", f->on},
            {"list", f->one_off ? "one_off" : "weekly"},
            {"index", f->index}};
  };
  json conditions = json::array();
  for (std::size_t i = 0; i < s.condition_states.size(); ++i) {
    const automation::ConditionStatus& c = s.condition_states[i];
    conditions.push_back(
        {{"number", i + 1},
         {"enabled", c.enabled},
         {"checked", c.checked},
         {"in_range", c.in_range},
         {"fulfilled", c.fulfilled},
         {"last_fulfilled", s.last_fulfilled[i]},
         {"last_action", c.last_action ? json(action_name(*c.last_action)) : json()},
         {"last_action_at", s.last_action[i]},
         {"emails_sent", c.emails_sent},
         {"email_armed", c.email_armed}});
  }
  return {{"active", s.active},
          {"in_delay", s.in_delay},
          {"delay_ends", s.delay_ends},
          {"held", firing(s.held)},
          {"next", firing(s.next)},
          {"switches", s.switches},
          {"last_switch",
           s.last_switch == 0
               ? json()
               : json{{"at", s.last_switch},
                      {"on", s.last_switch_on},
                      {"cause", to_string(s.last_switch_cause)},
                      {"condition",
                       s.last_switch_condition == 0 ? json() : json(s.last_switch_condition)}}},
          {"conditions", std::move(conditions)}};
}

json schedule_to_json(const automation::Schedule& schedule) {
  json weekly = json::array();
  for (const automation::WeeklyEntry& e : schedule.weekly) {
    weekly.push_back({{"day", kDays[static_cast<std::size_t>(e.day)]},
                      {"time", time_of(e.minute)},
                      {"on", e.on}});
  }
  json one_off = json::array();
  for (const automation::OneOffEntry& e : schedule.one_off) {
    one_off.push_back({{"date", fmt::format("{:04}-{:02}-{:02}", e.year, e.month, e.day)},
                       {"time", time_of(e.minute)},
                       {"on", e.on}});
  }
  return {{"weekly", std::move(weekly)}, {"one_off", std::move(one_off)}};
}

Result<automation::Schedule> schedule_from_json(const json& j) {
  if (Status s = only_members(j, "schedule", {"weekly", "one_off"}); !s) return s.error();
  automation::Schedule out;
  if (j.contains("weekly")) {
    const json& list = j.at("weekly");
    if (!list.is_array()) return make_error("schedule.weekly: an array is expected");
    if (list.size() > automation::kMaxWeekly)
      return make_error(fmt::format("schedule.weekly: at most {} entries", automation::kMaxWeekly));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string where = fmt::format("schedule.weekly[{}]", i);
      if (Status s = only_members(list[i], where, {"day", "time", "on"}); !s) return s.error();
      auto day = text_member(list[i], where, "day");
      if (!day) return day.error();
      std::size_t d = 0;
      while (d < kDays.size() && kDays[d] != *day) ++d;
      if (d == kDays.size()) return make_error(where + ".day: mon, tue, wed, thu, fri, sat or sun");
      auto minute = time_member(list[i], where, "time");
      if (!minute) return minute.error();
      auto on = on_member(list[i], where);
      if (!on) return on.error();
      out.weekly.push_back({static_cast<automation::Weekday>(d), *minute, *on});
    }
  }
  if (j.contains("one_off")) {
    const json& list = j.at("one_off");
    if (!list.is_array()) return make_error("schedule.one_off: an array is expected");
    if (list.size() > automation::kMaxOneOff)
      return make_error(
          fmt::format("schedule.one_off: at most {} entries", automation::kMaxOneOff));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string where = fmt::format("schedule.one_off[{}]", i);
      if (Status s = only_members(list[i], where, {"date", "time", "on"}); !s) return s.error();
      auto date = text_member(list[i], where, "date");
      if (!date) return date.error();
      const std::string_view t = *date;
      const auto y = t.size() == 10 && t[4] == '-' && t[7] == '-'
                         ? whole_number(t.substr(0, 4), false)
                         : std::nullopt;
      const auto m = y ? whole_number(t.substr(5, 2), false) : std::nullopt;
      const auto dd = m ? whole_number(t.substr(8, 2), false) : std::nullopt;
      if (!dd) return make_error(where + ".date: a local date YYYY-MM-DD");
      auto minute = time_member(list[i], where, "time");
      if (!minute) return minute.error();
      auto on = on_member(list[i], where);
      if (!on) return on.error();
      // The date's range and existence are validate_schedule's.
      out.one_off.push_back(
          {static_cast<int>(*y), static_cast<int>(*m), static_cast<int>(*dd), *minute, *on});
    }
  }
  return out;
}

}  // namespace maic::device
