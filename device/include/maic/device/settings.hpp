// The device's settings: identity, access, and every service's options.
//
// Settings are validated once, at the edge (loading the file, an API call);
// inside, services take these typed structs and trust them. They live in one
// JSON file, written atomically (settings_store.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/automation/conditions.hpp"
#include "maic/automation/output_arbiter.hpp"
#include "maic/automation/schedule.hpp"
#include "maic/core/result.hpp"
#include "maic/metering/calibration.hpp"
#include "maic/notify/smtp.hpp"

namespace maic::device {

struct Identity {
  std::string devid;  // 10 digits, generated once
  std::string devtype = "D103";
  std::string secret;  // 64 hex digits, generated once; authenticates to the server
};

// Manual §8 and compat.md §2.
struct MqttSettings {
  bool enabled = false;  // page API "mqtt_on"
  std::string host;      // "serv"
  int port = 1883;       // "port", 1..65535
  std::string username;  // "uname"; blank: no authorisation
  std::string password;  // "pass"
  int interval_s = 10;   // "mqttint": publish interval, 1..86400
  // "separat": 0 separate topics only, 1 the JSON topic only, 2 both.
  int layout = 2;
  std::string prefix = "smart-maic/";  // "prefix": topics are <prefix><devid>/<NAME>
  bool control_enabled = false;        // SETOUT accepted
  std::string on_phrase = "1";         // at most 15 characters
  std::string off_phrase = "0";        // at most 15 characters
  bool discovery = true;               // Home Assistant MQTT discovery
  std::string discovery_prefix = "homeassistant";
  bool tls = false;     // beyond the original: optional TLS
  std::string ca_file;  // TLS: CA certificates; empty: the system's

  friend bool operator==(const MqttSettings&, const MqttSettings&) = default;
};

struct ServerSettings {
  std::string url;  // the data server; empty: no uplink
  friend bool operator==(const ServerSettings&, const ServerSettings&) = default;
};

struct OutputSettings {
  std::string gpio_chip;  // e.g. "gpiochip0"; empty: a state file in the data dir
  int gpio_line = -1;
  bool active_low = false;
  friend bool operator==(const OutputSettings&, const OutputSettings&) = default;
};

// The output's automation (manual §9; docs/automation.md): the conditions,
// the schedule, and "Delay after [sec]". None of either by default: the
// output obeys people only.
struct AutomationSettings {
  std::int64_t delay_s = automation::kMinDelaySeconds;  // 60..86400
  std::vector<automation::Condition> conditions;        // at most 6, checked 1st to 6th
  automation::Schedule schedule;
  friend bool operator==(const AutomationSettings&, const AutomationSettings&) = default;
};

// E-mail notifications (issue 12 §3; docs/automation.md, "Notifications"):
// the SMTP account and which events send a mail. Off by default; the
// account is validated only when they are on. Kept flat, so each is one
// field of the JSON sections "notify" and "smtp".
struct NotifySettings {
  bool enabled = false;
  // The events a user can enable.
  bool on_condition = true;         // a condition's e-mail action
  bool on_output = true;            // the output switched, and by what
  bool on_phase = true;             // a phase lost / restored
  bool on_restart = true;           // the device (daemon) started
  bool on_server = true;            // the data server unreachable / reachable again
  bool on_mqtt = true;              // the MQTT broker lost / restored
  int phase_lost_v = 100;           // a phase is lost below this voltage (V), 1..400
  int phase_filter_s = 10;          // ... for longer than this (s), 1..3600
  int server_unreachable_min = 10;  // the server unreachable this long (min), 1..1440
  int rate_limit_min = 15;          // per event (and condition, phase), 0..1440; 0: none
  int daily_cap = 50;               // mails a local day, 0..1000; 0: no cap
  notify::SmtpSettings smtp;

  friend bool operator==(const NotifySettings&, const NotifySettings&) = default;
};

// The unit of the temperature people see and MQTT's "Temp" (the manual's
// MQTT topic table: the original shows °C or °F). Only a presentation:
// storage, the journal, the uplink, the page API's "T", the JSON API's
// readings and /metrics stay in °C. JSON: "C", "F".
enum class TemperatureUnit { kCelsius, kFahrenheit };

// The manual's "WiFi type": the 802.11 generations the station may use
// ("b", "g", "n"; "n" allows b/g/n). The manual's advice for an unstable
// link: "Try changing the WiFi type to 'G (up to 54Mbs)'". How a radio
// honours it is its own (docs/lifecycle.md, "WiFi type").
enum class WifiType { kB, kG, kN };

// The settings' JSON names of these values, and back (nullopt: not one).
std::string_view to_string(TemperatureUnit u);
std::optional<TemperatureUnit> parse_temperature_unit(std::string_view text);
std::string_view to_string(WifiType t);
std::optional<WifiType> parse_wifi_type(std::string_view text);

// Guided calibration's result (docs/metering.md, "Guided calibration"):
// per phase, the correction on top of the source's own calibration;
// 1/1/0 by default. A factory reset keeps it: it describes this unit's
// hardware, as a meter's factory calibration survives a user's reset.
struct CalibrationSettings {
  metering::Corrections phases{};
  friend bool operator==(const CalibrationSettings&, const CalibrationSettings&) = default;
};

struct Settings {
  static constexpr int kVersion = 1;

  std::string pin = "0000";  // digits only, at most 10
  std::string language = "en";
  bool led = true;
  std::string timezone = "UTC";  // IANA name
  TemperatureUnit temperature_unit = TemperatureUnit::kCelsius;
  WifiType wifi_type = WifiType::kN;
  MqttSettings mqtt;
  ServerSettings server;
  OutputSettings output;
  AutomationSettings automation;
  NotifySettings notify;
  CalibrationSettings calibration;

  friend bool operator==(const Settings&, const Settings&) = default;
};

// A change of settings, made by the edge that parsed it (a JSON patch, the
// page API's query, a command-line option): the settings in force in, the
// new ones out, or why the change is refused. Device::update_settings runs
// it under its lock, so concurrent changes do not lose each other.
using SettingsEdit = std::function<Result<Settings>(Settings current)>;

// Validation, naming the bad field ("mqtt.port must be 1..65535").
Status validate(const Settings& s);
Status validate(const MqttSettings& m);
// The automation for a device of `phases` phases (1..3). Settings alone do
// not know the phases: validate(Settings) checks against three (every
// key exists), and the device checks its own on each change.
Status validate(const AutomationSettings& a, int phases = 3);
// The notifications: the parameters always, the SMTP account
// (notify::validate) when they are on.
Status validate(const NotifySettings& n);
// Gains 0.5..2 and phases ±20° ("calibration.phase2.current_gain: ...").
Status validate(const CalibrationSettings& c);
// http:// or https://, a host (and optionally a port and a path), printable
// ASCII, no user name or password.
bool valid_server_url(std::string_view url);

}  // namespace maic::device
