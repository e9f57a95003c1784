// What the device says on MQTT (manual §8, compat.md §2), as pure functions:
// topic names and payloads from a reading and the settings. No I/O here;
// mqtt_service.hpp hands these messages to the broker.
//
// Every value comes from the quantity catalogue (core/quantity.hpp): one
// topic per catalogue quantity, named by its key, plus the manual's kWh
// copies of the energy meters and their lifetime registers ("LWh1"), which
// Home Assistant's energy sensors read. docs/mqtt.md lists the result.
//
// The settings' temperature_unit (settings.hpp) is handed to every function
// whose result carries the temperature: the catalogue's quantity stays
// °C, and only what is published here is converted.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/quantity.hpp"
#include "maic/core/reading.hpp"
#include "maic/device/settings.hpp"

namespace maic::device::mqtt {

// One value the device publishes: a separate topic `<prefix><devid>/<name>`
// and the key `name` in the JSON object.
struct Value {
  std::string name;          // "V1", "kWh1", "Temp", "OUT"
  const Quantity* quantity;  // from catalogue(): lives for the program
  double scale;              // published = scale * catalogue value (1, or 1/1000 for kWh)
  int decimals;              // digits after the point in the text; 0: an integer
  std::string_view unit;     // of the published number: "V", "kWh", "" (PF, OUT); "°C" for
                             // Temp, which published_unit() turns into °F when asked
  bool primary;              // false for the copies: not announced as sensors of their own
  // The meter's lifetime register rather than the user's meter (a copy
  // "LWh1" of "Wh1": monotonic, never set by the user).
  bool lifetime = false;
};

// The published values of a device with `phases` phases (1 or 3), in
// catalogue order, each energy meter followed by its kWh copy and its
// lifetime register. The span lives for the program.
std::span<const Value> values(int phases);

// The name of the lifetime register behind energy meter `q`: "Wh1" ->
// "LWh1", "rWh1" -> "rLWh1", "TWh" -> "TLWh", "rTWh" -> "rTLWh", single-
// phase "Wh" -> "LWh". Precondition: `q` is a meter (kEnergy,
// kReverseEnergy).
std::string lifetime_name(const Quantity& q);

// Finds a value by its name ("Temp", "kWh2"); nullptr when unknown.
const Value* find_value(std::string_view name, int phases = 3);

// The number as the device writes it: plain decimal text with `decimals`
// digits after the point ("231.4", "0.998", "1"), no digit grouping, no
// exponent; NaN and infinities become 0 (a client parses every value).
std::string format_number(double v, int decimals);

// The value of `v` in reading `r`, scaled and rounded as published, the
// temperature in `unit` (F = C × 9/5 + 32, rounded to the same decimals as
// °C). The device hands in Device::published(): its meters as of the last
// save.
double published_value(const Reading& r, const Value& v, TemperatureUnit unit);

// The unit of `v`'s published number: v.unit, but "°F" for the temperature
// in Fahrenheit.
std::string_view published_unit(const Value& v, TemperatureUnit unit);

// The topic layout, the page API's "separat" (compat.md §1): 0 separate
// topics only, 1 the JSON topic only, 2 both.
inline bool has_separate(int layout) { return layout != 1; }
inline bool has_json(int layout) { return layout != 0; }

// The topics of one device: `<prefix><devid>/<NAME>`.
struct Topics {
  Topics(std::string_view prefix, std::string_view devid);

  std::string of(std::string_view name) const { return base + std::string(name); }

  std::string base;    // "smart-maic/1828719372/"
  std::string json;    // base + "JSON": every value in one object
  std::string out;     // base + "OUT": the output state, 0/1
  std::string setout;  // base + "SETOUT": commands to the output (subscribed)
  std::string status;  // base + "status": "online"/"offline", retained (beyond the original)
};

struct Message {
  std::string topic;
  std::string payload;
  bool retain = false;

  friend bool operator==(const Message&, const Message&) = default;
};

// The JSON object of a reading: {"V1":231.4, ..., "Temp":33.5, "OUT":1}.
// Every value a number (compat.md §2: Home Assistant parses them as such).
std::string json_payload(const Reading& r, TemperatureUnit unit);

// The periodic messages of one reading for `layout`: the separate topics (in
// values() order), then the JSON topic. Not retained (as the original).
std::vector<Message> reading_messages(const Reading& r, const Topics& t, int layout,
                                      TemperatureUnit unit);

// The messages of an output change: the OUT topic (layouts 0, 2) and, when a
// reading is known, the JSON topic of that reading with the new state
// (layouts 1, 2), so that a JSON-only subscriber sees the switch at once.
std::vector<Message> output_messages(bool on, const Reading* last, const Topics& t, int layout,
                                     TemperatureUnit unit);

// The availability message (retained): the will carries "offline".
inline constexpr std::string_view kOnline = "online";
inline constexpr std::string_view kOffline = "offline";
Message availability(const Topics& t, bool online);

// A SETOUT payload: true (on_phrase), false (off_phrase), or nullopt for
// anything else. Compared byte for byte: no trimming, no case folding (the
// manual's phrases are exact). If both phrases are equal, "on" wins.
std::optional<bool> parse_setout(std::string_view payload, const MqttSettings& s);

// Home Assistant MQTT discovery (retained configs), for a device with
// `phases` phases:
//  - one sensor per primary value, except OUT:
//    `<discovery_prefix>/sensor/maic_<devid>/<name>/config`; an energy
//    meter's sensor (total_increasing) reads its lifetime register
//    (lifetime_name()), which never decreases, so an initial value set
//    below the meter is not booked as negative energy;
//  - the output: a switch (`.../switch/maic_<devid>/output/config`) when
//    control is enabled, else a binary_sensor; the other of the two gets an
//    empty retained payload, which removes it from Home Assistant.
// Sensors read the JSON topic when the layout has it, else their own topic;
// the output reads OUT when the layout has separate topics, else the JSON.
// The temperature's unit_of_measurement is `unit`'s ("°C", "°F").
std::vector<Message> discovery_messages(const MqttSettings& s, const Identity& id, int phases,
                                        TemperatureUnit unit);

// The same topics with empty retained payloads: removes the device's
// entities from Home Assistant (used when discovery is switched off). The
// topics do not depend on the temperature's unit.
std::vector<Message> discovery_removals(const MqttSettings& s, const Identity& id, int phases);

}  // namespace maic::device::mqtt
