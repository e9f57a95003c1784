#include "maic/device/settings_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "automation_json.hpp"
#include "maic/core/device_id.hpp"

namespace maic::device {
namespace {

using nlohmann::json;

// One row per setting: its place in the JSON, and how to read and write it.
struct Field {
  std::string section;  // "" for top-level fields
  std::string name;
  bool secret;
  std::function<json(const Settings&)> get;
  std::function<Status(Settings&, const json&)> set;
};

template <typename T>
Status assign(T& out, const json& j, const std::string& where) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return make_error(where + ": must be true or false");
  } else if constexpr (std::is_integral_v<T>) {
    // Checked on the 64-bit value: 4294968179 is refused, never wrapped to
    // 883 (a float such as 1.5 is no integer). The setting's own range is
    // validate()'s.
    const bool fits =
        j.is_number_integer() &&
        (j.is_number_unsigned()
             ? j.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
             : j.get<std::int64_t>() >= std::numeric_limits<T>::min() &&
                   j.get<std::int64_t>() <= std::numeric_limits<T>::max());
    if (!fits) {
      // Quoted only when a number: a string may not be printable.
      return make_error(fmt::format("{}: must be an integer from {} to {}, not {}", where,
                                    std::numeric_limits<T>::min(), std::numeric_limits<T>::max(),
                                    j.is_number() ? j.dump() : std::string("a ") + j.type_name()));
    }
  } else {
    if (!j.is_string()) return make_error(where + ": must be a string");
  }
  out = j.get<T>();
  return ok_status();
}

template <typename T>
Field top(std::string name, T Settings::*member, bool secret = false) {
  return {"", name, secret, [member](const Settings& s) { return json(s.*member); },
          [member, name](Settings& s, const json& j) { return assign(s.*member, j, name); }};
}

// A top-level setting that is one of a few names ("C", "F"): `to` names a
// value, `from` reads a name (nullopt: not one of them); `expected` says
// which names, for the error.
template <typename E>
Field top_choice(std::string name, E Settings::*member, std::string_view (*to)(E),
                 std::optional<E> (*from)(std::string_view), std::string expected) {
  return {"", name, false, [member, to](const Settings& s) { return json(to(s.*member)); },
          [member, from, name, expected](Settings& s, const json& j) -> Status {
            const std::optional<E> parsed =
                j.is_string() ? from(j.get<std::string>()) : std::nullopt;
            if (!parsed) return make_error(name + ": " + expected);
            s.*member = *parsed;
            return ok_status();
          }};
}

template <typename Section, typename T>
Field nested(std::string section, std::string name, Section Settings::*sec, T Section::*member,
             bool secret = false) {
  const std::string where = section + "." + name;
  return {section, name, secret,
          [sec, member](const Settings& s) { return json((s.*sec).*member); },
          [sec, member, where](Settings& s, const json& j) {
            return assign((s.*sec).*member, j, where);
          }};
}

// A field whose JSON is a whole document (an array, an object), read and
// written by `to` and `from`; a patch replaces it whole.
template <typename T>
Field document(std::string section, std::string name, T AutomationSettings::*member,
               json (*to)(const T&), Result<T> (*from)(const json&)) {
  return {section, name, false,
          [member, to](const Settings& s) { return to(s.automation.*member); },
          [member, from, section](Settings& s, const json& j) -> Status {
            auto parsed = from(j);
            if (!parsed) return make_error(section + "." + parsed.error().message);
            s.automation.*member = std::move(*parsed);
            return ok_status();
          }};
}

// --- Notifications (section "notify"; the SMTP account, section "smtp") ---

template <typename T>
Field notify_field(std::string name, T NotifySettings::*member) {
  return nested("notify", std::move(name), &Settings::notify, member);
}

template <typename T>
Field smtp_field(std::string name, T notify::SmtpSettings::*member, bool secret = false) {
  const std::string where = "smtp." + name;
  return {"smtp", name, secret, [member](const Settings& s) { return json(s.notify.smtp.*member); },
          [member, where](Settings& s, const json& j) {
            return assign(s.notify.smtp.*member, j, where);
          }};
}

Field smtp_security() {
  return {"smtp", "security", false,
          [](const Settings& s) { return json(notify::security_name(s.notify.smtp.security)); },
          [](Settings& s, const json& j) -> Status {
            const auto parsed = notify::parse_security(j.is_string() ? j.get<std::string>() : "");
            if (!parsed) return make_error("smtp.security: \"none\", \"starttls\" or \"tls\"");
            s.notify.smtp.security = *parsed;
            return ok_status();
          }};
}

