// Real MQTT peers for the tests: the mosquitto broker, started as a child
// process on loopback, and a libmosquitto client that records what it
// receives. Every wait is for an event (a log line, a callback), bounded by
// kWaitLimit; nothing sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/testing/logged_server.hpp"

namespace maic::testing {

// The upper bound of every wait: a normal run takes milliseconds, so only a
// failing test ever waits this long.
inline constexpr std::chrono::milliseconds kWaitLimit{5000};

// Items pushed by one thread, awaited by another. Thread-safe.
template <typename T>
class Inbox {
 public:
  void push(T item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    cv_.notify_all();
  }

  // Waits until an item satisfies `pred` (items already there count) and
  // returns the first such; nullopt after `limit`.
  template <typename Pred>
  std::optional<T> wait_for(Pred pred, std::chrono::milliseconds limit = kWaitLimit) {
    std::unique_lock lock(mutex_);
    std::optional<T> found;
    cv_.wait_for(lock, limit, [&] {
      for (const T& item : items_) {
        if (pred(item)) {
          found = item;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // Waits until `pred(all items so far)` holds; false after `limit`.
  template <typename Pred>
  bool wait_until(Pred pred, std::chrono::milliseconds limit = kWaitLimit) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return pred(std::as_const(items_)); });
  }

  std::vector<T> items() const {
    std::lock_guard lock(mutex_);
    return items_;
  }

  void clear() {
    std::lock_guard lock(mutex_);
    items_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

struct MosquittoBrokerOptions {
  // Non-empty: only this user is admitted (a password file made with
  // mosquitto_passwd); anonymous clients are refused.
  std::string username;
  std::string password;
  // Also listen with TLS on tls_port(), with a self-signed certificate
  // for 127.0.0.1 (made by openssl), which ca_file() holds.
  bool tls = false;
};

// /usr/sbin/mosquitto with a configuration of its own in a temporary
// directory, listening on 127.0.0.1 only. Call every method from one thread,
// and keep that thread alive while the broker runs: the broker is killed
// when the thread that started it ends (PR_SET_PDEATHSIG), so an
// interrupted test binary leaves no broker behind.
//
// kill() (LoggedServer) is a SIGKILL: clients see the connection drop
// without a goodbye, then refused connections. restart() starts it again
// on the same port, with the same configuration (retained messages are
// gone: no persistence). log() is everything the broker wrote so far.
class MosquittoBroker : public LoggedServer {
 public:
  using Options = MosquittoBrokerOptions;

  // Starts the broker on a free port and returns once it listens (it says
  // so in its log). Fails when mosquitto (or, for a user, mosquitto_passwd;
  // for TLS, openssl) is missing or does not come up within kWaitLimit.
  static Result<std::unique_ptr<MosquittoBroker>> start(Options options = {});

  // Kills and reaps the broker, removes its directory.
  ~MosquittoBroker();

  int port() const;             // plain MQTT
  int tls_port() const;         // MQTT over TLS; 0 without Options::tls
  std::string ca_file() const;  // the certificate TLS clients trust

 private:
  struct Impl;
  explicit MosquittoBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ReceivedMessage {
  std::string topic;
  std::string payload;
  bool retain = false;
};

// Matchers for an Inbox<ReceivedMessage>: a message on `topic` (with
// `payload`).
inline auto on_topic(std::string topic) {
  return [topic = std::move(topic)](const ReceivedMessage& m) { return m.topic == topic; };
}
inline auto on_topic(std::string topic, std::string payload) {
  return [topic = std::move(topic), payload = std::move(payload)](const ReceivedMessage& m) {
    return m.topic == topic && m.payload == payload;
  };
}

// A libmosquitto client on its own network thread. It does not reconnect:
// a test sees a lost connection as it is.
class MqttTestClient {
 public:
  struct Options {
    std::string client_id;  // empty: one of the library's choosing
    std::string username;
    std::string password;
    std::vector<std::string> subscriptions;  // topic filters, QoS 1
  };

  // Connects to 127.0.0.1:port and returns once the broker accepted the
  // connection and acknowledged every subscription: a message published
  // afterwards reaches inbox(), and so do retained ones.
  static Result<std::unique_ptr<MqttTestClient>> connect(int port, Options options = {});

  ~MqttTestClient();  // disconnects cleanly, joins the network thread
  MqttTestClient(const MqttTestClient&) = delete;
  MqttTestClient& operator=(const MqttTestClient&) = delete;

  // Publishes with QoS 1 and returns once the broker acknowledged it (so a
  // retained message is stored when this returns).
  Status publish(std::string_view topic, std::string_view payload, bool retain = false);

  // Every message received, in order of arrival. Thread-safe.
  Inbox<ReceivedMessage>& inbox();

 private:
  struct Impl;
  explicit MqttTestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::testing
