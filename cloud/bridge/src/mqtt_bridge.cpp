#include "maic/cloud/mqtt_bridge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "maic/core/device_secrets.hpp"
#include "maic/core/upload_codec.hpp"
#include "maic/mqtt/client.hpp"

namespace maic::cloud {
namespace {

// 64 hex digits nobody knows: 256 bits from the OS.
std::string random_hex64() { return new_pin_salt() + new_pin_salt(); }

}  // namespace

struct MqttBridge::Impl {
  struct Device {
    enum class State { kNew, kBridged, kRefused };
    State state = State::kNew;
    bool aggregating = false;  // a message was added: too late to resume_after()
    BridgeAggregator minutes;
    std::vector<UploadRecord> pending;  // completed, not yet stored
  };

  Impl(Store& s, const Clock& c, MqttBridgeOptions o, Log l, Handled h)
      : store(s),
        clock(c),
        options(std::move(o)),
        log(std::move(l)),
        handled(std::move(h)),
        subscription(bridge_subscription(options.prefix)),
        where(fmt::format("{}:{}", options.host, options.port)) {}

  Store& store;
  const Clock& clock;
  const MqttBridgeOptions options;
  const Log log;
  const Handled handled;
  const std::string subscription;
  const std::string where;

  // Serialises start() and stop(). Never taken by the network thread, so
  // holding it while joining that thread cannot deadlock.
  std::mutex lifecycle;
  std::unique_ptr<mqtt::Client> client;  // under lifecycle; the handlers use it while it runs

  // The devices: taken by the network thread for a whole message, held
  // across store calls so that a device's minutes reach the store in order.
  // Taken before `mutex`, never after it.
  std::mutex data_mutex;
  std::map<std::string, Device, std::less<>> devices;
  std::int64_t swept_minute = std::numeric_limits<std::int64_t>::min();

  // The status. Never held across a libmosquitto call, a store call or a
  // callback of the caller's.
  mutable std::mutex mutex;
  MqttBridgeStatus counters;

  void say(std::string_view line) const {
    if (log) log(line);
  }

  template <typename F>
  void update(F f) {
    std::lock_guard lock(mutex);
    f(counters);
  }

  // A failure worth a log line and status().last_error (a store's too).
  void error(std::string message) {
    update([&](MqttBridgeStatus& s) { s.last_error = message; });
    say("mqtt bridge: " + message);
  }

  // A failed connection attempt or a lost connection: retried by the loop.
  void failed(std::string message) {
    update([](MqttBridgeStatus& s) { s.connected = false; });
    error(std::move(message));
  }

  // Refused and ignored messages are counted; the first few of each kind
  // and then every 1000th are logged, so a misbehaving publisher cannot
  // flood the log.
  void malformed(std::string_view what) {
    count_and_say(&MqttBridgeStatus::malformed, "malformed", what);
  }
  void ignore(std::string_view what) { count_and_say(&MqttBridgeStatus::ignored, "ignored", what); }
  void count_and_say(std::uint64_t MqttBridgeStatus::*counter, std::string_view kind,
                     std::string_view what) {
    std::uint64_t n = 0;
    update([&](MqttBridgeStatus& s) { n = ++(s.*counter); });
    if (n <= 10 || n % 1000 == 0) {
      say(fmt::format("mqtt bridge: ignored a message ({} {} so far): {}", n, kind, what));
    }
  }

  // --- callbacks (the network thread) --------------------------------------

  void handle_connect(int rc) {
    if (rc != 0) {
      failed(fmt::format("connection to {} refused: {}", where, mqtt::connack_string(rc)));
      return;
    }
    // QoS 1 at most: the original publishes with QoS 0 anyway.
    if (Status sub = client->subscribe(subscription, 1); !sub) {
      failed(fmt::format("cannot subscribe to {}: {}", subscription, sub.error().message));
    }
  }

  void handle_subscribe() {
    update([](MqttBridgeStatus& s) { s.connected = true; });
    say(fmt::format("mqtt bridge: connected to {}, subscribed to {}", where, subscription));
  }

  void handle_disconnect(int rc, bool was_connected) {
    update([](MqttBridgeStatus& s) { s.connected = false; });
    if (rc == 0) return;  // we asked for it (stop)
    failed(was_connected
               ? fmt::format("connection to {} lost: {}", where, mqtt::error_string(rc))
               : fmt::format("connection to {} failed: {}", where, mqtt::error_string(rc)));
  }

  void handle_message(const mqtt::IncomingMessage& m) {
    const WallTime received = clock.wall_now();
    const std::string_view topic = m.topic;
    const std::string_view payload = m.payload;
    update([](MqttBridgeStatus& s) { ++s.messages; });
    handle(topic, payload, m.retain, received);
    if (handled) handled(topic);
  }

