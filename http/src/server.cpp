// The one translation unit that includes Boost.Beast.
//
// Per connection: a coroutine on its own strand owns the socket; every read
// and write runs against a deadline (beast::tcp_stream's timer); what is
// read goes through a RequestReader (request_reader.hpp), which holds every
// rule of reading a request. stop() and an eviction talk to a connection
// only by posting to its strand, so no socket is touched from two threads.
#include "maic/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "maic/http/client_address.hpp"
#include "request_reader.hpp"
#include "response_check.hpp"

namespace maic::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// Errors come back as values (a tuple), not exceptions: a closed or timed
// out connection is the normal end of a session.
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// After the server decides to close, it shuts down its sending side and
// reads (discarding) until the client closes, for at most this long. Closing
// with unread request bytes would make the kernel send RST, and the client
// could lose the response (e.g. a 413) before reading it.
constexpr std::chrono::milliseconds kLingerTimeout{2000};

// Back-off after an accept error such as EMFILE, so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetry{100};

constexpr std::size_t kReadChunk = 4096;

using detail::describe;
using detail::invalid_response;

// Which places a connection takes (Limits): one of max_connections, one of
// max_long_polls, or one of those being refused.
enum class Pool { kServed, kLongPoll, kRefused };

struct Connection {
  Connection(tcp::socket socket, std::string peer_address, std::string client_key, Pool p)
      : stream(std::move(socket)),
        peer(std::move(peer_address)),
        pool(p),
        client(std::move(client_key)) {}

  beast::tcp_stream stream;
  const std::string peer;  // the socket's remote address
  // Guarded by Impl::mu:
  Pool pool;
  std::string client;  // the client its place counts for (http::client_key)
  // Set under Impl::mu, read anywhere: another client took its place; it
  // closes at its next step.
  std::atomic<bool> evicted{false};
  // Set on the strand, read by admit(): waiting for a request or reading it
  // (header or body), so it may give its place to another client's
  // connection; and since when (steady clock ticks): the longest waiting
  // goes first.
  std::atomic<bool> evictable{true};
  std::atomic<std::int64_t> waiting_since{
      std::chrono::steady_clock::now().time_since_epoch().count()};
  // Strand-only state, shared by the session and the steps stop() posts:
  bool idle = true;       // not inside a request: waiting for one, or closing
  bool draining = false;  // stop() began: finish the current request, then close
};