// A whole array of addresses: a patch replaces the list.
Field smtp_recipients() {
  return {"smtp", "recipients", false,
          [](const Settings& s) { return json(s.notify.smtp.recipients); },
          [](Settings& s, const json& j) -> Status {
            if (!j.is_array()) return make_error("smtp.recipients: an array of addresses");
            if (j.size() > notify::kMaxRecipients)
              return make_error(fmt::format("smtp.recipients: at most {}", notify::kMaxRecipients));
            std::vector<std::string> out;
            for (std::size_t i = 0; i < j.size(); ++i) {
              if (!j[i].is_string())
                return make_error(fmt::format("smtp.recipients[{}]: must be a string", i));
              out.push_back(j[i].get<std::string>());
            }
            s.notify.smtp.recipients = std::move(out);
            return ok_status();
          }};
}

// --- End of the notifications' helpers ---

// --- Calibration (section "calibration") ---

// One phase's correction as an object {voltage_gain, current_gain,
// phase_deg}; a patch may name some of the three.
Field calibration_phase(std::size_t p) {
  const std::string name = fmt::format("phase{}", p + 1);
  const std::string where = "calibration." + name;
  using metering::CalibrationCorrection;
  static constexpr std::pair<const char*, double CalibrationCorrection::*> kMembers[] = {
      {"voltage_gain", &CalibrationCorrection::voltage_gain},
      {"current_gain", &CalibrationCorrection::current_gain},
      {"phase_deg", &CalibrationCorrection::phase_deg},
  };
  return {"calibration", name, false,
          [p](const Settings& s) {
            json out = json::object();
            for (const auto& [key, member] : kMembers) out[key] = s.calibration.phases[p].*member;
            return out;
          },
          [p, where](Settings& s, const json& j) -> Status {
            if (!j.is_object())
              return make_error(where + ": an object {voltage_gain, current_gain, phase_deg}");
            CalibrationCorrection c = s.calibration.phases[p];
            for (const auto& item : j.items()) {
              // Not a structured binding: clang 14 cannot capture one in a lambda.
              const std::string& key = item.key();
              const json& value = item.value();
              const auto* m = std::find_if(std::begin(kMembers), std::end(kMembers),
                                           [&](const auto& km) { return key == km.first; });
              if (m == std::end(kMembers))
                return make_error(where + "." + key + ": no such setting");
              if (!value.is_number()) return make_error(where + "." + key + ": must be a number");
              c.*(m->second) = value.get<double>();
            }
            s.calibration.phases[p] = c;
            return ok_status();
          }};
}

// --- End of calibration ---

