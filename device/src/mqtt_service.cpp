#include "maic/device/mqtt_service.hpp"

#include <fmt/format.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "maic/device/device.hpp"
#include "maic/mqtt/client.hpp"
#include "mqtt_topics.hpp"

namespace maic::device {
namespace {

using mqtt::Message;
namespace broker = maic::mqtt;  // the client; mqtt:: here is mqtt_topics.hpp

// A payload as a log can show it: printable ASCII, the rest escaped, cut short.
std::string printable(std::string_view bytes) {
  constexpr std::size_t kMax = 32;
  std::string out;
  for (const char c : bytes.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  if (bytes.size() > kMax) out += "...";
  return out;
}

// Decrements an in-flight count without going below zero: a reconnect resets
// the count while acknowledgements of the old connection may still arrive.
void release(std::atomic<int>& count) {
  int n = count.load();
  while (n > 0 && !count.compare_exchange_weak(n, n - 1)) {
  }
}

}  // namespace

struct MqttService::Impl {
  // One connection's worth of state: the settings it was made with (never
  // changed: configure() makes a new session) and the client, whose
  // network thread calls back with this session.
  struct Session {
    Session(Impl& o, const MqttSettings& s, TemperatureUnit u, std::string_view devid)
        : owner(o), settings(s), unit(u), topics(s.prefix, devid) {}
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Impl& owner;
    const MqttSettings settings;
    const TemperatureUnit unit;  // of Temp in readings and discovery
    const mqtt::Topics topics;
    // Set before it starts, reset never: the handlers use it while it runs.
    std::unique_ptr<broker::Client> client;

    std::atomic<int> in_flight{0};  // handed to the client, not yet written to the socket

    // Serialises batches of messages (the hello of a connection, a reading,
    // the goodbye) so that none interleaves with another: a hello running
    // late on the network thread must not re-announce entities after the
    // goodbye removed them. Held across Client::publish, which never
    // waits for the network thread.
    std::mutex batch_mutex;
    bool closing = false;  // under batch_mutex: the goodbye is out, nothing follows it
  };

  Impl(Identity i, OutputLink out, Log l, Options o)
      : identity(std::move(i)), output(std::move(out)), log(std::move(l)), options(o) {}

  const Identity identity;
  const OutputLink output;
  const Log log;
  const Options options;

  // Serialises configure() and stop(). Never taken by the network thread, so
  // holding it while joining that thread cannot deadlock.
  std::mutex lifecycle;

  // Guards everything below. Never held across a client call: the
  // network thread holds the library's locks when it calls us.
  mutable std::mutex mutex;
  MqttSettings settings;
  TemperatureUnit unit = TemperatureUnit::kCelsius;
  std::shared_ptr<Session> session;  // null: disabled or stopped
  MqttState state = MqttState::kDisabled;
  std::string last_error;
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;
  std::optional<SteadyTime> last_publish;
  std::optional<SteadyTime> last_due;  // `now` of the last due reading
  bool publish_next = true;            // the next reading is due at once
  std::optional<Reading> last_reading;
  // SETOUT as the device knows it (docs/mqtt.md, "The last command wins"):
  // the payload last applied or published by the device, remembered
  // through output.save, and the payloads this connection published whose
  // echo has not come back yet (oldest first).
  std::optional<std::string> setout;
  std::deque<std::string> own_setouts;

  // Serialises output.save, so the newest `setout` is the one left saved.
  std::mutex save_mutex;

  void say(std::string_view line) const {
    if (log) log(line);
  }

  bool is_current(const Session& s) const {
    std::lock_guard lock(mutex);
    return session.get() == &s;
  }

  // --- publishing (any thread) ---------------------------------------------

  // QoS 0 unless said otherwise: data is fresh again in one interval, and
  // QoS 0 is never held back by libmosquitto's in-flight window.
  bool send(Session& s, const Message& m, int qos = 0, int* mid = nullptr) {
    if (s.in_flight.fetch_add(1) >= options.max_in_flight) {
      release(s.in_flight);
      return false;
    }
    const Result<int> sent = s.client->publish(m.topic, m.payload, qos, m.retain);
    if (!sent) {
      release(s.in_flight);
      return false;
    }
    if (mid != nullptr) *mid = *sent;
    return true;
  }