  void handle(std::string_view topic, std::string_view payload, bool retain, WallTime received) {
    // A retained message is a snapshot of unknown age: stamping it with the
    // time of receipt would put it in the wrong minute.
    if (retain) {
      ignore(fmt::format("{}: retained (a snapshot of unknown age)", topic));
      return;
    }
    const std::optional<DeviceId> id = bridge_device_of(topic, options.prefix);
    if (!id) {
      // The subscription also covers topics of a prefix with an unfinished
      // level ("maic-" covers "other/JSON"): not ours, not malformed.
      if (topic.starts_with(options.prefix)) {
        malformed(fmt::format("{}: the device ID must be 10 digits", topic));
      } else {
        update([](MqttBridgeStatus& s) { ++s.ignored; });
      }
      return;
    }
    Result<Reading> reading = parse_device_json(payload, received);
    if (!reading) {
      malformed(fmt::format("{}: {}", topic, reading.error().message));
      return;
    }
    std::lock_guard data(data_mutex);
    auto it = devices.find(id->str());
    if (it == devices.end()) {
      if (devices.size() >= options.max_devices) {
        ignore(fmt::format("{}: {} devices are bridged already", topic, options.max_devices));
        return;
      }
      it = devices.emplace(id->str(), Device{}).first;
    }
    Device& d = it->second;
    if (d.state == Device::State::kNew) enroll(id->str(), d, *reading, received);
    if (d.state == Device::State::kRefused) {
      update([](MqttBridgeStatus& s) { ++s.ignored; });
      return;
    }
    d.aggregating = true;
    if (std::optional<MinuteRecord> m = d.minutes.add(std::move(*reading))) {
      complete(d, *m);
      store_pending(id->str(), d, received);
    }
    sweep(received);
  }

  // --- devices and minutes (under data_mutex) ------------------------------

  // Registers the device on its first message: in the store, unless its ID
  // belongs to a device of the HTTP uplink. A store failure leaves it new
  // (tried again with the next message); its minutes wait meanwhile.
  void enroll(const std::string& id, Device& d, const Reading& first, WallTime received) {
    auto row = store.device(id);
    if (!row) {
      error(fmt::format("device {}: {}", id, row.error().message));
      return;
    }
    if (*row && (*row)->identity.devtype != kBridgeDevtype) {
      d.state = Device::State::kRefused;
      say(
          fmt::format("mqtt bridge: device {} is a {} of the HTTP uplink; its MQTT messages are "
                      "ignored",
                      id, (*row)->identity.devtype));
      return;
    }
    DeviceIdentity identity;
    identity.devid = id;
    identity.devtype = std::string(kBridgeDevtype);
    identity.phases = first.phases;
    // The hash of a secret nobody holds: the device never authenticates. A
    // device enrolled before keeps its hash (the store updates a row only
    // for the same one).
    identity.secret_hash = *row ? (*row)->identity.secret_hash : secret_hash(random_hex64());
    identity.pin_salt = new_pin_salt();
    if (options.pin.empty()) {
      // A digest of no PIN at all: nothing a person types matches it.
      identity.pin_hash = random_hex64();
    } else {
      auto digest = pin_digest(identity.pin_salt, options.pin);
      if (!digest) {
        error(fmt::format("device {}: {}", id, digest.error().message));
        return;
      }
      identity.pin_hash = std::move(*digest);
    }
    auto hello = store.upsert_device(identity, unix_seconds(received));
    if (!hello) {
      error(fmt::format("device {}: {}", id, hello.error().message));
      return;
    }
    if (*hello == HelloOutcome::kWrongSecret) {
      // An HTTP device's first contact came between the look-up and now.
      error(fmt::format("device {}: another device took this ID meanwhile", id));
      return;
    }
    // Continue the device's stored meters: no energy is lost across a
    // restart of the bridge, and a stored minute is not sent again.
    if (*row && (*row)->newest_minute >= 0 && !d.aggregating) {
      const std::int64_t newest = (*row)->newest_minute;
      auto last = store.minutes(id, newest, newest, 1);
      if (last && !last->empty()) d.minutes.resume_after(last->front());
    }
    d.state = Device::State::kBridged;
    update([](MqttBridgeStatus& s) { ++s.devices; });
    say(fmt::format("mqtt bridge: bridging device {} ({}, {} phase{}){}", id,
                    *row ? "known" : "new", first.phases, first.phases == 1 ? "" : "s",
                    options.pin.empty() ? "" : "; it may be added with the configured PIN"));
  }

