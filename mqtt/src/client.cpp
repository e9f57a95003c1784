#include "maic/mqtt/client.hpp"

#include <fmt/format.h>
#include <mosquitto.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <utility>

namespace maic::mqtt {
namespace {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// stop() may cancel the network thread (mosquitto_loop_stop(force)) when it
// hangs in a blocking reconnect or a stalled broker. The handlers run with
// that cancellation deferred: they take locks and run the caller's code,
// which must not be torn through; libmosquitto's own waits are where it lands.
class CancelGuard {
 public:
  CancelGuard() { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_); }
  ~CancelGuard() { pthread_setcancelstate(old_, nullptr); }
  CancelGuard(const CancelGuard&) = delete;
  CancelGuard& operator=(const CancelGuard&) = delete;

 private:
  int old_ = PTHREAD_CANCEL_ENABLE;
};

// Around each handler call: cancellation deferred (above), and the
// handlers' mutex held, so handlers run one at a time also when start()
// reports a failed first connect on its own thread while the network
// thread runs. Taken after disabling cancellation: a cancelled thread never
// leaves it locked.
class HandlerGuard {
 public:
  explicit HandlerGuard(std::mutex& handlers) : lock_(handlers) {}

 private:
  const CancelGuard no_cancel_;
  const std::lock_guard<std::mutex> lock_;
};

Status check(int rc, std::string_view what) {
  if (rc == MOSQ_ERR_SUCCESS) return ok_status();
  return make_error(fmt::format("{}: {}", what, mosquitto_strerror(rc)));
}

}  // namespace

std::string error_string(int rc) { return mosquitto_strerror(rc); }

std::string connack_string(int rc) { return mosquitto_connack_string(rc); }

