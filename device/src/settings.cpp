#include "maic/device/settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "maic/core/ascii.hpp"
#include "maic/core/calendar.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/language.hpp"

namespace maic::device {

bool valid_server_url(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return false;
  }
  if (url.size() > 2048) return false;
  // Printable ASCII only: no spaces, controls or raw UTF-8 in a URL.
  if (!std::all_of(url.begin(), url.end(), [](char c) { return c > ' ' && c < 0x7f; })) {
    return false;
  }
  // The authority ends at the path, query or fragment; it needs a host
  // (credentials belong to the device's identity, not to the URL).
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return false;
  const std::string_view host = authority.starts_with('[')
                                    ? authority.substr(0, authority.find(']') + 1)
                                    : authority.substr(0, authority.rfind(':'));
  return !host.empty() && host != "[]";
}

std::string_view to_string(TemperatureUnit u) {
  return u == TemperatureUnit::kFahrenheit ? "F" : "C";
}

std::optional<TemperatureUnit> parse_temperature_unit(std::string_view text) {
  if (text == "C") return TemperatureUnit::kCelsius;
  if (text == "F") return TemperatureUnit::kFahrenheit;
  return std::nullopt;
}

std::string_view to_string(WifiType t) {
  switch (t) {
    case WifiType::kB:
      return "b";
    case WifiType::kG:
      return "g";
    case WifiType::kN:
      return "n";
  }
  return "n";
}

std::optional<WifiType> parse_wifi_type(std::string_view text) {
  for (WifiType t : {WifiType::kB, WifiType::kG, WifiType::kN}) {
    if (text == to_string(t)) return t;
  }
  return std::nullopt;
}

namespace {

// Every text setting is UTF-8 without control characters: it is written to
// JSON (webinit, the settings file), and a host name, user name, topic or
// phrase has no use for a NUL, a line feed or an escape.
Status text_problem(std::string_view where, std::string_view text) {
  if (!valid_utf8(text)) return make_error(fmt::format("{}: not valid UTF-8", where));
  if (has_control(text))
    return make_error(fmt::format("{}: control characters are refused", where));
  return ok_status();
}

}  // namespace

Status validate(const MqttSettings& m) {
  const std::pair<std::string_view, const std::string*> texts[] = {
      {"mqtt.host", &m.host},
      {"mqtt.username", &m.username},
      {"mqtt.password", &m.password},
      {"mqtt.prefix", &m.prefix},
      {"mqtt.on_phrase", &m.on_phrase},
      {"mqtt.off_phrase", &m.off_phrase},
      {"mqtt.discovery_prefix", &m.discovery_prefix},
      {"mqtt.ca_file", &m.ca_file},
  };
  for (const auto& [where, text] : texts) {
    if (Status t = text_problem(where, *text); !t) return t;
  }
  // A host name or address: no spaces either (RFC 1123 names, IP literals).
  if (m.host.find(' ') != std::string::npos)
    return make_error("mqtt.host: must not contain spaces");
  if (m.port < 1 || m.port > 65535) return make_error("mqtt.port: must be 1..65535");
  if (m.enabled && m.host.empty())
    return make_error("mqtt.host: a broker is needed when MQTT is on");
  if (m.host.size() > 253) return make_error("mqtt.host: too long");
  if (m.username.size() > 128 || m.password.size() > 128) {
    return make_error("mqtt.username/password: at most 128 characters");
  }
  if (m.interval_s < 1 || m.interval_s > 86400)
    return make_error("mqtt.interval_s: must be 1..86400");
  if (m.layout < 0 || m.layout > 2) {
    return make_error("mqtt.layout: 0 (separate topics), 1 (JSON) or 2 (both)");
  }
  if (m.prefix.size() > 64) return make_error("mqtt.prefix: at most 64 characters");
  if (m.prefix.find_first_of("#+") != std::string::npos ||
      m.prefix.find('\0') != std::string::npos) {
    return make_error("mqtt.prefix: must not contain MQTT wildcards (# +)");
  }
  for (const auto* phrase : {&m.on_phrase, &m.off_phrase}) {
    if (phrase->empty() || phrase->size() > 15) {
      return make_error("mqtt.on_phrase/off_phrase: 1..15 characters");
    }
  }
  if (m.on_phrase == m.off_phrase) return make_error("mqtt.on_phrase/off_phrase: must differ");
  if (m.discovery_prefix.empty() || m.discovery_prefix.find_first_of("#+") != std::string::npos) {
    return make_error("mqtt.discovery_prefix: a topic without wildcards");
  }
  return ok_status();
}

