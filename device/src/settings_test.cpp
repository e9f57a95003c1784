#include "maic/device/settings.hpp"

#include <gtest/gtest.h>

#include "maic/device/settings_json.hpp"

namespace maic::device {
namespace {

using nlohmann::json;

TEST(Settings, DefaultsAreValid) { EXPECT_TRUE(validate(Settings{}).ok()); }

TEST(Settings, RoundTripsThroughJson) {
  Settings s;
  s.pin = "4321";
  s.mqtt.enabled = true;
  s.mqtt.host = "broker.lan";
  s.mqtt.port = 1884;
  s.mqtt.on_phrase = "ON";
  s.output.gpio_chip = "gpiochip0";
  s.output.gpio_line = 17;
  s.timezone = "Asia/Kathmandu";
  auto back = apply_json(Settings{}, to_json(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(Settings, ServerUrlsNeedASchemeAndAHost) {
  for (const char* url :
       {"http://localhost:8081", "https://data.example.com/", "https://data.example.com/maic",
        "http://10.0.0.7", "http://[::1]:8081"}) {
    EXPECT_TRUE(valid_server_url(url)) << url;
    EXPECT_TRUE(apply_json(Settings{}, json{{"server", {{"url", url}}}}).ok()) << url;
  }
  EXPECT_TRUE(apply_json(Settings{}, json{{"server", {{"url", ""}}}}).ok()) << "disables";
  for (const char* url : {"data.example.com", "http:/x", "http://", "https://?a", "http://[]:80"}) {
    EXPECT_FALSE(valid_server_url(url)) << url;
  }
}

TEST(Settings, APatchChangesOnlyWhatItNames) {
  Settings base;
  base.mqtt.host = "a";
  auto s = apply_json(base, json{{"mqtt", {{"port", 2000}}}, {"led", false}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->mqtt.port, 2000);
  EXPECT_EQ(s->mqtt.host, "a");
  EXPECT_FALSE(s->led);
}

TEST(Settings, BadInputNamesTheFieldAndChangesNothing) {
  struct Bad {
    json patch;
    std::string says;
  };
  const Bad cases[] = {
      {json{{"pin", "12a4"}}, "pin"},
      {json{{"pin", "12345678901"}}, "pin"},
      {json{{"pin", 1234}}, "pin: must be a string"},
      {json{{"mqtt", {{"port", 70000}}}}, "mqtt.port"},
      {json{{"mqtt", {{"port", "1883"}}}}, "mqtt.port: must be an integer"},
      {json{{"mqtt", {{"layout", 3}}}}, "mqtt.layout"},
      {json{{"mqtt", {{"on_phrase", "0123456789abcdef"}}}}, "on_phrase"},
      {json{{"mqtt", {{"prefix", "a/#"}}}}, "mqtt.prefix"},
      {json{{"mqtt", {{"enabled", true}}}}, "mqtt.host"},
      {json{{"mqtt", {{"colour", 1}}}}, "mqtt.colour: no such setting"},
      {json{{"mqtt", 5}}, "mqtt: an object"},
      {json{{"nope", 1}}, "nope: no such setting"},
      {json{{"timezone", "../etc/passwd"}}, "timezone"},
      {json{{"timezone", "Mars/Olympus_Mons"}}, "timezone"},
      {json{{"server", {{"url", "ftp://x"}}}}, "server.url"},
      {json{{"server", {{"url", "http://"}}}}, "server.url"},
      {json{{"server", {{"url", "https:///uplink"}}}}, "server.url"},
      {json{{"server", {{"url", "https://:443"}}}}, "server.url"},
      {json{{"server", {{"url", "https://a b.example"}}}}, "server.url"},
      {json{{"server", {{"url", "https://me:pw@data.example"}}}}, "server.url"},
      {json::array(), "object"},
  };
  const Settings base;
  for (const Bad& b : cases) {
    auto s = apply_json(base, b.patch);
    ASSERT_FALSE(s.ok()) << b.patch.dump();
    EXPECT_NE(s.error().message.find(b.says), std::string::npos)
        << b.patch.dump() << " -> " << s.error().message;
  }
}

TEST(Settings, SecretsCanBeHidden) {
  Settings s;
  s.mqtt.password = "hunter2";
  const json shown = to_json(s, false);
  EXPECT_EQ(shown["mqtt"]["password"], "");
  EXPECT_EQ(shown["pin"], "");
  EXPECT_EQ(to_json(s)["mqtt"]["password"], "hunter2");
}

TEST(Settings, TemperatureUnitIsCelsiusOrFahrenheit) {
  EXPECT_EQ(Settings{}.temperature_unit, TemperatureUnit::kCelsius);
  EXPECT_EQ(to_json(Settings{})["temperature_unit"], "C");
  auto f = apply_json(Settings{}, json{{"temperature_unit", "F"}});
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->temperature_unit, TemperatureUnit::kFahrenheit);
  EXPECT_EQ(to_json(*f)["temperature_unit"], "F");
  auto back = apply_json(Settings{}, to_json(*f));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, *f);
  for (const json& bad : {json("K"), json(1), json(""), json("f"), json(nullptr)}) {
    auto s = apply_json(*f, json{{"temperature_unit", bad}});
    ASSERT_FALSE(s.ok()) << bad.dump();
    EXPECT_EQ(s.error().message, "temperature_unit: \"C\" or \"F\"") << bad.dump();
  }
}

TEST(Settings, WifiTypeIsBGOrN) {
  EXPECT_EQ(Settings{}.wifi_type, WifiType::kN) << "b/g/n all allowed";
  EXPECT_EQ(to_json(Settings{})["wifi_type"], "n");
  for (const auto& [name, type] :
       {std::pair{"b", WifiType::kB}, std::pair{"g", WifiType::kG}, std::pair{"n", WifiType::kN}}) {
    auto s = apply_json(Settings{}, json{{"wifi_type", name}});
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->wifi_type, type);
    EXPECT_EQ(to_json(*s)["wifi_type"], name);
    auto back = apply_json(Settings{}, to_json(*s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, *s);
  }
  for (const json& bad : {json("ac"), json("G"), json(2), json(""), json(true)}) {
    auto s = apply_json(Settings{}, json{{"wifi_type", bad}});
    ASSERT_FALSE(s.ok()) << bad.dump();
    EXPECT_EQ(s.error().message, "wifi_type: \"b\", \"g\" or \"n\"") << bad.dump();
  }
}

// The manual's example (§9) and a schedule, as the JSON API takes them.
const json kAutomation = json::parse(R"({"automation": {
  "delay_s": 120,
  "conditions": [
    {"enabled": true, "operand": "1", "compare": ">", "value": 0, "action": "off"},
    {"enabled": true, "operand": "V", "compare": ">", "value": 260, "action": "off", "filter": 10},
    {"enabled": true, "operand": "V", "phases": "all", "compare": "<", "value": 250, "action": "on"},
    {"enabled": false, "operand": "V2", "compare": ">", "value": 260, "action": "email",
     "hysteresis": 20, "window": {"from": "22:00", "to": "06:00"}}],
  "schedule": {"weekly": [{"day": "mon", "time": "07:30", "on": true}],
               "one_off": [{"date": "2026-12-24", "time": "18:00", "on": false}]}}})");

TEST(Settings, AutomationRoundTripsThroughJson) {
  auto s = apply_json(Settings{}, kAutomation);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const AutomationSettings& a = s->automation;
  EXPECT_EQ(a.delay_s, 120);
  ASSERT_EQ(a.conditions.size(), 4u);
  EXPECT_TRUE(a.conditions[0].operand.is_constant);
  EXPECT_EQ(a.conditions[1].operand.phases, automation::PhaseSelector::kAny);
  EXPECT_EQ(a.conditions[1].filter_s, 10);
  EXPECT_EQ(a.conditions[2].operand.phases, automation::PhaseSelector::kAll);
  EXPECT_EQ(a.conditions[2].action, automation::ConditionAction::kRelayOn);
  EXPECT_EQ(a.conditions[3].operand.phases, automation::PhaseSelector::kL2);
  ASSERT_TRUE(a.conditions[3].window.has_value());
  EXPECT_EQ(a.conditions[3].window->from, 22 * 60);
  EXPECT_EQ(a.conditions[3].window->to, 6 * 60);
  ASSERT_EQ(a.schedule.weekly.size(), 1u);
  EXPECT_EQ(a.schedule.weekly[0].minute, 7 * 60 + 30);
  ASSERT_EQ(a.schedule.one_off.size(), 1u);
  EXPECT_EQ(a.schedule.one_off[0].day, 24);
  // Written and read again: the same settings, and the same JSON.
  auto back = apply_json(Settings{}, to_json(*s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, *s);
  EXPECT_EQ(to_json(*back)["automation"], to_json(*s)["automation"]);
  EXPECT_EQ(to_json(*s)["automation"]["conditions"][2]["phases"], "all");
  EXPECT_FALSE(to_json(*s)["automation"]["conditions"][3].contains("phases")) << "V2 is one phase";
}

TEST(Settings, BadAutomationNamesTheFieldAndChangesNothing) {
  auto base = apply_json(Settings{}, kAutomation);
  ASSERT_TRUE(base.ok());
  const auto cond = [](json c) { return json{{"automation", {{"conditions", json::array({c})}}}}; };
  const json ok = {
      {"enabled", true}, {"operand", "V"}, {"compare", ">"}, {"value", 260}, {"action", "off"}};
  const auto with = [&](const char* key, json value) {
    json c = ok;
    c[key] = std::move(value);
    return cond(c);
  };
  struct Case {
    json patch;
    const char* error;
  };
  const Case cases[] = {
      {with("compare", "="), "automation.conditions[0].compare: must be \">\" or \"<\""},
      {with("operand", "OUT"), "automation.conditions[0].operand:"},
      {with("operand", "X9"), "automation.conditions[0].operand:"},
      {with("action", "toggle"), "automation.conditions[0].action:"},
      {with("value", "260"), "automation.conditions[0].value: must be a number"},
      {with("filter", 1.5), "automation.conditions[0].filter:"},
      {with("filter", 86401), "automation.conditions[0].filter:"},
      {with("hysteresis", 5), "automation.conditions[0].hysteresis:"},
      {with("window", json{{"from", "25:00"}, {"to", "06:00"}}),
       "automation.conditions[0].window.from:"},
      {with("phases", "some"), "automation.conditions[0].phases:"},
      {with("colour", "red"), "automation.conditions[0].colour: no such member"},
      {cond(json{{"operand", "V"}}), "automation.conditions[0].enabled: is required"},
      {json{{"automation", {{"conditions", json::array({ok, ok, ok, ok, ok, ok, ok})}}}},
       "automation.conditions: at most 6"},
      {json{{"automation", {{"delay_s", 59}}}}, "automation.delay_s:"},
      {json{{"automation",
             {{"schedule", {{"weekly", {{{"day", "mon"}, {"time", "7:30"}, {"on", true}}}}}}}}},
       "automation.schedule.weekly[0].time:"},
      {json{{"automation",
             {{"schedule", {{"weekly", {{{"day", "xyz"}, {"time", "07:30"}, {"on", true}}}}}}}}},
       "automation.schedule.weekly[0].day:"},
      {json{{"automation",
             {{"schedule",
               {{"one_off", {{{"date", "2026-02-30"}, {"time", "07:30"}, {"on", true}}}}}}}}},
       "automation.schedule.one_off[0].date:"},
      {json{{"automation",
             {{"schedule",
               {{"weekly",
                 {{{"day", "mon"}, {"time", "07:30"}, {"on", true}},
                  {{"day", "mon"}, {"time", "07:30"}, {"on", false}}}}}}}}},
       "automation.schedule.weekly[1].time:"},
  };
  for (const Case& c : cases) {
    auto r = apply_json(*base, c.patch);
    ASSERT_FALSE(r.ok()) << c.patch.dump();
    EXPECT_TRUE(r.error().message.starts_with(c.error))
        << c.patch.dump() << "\n -> " << r.error().message;
  }
}

// The notifications as the JSON API takes them (docs/automation.md, "Notifications").
const json kNotify = json::parse(R"({
  "notify": {"enabled": true, "on_condition": true, "on_output": false, "on_phase": true,
             "on_restart": false, "on_server": true, "on_mqtt": false, "phase_lost_v": 180,
             "phase_filter_s": 30, "server_unreachable_min": 20, "rate_limit_min": 0,
             "daily_cap": 10},
  "smtp": {"host": "smtp.example.org", "port": 465, "security": "tls", "username": "maic",
           "password": "s3cret", "sender": "maic@example.org",
           "recipients": ["a@example.org", "b@example.org"], "ca_file": "/etc/ca.pem",
           "verify_peer": false}})");

TEST(Settings, NotificationsRoundTripThroughJson) {
  EXPECT_FALSE(Settings{}.notify.enabled) << "off by default";
  EXPECT_EQ(to_json(Settings{})["smtp"]["security"], "starttls");
  auto s = apply_json(Settings{}, kNotify);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const NotifySettings& n = s->notify;
  EXPECT_TRUE(n.enabled);
  EXPECT_FALSE(n.on_output);
  EXPECT_FALSE(n.on_restart);
  EXPECT_TRUE(n.on_server);
  EXPECT_EQ(n.phase_lost_v, 180);
  EXPECT_EQ(n.phase_filter_s, 30);
  EXPECT_EQ(n.server_unreachable_min, 20);
  EXPECT_EQ(n.rate_limit_min, 0);
  EXPECT_EQ(n.daily_cap, 10);
  EXPECT_EQ(n.smtp.host, "smtp.example.org");
  EXPECT_EQ(n.smtp.port, 465);
  EXPECT_EQ(n.smtp.security, notify::SmtpSecurity::kTls);
  EXPECT_EQ(n.smtp.password, "s3cret");
  EXPECT_EQ(n.smtp.recipients, (std::vector<std::string>{"a@example.org", "b@example.org"}));
  EXPECT_FALSE(n.smtp.verify_peer);
  auto back = apply_json(Settings{}, to_json(*s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, *s);
  // The password is a secret, as MQTT's is.
  EXPECT_EQ(to_json(*s, false)["smtp"]["password"], "");
  EXPECT_EQ(to_json(*s)["smtp"]["password"], "s3cret");
  // A patch replaces the recipients whole.
  auto one = apply_json(*s, json{{"smtp", {{"recipients", {"c@example.org"}}}}});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->notify.smtp.recipients, std::vector<std::string>{"c@example.org"});
}

TEST(Settings, BadNotificationsNameTheField) {
  auto base = apply_json(Settings{}, kNotify);
  ASSERT_TRUE(base.ok());
  struct Bad {
    json patch;
    std::string says;
  };
  const Bad cases[] = {
      {json{{"notify", {{"enabled", "yes"}}}}, "notify.enabled: must be true or false"},
      {json{{"notify", {{"phase_lost_v", 0}}}}, "notify.phase_lost_v: must be 1..400"},
      {json{{"notify", {{"phase_filter_s", 3601}}}}, "notify.phase_filter_s: must be 1..3600"},
      {json{{"notify", {{"server_unreachable_min", 0}}}}, "notify.server_unreachable_min"},
      {json{{"notify", {{"rate_limit_min", -1}}}}, "notify.rate_limit_min"},
      {json{{"notify", {{"daily_cap", 1001}}}}, "notify.daily_cap"},
      {json{{"notify", {{"on_sunrise", true}}}}, "notify.on_sunrise: no such setting"},
      {json{{"smtp", {{"security", "ssl"}}}}, "smtp.security"},
      {json{{"smtp", {{"security", 1}}}}, "smtp.security"},
      {json{{"smtp", {{"port", 0}}}}, "smtp.port"},
      {json{{"smtp", {{"host", ""}}}}, "smtp.host"},
      {json{{"smtp", {{"sender", "not an address"}}}}, "smtp.sender"},
      {json{{"smtp", {{"recipients", "a@example.org"}}}}, "smtp.recipients: an array"},
      {json{{"smtp", {{"recipients", json::array()}}}}, "smtp.recipients"},
      {json{{"smtp", {{"recipients", {"a@x.org", "b@x.org", "c@x.org", "d@x.org"}}}}},
       "smtp.recipients: at most 3"},
      {json{{"smtp", {{"recipients", {"a@x.org", 5}}}}}, "smtp.recipients[1]: must be a string"},
      {json{{"smtp", {{"recipients", {"a@x.org", "b"}}}}}, "smtp.recipients[1]"},
      {json{{"smtp", {{"username", "a\nb"}}}}, "smtp.username: control characters"},
  };
  for (const Bad& b : cases) {
    auto s = apply_json(*base, b.patch);
    ASSERT_FALSE(s.ok()) << b.patch.dump();
    EXPECT_NE(s.error().message.find(b.says), std::string::npos)
        << b.patch.dump() << " -> " << s.error().message;
  }
  // The account is checked only while notifications are on.
  auto off = apply_json(Settings{}, json{{"smtp", {{"host", ""}, {"port", 0}}}});
  EXPECT_TRUE(off.ok()) << off.error().message;
  auto on = apply_json(*off, json{{"notify", {{"enabled", true}}}});
  ASSERT_FALSE(on.ok());
  EXPECT_TRUE(on.error().message.starts_with("smtp.")) << on.error().message;
}

// A section of its own: per phase an object, patched field by field.
TEST(Settings, CalibrationRoundTripsAndPatchesByField) {
  Settings s;
  s.calibration.phases[1] = {0.97, 1.06, 2.5};
  auto back = apply_json(Settings{}, to_json(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
  EXPECT_EQ(to_json(Settings{})["calibration"]["phase3"],
            (json{{"voltage_gain", 1.0}, {"current_gain", 1.0}, {"phase_deg", 0.0}}));
  auto one = apply_json(s, json{{"calibration", {{"phase2", {{"phase_deg", -1}}}}}});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->calibration.phases[1], (metering::CalibrationCorrection{0.97, 1.06, -1}));
  const std::pair<json, std::string> bad[] = {
      {json{{"calibration", {{"phase1", {{"voltage_gain", 0.4}}}}}},
       "calibration.phase1.voltage_gain: must be 0.5..2"},
      {json{{"calibration", {{"phase2", {{"phase_deg", 25}}}}}}, "calibration.phase2.phase_deg"},
      {json{{"calibration", {{"phase1", {{"current_gain", "1"}}}}}},
       "calibration.phase1.current_gain: must be a number"},
      {json{{"calibration", {{"phase1", 1}}}}, "calibration.phase1: an object"},
      {json{{"calibration", {{"phase4", json::object()}}}}, "calibration.phase4: no such setting"},
  };
  for (const auto& [patch, says] : bad) {
    auto r = apply_json(Settings{}, patch);
    ASSERT_FALSE(r.ok()) << patch.dump();
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  }
}

TEST(Identity, IsValidated) {
  EXPECT_TRUE(identity_from_json(
                  {{"devid", "1828719372"}, {"devtype", "D103"}, {"secret", std::string(64, 'a')}})
                  .ok());
  EXPECT_FALSE(identity_from_json({{"devid", "18287"}, {"devtype", "D103"}, {"secret", ""}}).ok());
}

}  // namespace
}  // namespace maic::device
