// One MQTT client over libmosquitto in its threaded mode: the library's
// network thread (mosquitto_loop_start) connects, reconnects with back-off,
// writes what the caller queued and runs the handlers. What to publish and
// what a message means is the caller's (the device's MQTT service, the
// cloud's bridge); this is the connection and its life cycle:
//
//  - create(): the client with its options (client id, user, will, TLS,
//    back-off); an error here is permanent (retrying cannot help);
//  - start(): the network thread, then a connection in the background;
//    a failed or lost connection is retried after reconnect_min,
//    reconnect_min*4, reconnect_min*9, ... at most reconnect_max
//    (libmosquitto's "exponential" back-off is quadratic);
//  - stop(): a clean DISCONNECT when asked and possible, and the network
//    thread joined, within a deadline: a thread stuck in a blocking connect
//    to an unreachable host is cancelled (pthread cancellation, deferred
//    while a handler runs).
//
// Threads: create(), start(), stop() and the destructor from one thread at a
// time, never from a handler (they join the network thread). publish(),
// subscribe(), connected(), track_acks() and wait_acked() from any thread.
// Handlers run one at a time (serialised by the client's mutex), on the
// network thread with the library's locks held — except on_disconnect for
// a first connect that fails at once, which runs on start()'s thread (it
// waits for a handler running meanwhile), and on_library_error (below).
// They must not call start(), stop() or the destructor, and must not block
// for long.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "maic/core/result.hpp"

namespace maic::mqtt {

// The message the broker publishes for us when the connection dies without
// a DISCONNECT (the "last will").
struct Will {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retain = true;
};

// How long to wait, and how often to try again.
struct Timing {
  std::chrono::seconds keepalive{30};
  // libmosquitto's reconnect delay: min, min*4, min*9, ... at most max.
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{30};
};

struct ClientOptions {
  // Empty: one of libmosquitto's choosing (random). A second client with
  // the same id takes the connection over.
  std::string client_id;
  std::string host;
  int port = 1883;
  std::string username;  // empty: no authorisation
  std::string password;  // with a user name; empty: none
  std::optional<Will> will;
  bool tls = false;
  std::string ca_file;  // TLS: the CA certificates; empty: the system's
  Timing timing;
};

struct IncomingMessage {
  std::string_view topic;
  std::string_view payload;
  bool retain = false;
};

// Every handler may be empty. Codes are libmosquitto's; error_string() and
// connack_string() say them in words.
struct ClientHandlers {
  // The broker answered a CONNECT: rc 0 accepted (connected() is already
  // true), else refused.
  std::function<void(int rc)> on_connect;
  // The connection ended (rc 0: we asked for it, by stop()) or an attempt
  // failed; was_connected tells which. A first connect that fails at once
  // in start() (name resolution) is reported here too, on start()'s thread
  // (still one handler at a time).
  std::function<void(int rc, bool was_connected)> on_disconnect;
  std::function<void(const IncomingMessage& message)> on_message;
  // A publish went out: QoS 0 written to the socket, QoS 1 acknowledged.
  std::function<void(int mid)> on_publish;
  std::function<void()> on_subscribe;  // the broker acknowledged a subscription
  // libmosquitto's error log lines: some failures (a certificate that does
  // not verify) end an attempt with no other report. Not serialised with
  // the other handlers: the library logs on whichever thread calls it
  // (publish() from the caller's, also from inside a handler), holding its
  // log lock, so a handler mutex here could deadlock.
  std::function<void(std::string_view text)> on_library_error;
};

std::string error_string(int rc);    // "Connection refused", ...
std::string connack_string(int rc);  // "Connection Refused: not authorised.", ...

class Client {
 public:
  // Errors name the option that failed ("TLS with CA file /x.pem: ...").
  static Result<std::unique_ptr<Client>> create(ClientOptions options, ClientHandlers handlers);
  // stop()s at once (cancelling the network thread if it runs).
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts the network thread, then connects in the background (retried
  // by the thread). The error: the thread could not start (permanent).
  // May block for name resolution of the host. At most once.
  Status start();

  // Between an accepted CONNECT and the end of that connection.
  bool connected() const;

  // Queues a message for the network thread; never waits for the network.
  // Returns its message id (for on_publish and wait_acked), or the error.
  Result<int> publish(std::string_view topic, std::string_view payload, int qos, bool retain);
  Status subscribe(std::string_view filter, int qos);

  // Records the ids on_publish reports from now on, for wait_acked().
  void track_acks();
  // Waits until the message `mid` went out (see on_publish) or the
  // connection ended, at most until `deadline`. True: it went out.
  bool wait_acked(int mid, std::chrono::steady_clock::time_point deadline);

  // When `clean` and connected: sends DISCONNECT and waits, until
  // `deadline`, for the connection to end. Then joins the network thread,
  // cancelling it unless it ended cleanly. Returns true when it did.
  // Idempotent; a client stopped stays stopped.
  bool stop(std::chrono::steady_clock::time_point deadline, bool clean = true);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::mqtt