  // Sends `messages` in order, as one batch, and counts them. Returns how
  // many went out (to the connection: QoS 0 has no acknowledgement).
  std::size_t send_all(Session& s, const std::vector<Message>& messages) {
    std::size_t sent = 0;
    {
      std::lock_guard batch(s.batch_mutex);
      if (s.client->connected() && !s.closing) {
        for (const Message& m : messages) sent += send(s, m) ? 1 : 0;
      }
    }
    count(sent, messages.size() - sent);
    return sent;
  }

  void count(std::size_t sent, std::size_t lost) {
    std::lock_guard lock(mutex);
    published += sent;
    dropped += lost;
  }

  // --- callbacks (the network thread) --------------------------------------

  void handle_connect(Session& s, int rc) {
    const std::string where = fmt::format("{}:{}", s.settings.host, s.settings.port);
    if (rc != 0) {
      failed(s, fmt::format("connection to {} refused: {}", where, broker::connack_string(rc)));
      return;
    }
    // Packets of an earlier connection were discarded without a callback.
    s.in_flight = 0;
    // The client is connected before the state says so: a reading published
    // on "connected" finds the session connected. A session being shut down
    // still gets its goodbye.
    {
      std::lock_guard lock(mutex);
      if (session.get() != &s) return;
      state = MqttState::kConnected;
      publish_next = true;  // subscribers get fresh data without waiting an interval
      own_setouts.clear();  // the echoes of an earlier connection are lost
    }
    say(fmt::format("mqtt: connected to {}", where));
    if (s.settings.control_enabled) {
      // QoS 1: a retained command (manual §8) reaches us reliably.
      if (Status sub = s.client->subscribe(s.topics.setout, 1); !sub) {
        say(fmt::format("mqtt: cannot subscribe to {}: {}", s.topics.setout, sub.error().message));
      }
    }
    std::vector<Message> hello{mqtt::availability(s.topics, true)};
    if (s.settings.discovery) {
      std::vector<Message> discovery =
          mqtt::discovery_messages(s.settings, identity, options.phases, s.unit);
      hello.insert(hello.end(), discovery.begin(), discovery.end());
    }
    send_all(s, hello);
  }

  void handle_disconnect(Session& s, int rc, bool was_connected) {
    if (rc == 0) return;  // we asked for it (shut_down)
    const std::string why = broker::error_string(rc);
    if (was_connected) {
      failed(s, "connection lost: " + why);
    } else {
      // A refused CONNACK is followed by the broker closing the socket: the
      // refusal, already recorded, says more.
      failed(s,
             fmt::format("connection to {}:{} failed: {}", s.settings.host, s.settings.port, why),
             /*keep_earlier=*/true);
    }
  }

  // A failed attempt or a lost connection.
  void failed(Session& s, std::string message, bool keep_earlier = false) {
    {
      std::lock_guard lock(mutex);
      if (session.get() != &s) return;
      if (keep_earlier && state == MqttState::kError) return;
      state = MqttState::kError;
      last_error = message;
    }
    say("mqtt: " + message);
  }

