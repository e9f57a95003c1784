#include "maic/device/mqtt_service.hpp"

#include <fmt/format.h>
#include <mosquitto.h>
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "mqtt_topics.hpp"

namespace maic::device {
namespace {

using mqtt::Message;

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// stop() may cancel the network thread (mosquitto_loop_stop(force)) when it
// hangs in a blocking reconnect or a stalled broker. Our callbacks defer
// that cancellation: they run C++ code with locks and user callbacks, which
// must not be torn through; libmosquitto's own waits are where it lands.
class CancelGuard {
 public:
  CancelGuard() { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_); }
  ~CancelGuard() { pthread_setcancelstate(old_, nullptr); }
  CancelGuard(const CancelGuard&) = delete;
  CancelGuard& operator=(const CancelGuard&) = delete;

 private:
  int old_ = PTHREAD_CANCEL_ENABLE;
};

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

std::string_view to_string(MqttState s) {
  switch (s) {
    case MqttState::kDisabled:
      return "disabled";
    case MqttState::kConnecting:
      return "connecting";
    case MqttState::kConnected:
      return "connected";
    case MqttState::kError:
      return "error";
  }
  return "";
}

struct MqttService::Impl {
  // One connection's worth of state: the settings it was made with (never
  // changed: configure() makes a new session) and libmosquitto's handle, whose
  // network thread calls back with this session as userdata.
  struct Session {
    Session(Impl& o, const MqttSettings& s, std::string_view devid)
        : owner(o), settings(s), topics(s.prefix, devid) {}
    ~Session() {
      // The network thread was joined by shut_down() (or never started).
      if (mosq != nullptr) mosquitto_destroy(mosq);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Impl& owner;
    const MqttSettings settings;
    const mqtt::Topics topics;
    mosquitto* mosq = nullptr;
    bool loop_started = false;  // touched only under Impl::lifecycle

    std::atomic<bool> connected{false};
    std::atomic<int> in_flight{0};  // handed to libmosquitto, not yet written to the socket

    // Serialises batches of messages (the hello of a connection, a reading,
    // the goodbye) so that none interleaves with another: a hello running
    // late on the network thread must not re-announce entities after the
    // goodbye removed them. Held across mosquitto_publish, which never
    // waits for the network thread.
    std::mutex batch_mutex;
    bool closing = false;  // under batch_mutex: the goodbye is out, nothing follows it

    // What shut_down() waits for, bounded: the broker's PUBACK of the
    // goodbye and the end of the connection.
    std::mutex wait_mutex;
    std::condition_variable wait_cv;
    bool track_acks = false;  // record acknowledged message ids in `acked`
    std::set<int> acked;
    bool closed = false;
  };

  Impl(Identity i, OutputCommand c, Log l, Options o)
      : identity(std::move(i)), on_command(std::move(c)), log(std::move(l)), options(o) {}

  const Identity identity;
  const OutputCommand on_command;
  const Log log;
  const Options options;

  // Serialises configure() and stop(). Never taken by the network thread, so
  // holding it while joining that thread cannot deadlock.
  std::mutex lifecycle;

  // Guards everything below. Never held across a libmosquitto call: the
  // network thread holds the library's locks when it calls us.
  mutable std::mutex mutex;
  MqttSettings settings;
  std::shared_ptr<Session> session;  // null: disabled or stopped
  MqttState state = MqttState::kDisabled;
  std::string last_error;
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;
  std::optional<SteadyTime> last_publish;
  std::optional<SteadyTime> last_due;  // `now` of the last due reading
  bool publish_next = true;            // the next reading is due at once
  std::optional<Reading> last_reading;

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
    const int rc =
        mosquitto_publish(s.mosq, mid, m.topic.c_str(), static_cast<int>(m.payload.size()),
                          m.payload.data(), qos, m.retain);
    if (rc != MOSQ_ERR_SUCCESS) {
      release(s.in_flight);
      return false;
    }
    return true;
  }

