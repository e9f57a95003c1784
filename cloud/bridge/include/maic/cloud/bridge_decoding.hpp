// The pure part of the server's MQTT bridge (mqtt_bridge.hpp): the bridge
// URL, the topics, the JSON payload of an original smart-MAIC (compat.md §2)
// and BridgeAggregator, which turns one device's messages into minute
// records. No I/O and no clock: every input is handed in, so all of it is
// tested without a broker (docs/mqtt.md, "MQTT bridge").
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "maic/core/clock.hpp"
#include "maic/core/device_id.hpp"
#include "maic/core/energy_counter.hpp"
#include "maic/core/minute_record.hpp"
#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"

namespace maic::cloud {

// The device type the bridge registers its devices with.
inline constexpr std::string_view kBridgeDevtype = "D103-mqtt";
inline constexpr std::string_view kDefaultBridgePrefix = "smart-maic/";
inline constexpr int kDefaultBridgePort = 1883;

struct MqttBridgeOptions {
  std::string host;
  int port = kDefaultBridgePort;
  std::string username;  // empty: no authorisation (the original's blank user)
  std::string password;
  // Topics are `<prefix><ID>/JSON`, as the device's MQTT settings say; may be
  // empty. Any text without the wildcards + and #.
  std::string prefix = std::string(kDefaultBridgePrefix);
  // The PIN (1 to 10 digits) people give to add a bridged device by ID +
  // PIN. Empty: a random one nobody knows, so bridged devices cannot be
  // added (devices already added stay their owner's).
  std::string pin;

  std::chrono::seconds keepalive{30};
  // libmosquitto's reconnect delay: min, min*4, min*9, ... at most max.
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{30};
  // stop() waits this long for the broker to take the DISCONNECT, then cuts
  // the network thread off.
  std::chrono::milliseconds stop_timeout{2000};
  // Devices tracked at once; messages of further IDs are ignored (a
  // misbehaving publisher costs bounded memory and no unbounded rows).
  std::size_t max_devices = 10'000;
};

// Parses `mqtt://[user[:password]@]host[:port][/[prefix]]` into the
// connection fields of MqttBridgeOptions (the rest keep their defaults).
// The path after the first '/' is the prefix as written; without one (also
// `mqtt://host/`) it is kDefaultBridgePrefix, so the empty prefix cannot be
// given in a URL. User, password and prefix may be percent-encoded (%40
// for @). IPv6 hosts go in brackets. Only mqtt: the original speaks no TLS.
Result<MqttBridgeOptions> parse_bridge_url(std::string_view url);

// The options as a URL for logs: the password left out.
std::string describe(const MqttBridgeOptions& options);

// Checks what parse_bridge_url cannot: host, port range, prefix, PIN, limits.
Status validate(const MqttBridgeOptions& options);

// The subscription that covers `<prefix>+/JSON`: that filter when the prefix
// ends a topic level ("" or ".../"), else the prefix's last level is part of
// the ID's ("maic-" gives "+/JSON"), and bridge_device_of() picks the topics.
// Precondition: the prefix has no wildcards.
std::string bridge_subscription(std::string_view prefix);

// The device ID of a `<prefix><ID>/JSON` topic; nullopt for any other topic
// or an ID that is not 10 digits (the store's and the claim's device IDs).
std::optional<DeviceId> bridge_device_of(std::string_view topic, std::string_view prefix);

// A bridged message is refused beyond this size (the original's JSON is
// well under 1 KiB).
inline constexpr std::size_t kMaxBridgePayload = 16 * 1024;

// Parses one message of the original's JSON topic: an object of numbers
// keyed by the quantity catalogue (V1..V3, A1..A3, W1..W3, rW1..rW3,
// Wh1..Wh3, rWh1..rWh3, PF1..PF3, Fr1..Fr3; single-phase: V, A, W, rW, Wh,
// rWh, PF, Fr), plus `Temp` (°C, or °F if the device is set so: the message
// does not say) and `OUT` (0 or 1). Three-phase when any key has a phase
// number, else single-phase; a message with neither is refused. Absent
// quantities are 0; totals and keys the catalogue does not know are ignored
// (the original and maic publish more, e.g. kWh copies). Every known key
// must hold a number in its family's range in the catalogue (FamilyInfo,
// as the uplink's; errors name the key: "W1: a number
// within 0..1e+09 is required"); a negative power factor counts as its
// magnitude.
//
// The result carries the meters (wh, rwh) as published, cumulative; its
// energy deltas are 0 (BridgeAggregator computes them), wall_end is
// `received` and span 0.
Result<Reading> parse_device_json(std::string_view payload, WallTime received);

// One device's messages into minute records, on top of core's
// MinuteAggregator:
//  - a message belongs to the UTC minute of its receipt (minute_of(): a
//    message received exactly on a minute's start closes the minute before,
//    as a device's reading window does);
//  - V, A, PF, Hz and T are the arithmetic means of the minute's messages
//    (each weighs the same: the original publishes at a fixed interval);
//  - wh_delta/rwh_delta are what EnergyCounter (core/energy_counter.hpp)
//    counts of each phase's meters from message to message, with the
//    reported W/rW as the power: never negative, a bad value or a user's
//    new initial value (`initval`, a reset) is not consumption, and a
//    message without a meter leaves it where it was (absent is not 0); the
//    first message of a device counts 0 (nothing to differ from) unless
//    resume_after() gave the meters;
//  - covered is the time from the meters each counted difference starts
//    at to the message that ends it (after resume_after(): from the stored
//    minute's end), and W and rW are mean_power_w() of the minute's
//    energies over it, as everywhere else: not the mean of reported powers,
//    which sampled at an interval miss what happened between the samples;
//  - wh/rwh are the last meters of the minute; OUT is the last state.
// Minutes come out strictly increasing and each once: a message of a minute
// already handed out (the wall clock went back, a restart within a stored
// minute) is not aggregated, and its meters are not taken, so the energy up
// to it is counted by the next message of a new minute.
// Not thread-safe.
class BridgeAggregator {
 public:
  // Continues after the device's newest stored minute: its meters are
  // where the next message's energy is counted from, and messages of that
  // minute or earlier are not aggregated. Call before the first add().
  void resume_after(const MinuteRecord& stored);

  // Adds a message (from parse_device_json); returns the minute it closed.
  std::optional<MinuteRecord> add(Reading r);

  // Returns the open minute if it is over at `now` (the next message could
  // not belong to it).
  std::optional<MinuteRecord> finish_ended(WallTime now);

  // Returns the open minute, if any (at shutdown).
  std::optional<MinuteRecord> flush();

 private:
  std::optional<MinuteRecord> finish();

  MinuteAggregator minutes_;
  std::optional<std::int64_t> open_;                                      // the minute being built
  std::int64_t done_through_ = std::numeric_limits<std::int64_t>::min();  // newest minute out
  int meter_phases_ = 0;                            // phases of the meters below; 0: none yet
  std::array<EnergyCounter, kMaxPhases> imported_;  // the Wh meters
  std::array<EnergyCounter, kMaxPhases> exported_;  // the rWh meters
  WallTime meters_at_{};                            // the previous message
  Duration covered_ = Duration::zero();             // of the open minute
};

}  // namespace maic::cloud