  // SETOUT: the newest command wins (docs/mqtt.md). A retained payload
  // is a snapshot of unknown age: it is a command only when it differs from
  // the payload the device last applied or published. A live one is a
  // command, unless it is the echo of the device's own publish.
  void handle_message(Session& s, const broker::IncomingMessage& m) {
    if (!s.settings.control_enabled || s.topics.setout != m.topic || !is_current(s)) return;
    const std::string_view payload = m.payload;
    const std::optional<bool> on = mqtt::parse_setout(payload, s.settings);
    if (!on) {
      say(fmt::format("mqtt: ignored {} payload \"{}\" (expected \"{}\" or \"{}\")",
                      s.topics.setout, printable(payload), printable(s.settings.on_phrase),
                      printable(s.settings.off_phrase)));
      return;
    }
    enum class Seen { kCommand, kOwnEcho, kApplied };
    Seen seen = Seen::kCommand;
    bool settled = true;  // no publish of the device's own is on its way
    {
      std::lock_guard lock(mutex);
      if (session.get() != &s) return;
      if (!m.retain && !own_setouts.empty() && own_setouts.front() == payload) {
        own_setouts.pop_front();
        seen = Seen::kOwnEcho;
      } else if (m.retain && setout == payload) {
        seen = Seen::kApplied;
      } else {
        setout = std::string(payload);
      }
      settled = own_setouts.empty();
    }
    if (seen == Seen::kApplied) {
      say(fmt::format("mqtt: {} \"{}\" (retained) was applied before: not again", s.topics.setout,
                      printable(payload)));
    } else if (seen == Seen::kCommand) {
      say(fmt::format("mqtt: {} asks for the output {}{}", s.topics.setout, *on ? "on" : "off",
                      m.retain ? " (retained)" : ""));
      // Switched first, remembered then: a crash in between applies the
      // command again after the restart, which changes nothing.
      if (output.set) output.set(*on);
      remember();
    }
    // The broker now holds `payload`: it must not contradict the output
    // (switched by other means while the device was away, or a relay that
    // refused the command).
    if (settled && output.is_on) {
      const bool now = output.is_on();
      if (now != *on) publish_setout(s, now, /*always=*/true);
    }
  }

  // Publishes the phrase of `on` to SETOUT, retained (QoS 1), unless it is
  // what the device last applied or published there (`always`: even so).
  void publish_setout(Session& s, bool on, bool always) {
    const std::string phrase = on ? s.settings.on_phrase : s.settings.off_phrase;
    bool sent = false;
    {
      std::lock_guard batch(s.batch_mutex);
      if (!s.client->connected() || s.closing) return;
      {
        std::lock_guard lock(mutex);
        if (session.get() != &s || (!always && setout == phrase)) return;
        // Before the publish: its echo may come back before send() returns.
        own_setouts.push_back(phrase);
      }
      sent = send(s, Message{s.topics.setout, phrase, /*retain=*/true}, /*qos=*/1);
      std::lock_guard lock(mutex);
      if (sent) {
        setout = phrase;
      } else if (!own_setouts.empty() && own_setouts.back() == phrase) {
        own_setouts.pop_back();
      }
    }
    count(sent ? 1 : 0, sent ? 0 : 1);
    if (sent) {
      say(fmt::format("mqtt: {} set to \"{}\" (the output is {})", s.topics.setout,
                      printable(phrase), on ? "on" : "off"));
      remember();
    }
  }

  // Saves the newest `setout`; saves never overtake each other.
  void remember() {
    if (!output.save) return;
    std::lock_guard saving(save_mutex);
    std::optional<std::string> now;
    {
      std::lock_guard lock(mutex);
      now = setout;
    }
    if (!now) return;
    if (Status saved = output.save(*now); !saved) {
      say("mqtt: cannot remember the SETOUT payload: " + saved.error().message);
    }
  }

  // --- lifecycle (under `lifecycle`) ---------------------------------------

  // Makes the session current and connects in the background. A client
  // that cannot be made (an unreadable CA file, bad TLS settings) is a
  // permanent error: no retries, the service is failed until reconfigured.
  Status start(const MqttSettings& s, TemperatureUnit u) {
    auto fresh = std::make_shared<Session>(*this, s, u, identity.devid);
    if (Status made = make_client(*fresh); !made) {
      {
        std::lock_guard lock(mutex);
        state = MqttState::kFailed;
        last_error = made.error().message;
      }
      say("mqtt: " + made.error().message);  // a permanent error: no retries
      return made;
    }
    {
      std::lock_guard lock(mutex);
      session = fresh;
    }
    // A first connect that fails at once is reported (handle_disconnect)
    // and retried by the network thread.
    if (Status started = fresh->client->start(); !started) {
      failed(*fresh, started.error().message);
      return started;
    }
    return ok_status();
  }

