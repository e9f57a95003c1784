// The device's MQTT service (manual §8, compat.md §2): publishes readings to
// a broker, takes output commands from it, and tells Home Assistant what the
// device is (discovery) and whether it is there (availability).
//
// The I/O edge is the shared MQTT client (maic/mqtt/client.hpp): each
// connection has one network thread of libmosquitto's, which connects,
// reconnects with backoff, writes what the caller queued and runs the
// callbacks below. What to say is decided by the pure functions of
// mqtt_topics.hpp; when to say it by the time the caller hands in. The
// service reads no clock: the only real-time waits are the bounded wait for
// the broker in stop() and libmosquitto's own reconnect delay.
//
// docs/mqtt.md has the topics, payloads and the choices behind them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "maic/core/clock.hpp"
#include "maic/core/reading.hpp"
#include "maic/device/service.hpp"
#include "maic/device/settings.hpp"

namespace maic::device {

class Device;

// kDisabled: MQTT is off (settings) or the service was stopped;
// kConnecting: the first attempt since configure() is under way;
// kConnected: connected, data is published; kError: the last attempt failed
// or the connection was lost (see last_error): the client keeps retrying
// with backoff unless the error is permanent (then start() and
// reconfigure() return it, and the ServiceSet reports the service kFailed).
using MqttState = ServiceState;

// For the status API and /metrics. The counters only grow over the
// service's lifetime (configure() does not reset them).
struct MqttStatus {
  MqttState state = MqttState::kDisabled;
  std::string last_error;       // empty: no error since the last configure()
  std::uint64_t published = 0;  // messages handed to the connection
  std::uint64_t dropped = 0;    // messages not sent: no connection, or too many in flight
  std::optional<SteadyTime> last_publish;  // `now` of the last periodic publish that went out
};

// How the service talks to the network (not user settings: the daemon's and
// the tests' choices).
struct MqttServiceOptions {
  int phases = 3;  // of the device's catalogue: what discovery announces
  std::chrono::seconds keepalive{30};
  // libmosquitto's reconnect delay: min, min*4, min*9, ... (its
  // "exponential" backoff is quadratic), at most max.
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{30};
  // stop() waits this long for the broker to take "offline" and the
  // DISCONNECT, then cuts the network thread off.
  std::chrono::milliseconds stop_timeout{2000};
  // Messages handed to the connection but not yet written to its socket;
  // beyond this, publishes are dropped (a stalled broker costs bounded memory).
  int max_in_flight = 1000;
};

// As a Service (service.hpp), "mqtt": start(), reconfigure() and restart()
// take the settings' mqtt part and their temperature_unit (Temp's unit on
// MQTT and in discovery); restart() always makes a new connection.
class MqttService final : public Service {
 public:
  // Called on the MQTT network thread when a SETOUT command arrives
  // (on = the on phrase). The callee must be thread-safe with respect to the
  // rest of the device, must not block for long (it holds up the network
  // thread), and must not call configure(), stop() or the destructor (they
  // wait for that thread). It may call on_output(). A retained command is
  // delivered again after every (re)connect unless OutputLink remembers it
  // (below): switching must be idempotent.
  using OutputCommand = std::function<void(bool on)>;
  // What SETOUT control needs of the device so that the newest command wins
  // (docs/mqtt.md, "The last command wins"). A member left null is not
  // used. Each may be called on the network thread and on the threads that
  // call on_output(): thread-safe, none may call configure(), stop() or the
  // destructor.
  struct OutputLink {
    OutputCommand set;  // switches the output
    // The output's state now; null: the service does not correct SETOUT
    // when a retained payload contradicts the output.
    std::function<bool()> is_on;
    // The SETOUT payload the device last applied or published, as save()
    // left it; nullopt: none yet. Read once, by the constructor; an error
    // is logged and taken as none.
    std::function<Result<std::optional<std::string>>()> load;
    // Remembers that payload crash-safe (replaced atomically); an error is
    // logged (the service goes on with it in memory).
    std::function<Status(std::string_view payload)> save;
  };
  // Connection events and ignored commands, one line each, without a
  // trailing newline. Called on the network thread or the caller's thread;
  // must be thread-safe and must not call back into the service.
  using Log = std::function<void(std::string_view line)>;