const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      top("pin", &Settings::pin, true),
      top("language", &Settings::language),
      top("led", &Settings::led),
      top("timezone", &Settings::timezone),
      top_choice<TemperatureUnit>("temperature_unit", &Settings::temperature_unit, to_string,
                                  parse_temperature_unit, "\"C\" or \"F\""),
      top_choice<WifiType>("wifi_type", &Settings::wifi_type, to_string, parse_wifi_type,
                           "\"b\", \"g\" or \"n\""),
      nested("mqtt", "enabled", &Settings::mqtt, &MqttSettings::enabled),
      nested("mqtt", "host", &Settings::mqtt, &MqttSettings::host),
      nested("mqtt", "port", &Settings::mqtt, &MqttSettings::port),
      nested("mqtt", "username", &Settings::mqtt, &MqttSettings::username),
      nested("mqtt", "password", &Settings::mqtt, &MqttSettings::password, true),
      nested("mqtt", "interval_s", &Settings::mqtt, &MqttSettings::interval_s),
      nested("mqtt", "layout", &Settings::mqtt, &MqttSettings::layout),
      nested("mqtt", "prefix", &Settings::mqtt, &MqttSettings::prefix),
      nested("mqtt", "control_enabled", &Settings::mqtt, &MqttSettings::control_enabled),
      nested("mqtt", "on_phrase", &Settings::mqtt, &MqttSettings::on_phrase),
      nested("mqtt", "off_phrase", &Settings::mqtt, &MqttSettings::off_phrase),
      nested("mqtt", "discovery", &Settings::mqtt, &MqttSettings::discovery),
      nested("mqtt", "discovery_prefix", &Settings::mqtt, &MqttSettings::discovery_prefix),
      nested("mqtt", "tls", &Settings::mqtt, &MqttSettings::tls),
      nested("mqtt", "ca_file", &Settings::mqtt, &MqttSettings::ca_file),
      nested("server", "url", &Settings::server, &ServerSettings::url),
      nested("output", "gpio_chip", &Settings::output, &OutputSettings::gpio_chip),
      nested("output", "gpio_line", &Settings::output, &OutputSettings::gpio_line),
      nested("output", "active_low", &Settings::output, &OutputSettings::active_low),
      nested("automation", "delay_s", &Settings::automation, &AutomationSettings::delay_s),
      document("automation", "conditions", &AutomationSettings::conditions, conditions_to_json,
               conditions_from_json),
      document("automation", "schedule", &AutomationSettings::schedule, schedule_to_json,
               schedule_from_json),
      // Notifications (docs/automation.md, "Notifications").
      notify_field("enabled", &NotifySettings::enabled),
      notify_field("on_condition", &NotifySettings::on_condition),
      notify_field("on_output", &NotifySettings::on_output),
      notify_field("on_phase", &NotifySettings::on_phase),
      notify_field("on_restart", &NotifySettings::on_restart),
      notify_field("on_server", &NotifySettings::on_server),
      notify_field("on_mqtt", &NotifySettings::on_mqtt),
      notify_field("phase_lost_v", &NotifySettings::phase_lost_v),
      notify_field("phase_filter_s", &NotifySettings::phase_filter_s),
      notify_field("server_unreachable_min", &NotifySettings::server_unreachable_min),
      notify_field("rate_limit_min", &NotifySettings::rate_limit_min),
      notify_field("daily_cap", &NotifySettings::daily_cap),
      smtp_field("host", &notify::SmtpSettings::host),
      smtp_field("port", &notify::SmtpSettings::port),
      smtp_security(),
      smtp_field("username", &notify::SmtpSettings::username),
      smtp_field("password", &notify::SmtpSettings::password, true),
      smtp_field("sender", &notify::SmtpSettings::sender),
      smtp_recipients(),
      smtp_field("ca_file", &notify::SmtpSettings::ca_file),
      smtp_field("verify_peer", &notify::SmtpSettings::verify_peer),
      // End of the notifications.
      calibration_phase(0),
      calibration_phase(1),
      calibration_phase(2),
  };
  return table;
}

const Field* find_field(std::string_view section, std::string_view name) {
  for (const Field& f : fields()) {
    if (f.section == section && f.name == name) return &f;
  }
  return nullptr;
}

bool is_section(std::string_view name) {
  for (const Field& f : fields()) {
    if (f.section == name) return true;
  }
  return false;
}

}  // namespace

json to_json(const Settings& s, bool include_secrets) {
  json out = json::object();
  for (const Field& f : fields()) {
    json value = f.secret && !include_secrets ? json("") : f.get(s);
    if (f.section.empty()) {
      out[f.name] = std::move(value);
    } else {
      out[f.section][f.name] = std::move(value);
    }
  }
  return out;
}

json to_json(const Identity& id) {
  return {{"devid", id.devid}, {"devtype", id.devtype}, {"secret", id.secret}};
}

Result<Settings> apply_json(const Settings& base, const json& patch) {
  if (!patch.is_object()) return make_error("settings: a JSON object is expected");
  Settings s = base;
  for (const auto& [key, value] : patch.items()) {
    if (is_section(key)) {
      if (!value.is_object()) return make_error(key + ": an object is expected");
      for (const auto& [name, inner] : value.items()) {
        const Field* f = find_field(key, name);
        if (!f) return make_error(key + "." + name + ": no such setting");
        if (Status st = f->set(s, inner); !st) return st.error();
      }
      continue;
    }
    const Field* f = find_field("", key);
    if (!f) return make_error(key + ": no such setting");
    if (Status st = f->set(s, value); !st) return st.error();
  }
  if (Status v = validate(s); !v) return v.error();
  return s;
}

SettingsEdit json_patch(json patch) {
  return [patch = std::move(patch)](Settings current) { return apply_json(current, patch); };
}

Result<Identity> identity_from_json(const json& j) {
  if (!j.is_object()) return make_error("identity: a JSON object is expected");
  Identity id;
  for (auto [field, out] : {std::pair{"devid", &id.devid}, std::pair{"devtype", &id.devtype},
                            std::pair{"secret", &id.secret}}) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) {
      return make_error(std::string("identity.") + field + ": a string is required");
    }
    *out = it->get<std::string>();
  }
  if (!DeviceId::valid(id.devid)) {
    return make_error("identity.devid: 10 digits");
  }
  if (id.secret.size() != 64 ||
      id.secret.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return make_error("identity.secret: 64 lowercase hex digits");
  }
  return id;
}

}  // namespace maic::device