// Precondition: invalid_response(r) is empty.
BeastResponse to_beast(Response&& r, unsigned version, bool head, bool keep_alive,
                       const std::string& server_name) {
  BeastResponse out;
  out.result(static_cast<unsigned>(r.status));
  out.version(version);
  out.set(bhttp::field::server, server_name);
  if (!r.content_type.empty()) out.set(bhttp::field::content_type, r.content_type);
  for (const auto& f : r.headers) {
    // Framing is the server's: a handler's values would contradict it.
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Transfer-Encoding") ||
        iequals(f.name, "Connection")) {
      continue;
    }
    out.insert(f.name, f.value);
  }
  out.keep_alive(keep_alive);
  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (bodiless) {
    out.erase(bhttp::field::content_length);
  } else if (head) {
    out.content_length(r.body.size());  // the length a GET would have had
  } else {
    out.body() = std::move(r.body);
    out.prepare_payload();
  }
  return out;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, AddressSet proxies, Handler h)
      : options(std::move(o)),
        trusted_proxies(std::move(proxies)),
        handler(std::move(h)),
        acceptor(asio::make_strand(ioc)) {}

  // Keeps a connection in the registry for exactly as long as its
  // coroutine frame exists (it is a coroutine parameter, so this holds even
  // for a coroutine that never got to run).
  class Registration {
   public:
    Registration(Impl* impl, std::shared_ptr<Connection> c) : impl_(impl), conn_(std::move(c)) {}
    Registration(Registration&& o) noexcept
        : impl_(std::exchange(o.impl_, nullptr)), conn_(std::move(o.conn_)) {}
    Registration& operator=(Registration&&) = delete;
    ~Registration() {
      if (impl_ != nullptr) impl_->unregister(conn_);
    }
    Connection& operator*() const { return *conn_; }

   private:
    Impl* impl_;
    std::shared_ptr<Connection> conn_;
  };

  Status listen();
  void run();
  void stop();
  void report(std::string_view message) const {
    if (options.on_error) options.on_error(message);
  }
  // A refusal for load: overload_status with Retry-After.
  Response overload(std::string_view why) const {
    Response r = Response::error(options.overload_status, why);
    r.headers.set("Retry-After", "1");
    return r;
  }

  asio::awaitable<void> accept_loop();
  void admit(tcp::socket socket);
  void unregister(const std::shared_ptr<Connection>& c);

  // The share registry, under `mu`. A served connection is listed under
  // its client; a victim is a connection, idle or still reading a request,
  // of the client that holds most, if it holds more than the newcomer's
  // client. A request being served (its handler, a long poll, its
  // response) is never cut.
  void join_share(const std::shared_ptr<Connection>& c);
  void leave_share(const std::shared_ptr<Connection>& c);
  std::shared_ptr<Connection> pick_victim(std::size_t newcomer_holds) const;
  // A trusted proxy's connection counts for the client of its latest request.
  void move_share(const std::shared_ptr<Connection>& c, std::string client);
  // Moves a connection into the long-poll pool (for its life); false when
  // the pool is full.
  bool enter_long_polls(const std::shared_ptr<Connection>& c);

  asio::awaitable<void> serve(Registration reg, std::shared_ptr<Connection> self);
  asio::awaitable<void> refuse(Registration reg);
  // How reading one request ended: a request, a refusal to answer before
  // closing, or neither (the client went away or was too slow: close).
  struct ReadOutcome {
    std::optional<Request> request;
    std::optional<Response> refusal;
    unsigned version = 11;
    bool keep_alive = false;
    bool head = false;
  };
  asio::awaitable<ReadOutcome> read_request(const std::shared_ptr<Connection>& self,
                                            beast::flat_buffer& buffer,
                                            std::chrono::steady_clock::time_point header_deadline);
  // Sends `response` with Connection: close, then lingers (see kLingerTimeout).
  asio::awaitable<void> answer_and_close(Connection& c, Response response);
  // Half-closes and drains until the client closes: the response is not lost to a reset.
  asio::awaitable<void> linger(Connection& c);
  Response respond(Request request) const;
  asio::awaitable<Response> await_long_poll(Connection& c, const Response::Wait& wait) const;
  // A long poll's callback, its exceptions answered 500 like a handler's.
  template <typename F>
  Response guarded(const char* what, F&& f) const;

  const ServerOptions options;
  const AddressSet trusted_proxies;
  const Handler handler;
  Endpoint bound;  // written before the threads start, read-only after

  // The registry of open connections, shared by the accept loop, the
  // sessions (on their strands) and stop() (on the caller's thread).
  mutable std::mutex mu;
  std::condition_variable drained;  // signalled when `connections` becomes empty
  std::unordered_set<std::shared_ptr<Connection>> connections;
  // The served connections by client (Connection::client).
  std::unordered_map<std::string, std::vector<std::shared_ptr<Connection>>> shares;
  std::size_t served = 0;      // connections in Pool::kServed
  std::size_t long_polls = 0;  // in Pool::kLongPoll
  std::size_t refusing = 0;    // in Pool::kRefused
  std::size_t evicting = 0;    // served, evicted, not yet gone
  bool stopping = false;

  std::mutex stop_mu;  // serialises stop(); guards `stopped`
  bool stopped = false;

  // Declared after the registry, so it is destroyed first: destroying it
  // destroys any coroutine frame still queued, whose Registration
  // unregisters from the registry.
  asio::io_context ioc;
  tcp::acceptor acceptor;  // on its own strand
  std::vector<std::thread> threads;
};