  using Options = MqttServiceOptions;

  // Starts as `settings` say (enabled: connects in the background). The
  // MQTT client id is "maic_<devid>": a second client with the same id takes
  // the connection over (the broker then publishes our will, "offline").
  // Preconditions: validate(settings) passed; identity.devid is not empty.
  // May block for name resolution of settings.host (libmosquitto resolves on
  // the calling thread); never waits for the broker.
  MqttService(Identity identity, const MqttSettings& settings, OutputLink output, Log log = {},
              Options options = {});
  // stop()s; the same limits as stop().
  ~MqttService() override;
  MqttService(const MqttService&) = delete;
  MqttService& operator=(const MqttService&) = delete;

  // Applies new settings: ends the current connection as stop() does and,
  // when enabled, connects anew; unchanged settings of a running service
  // change nothing. If discovery was on and is now off, the old connection
  // first removes the device's entities from Home Assistant. Counters carry
  // over; last_error is cleared. `unit` is the temperature's on MQTT (the
  // settings' temperature_unit): a new unit is a change too, so the new
  // connection announces the Temp sensor in it and its first reading
  // carries it. The constructor publishes °C until configured otherwise.
  // Precondition: validate(settings) passed. Thread-safe, but not from the
  // callbacks, nor while holding a lock the OutputCommand callback takes (it
  // waits for the network thread). Blocks at most about
  // options.stop_timeout plus name resolution.
  void configure(const MqttSettings& settings, TemperatureUnit unit = TemperatureUnit::kCelsius);

  // Publishes `r` when due: the first reading after configure() or after a
  // (re)connect, then whenever interval_s of steady time has passed since
  // the last due reading. A due reading while disconnected is dropped and
  // counted, not queued. `now` is the caller's steady time (normally r.end).
  // Thread-safe; never waits for the network.
  void on_reading(const Reading& r, SteadyTime now) override;

  // Publishes the output state at once (OUT and/or the JSON of the last
  // reading, per layout). With control enabled, also the state's phrase to
  // SETOUT, retained, unless SETOUT already says so (a switch by the page
  // API, the JSON API or the data server then outlives a broker or daemon
  // restart). Dropped when disconnected. Call it when the output really
  // changed, also after an MQTT command. Thread-safe, also from the
  // OutputCommand callback; never waits for the network (with control
  // enabled it may wait for OutputLink::save, a small file write).
  void on_output(const OutputChange& change) override;

  // Thread-safe; a snapshot.
  MqttStatus status() const;

  // When connected, publishes "offline" (retained, QoS 1) and waits for the
  // broker to acknowledge it, then disconnects; joins the network thread.
  // All within about options.stop_timeout (a broker that does not answer
  // gets cut off). Afterwards the state is kDisabled and readings are
  // ignored until configure(). Idempotent. Thread-safe, with the same
  // limits as configure().
  void stop() override;

  // Service: configure() with settings.mqtt; an error is the permanent one
  // (a client that cannot be made, a CA file that cannot be read).
  std::string_view name() const override { return "mqtt"; }
  // device_output_link()'s file in the device's storage: the payload alone.
  static constexpr std::string_view kSetoutFile = "mqtt_setout.state";
  Status start(const Settings& settings) override;
  Status reconfigure(const Settings& settings) override;
  // stop(), then connects anew even with unchanged settings.
  Status restart(const Settings& settings) override;
  ServiceStatus report() const override;

 private:
  Status apply(const MqttSettings& settings, TemperatureUnit unit);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The daemon's OutputLink: switches `device`'s output, reads its state, and
// keeps the last SETOUT payload in the device's state storage
// (MqttService::kSetoutFile, written atomically). `device` must outlive the
// service.
MqttService::OutputLink device_output_link(Device& device);

}  // namespace maic::device