struct Client::Impl {
  Impl(ClientOptions o, ClientHandlers h) : options(std::move(o)), handlers(std::move(h)) {}
  ~Impl() {
    if (mosq != nullptr) mosquitto_destroy(mosq);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  const ClientOptions options;
  const ClientHandlers handlers;
  mosquitto* mosq = nullptr;
  bool loop_started = false;  // start() and stop()'s
  bool stopped = false;       // start() and stop()'s

  // Held while a handler runs (HandlerGuard), never across a library call
  // that waits for the network thread.
  std::mutex handler_mutex;
  std::atomic<bool> connected{false};
  // What stop() and wait_acked() wait for, bounded.
  std::mutex wait_mutex;
  std::condition_variable wait_cv;
  bool closed = false;      // the connection ended (or never was)
  bool track_acks = false;  // record acknowledged message ids in `acked`
  std::set<int> acked;

  Status configure() {
    mosq = mosquitto_new(options.client_id.empty() ? nullptr : options.client_id.c_str(),
                         /*clean_session=*/true, this);
    if (mosq == nullptr) return make_error("cannot create the MQTT client");
    if (!options.username.empty()) {
      const char* password = options.password.empty() ? nullptr : options.password.c_str();
      if (Status st = check(mosquitto_username_pw_set(mosq, options.username.c_str(), password),
                            "user name");
          !st) {
        return st;
      }
    }
    // A burst of small packets, and stop() waits for a PUBACK: Nagle's
    // algorithm against delayed ACKs would add 40 ms to each, for no gain
    // at a few dozen packets per interval.
    if (Status st = check(mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY");
        !st) {
      return st;
    }
    if (options.will) {
      const Will& w = *options.will;
      if (Status st =
              check(mosquitto_will_set(mosq, w.topic.c_str(), static_cast<int>(w.payload.size()),
                                       w.payload.data(), w.qos, w.retain),
                    "last will");
          !st) {
        return st;
      }
    }
    if (options.tls) {
      const int rc = options.ca_file.empty()
                         ? mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
                         : mosquitto_tls_set(mosq, options.ca_file.c_str(), nullptr, nullptr,
                                             nullptr, nullptr);
      if (Status st = check(rc, options.ca_file.empty() ? "TLS with the system's CAs"
                                                        : "TLS with CA file " + options.ca_file);
          !st) {
        return st;
      }
    }
    if (Status st = check(mosquitto_reconnect_delay_set(
                              mosq, static_cast<unsigned>(options.timing.reconnect_min.count()),
                              static_cast<unsigned>(options.timing.reconnect_max.count()),
                              /*exponential=*/true),
                          "reconnect delay");
        !st) {
      return st;
    }
    mosquitto_log_callback_set(mosq, [](mosquitto*, void* user, int level, const char* text) {
      const CancelGuard no_cancel;
      auto* self = static_cast<Impl*>(user);
      if (level == MOSQ_LOG_ERR && self->handlers.on_library_error) {
        self->handlers.on_library_error(text != nullptr ? text : "");
      }
    });
    mosquitto_connect_callback_set(mosq, [](mosquitto*, void* user, int rc) {
      const HandlerGuard one_at_a_time(static_cast<Impl*>(user)->handler_mutex);
      static_cast<Impl*>(user)->handle_connect(rc);
    });
    mosquitto_disconnect_callback_set(mosq, [](mosquitto*, void* user, int rc) {
      const HandlerGuard one_at_a_time(static_cast<Impl*>(user)->handler_mutex);
      static_cast<Impl*>(user)->handle_disconnect(rc);
    });
    mosquitto_message_callback_set(mosq, [](mosquitto*, void* user, const mosquitto_message* m) {
      const HandlerGuard one_at_a_time(static_cast<Impl*>(user)->handler_mutex);
      auto* self = static_cast<Impl*>(user);
      if (!self->handlers.on_message) return;
      const IncomingMessage message{
          m->topic != nullptr ? std::string_view(m->topic) : std::string_view(),
          std::string_view(static_cast<const char*>(m->payload),
                           static_cast<std::size_t>(std::max(0, m->payloadlen))),
          m->retain};
      self->handlers.on_message(message);
    });
    mosquitto_publish_callback_set(mosq, [](mosquitto*, void* user, int mid) {
      const HandlerGuard one_at_a_time(static_cast<Impl*>(user)->handler_mutex);
      static_cast<Impl*>(user)->handle_publish(mid);
    });
    mosquitto_subscribe_callback_set(mosq, [](mosquitto*, void* user, int, int, const int*) {
      const HandlerGuard one_at_a_time(static_cast<Impl*>(user)->handler_mutex);
      auto* self = static_cast<Impl*>(user);
      if (self->handlers.on_subscribe) self->handlers.on_subscribe();
    });
    return ok_status();
  }

  void handle_connect(int rc) {
    if (rc == 0) {
      {
        std::lock_guard wait(wait_mutex);
        closed = false;
      }
      // Before the handler: what it publishes must find the client connected.
      connected = true;
    }
    if (handlers.on_connect) handlers.on_connect(rc);
  }

  void handle_disconnect(int rc) {
    const bool was_connected = connected.exchange(false);
    {
      std::lock_guard wait(wait_mutex);
      closed = true;
    }
    wait_cv.notify_all();
    if (handlers.on_disconnect) handlers.on_disconnect(rc, was_connected);
  }

  void handle_publish(int mid) {
    if (handlers.on_publish) handlers.on_publish(mid);
    {
      std::lock_guard wait(wait_mutex);
      if (track_acks) acked.insert(mid);
    }
    wait_cv.notify_all();
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() { stop(std::chrono::steady_clock::now(), /*clean=*/false); }

Result<std::unique_ptr<Client>> Client::create(ClientOptions options, ClientHandlers handlers) {
  init_library();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handlers));
  if (Status made = impl->configure(); !made) return made.error();
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Status Client::start() {
  Impl& c = *impl_;
  if (c.loop_started || c.stopped) return make_error("the MQTT client was started before");
  // The loop first: if the first connect fails at once (name resolution),
  // the running loop retries it; started after a failure it would not.
  if (const int rc = mosquitto_loop_start(c.mosq); rc != MOSQ_ERR_SUCCESS) {
    return make_error(fmt::format("cannot start the network thread: {}", mosquitto_strerror(rc)));
  }
  c.loop_started = true;
  const int rc = mosquitto_connect_async(c.mosq, c.options.host.c_str(), c.options.port,
                                         static_cast<int>(c.options.timing.keepalive.count()));
  if (rc != MOSQ_ERR_SUCCESS && c.handlers.on_disconnect) {
    // On this thread, while the network thread may run a handler: one at a
    // time all the same (HandlerGuard).
    const HandlerGuard one_at_a_time(c.handler_mutex);
    c.handlers.on_disconnect(rc, false);
  }
  return ok_status();
}

bool Client::connected() const { return impl_->connected; }

Result<int> Client::publish(std::string_view topic, std::string_view payload, int qos,
                            bool retain) {
  int mid = 0;
  const std::string t(topic);
  const int rc = mosquitto_publish(impl_->mosq, &mid, t.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, retain);
  if (rc != MOSQ_ERR_SUCCESS) return make_error(mosquitto_strerror(rc));
  return mid;
}

Status Client::subscribe(std::string_view filter, int qos) {
  const std::string f(filter);
  const int rc = mosquitto_subscribe(impl_->mosq, nullptr, f.c_str(), qos);
  if (rc != MOSQ_ERR_SUCCESS) return make_error(mosquitto_strerror(rc));
  return ok_status();
}

void Client::track_acks() {
  std::lock_guard wait(impl_->wait_mutex);
  impl_->track_acks = true;
}

bool Client::wait_acked(int mid, std::chrono::steady_clock::time_point deadline) {
  Impl& c = *impl_;
  std::unique_lock wait(c.wait_mutex);
  c.wait_cv.wait_until(wait, deadline, [&] { return c.acked.count(mid) > 0 || c.closed; });
  return c.acked.count(mid) > 0;
}

bool Client::stop(std::chrono::steady_clock::time_point deadline, bool clean) {
  Impl& c = *impl_;
  c.stopped = true;
  if (!c.loop_started) return false;
  bool ended = false;
  if (clean && c.connected && mosquitto_disconnect(c.mosq) == MOSQ_ERR_SUCCESS) {
    std::unique_lock wait(c.wait_mutex);
    ended = c.wait_cv.wait_until(wait, deadline, [&] { return c.closed; });
  } else {
    // Not connected: the thread sleeps before a retry, which this ends, or
    // is in a (blocking) connect that may hang on an unreachable host,
    // which only cancellation ends.
    mosquitto_disconnect(c.mosq);
  }
  mosquitto_loop_stop(c.mosq, /*force=*/!ended);
  c.loop_started = false;
  return ended;
}

}  // namespace maic::mqtt
