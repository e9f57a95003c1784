#include "mqtt_topics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

namespace maic::device::mqtt {
namespace {

using Json = nlohmann::ordered_json;  // keys in catalogue order, as a person reads them

// How each family appears on MQTT. The Home Assistant classes are those of
// its sensor platform. Energy meters are "total_increasing" and read the
// lifetime register (`meter`): the user's meter may be set back or forward
// by an initial value (page API "initval", manual §5), which Home
// Assistant would book as a new cycle or as consumed energy.
struct FamilyStyle {
  Family family;
  std::string_view device_class;  // empty: not announced as a sensor (the output)
  std::string_view state_class;
  std::string_view kilo_unit;  // non-empty: also published in kilo-units (manual §8: "kWh")
  bool meter;                  // an energy meter: also its lifetime register, which sensors read
};

constexpr std::array<FamilyStyle, 10> kStyles{{
    {Family::kVoltage, "voltage", "measurement", "", false},
    {Family::kCurrent, "current", "measurement", "", false},
    {Family::kPower, "power", "measurement", "", false},
    {Family::kReversePower, "power", "measurement", "", false},
    {Family::kEnergy, "energy", "total_increasing", "kWh", true},
    {Family::kReverseEnergy, "energy", "total_increasing", "kWh", true},
    {Family::kPowerFactor, "power_factor", "measurement", "", false},
    {Family::kFrequency, "frequency", "measurement", "", false},
    {Family::kTemperature, "temperature", "measurement", "", false},
    {Family::kOutput, "", "", "", false},
}};

// The copies of a meter's key replace its unit stem: the kWh copy "Wh1" ->
// "kWh1", "rWh1" -> "rkWh1", "TWh" -> "TkWh", "rTWh" -> "rTkWh" (the
// manual's table names them by unit); the lifetime register "Wh1" ->
// "LWh1", "rTWh" -> "rTLWh".
constexpr std::string_view kMeterStem = "Wh";
constexpr std::string_view kKiloMeterStem = "kWh";
constexpr std::string_view kLifetimeMeterStem = "LWh";

std::string replace_meter_stem(const Quantity& q, std::string_view stem) {
  std::string key = q.key;
  const std::size_t at = key.find(kMeterStem);
  assert(at != std::string::npos && "a meter's key names its unit");
  key.replace(at, kMeterStem.size(), stem);
  return key;
}

const FamilyStyle& style_of(Family f) {
  for (const FamilyStyle& s : kStyles) {
    if (s.family == f) return s;
  }
  assert(false && "every family has a style");
  return kStyles[0];
}

// Topic names may differ from the catalogue key: Home Assistant reads the
// temperature under "Temp" (compat.md §2), the page API under "T".
std::string mqtt_name(const Quantity& q) { return std::string(mqtt_key_of(q)); }

std::vector<Value> build(int phases) {
  std::vector<Value> out;
  for (const Quantity& q : catalogue(phases)) {
    const FamilyStyle& style = style_of(q.family);
    const int decimals = family_info(q.family).decimals;
    out.push_back({mqtt_name(q), &q, 1.0, decimals, q.unit, true});
    if (!style.kilo_unit.empty()) {
      // Three more digits keep the resolution of the Wh topic.
      out.push_back(
          {replace_meter_stem(q, kKiloMeterStem), &q, 1e-3, decimals + 3, style.kilo_unit, false});
    }
    if (style.meter) out.push_back({lifetime_name(q), &q, 1.0, decimals, q.unit, false, true});
  }
  return out;
}

// The Fahrenheit scale's definition: F = C × 9/5 + 32.
constexpr std::string_view kFahrenheit = "°F";
double fahrenheit(double celsius) { return celsius * 9.0 / 5.0 + 32.0; }

bool in_fahrenheit(const Value& v, TemperatureUnit unit) {
  return unit == TemperatureUnit::kFahrenheit && v.quantity->family == Family::kTemperature;
}

Json number(const Value& v, double x) {
  if (v.decimals == 0) return static_cast<std::int64_t>(x);
  return x;
}

std::string node_id(const Identity& id) { return "maic_" + id.devid; }

std::string config_topic(const MqttSettings& s, const Identity& id, std::string_view component,
                         std::string_view object) {
  return fmt::format("{}/{}/{}/{}/config", s.discovery_prefix, component, node_id(id), object);
}

Json device_block(const Identity& id) {
  return {{"identifiers", Json::array({node_id(id)})},
          {"name", "smart-MAIC " + id.devid},
          {"model", id.devtype},
          {"manufacturer", "maic"}};
}

// The fields every entity of the device shares.
Json entity(const Identity& id, const Topics& t, std::string_view name, std::string_view object) {
  return {{"name", name},
          {"unique_id", fmt::format("{}_{}", node_id(id), object)},
          {"availability_topic", t.status},
          {"payload_available", kOnline},
          {"payload_not_available", kOffline},
          {"device", device_block(id)}};
}

// Where an entity reads its state: its own topic, or its key in the JSON.
void set_state_source(Json& config, const Topics& t, std::string_view name, bool from_json) {
  if (from_json) {
    config["state_topic"] = t.json;
    config["value_template"] = fmt::format("{{{{ value_json.{} }}}}", name);
  } else {
    config["state_topic"] = t.of(name);
  }
}

const Value& output_value(int phases) {
  const Value* v = find_value("OUT", phases);
  assert(v != nullptr && "the catalogue has the output");
  return *v;
}

// The output's two possible entities: the active one first.
struct OutputEntities {
  std::string active_topic;
  Json active;
  std::string inactive_topic;
};

OutputEntities output_entities(const MqttSettings& s, const Identity& id, const Topics& t,
                               int phases) {
  const Value& out = output_value(phases);
  const std::string switch_topic = config_topic(s, id, "switch", "output");
  const std::string sensor_topic = config_topic(s, id, "binary_sensor", "output");
  Json config = entity(id, t, out.quantity->name, "output");
  set_state_source(config, t, out.name, !has_separate(s.layout));
  if (s.control_enabled) {
    config["command_topic"] = t.setout;
    config["payload_on"] = s.on_phrase;
    config["payload_off"] = s.off_phrase;
    config["state_on"] = "1";
    config["state_off"] = "0";
    config["retain"] = true;  // manual §8: control phrases are sent with RETAIN
    return {switch_topic, std::move(config), sensor_topic};
  }
  config["payload_on"] = "1";
  config["payload_off"] = "0";
  return {sensor_topic, std::move(config), switch_topic};
}

}  // namespace

std::string lifetime_name(const Quantity& q) {
  assert(style_of(q.family).meter && "only energy meters have a lifetime register");
  return replace_meter_stem(q, kLifetimeMeterStem);
}

std::span<const Value> values(int phases) { return catalogue_table<Value, build>(phases); }

const Value* find_value(std::string_view name, int phases) {
  const auto all = values(phases);
  const auto found = std::ranges::find(all, name, &Value::name);
  return found == all.end() ? nullptr : &*found;
}

std::string format_number(double v, int decimals) {
  return fmt::format("{:.{}f}", round_to(v, decimals), decimals);
}

double published_value(const Reading& r, const Value& v, TemperatureUnit unit) {
  double x = v.lifetime ? lifetime_value(r, *v.quantity) : value_of(r, *v.quantity);
  // Converted before rounding: 33.45 °C is 92.21 °F, published 92.2.
  if (in_fahrenheit(v, unit)) x = fahrenheit(x);
  return round_to(v.scale * x, v.decimals);
}

std::string_view published_unit(const Value& v, TemperatureUnit unit) {
  return in_fahrenheit(v, unit) ? kFahrenheit : v.unit;
}

Topics::Topics(std::string_view prefix, std::string_view devid)
    : base(fmt::format("{}{}/", prefix, devid)),
      json(base + "JSON"),
      out(base + "OUT"),
      setout(base + "SETOUT"),
      status(base + "status") {}

std::string json_payload(const Reading& r, TemperatureUnit unit) {
  Json j = Json::object();
  for (const Value& v : values(catalogue_phases(r.phases))) {
    j[v.name] = number(v, published_value(r, v, unit));
  }
  return j.dump();
}

std::vector<Message> reading_messages(const Reading& r, const Topics& t, int layout,
                                      TemperatureUnit unit) {
  std::vector<Message> out;
  if (has_separate(layout)) {
    for (const Value& v : values(catalogue_phases(r.phases))) {
      out.push_back({t.of(v.name), format_number(published_value(r, v, unit), v.decimals)});
    }
  }
  if (has_json(layout)) out.push_back({t.json, json_payload(r, unit)});
  return out;
}

std::vector<Message> output_messages(bool on, const Reading* last, const Topics& t, int layout,
                                     TemperatureUnit unit) {
  std::vector<Message> out;
  if (has_separate(layout)) out.push_back({t.out, on ? "1" : "0"});
  if (has_json(layout) && last != nullptr) {
    Reading r = *last;
    r.output_on = on;
    out.push_back({t.json, json_payload(r, unit)});
  }
  return out;
}

Message availability(const Topics& t, bool online) {
  return {t.status, std::string(online ? kOnline : kOffline), true};
}

std::optional<bool> parse_setout(std::string_view payload, const MqttSettings& s) {
  if (payload == s.on_phrase) return true;
  if (payload == s.off_phrase) return false;
  return std::nullopt;
}

std::vector<Message> discovery_messages(const MqttSettings& s, const Identity& id, int phases,
                                        TemperatureUnit unit) {
  const Topics t(s.prefix, id.devid);
  std::vector<Message> out;
  for (const Value& v : values(phases)) {
    const FamilyStyle& style = style_of(v.quantity->family);
    if (!v.primary || style.device_class.empty()) continue;
    // The unique_id stays the meter's ("maic_<devid>_Wh1"): the entity and
    // its history carry on from versions that read the user's meter.
    Json config = entity(id, t, v.quantity->name, v.name);
    const std::string state = style.meter ? lifetime_name(*v.quantity) : v.name;
    set_state_source(config, t, state, has_json(s.layout));
    config["device_class"] = style.device_class;
    config["state_class"] = style.state_class;
    if (const std::string_view u = published_unit(v, unit); !u.empty())
      config["unit_of_measurement"] = u;
    out.push_back({config_topic(s, id, "sensor", v.name), config.dump(), true});
  }
  OutputEntities output = output_entities(s, id, t, phases);
  out.push_back({std::move(output.active_topic), output.active.dump(), true});
  out.push_back({std::move(output.inactive_topic), "", true});
  return out;
}

std::vector<Message> discovery_removals(const MqttSettings& s, const Identity& id, int phases) {
  std::vector<Message> out = discovery_messages(s, id, phases, TemperatureUnit::kCelsius);
  for (Message& m : out) m.payload.clear();
  return out;
}

}  // namespace maic::device::mqtt
