// The server's MQTT bridge: devices that speak only MQTT (the original
// smart-MAIC, compat.md §2) publish `<prefix><ID>/JSON`; the bridge
// subscribes to a broker, builds minute records from those messages and
// stores them as if the device had uploaded them (docs/mqtt.md, "MQTT
// bridge").
//
// Two parts, as everywhere: the pure decoding (bridge_decoding.hpp: the URL,
// the topics, the payload, BridgeAggregator), and here the I/O: MqttBridge,
// an MQTT client (maic::mqtt) that stamps messages with an injected Clock
// and writes to a Store.
//
// What a bridged device is in the store: devtype kBridgeDevtype, a secret
// hash of a secret nobody holds (it never authenticates over HTTP), and the
// PIN the installer configured (MqttBridgeOptions::pin) — without one, a
// random unguessable PIN digest, so nobody can add the device by ID + PIN.
// An ID that belongs to a device of the HTTP uplink is never touched.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "maic/cloud/bridge_decoding.hpp"
#include "maic/cloud/store.hpp"
#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"

namespace maic::cloud {

struct MqttBridgeStatus {
  bool running = false;               // between start() and stop()
  bool connected = false;             // connected and subscribed
  std::uint64_t messages = 0;         // JSON messages received (all below included)
  std::uint64_t malformed = 0;        // refused: a bad topic ID or payload
  std::uint64_t ignored = 0;          // retained, an uplink device's ID, beyond max_devices
  std::uint64_t minutes_stored = 0;   // minute records the store took as new
  std::uint64_t minutes_dropped = 0;  // completed minutes lost to a failing store
  std::size_t devices = 0;            // IDs bridged since the start
  std::string last_error;             // empty: none
};

class MqttBridge {
 public:
  // Lines worth a log (connection, first message of a device, malformed
  // messages, storage failures), without a trailing newline. Called on the
  // network thread or the caller's; must be thread-safe and must not call
  // back into the bridge.
  using Log = std::function<void(std::string_view line)>;
  // Called on the network thread after each message on a subscribed topic
  // was handled (stored, aggregated or refused): for tests and metrics.
  // Same rules as Log.
  using Handled = std::function<void(std::string_view topic)>;

  // `store` and `clock` must outlive the bridge. Nothing happens until start().
  MqttBridge(Store& store, const Clock& clock, MqttBridgeOptions options, Log log = {},
             Handled handled = {});
  // stop()s.
  ~MqttBridge();
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  // Validates the options, then connects in the background, subscribes on
  // every (re)connect and reconnects on its own with backoff. Errors: the
  // options, or libmosquitto refusing to start (not the broker being away:
  // that is retried and shows in status()). Running already: ok.
  // May block for name resolution of the host. Thread-safe, not from the
  // callbacks.
  Status start();

  // Disconnects, joins the network thread (within about stop_timeout), then
  // stores every device's open minute. Idempotent; start() may follow.
  // Thread-safe, not from the callbacks.
  void stop();

  // Stores the minutes that are over at the clock's now. Messages do this
  // for all devices as time passes; a caller may also do it on a timer, so
  // that the minutes of devices that all fell silent are stored.
  // Thread-safe.
  void store_ended_minutes();

  // A snapshot. Thread-safe.
  MqttBridgeStatus status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::cloud