  Status make_client(Session& s) {
    const MqttSettings& m = s.settings;
    broker::ClientOptions o;
    o.client_id = "maic_" + identity.devid;
    o.host = m.host;
    o.port = m.port;
    // Manual §8: blank user name and password, no authorisation.
    o.username = m.username;
    o.password = m.password;
    o.will = broker::Will{s.topics.status, std::string(mqtt::kOffline), /*qos=*/1,
                          /*retain=*/true};
    o.tls = m.tls;
    o.ca_file = m.ca_file;
    o.timing = {options.keepalive, options.reconnect_min, options.reconnect_max};
    broker::ClientHandlers h;
    Session* self = &s;
    h.on_connect = [this, self](int rc) { handle_connect(*self, rc); };
    h.on_disconnect = [this, self](int rc, bool was_connected) {
      handle_disconnect(*self, rc, was_connected);
    };
    h.on_message = [this, self](const broker::IncomingMessage& msg) { handle_message(*self, msg); };
    // QoS 0: the message was written to the socket; QoS 1: the broker acknowledged it.
    h.on_publish = [self](int) { release(self->in_flight); };
    // libmosquitto reports some failures only in its log: a certificate
    // that does not verify ends the connection attempt without a
    // disconnect callback when the handshake completes on the network thread.
    h.on_library_error = [this, self](std::string_view text) {
      failed(*self, fmt::format("libmosquitto: {}", text));
    };
    auto made = broker::Client::create(std::move(o), std::move(h));
    if (!made) return made.error();
    s.client = std::move(made).value();
    return ok_status();
  }

  // Says goodbye on a session that is no longer current and joins its
  // network thread, all within options.stop_timeout: `farewell`, then
  // "offline" (the will is not sent on a clean disconnect), then DISCONNECT.
  //
  // "offline" goes with QoS 1 and we wait for its PUBACK: a broker handles
  // one connection's packets in order, so the acknowledgement means all of
  // the goodbye was handled. Without it, the next session (same client id)
  // could reach the broker first and take over the old connection with its
  // goodbye still unread.
  void shut_down(Session& s, const std::vector<Message>& farewell) {
    const auto deadline = std::chrono::steady_clock::now() + options.stop_timeout;
    std::optional<int> goodbye;
    {
      std::lock_guard batch(s.batch_mutex);
      s.closing = true;
      if (s.client->connected()) {
        std::size_t sent = 0;
        for (const Message& m : farewell) sent += send(s, m) ? 1 : 0;
        s.client->track_acks();
        int mid = 0;
        if (send(s, mqtt::availability(s.topics, false), /*qos=*/1, &mid)) {
          goodbye = mid;
          ++sent;
        }
        count(sent, farewell.size() + 1 - sent);
      }
    }
    if (goodbye) s.client->wait_acked(*goodbye, deadline);
    // Without a goodbye (not connected) nothing waits: the client is cut off.
    if (s.client->stop(deadline, /*clean=*/goodbye.has_value())) say("mqtt: disconnected");
  }
};

MqttService::MqttService(Identity identity, const MqttSettings& settings, OutputLink output,
                         Log log, Options options)
    : impl_(
          std::make_unique<Impl>(std::move(identity), std::move(output), std::move(log), options)) {
  if (impl_->output.load) {
    auto loaded = impl_->output.load();
    if (loaded) {
      impl_->setout = std::move(loaded).value();
    } else {
      impl_->say("mqtt: cannot read the last SETOUT payload: " + loaded.error().message);
    }
  }
  configure(settings);
}

MqttService::~MqttService() { stop(); }

void MqttService::configure(const MqttSettings& settings, TemperatureUnit unit) {
  (void)apply(settings, unit);
}

Status MqttService::apply(const MqttSettings& settings, TemperatureUnit unit) {
  std::lock_guard life(impl_->lifecycle);
  std::shared_ptr<Impl::Session> old;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->session != nullptr && impl_->settings == settings && impl_->unit == unit)
      return ok_status();
    old = std::move(impl_->session);
    impl_->settings = settings;
    impl_->unit = unit;
    impl_->state = settings.enabled ? MqttState::kConnecting : MqttState::kDisabled;
    impl_->last_error.clear();
    impl_->publish_next = true;
    impl_->last_due.reset();
  }
  if (old != nullptr) {
    // Switching discovery off (or moving it) removes the entities; turning
    // MQTT off leaves them, shown unavailable, as a device that is away.
    const MqttSettings& was = old->settings;
    const bool remove = was.discovery && settings.enabled &&
                        (!settings.discovery || settings.discovery_prefix != was.discovery_prefix);
    impl_->shut_down(*old,
                     remove ? mqtt::discovery_removals(was, impl_->identity, impl_->options.phases)
                            : std::vector<Message>{});
  }
  return settings.enabled ? impl_->start(settings, unit) : ok_status();
}