  void complete(Device& d, const MinuteRecord& m) {
    // seq: the minute number; unix minutes fit 32 bits for 8,000 years.
    d.pending.push_back({static_cast<std::uint32_t>(m.minute / 60), m});
    if (d.pending.size() > kMaxUploadRecords) {
      d.pending.erase(d.pending.begin());
      update([](MqttBridgeStatus& s) { ++s.minutes_dropped; });
    }
  }

  void store_pending(const std::string& id, Device& d, WallTime now) {
    if (d.state != Device::State::kBridged || d.pending.empty()) return;
    auto stored = store.ingest(id, d.pending, unix_seconds(now));
    if (!stored) {
      error(fmt::format("device {}: storing {} minute(s): {}", id, d.pending.size(),
                        stored.error().message));
      return;
    }
    d.pending.clear();
    update([&](MqttBridgeStatus& s) { s.minutes_stored += stored->inserted; });
  }

  // Once per minute of `now`: completes the minutes that are over (of
  // devices that said nothing since) and stores what waits.
  void sweep(WallTime now, bool force = false) {
    const std::int64_t minute = minute_of(now);
    if (!force && minute <= swept_minute) return;
    swept_minute = std::max(swept_minute, minute);
    for (auto& [id, d] : devices) {
      if (std::optional<MinuteRecord> m = d.minutes.finish_ended(now)) complete(d, *m);
      store_pending(id, d, now);
    }
  }

  void flush_all(WallTime now) {
    std::lock_guard data(data_mutex);
    for (auto& [id, d] : devices) {
      if (std::optional<MinuteRecord> m = d.minutes.flush()) complete(d, *m);
      store_pending(id, d, now);
    }
  }

  // --- lifecycle (under `lifecycle`) ---------------------------------------

  Status make_client() {
    mqtt::ClientOptions o;
    // No client id of ours: libmosquitto picks a random one, so two
    // processes bridging the same broker do not take over each other.
    o.host = options.host;
    o.port = options.port;
    o.username = options.username;
    o.password = options.password;
    o.timing = {options.keepalive, options.reconnect_min, options.reconnect_max};
    mqtt::ClientHandlers h;
    h.on_connect = [this](int rc) { handle_connect(rc); };
    h.on_subscribe = [this] { handle_subscribe(); };
    h.on_disconnect = [this](int rc, bool was_connected) { handle_disconnect(rc, was_connected); };
    h.on_message = [this](const mqtt::IncomingMessage& m) { handle_message(m); };
    h.on_library_error = [this](std::string_view text) {
      error(fmt::format("libmosquitto: {}", text));
    };
    auto made = mqtt::Client::create(std::move(o), std::move(h));
    if (!made) return made.error();
    client = std::move(made).value();
    return ok_status();
  }
};

MqttBridge::MqttBridge(Store& store, const Clock& clock, MqttBridgeOptions options, Log log,
                       Handled handled)
    : impl_(std::make_unique<Impl>(store, clock, std::move(options), std::move(log),
                                   std::move(handled))) {}

MqttBridge::~MqttBridge() { stop(); }

Status MqttBridge::start() {
  std::lock_guard life(impl_->lifecycle);
  if (impl_->client != nullptr) return ok_status();
  if (Status s = validate(impl_->options); !s) return s;
  if (Status s = impl_->make_client(); !s) return s;
  impl_->update([](MqttBridgeStatus& s) {
    s.running = true;
    s.last_error.clear();
  });
  impl_->say(fmt::format("mqtt bridge: connecting to {} for {}", describe(impl_->options),
                         impl_->subscription));
  // A first connect that fails at once is reported (failed()) and retried.
  if (Status s = impl_->client->start(); !s) {
    impl_->client.reset();
    impl_->update([](MqttBridgeStatus& c) { c.running = false; });
    return s;
  }
  return ok_status();
}

void MqttBridge::stop() {
  std::lock_guard life(impl_->lifecycle);
  if (impl_->client == nullptr) return;
  // Disconnects and joins the network thread within options.stop_timeout.
  impl_->client->stop(std::chrono::steady_clock::now() + impl_->options.stop_timeout);
  impl_->client.reset();
  impl_->flush_all(impl_->clock.wall_now());
  MqttBridgeStatus s;
  impl_->update([&](MqttBridgeStatus& c) {
    c.running = false;
    c.connected = false;
    s = c;
  });
  impl_->say(fmt::format(
      "mqtt bridge: stopped ({} messages, {} malformed, {} ignored, {} devices, {} minutes stored)",
      s.messages, s.malformed, s.ignored, s.devices, s.minutes_stored));
}

void MqttBridge::store_ended_minutes() {
  std::lock_guard data(impl_->data_mutex);
  impl_->sweep(impl_->clock.wall_now(), /*force=*/true);
}

MqttBridgeStatus MqttBridge::status() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace maic::cloud