Status Server::Impl::listen() {
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto results =
      resolver.resolve(options.listen.host, std::to_string(options.listen.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return make_error("cannot resolve '" + options.listen.host + "': " + ec.message());
  std::string failure;
  for (const auto& entry : results) {
    const tcp::endpoint ep = entry.endpoint();
    acceptor.open(ep.protocol(), ec);
    // Lets a restarted daemon bind while the old one's connections linger
    // in TIME_WAIT; on Linux it does not allow two listeners on one port.
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) {
      const tcp::endpoint local = acceptor.local_endpoint(ec);
      if (!ec) {
        bound = Endpoint{local.address().to_string(), local.port()};
        return ok_status();
      }
    }
    failure = "cannot listen on " + to_string(Endpoint{ep.address().to_string(), ep.port()}) +
              ": " + ec.message();
    beast::error_code ignored;
    acceptor.close(ignored);
  }
  if (failure.empty()) failure = "'" + options.listen.host + "' resolves to no address";
  return make_error(failure);
}

void Server::Impl::run() {
  asio::co_spawn(acceptor.get_executor(), accept_loop(), [this](const std::exception_ptr& e) {
    if (e) report("accept loop failed: " + describe(e));
  });
  threads.reserve(options.threads);
  for (unsigned i = 0; i < options.threads; ++i) {
    threads.emplace_back([this] {
      try {
        ioc.run();
      } catch (...) {
        report("server thread failed: " + describe(std::current_exception()));
      }
    });
  }
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kAwait);
    if (!acceptor.is_open()) co_return;  // stop() closed it
    if (ec) {
      report("accept failed: " + ec.message());
      asio::steady_timer pause(acceptor.get_executor(), kAcceptRetry);
      co_await pause.async_wait(kAwait);
      continue;
    }
    admit(std::move(socket));
  }
}

void Server::Impl::admit(tcp::socket socket) {
  beast::error_code ec;
  std::string peer = socket.remote_endpoint(ec).address().to_string();
  const bool proxy = trusted_proxies.contains(peer);
  std::string client = client_key(peer);
  std::shared_ptr<Connection> conn;
  std::shared_ptr<Connection> victim;
  {
    std::lock_guard lock(mu);
    if (stopping) return;  // the socket closes as it goes out of scope
    const auto share = shares.find(client);
    const std::size_t holds = share == shares.end() ? 0 : share->second.size();
    Pool pool = Pool::kRefused;
    if (proxy || holds < options.limits.max_connections_per_client) {
      if (served - evicting < options.limits.max_connections) {
        pool = Pool::kServed;
      } else if ((victim = pick_victim(holds))) {
        victim->evicted = true;
        ++evicting;
        pool = Pool::kServed;
      }
    }
    // Refusing costs a coroutine and a socket too: bound it, and beyond
    // that just close.
    if (pool == Pool::kRefused && refusing >= options.limits.max_connections) return;
    conn =
        std::make_shared<Connection>(std::move(socket), std::move(peer), std::move(client), pool);
    connections.insert(conn);
    if (pool == Pool::kServed) {
      ++served;
      join_share(conn);
    } else {
      ++refusing;
    }
  }
  // The victim was idle or reading a request when chosen: cut its wait
  // short. Had it just read the whole request, it sees `evicted` next.
  if (victim) {
    asio::post(victim->stream.get_executor(), [victim] {
      if (victim->evictable) victim->stream.cancel();
    });
  }
  const auto executor = conn->stream.get_executor();
  const auto done = [this](const std::exception_ptr& e) {
    if (e) report("connection failed: " + describe(e));
  };
  Registration reg(this, conn);
  if (conn->pool == Pool::kServed) {
    asio::co_spawn(executor, serve(std::move(reg), conn), done);
  } else {
    asio::co_spawn(executor, refuse(std::move(reg)), done);
  }
}