Status MqttService::start(const Settings& settings) {
  return apply(settings.mqtt, settings.temperature_unit);
}

Status MqttService::reconfigure(const Settings& settings) {
  return apply(settings.mqtt, settings.temperature_unit);
}

Status MqttService::restart(const Settings& settings) {
  stop();
  return apply(settings.mqtt, settings.temperature_unit);
}

ServiceStatus MqttService::report() const {
  const MqttStatus s = status();
  return {s.state, s.last_error, s.published};
}

void MqttService::on_reading(const Reading& r, SteadyTime now) {
  std::shared_ptr<Impl::Session> s;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->session == nullptr) return;
    impl_->last_reading = r;
    const Duration interval = std::chrono::seconds(impl_->settings.interval_s);
    const bool due = impl_->publish_next || !impl_->last_due || now - *impl_->last_due >= interval;
    if (!due) return;
    impl_->publish_next = false;
    impl_->last_due = now;
    s = impl_->session;
  }
  // The payloads are built outside the lock: the session's settings never change.
  const std::vector<Message> messages =
      mqtt::reading_messages(r, s->topics, s->settings.layout, s->unit);
  if (impl_->send_all(*s, messages) > 0) {
    std::lock_guard lock(impl_->mutex);
    impl_->last_publish = now;
  }
}

void MqttService::on_output(const OutputChange& change) {
  const bool on = change.on;
  std::shared_ptr<Impl::Session> s;
  std::optional<Reading> last;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->session == nullptr) return;
    if (impl_->last_reading) impl_->last_reading->output_on = on;
    last = impl_->last_reading;
    s = impl_->session;
  }
  impl_->send_all(*s, mqtt::output_messages(on, last ? &*last : nullptr, s->topics,
                                            s->settings.layout, s->unit));
  if (s->settings.control_enabled) impl_->publish_setout(*s, on, /*always=*/false);
}

MqttStatus MqttService::status() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->state, impl_->last_error, impl_->published, impl_->dropped, impl_->last_publish};
}

void MqttService::stop() {
  std::lock_guard life(impl_->lifecycle);
  std::shared_ptr<Impl::Session> old;
  {
    std::lock_guard lock(impl_->mutex);
    old = std::move(impl_->session);
    impl_->state = MqttState::kDisabled;
  }
  if (old != nullptr) impl_->shut_down(*old, {});
}

MqttService::OutputLink device_output_link(Device& device) {
  MqttService::OutputLink link;
  link.set = [&device](bool on) { (void)device.set_output({on, OutputCause::kMqtt}); };
  link.is_on = [&device] { return device.output_on(); };
  link.load = [&device] { return device.read_state_file(MqttService::kSetoutFile); };
  link.save = [&device](std::string_view payload) {
    return device.write_state_file(MqttService::kSetoutFile, payload);
  };
  return link;
}

}  // namespace maic::device