Status validate(const AutomationSettings& a, int phases) {
  // The automation library names the fields as settings.json does (the
  // schedule writes a minute as "time": HH:MM).
  if (Status d = automation::validate_delay(a.delay_s, "automation.delay_s"); !d) return d;
  if (Status c = automation::validate_conditions(a.conditions, phases, "automation.conditions"); !c)
    return c;
  return automation::validate_schedule(a.schedule, {"automation.schedule", "time"});
}

Status validate(const NotifySettings& n) {
  struct Range {
    std::string_view where;
    int value, min, max;
  };
  const Range ranges[] = {
      {"notify.phase_lost_v", n.phase_lost_v, 1, 400},
      {"notify.phase_filter_s", n.phase_filter_s, 1, 3600},
      {"notify.server_unreachable_min", n.server_unreachable_min, 1, 1440},
      {"notify.rate_limit_min", n.rate_limit_min, 0, 1440},
      {"notify.daily_cap", n.daily_cap, 0, 1000},
  };
  for (const Range& r : ranges) {
    if (r.value < r.min || r.value > r.max)
      return make_error(fmt::format("{}: must be {}..{}", r.where, r.min, r.max));
  }
  // The account is written to JSON whether used or not: no control
  // characters even while the notifications are off.
  const notify::SmtpSettings& m = n.smtp;
  const std::pair<std::string_view, const std::string*> texts[] = {
      {"smtp.host", &m.host},     {"smtp.username", &m.username}, {"smtp.password", &m.password},
      {"smtp.sender", &m.sender}, {"smtp.ca_file", &m.ca_file},
  };
  for (const auto& [where, text] : texts) {
    if (Status t = text_problem(where, *text); !t) return t;
  }
  for (std::size_t i = 0; i < m.recipients.size(); ++i) {
    if (Status t = text_problem(fmt::format("smtp.recipients[{}]", i), m.recipients[i]); !t)
      return t;
  }
  if (m.recipients.size() > notify::kMaxRecipients)
    return make_error(fmt::format("smtp.recipients: at most {}", notify::kMaxRecipients));
  if (!n.enabled) return ok_status();
  return notify::validate(m);
}

Status validate(const CalibrationSettings& c) {
  for (std::size_t p = 0; p < c.phases.size(); ++p) {
    if (Status s = metering::validate(c.phases[p], fmt::format("calibration.phase{}", p + 1)); !s)
      return s;
  }
  return ok_status();
}

Status validate(const Settings& s) {
  const std::pair<std::string_view, const std::string*> texts[] = {
      {"pin", &s.pin},
      {"language", &s.language},
      {"timezone", &s.timezone},
      {"server.url", &s.server.url},
      {"output.gpio_chip", &s.output.gpio_chip},
  };
  for (const auto& [where, text] : texts) {
    if (Status t = text_problem(where, *text); !t) return t;
  }
  if (!valid_pin(s.pin)) return make_error("pin: digits only, 1 to 10 of them");
  // The device keeps the manual's codes (ua, cz, ...): its page API and
  // webinit speak them (compat).
  if (std::none_of(languages().begin(), languages().end(),
                   [&](const Language& l) { return l.manual == s.language; })) {
    return make_error("language: one of the manual's languages (en, de, fr, ...)");
  }
  if (s.timezone.size() > 64 || !TimeZone::locate(s.timezone)) {
    return make_error("timezone: an IANA name such as Europe/Berlin");
  }
  if (Status m = validate(s.mqtt); !m) return m;
  if (!s.server.url.empty() && !valid_server_url(s.server.url)) {
    return make_error("server.url: an http:// or https:// URL with a host, or empty");
  }
  if (!s.output.gpio_chip.empty() && s.output.gpio_line < 0) {
    return make_error("output.gpio_line: a line number is needed with output.gpio_chip");
  }
  if (Status a = validate(s.automation); !a) return a;
  if (Status c = validate(s.calibration); !c) return c;
  return validate(s.notify);
}

}  // namespace maic::device