void Server::Impl::unregister(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu);
  if (connections.erase(c) == 0) return;
  switch (c->pool) {
    case Pool::kServed:
      --served;
      leave_share(c);
      if (c->evicted) --evicting;
      break;
    case Pool::kLongPoll:
      --long_polls;
      break;
    case Pool::kRefused:
      --refusing;
      break;
  }
  if (connections.empty()) drained.notify_all();
}

void Server::Impl::join_share(const std::shared_ptr<Connection>& c) {
  shares[c->client].push_back(c);
}

void Server::Impl::leave_share(const std::shared_ptr<Connection>& c) {
  const auto share = shares.find(c->client);
  if (share == shares.end()) return;
  std::erase(share->second, c);
  if (share->second.empty()) shares.erase(share);
}

std::shared_ptr<Connection> Server::Impl::pick_victim(std::size_t newcomer_holds) const {
  std::shared_ptr<Connection> victim;
  std::size_t most = newcomer_holds + 1;  // a victim's client must hold at least this
  for (const auto& [client, members] : shares) {
    std::size_t live = 0;
    std::shared_ptr<Connection> candidate;
    for (const auto& m : members) {
      if (m->evicted) continue;
      ++live;
      if (m->evictable && (!candidate || m->waiting_since < candidate->waiting_since))
        candidate = m;
    }
    if (!candidate || live < most) continue;
    // Of two clients holding as many, the one with the longer wait: a
    // connection trickling its header has waited longer than a kept-alive
    // one between requests.
    if (live > most || !victim || candidate->waiting_since < victim->waiting_since) {
      most = live;
      victim = std::move(candidate);
    }
  }
  return victim;
}

void Server::Impl::move_share(const std::shared_ptr<Connection>& c, std::string client) {
  std::lock_guard lock(mu);
  if (c->pool != Pool::kServed || c->client == client) return;
  leave_share(c);
  c->client = std::move(client);
  join_share(c);
}

bool Server::Impl::enter_long_polls(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu);
  if (c->pool == Pool::kLongPoll) return true;
  // An evicted connection answers this poll and then closes; it keeps
  // its count where it is until then.
  if (c->evicted) return true;
  if (long_polls >= options.limits.max_long_polls) return false;
  leave_share(c);
  c->pool = Pool::kLongPoll;
  --served;
  ++long_polls;
  return true;
}

Response Server::Impl::respond(Request request) const {
  try {
    Response response = handler(request);
    if (const auto what = invalid_response(response)) {
      report("handler for " + request.method + " " + request.path + " returned an invalid " +
             *what);
      return Response::error(500, "internal error");
    }
    return response;
  } catch (...) {
    report("handler for " + request.method + " " + request.path +
           " threw: " + describe(std::current_exception()));
    return Response::error(500, "internal error");
  }
}

template <typename F>
Response Server::Impl::guarded(const char* what, F&& f) const {
  try {
    Response r = f();
    if (const auto problem = invalid_response(r)) {
      report(std::string("a long poll's ") + what + " returned an invalid " + *problem);
      return Response::error(500, "internal error");
    }
    return r;
  } catch (...) {
    report(std::string("a long poll's ") + what + " threw: " + describe(std::current_exception()));
    return Response::error(500, "internal error");
  }
}

asio::awaitable<Response> Server::Impl::await_long_poll(Connection& c,
                                                        const Response::Wait& wait) const {
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  asio::steady_timer timer(c.stream.get_executor());
  for (;;) {
    std::optional<Response> ready;
    const Response polled = guarded("poll", [&] {
      ready = wait.poll();
      return ready ? std::move(*ready) : Response::text("");
    });
    if (ready || polled.status == 500) co_return polled;
    const auto now = std::chrono::steady_clock::now();
    if (c.draining || now >= deadline) break;
    timer.expires_after(
        std::min<std::chrono::steady_clock::duration>(wait.interval, deadline - now));
    co_await timer.async_wait(kAwait);
  }
  co_return guarded("on_timeout", [&] { return wait.on_timeout(); });
}

