// A small, bounded HTTP/1.1 server for the device daemon and the cloud.
//
// Shape (after Boost.Beast's advanced_server_flex_awaitable): one coroutine
// per connection on its own strand; every read has a size limit and a
// deadline (everything read counts: header, chunk extensions, trailers,
// body; a short deadline for the header); a per-request body limit decided
// on the header; ambiguous framing (a last transfer coding other than
// chunked, Transfer-Encoding with Content-Length) refused and closed; a
// connection cap shared fairly between clients, and a pool apart for long
// polls; trusted proxies' X-Forwarded-For; keep-alive and pipelining; HEAD; a
// deliberate shutdown (stop accepting, let requests in flight finish within a grace period, then
// close what is left). Boost.Beast/Asio are confined to server.cpp and the
// request reader it uses: this header is all a daemon includes.
//
// Threads: the server owns its io_context and `ServerOptions::threads`
// threads that run it; handlers run on those threads. With threads == 1 (the
// default) handlers never run concurrently with each other; with more, calls
// for different connections may run concurrently, so the handler and what it
// touches must be thread-safe. Either way handlers run concurrently with the
// rest of the program. A handler blocks its thread while it runs: keep it
// short, or use more threads.
//
// Time: deadlines use the operating system's steady clock (this is the I/O
// edge; nothing here stamps records with wall time).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/http/endpoint.hpp"
#include "maic/http/expected.hpp"
#include "maic/http/message.hpp"

namespace maic::http {

struct Limits {
  // Request line plus header fields; more is answered with 431. Chunk
  // extensions (all of a request's together) and a chunked body's trailer
  // section may each take about as much again; more is answered with 400.
  // The trailer's fields are read and dropped: handlers see the header's.
  std::size_t header_bytes = 8 * 1024;
  // Request body (after de-chunking); more is answered with 413. The
  // largest any request may send: ServerOptions::body_limit may lower it
  // per request.
  std::size_t body_bytes = 64 * 1024;
  // Deadline for a request's header: from a new connection's accept, or
  // from the first byte of a kept-alive connection's next request, until the
  // header's end. Short, so that connections trickling a header (slowloris)
  // are gone long before a body's deadline.
  std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
  // Deadline for reading a request's body once its header is in, and for
  // writing one response: a slow client cannot hold a connection forever.
  std::chrono::milliseconds body_timeout = std::chrono::seconds(15);
  // How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
  // Connections served at once, not counting long polls. When they are
  // all taken, a new connection from a client (http::client_key) holding
  // fewer of them than the one holding most takes the place of one of the
  // latter's that is idle or still reading its request (that one is closed):
  // every client keeps a share, however many others open. A connection
  // that finds no place gets ServerOptions::overload_status with
  // Retry-After and is closed; at most as many again are being refused at
  // once, beyond that a connection is closed unanswered.
  std::size_t max_connections = 64;
  // Connections one client may hold of max_connections (trusted proxies
  // are exempt: their clients are counted per request).
  std::size_t max_connections_per_client = 16;
  // Connections held by long polls (Response::wait), a pool apart from
  // max_connections: a connection joins it with its first long poll and
  // stays for its life, so a fleet of devices waiting for commands leaves
  // every connection of max_connections to people. A long poll finding
  // the pool full is answered overload_status with Retry-After.
  std::size_t max_long_polls = 1024;
};

struct ServerOptions {
  Endpoint listen;  // port 0: the system picks one (see Server::port())
  Limits limits;
  unsigned threads = 1;  // >= 1; see "Threads" above
  // stop(): how long requests in flight may take to finish before their
  // connections are closed anyway.
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(5);
  std::string server_name = "maic";  // the Server field of every response
  // The status of a refusal for load (no connection free, the long-poll
  // pool full): 503 (RFC 9110 §15.6.4); the device answers 429, which its
  // clients expect. Always with Retry-After.
  int overload_status = 503;
  // Reverse proxies (addresses or networks, "10.0.0.0/8") whose
  // X-Forwarded-For names the client: Request::remote is then that client
  // (client_address.hpp), and connection shares count it per request.
  // An entry that is not an address fails start().
  std::vector<std::string> trusted_proxies;
  // Told about failures no client sees: a handler that threw (the client
  // gets 500), an invalid response from a handler, accept errors. Called on a
  // server thread; may be called concurrently if threads > 1. Empty: silent.
  std::function<void(std::string_view)> on_error;
  // Decides, from a request's header alone (method, target, fields; the
  // body is empty), how large its body may be, before the server reads it:
  // the route's limit (capped at limits.body_bytes), or the response that
  // refuses the request now (401 without credentials, 404...), after which
  // the connection is closed, its body unread. Lets a server keep large
  // bodies for the routes and callers that need them. Called on a server
  // thread like a handler (see "Threads"); an exception is answered 500.
  // Empty: every request may send limits.body_bytes.
  std::function<Expected<std::size_t>(const Request& header)> body_limit;
};

class Server {
 public:
  // Binds options.listen, starts listening and the threads. Fails (as a
  // value) if the host does not resolve or the address cannot be bound.
  // `handler` is called for every request (see "Threads").
  static Result<Server> start(ServerOptions options, Handler handler);

  // A moved-from Server may only be destroyed or assigned to.
  Server(Server&&) noexcept;
  Server& operator=(Server&&) noexcept;  // stops *this first
  ~Server();                             // stop()

  // The bound address and port (useful after listening on port 0).
  const Endpoint& endpoint() const;
  std::uint16_t port() const { return endpoint().port; }

  // Connections open right now (served, long polls, being refused); for
  // metrics and tests.
  std::size_t connections() const;
  // Of those, the ones that hold a place (max_connections, max_long_polls).
  struct Occupancy {
    std::size_t served = 0;      // of max_connections
    std::size_t long_polls = 0;  // of max_long_polls
    std::size_t refusing = 0;    // being answered overload_status
  };
  Occupancy occupancy() const;

  // Stops the server: closes the listening socket, closes idle connections,
  // lets requests in flight finish (their responses say Connection: close)
  // for up to shutdown_grace, then closes every connection and joins the
  // threads. Returns when no server thread is left. Idempotent; safe to call
  // from any thread except a server thread (from a handler it throws
  // std::logic_error). A handler still running after the grace period is
  // waited for: handlers must return.
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::http