  // Sends `messages` in order, as one batch, and counts them. Returns how
  // many went out (to the connection: QoS 0 has no acknowledgement).
  std::size_t send_all(Session& s, const std::vector<Message>& messages) {
    std::size_t sent = 0;
    {
      std::lock_guard batch(s.batch_mutex);
      if (s.connected && !s.closing) {
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
    const CancelGuard no_cancel;
    const std::string where = fmt::format("{}:{}", s.settings.host, s.settings.port);
    if (rc != 0) {
      failed(s, fmt::format("connection to {} refused: {}", where, mosquitto_connack_string(rc)));
      return;
    }
    // Packets of an earlier connection were discarded without a callback.
    s.in_flight = 0;
    {
      std::lock_guard wait(s.wait_mutex);
      s.closed = false;
    }
    // Before the state says so: a reading published on "connected" must find
    // the session connected. A session being shut down still gets its goodbye.
    s.connected = true;
    {
      std::lock_guard lock(mutex);
      if (session.get() != &s) return;
      state = MqttState::kConnected;
      publish_next = true;  // subscribers get fresh data without waiting an interval
    }
    say(fmt::format("mqtt: connected to {}", where));
    if (s.settings.control_enabled) {
      // QoS 1: a retained command (manual §8) reaches us reliably.
      const int sub = mosquitto_subscribe(s.mosq, nullptr, s.topics.setout.c_str(), 1);
      if (sub != MOSQ_ERR_SUCCESS) {
        say(fmt::format("mqtt: cannot subscribe to {}: {}", s.topics.setout,
                        mosquitto_strerror(sub)));
      }
    }
    std::vector<Message> hello{mqtt::availability(s.topics, true)};
    if (s.settings.discovery) {
      std::vector<Message> discovery =
          mqtt::discovery_messages(s.settings, identity, options.phases);
      hello.insert(hello.end(), discovery.begin(), discovery.end());
    }
    send_all(s, hello);
  }

  void handle_disconnect(Session& s, int rc) {
    const CancelGuard no_cancel;
    const bool was_connected = s.connected.exchange(false);
    {
      std::lock_guard wait(s.wait_mutex);
      s.closed = true;
    }
    s.wait_cv.notify_all();
    if (rc == MOSQ_ERR_SUCCESS) return;  // we asked for it (shut_down)
    const std::string why = mosquitto_strerror(rc);
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

  // libmosquitto reports some failures only in its log: a certificate that
  // does not verify ends the connection attempt without a disconnect
  // callback when the handshake completes on the network thread.
  void handle_library_log(Session& s, int level, const char* text) {
    const CancelGuard no_cancel;
    if (level == MOSQ_LOG_ERR) failed(s, fmt::format("libmosquitto: {}", text));
  }

  void handle_message(Session& s, const mosquitto_message& m) {
    const CancelGuard no_cancel;
    if (!s.settings.control_enabled || s.topics.setout != m.topic || !is_current(s)) return;
    const std::string_view payload(static_cast<const char*>(m.payload),
                                   static_cast<std::size_t>(m.payloadlen));
    const std::optional<bool> on = mqtt::parse_setout(payload, s.settings);
    if (!on) {
      say(fmt::format("mqtt: ignored {} payload \"{}\" (expected \"{}\" or \"{}\")",
                      s.topics.setout, printable(payload), printable(s.settings.on_phrase),
                      printable(s.settings.off_phrase)));
      return;
    }
    say(fmt::format("mqtt: {} asks for the output {}{}", s.topics.setout, *on ? "on" : "off",
                    m.retain ? " (retained)" : ""));
    if (on_command) on_command(*on);
  }

  // --- lifecycle (under `lifecycle`) ---------------------------------------

  // Makes the session current and connects in the background.
  void start(const MqttSettings& s) {
    init_library();
    auto fresh = std::make_shared<Session>(*this, s, identity.devid);
    if (Status made = make_client(*fresh); !made) {
      {
        std::lock_guard lock(mutex);
        state = MqttState::kError;
        last_error = made.error().message;
      }
      say("mqtt: " + made.error().message);  // a permanent error: no retries
      return;
    }
    {
      std::lock_guard lock(mutex);
      session = fresh;
    }
    // The loop first: if the first connect fails at once (name resolution),
    // the running loop retries it; started after a failure it would not.
    if (const int rc = mosquitto_loop_start(fresh->mosq); rc != MOSQ_ERR_SUCCESS) {
      failed(*fresh, fmt::format("cannot start the network thread: {}", mosquitto_strerror(rc)));
      return;
    }
    fresh->loop_started = true;
    const int rc = mosquitto_connect_async(fresh->mosq, s.host.c_str(), s.port,
                                           static_cast<int>(options.keepalive.count()));
    if (rc != MOSQ_ERR_SUCCESS) {
      failed(*fresh,
             fmt::format("connection to {}:{} failed: {}", s.host, s.port, mosquitto_strerror(rc)),
             /*keep_earlier=*/true);
    }
  }

  Status make_client(Session& s) {
    const MqttSettings& m = s.settings;
    const std::string client_id = "maic_" + identity.devid;
    s.mosq = mosquitto_new(client_id.c_str(), /*clean_session=*/true, &s);
    if (s.mosq == nullptr) return make_error("cannot create the MQTT client");
    auto check = [](int rc, std::string_view what) -> Status {
      if (rc == MOSQ_ERR_SUCCESS) return ok_status();
      return make_error(fmt::format("{}: {}", what, mosquitto_strerror(rc)));
    };
    if (!m.username.empty()) {
      // Manual §8: blank user name and password, no authorisation.
      const char* password = m.password.empty() ? nullptr : m.password.c_str();
      if (Status st =
              check(mosquitto_username_pw_set(s.mosq, m.username.c_str(), password), "user name");
          !st) {
        return st;
      }
    }
    // A reading is a burst of small packets, and stop() waits for a PUBACK:
    // Nagle's algorithm against delayed ACKs would add 40 ms to each, for
    // no gain at a few dozen packets per interval.
    if (Status st = check(mosquitto_int_option(s.mosq, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY");
        !st) {
      return st;
    }
    const std::string offline(mqtt::kOffline);
    if (Status st = check(mosquitto_will_set(s.mosq, s.topics.status.c_str(),
                                             static_cast<int>(offline.size()), offline.data(),
                                             /*qos=*/1, /*retain=*/true),
                          "last will");
        !st) {
      return st;
    }
    if (m.tls) {
      const int rc = m.ca_file.empty() ? mosquitto_int_option(s.mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
                                       : mosquitto_tls_set(s.mosq, m.ca_file.c_str(), nullptr,
                                                           nullptr, nullptr, nullptr);
      if (Status st = check(rc, m.ca_file.empty() ? "TLS with the system's CAs"
                                                  : "TLS with CA file " + m.ca_file);
          !st) {
        return st;
      }
    }
    if (Status st = check(mosquitto_reconnect_delay_set(
                              s.mosq, static_cast<unsigned>(options.reconnect_min.count()),
                              static_cast<unsigned>(options.reconnect_max.count()),
                              /*exponential=*/true),
                          "reconnect delay");
        !st) {
      return st;
    }
    mosquitto_log_callback_set(s.mosq, [](mosquitto*, void* user, int level, const char* text) {
      auto* self = static_cast<Session*>(user);
      self->owner.handle_library_log(*self, level, text);
    });
    mosquitto_connect_callback_set(s.mosq, [](mosquitto*, void* user, int rc) {
      auto* self = static_cast<Session*>(user);
      self->owner.handle_connect(*self, rc);
    });
    mosquitto_disconnect_callback_set(s.mosq, [](mosquitto*, void* user, int rc) {
      auto* self = static_cast<Session*>(user);
      self->owner.handle_disconnect(*self, rc);
    });
    mosquitto_message_callback_set(s.mosq,
                                   [](mosquitto*, void* user, const mosquitto_message* msg) {
                                     auto* self = static_cast<Session*>(user);
                                     self->owner.handle_message(*self, *msg);
                                   });
    // QoS 0: the message was written to the socket; QoS 1: the broker acknowledged it.
    mosquitto_publish_callback_set(s.mosq, [](mosquitto*, void* user, int mid) {
      auto* self = static_cast<Session*>(user);
      release(self->in_flight);
      {
        std::lock_guard wait(self->wait_mutex);
        if (self->track_acks) self->acked.insert(mid);
      }
      self->wait_cv.notify_all();
    });
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
    if (!s.loop_started) return;
    const auto deadline = std::chrono::steady_clock::now() + options.stop_timeout;
    bool clean = false;
    std::optional<int> goodbye;
    {
      std::lock_guard batch(s.batch_mutex);
      s.closing = true;
      if (s.connected) {
        std::size_t sent = 0;
        for (const Message& m : farewell) sent += send(s, m) ? 1 : 0;
        {
          std::lock_guard wait(s.wait_mutex);
          s.track_acks = true;
        }
        int mid = 0;
        if (send(s, mqtt::availability(s.topics, false), /*qos=*/1, &mid)) {
          goodbye = mid;
          ++sent;
        }
        count(sent, farewell.size() + 1 - sent);
      }
    }
    if (goodbye) {
      std::unique_lock wait(s.wait_mutex);
      s.wait_cv.wait_until(wait, deadline, [&] { return s.acked.count(*goodbye) > 0 || s.closed; });
    }
    if (goodbye && s.connected && mosquitto_disconnect(s.mosq) == MOSQ_ERR_SUCCESS) {
      std::unique_lock wait(s.wait_mutex);
      clean = s.wait_cv.wait_until(wait, deadline, [&] { return s.closed; });
    } else {
      // Not connected: the thread sleeps before a retry or is in a (blocking)
      // reconnect that may hang on an unreachable host. Marking the client
      // disconnecting ends the first; only cancellation ends the second.
      mosquitto_disconnect(s.mosq);
    }
    mosquitto_loop_stop(s.mosq, /*force=*/!clean);
    s.loop_started = false;
    if (clean) say("mqtt: disconnected");
  }
};

MqttService::MqttService(Identity identity, const MqttSettings& settings, OutputCommand on_command,
                         Log log, Options options)
    : impl_(std::make_unique<Impl>(std::move(identity), std::move(on_command), std::move(log),
                                   options)) {
  configure(settings);
}

MqttService::~MqttService() { stop(); }

void MqttService::configure(const MqttSettings& settings) {
  std::lock_guard life(impl_->lifecycle);
  std::shared_ptr<Impl::Session> old;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->session != nullptr && impl_->settings == settings) return;
    old = std::move(impl_->session);
    impl_->settings = settings;
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
  if (settings.enabled) impl_->start(settings);
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
  const std::vector<Message> messages = mqtt::reading_messages(r, s->topics, s->settings.layout);
  if (impl_->send_all(*s, messages) > 0) {
    std::lock_guard lock(impl_->mutex);
    impl_->last_publish = now;
  }
}

void MqttService::on_output(bool on) {
  std::shared_ptr<Impl::Session> s;
  std::optional<Reading> last;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->session == nullptr) return;
    if (impl_->last_reading) impl_->last_reading->output_on = on;
    last = impl_->last_reading;
    s = impl_->session;
  }
  impl_->send_all(
      *s, mqtt::output_messages(on, last ? &*last : nullptr, s->topics, s->settings.layout));
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

}  // namespace maic::device