asio::awaitable<void> Server::Impl::serve(Registration reg, std::shared_ptr<Connection> self) {
  Connection& c = *reg;
  const Limits& limits = options.limits;
  using SteadyClock = std::chrono::steady_clock;
  beast::flat_buffer buffer(detail::RequestReader::buffer_bytes(limits));
  // A new connection has header_timeout from its accept for its first
  // request's header; a kept-alive one idle_timeout for its next request to
  // begin, and header_timeout from there.
  auto header_deadline = SteadyClock::now() + limits.header_timeout;
  bool first = true;
  for (;;) {
    c.idle = true;
    c.waiting_since = SteadyClock::now().time_since_epoch().count();
    c.evictable = true;
    if (c.draining || c.evicted) {
      // Unanswered pipelined requests must not turn the close into a reset.
      beast::error_code unused;
      if (buffer.size() > 0 || c.stream.socket().available(unused) > 0) co_await linger(c);
      break;
    }
    if (buffer.size() == 0) {
      if (first) {
        c.stream.expires_at(header_deadline);
      } else {
        c.stream.expires_after(limits.idle_timeout);
      }
      const auto [wait_ec, n] =
          co_await c.stream.async_read_some(buffer.prepare(kReadChunk), kAwait);
      if (wait_ec) break;  // closed by the client, idle too long, evicted, or stop()
      buffer.commit(n);
      if (!first) header_deadline = SteadyClock::now() + limits.header_timeout;
    }
    c.idle = false;
    first = false;

    ReadOutcome read = co_await read_request(self, buffer, header_deadline);
    if (read.refusal) {
      co_await answer_and_close(c, std::move(*read.refusal));
      break;
    }
    if (!read.request) break;  // gone, too slow, or stop(): nobody to answer

    Response response = respond(std::move(*read.request));
    if (response.wait) {
      if (enter_long_polls(self)) {
        response = co_await await_long_poll(c, *response.wait);
      } else {
        response = overload("too many connections waiting for events; retry later");
      }
    }
    const bool keep_alive = read.keep_alive && !c.draining && !c.evicted;
    BeastResponse msg =
        to_beast(std::move(response), read.version, read.head, keep_alive, options.server_name);
    c.stream.expires_after(limits.body_timeout);
    const auto [write_ec, write_n] = co_await bhttp::async_write(c.stream, msg, kAwait);
    if (write_ec) break;
    if (!keep_alive) {
      co_await linger(c);
      break;
    }
  }
  c.stream.close();
}

asio::awaitable<void> Server::Impl::refuse(Registration reg) {
  Connection& c = *reg;
  co_await answer_and_close(c, overload("too many connections; retry later"));
  c.stream.close();
}

asio::awaitable<Server::Impl::ReadOutcome> Server::Impl::read_request(
    const std::shared_ptr<Connection>& self, beast::flat_buffer& buffer,
    std::chrono::steady_clock::time_point header_deadline) {
  Connection& c = *self;
  ReadOutcome out;
  detail::RequestReader reader(options.limits, options.body_limit, options.on_error, c.peer,
                               trusted_proxies);
  c.stream.expires_at(header_deadline);
  for (;;) {
    std::size_t consumed = 0;
    const auto data = buffer.data();
    const auto progress =
        reader.feed(std::string_view(static_cast<const char*>(data.data()), data.size()), consumed);
    buffer.consume(consumed);
    switch (progress) {
      case detail::RequestReader::Progress::kRefused:
        out.refusal = reader.take_refusal();
        co_return out;
      case detail::RequestReader::Progress::kDone:
        // From here on the request is served: its place is its own.
        c.evictable = false;
        if (c.evicted) {
          out.refusal = overload("too many connections; retry later");
          co_return out;
        }
        out.version = reader.version();
        out.keep_alive = reader.keep_alive();
        out.head = reader.head();
        out.request = reader.take_request();
        co_return out;
      case detail::RequestReader::Progress::kHeaderDone: {
        if (c.peer != reader.header().remote) move_share(self, client_key(reader.header().remote));
        // The body has its own deadline, from the header's end.
        c.stream.expires_after(options.limits.body_timeout);
        // A client that asked before sending its body gets the go-ahead
        // only now that the header passed the limits (RFC 9110 §10.1.1).
        if (reader.expects_continue()) {
          bhttp::response<bhttp::empty_body> go_ahead{bhttp::status::continue_, reader.version()};
          const auto [write_ec, n] = co_await bhttp::async_write(c.stream, go_ahead, kAwait);
          if (write_ec) co_return out;
        }
        continue;
      }
      case detail::RequestReader::Progress::kNeedMore:
        break;
    }
    // Never full here: the reader refuses a request that fills the buffer.
    const std::size_t room = buffer.max_size() - buffer.size();
    const auto [ec, n] =
        co_await c.stream.async_read_some(buffer.prepare(std::min(room, kReadChunk)), kAwait);
    if (ec) co_return out;  // the client went away mid-request, a deadline, eviction, stop()
    buffer.commit(n);
  }
}

asio::awaitable<void> Server::Impl::answer_and_close(Connection& c, Response response) {
  c.stream.expires_after(std::min(options.limits.body_timeout, kLingerTimeout));
  BeastResponse msg = to_beast(std::move(response), 11, false, false, options.server_name);
  const auto [ec, n] = co_await bhttp::async_write(c.stream, msg, kAwait);
  if (!ec) co_await linger(c);
}

asio::awaitable<void> Server::Impl::linger(Connection& c) {
  c.idle = true;  // nothing in flight: stop() may cut it short
  beast::error_code ec;
  c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  c.stream.expires_after(std::min(options.limits.body_timeout, kLingerTimeout));
  std::array<char, kReadChunk> scratch;
  for (;;) {
    const auto [read_ec, n] = co_await c.stream.async_read_some(asio::buffer(scratch), kAwait);
    if (read_ec) break;  // the client closed (EOF), the deadline passed, or stop()
  }
}

void Server::Impl::stop() {
  std::lock_guard stop_lock(stop_mu);
  if (stopped) return;
  for (const std::thread& t : threads) {
    if (t.get_id() == std::this_thread::get_id()) {
      throw std::logic_error("maic::http::Server::stop() called from a server thread");
    }
  }
  stopped = true;

  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu);
    stopping = true;  // admit() takes no more
    open.assign(connections.begin(), connections.end());
  }
  asio::post(acceptor.get_executor(), [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
  });
  // Soft: idle connections close now, busy ones after their response.
  for (const auto& c : open) {
    asio::post(c->stream.get_executor(), [c] {
      c->draining = true;
      if (c->idle) c->stream.cancel();
    });
  }
  {
    std::unique_lock lock(mu);
    drained.wait_for(lock, options.shutdown_grace, [this] { return connections.empty(); });
    open.assign(connections.begin(), connections.end());
  }
  // Hard: whatever is left is closed; its pending operations fail at once.
  for (const auto& c : open) {
    asio::post(c->stream.get_executor(), [c] { c->stream.close(); });
  }
  open.clear();
  for (std::thread& t : threads) t.join();
  threads.clear();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&& other) noexcept {
  if (this != &other) {
    stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
Server::~Server() { stop(); }

Result<Server> Server::start(ServerOptions options, Handler handler) {
  if (!handler) throw std::invalid_argument("maic::http::Server needs a handler");
  if (options.threads == 0) throw std::invalid_argument("maic::http::Server needs a thread");
  auto proxies = AddressSet::parse(options.trusted_proxies);
  if (!proxies) return make_error("trusted proxies: " + proxies.error().message);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*proxies), std::move(handler));
  if (Status listening = impl->listen(); !listening) return listening.error();
  impl->run();
  return Server(std::move(impl));
}

const Endpoint& Server::endpoint() const { return impl_->bound; }

std::size_t Server::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections.size();
}

Server::Occupancy Server::occupancy() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->served, impl_->long_polls, impl_->refusing};
}

void Server::stop() {
  if (impl_) impl_->stop();
}

}  // namespace maic::http
