// The one translation unit that includes Boost.Beast.
//
// Per connection: a coroutine on its own strand owns the socket; every read
// and write runs against a deadline (beast::tcp_stream's timer); the request
// parser carries the header and body limits. stop() talks to a connection
// only by posting to its strand, so no socket is touched from two threads.
#include "maic/http/server.hpp"

#include <algorithm>
#include <array>
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
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

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

struct Connection {
  Connection(tcp::socket socket, bool is_served) : stream(std::move(socket)), served(is_served) {}

  beast::tcp_stream stream;
  const bool served;  // counts toward max_connections; false: being refused with 503
  // Strand-only state, shared by the session and the steps stop() posts:
  bool idle = true;       // not inside a request: waiting for one, or closing
  bool draining = false;  // stop() began: finish the current request, then close
};

// Whether a failed read deserves an answer before closing, and which.
// `body_limit` is the limit this request's body was read under.
std::optional<Response> refusal_for(const beast::error_code& ec, const Limits& limits,
                                    std::size_t body_limit) {
  if (ec == bhttp::error::header_limit) {
    return Response::error(
        431, "request header larger than " + std::to_string(limits.header_bytes) + " bytes");
  }
  if (ec == bhttp::error::body_limit) {
    return Response::error(413,
                           "request body larger than " + std::to_string(body_limit) + " bytes");
  }
  // The read buffer is full (a chunk line or the trailer section does not
  // end), or the chunk extensions add up past their budget.
  if (ec == bhttp::error::buffer_overflow) {
    return Response::error(400, "chunk extensions or trailer fields larger than " +
                                    std::to_string(limits.header_bytes) + " bytes");
  }
  // The client went away mid-request: nobody to answer.
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return Response::error(400, "malformed request: " + ec.message());
  }
  return std::nullopt;  // socket errors, timeouts, stop(): nothing to say
}

// Parses the beast request's header into ours (without the body). An error
// is the client's (400). Fields the parser adds later (a chunked body's
// trailer) are not in it: only the header counts.
Result<Request> header_request(const BeastRequest& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  if (out.target.empty() || out.target.front() != '/') {
    return make_error("the request target must be a path starting with '/'");
  }
  if (in.version() >= 11 && in.find(bhttp::field::host) == in.end()) {
    return make_error("an HTTP/1.1 request needs a Host field");  // RFC 9112 §3.2
  }
  const std::size_t q = out.target.find('?');
  auto path = percent_decode(std::string_view(out.target).substr(0, q), Plus::kLiteral);
  if (!path) return make_error("request path: " + path.error().message);
  out.path = std::move(*path);
  if (q != std::string::npos) {
    auto query = parse_query(std::string_view(out.target).substr(q + 1));
    if (!query) return query.error();
    out.query = std::move(*query);
  }
  for (const auto& field : in) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  out.remote = remote;
  return out;
}

// What makes a request's framing ambiguous, or nothing (RFC 9112 §6.1,
// §6.3): a Transfer-Encoding whose last coding is not chunked would leave
// the body to be read as the next request (request smuggling), and
// Transfer-Encoding beside Content-Length is an attack or a broken client.
// Either is refused and the connection closed.
std::optional<std::string> framing_problem(const bhttp::request_parser<bhttp::string_body>& p) {
  const auto& h = p.get();
  if (h.find(bhttp::field::transfer_encoding) == h.end()) return std::nullopt;
  if (h.find(bhttp::field::content_length) != h.end()) {
    return "a request must not carry both Transfer-Encoding and Content-Length";
  }
  if (!p.chunked()) return std::string("a request's last transfer coding must be chunked");
  return std::nullopt;
}

// RFC 9110 §5.6.2: a field name is a token.
bool is_token(std::string_view s) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

// A field value must not smuggle in another field or message.
bool is_field_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// What is wrong with a handler's response, or nothing.
std::optional<std::string> invalid_response(const Response& r) {
  if (r.status < 200 || r.status > 999) return "status " + std::to_string(r.status);
  if (!is_field_value(r.content_type)) return std::string("content type with a line break");
  for (const auto& f : r.headers) {
    if (!is_token(f.name) || !is_field_value(f.value)) return "header field '" + f.name + "'";
  }
  return std::nullopt;
}

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

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), acceptor(asio::make_strand(ioc)) {}

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

  asio::awaitable<void> accept_loop();
  void admit(tcp::socket socket);
  void unregister(const std::shared_ptr<Connection>& c);
  asio::awaitable<void> serve(Registration reg);
  asio::awaitable<void> refuse(Registration reg);
  // How reading one request ended.
  struct ReadOutcome {
    beast::error_code ec;             // the read failed (see refusal_for)
    std::optional<Response> refusal;  // refused after its header: answer, then close
    std::optional<Request> header;    // the header as ours, when it converted
    std::size_t body_limit = 0;       // the limit the body was read under
  };
  asio::awaitable<ReadOutcome> read_request(Connection& c, beast::flat_buffer& buffer,
                                            bhttp::request_parser<bhttp::string_body>& parser,
                                            const std::string& remote);
  // Sends `response` with Connection: close, then lingers (see kLingerTimeout).
  asio::awaitable<void> answer_and_close(Connection& c, Response response);
  // Half-closes and drains until the client closes: the response is not lost to a reset.
  asio::awaitable<void> linger(Connection& c);
  Response respond(Result<Request> parsed) const;
  asio::awaitable<Response> await_long_poll(Connection& c, const Response::Wait& wait) const;
  // A long poll's callback, its exceptions answered 500 like a handler's.
  template <typename F>
  Response guarded(const char* what, F&& f) const;

  const ServerOptions options;
  const Handler handler;
  Endpoint bound;  // written before the threads start, read-only after

  // The registry of open connections, shared by the accept loop, the
  // sessions (on their strands) and stop() (on the caller's thread).
  mutable std::mutex mu;
  std::condition_variable drained;  // signalled when `connections` becomes empty
  std::unordered_set<std::shared_ptr<Connection>> connections;
  std::size_t served = 0;    // connections with served == true
  std::size_t refusing = 0;  // connections with served == false
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
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard lock(mu);
    if (stopping) return;  // the socket closes as it goes out of scope
    const bool serve_it = served < options.limits.max_connections;
    // Refusing costs a coroutine and a socket too: bound it, and beyond
    // that just close.
    if (!serve_it && refusing >= options.limits.max_connections) return;
    conn = std::make_shared<Connection>(std::move(socket), serve_it);
    connections.insert(conn);
    ++(serve_it ? served : refusing);
  }
  const auto executor = conn->stream.get_executor();
  const auto done = [this](const std::exception_ptr& e) {
    if (e) report("connection failed: " + describe(e));
  };
  Registration reg(this, conn);
  if (conn->served) {
    asio::co_spawn(executor, serve(std::move(reg)), done);
  } else {
    asio::co_spawn(executor, refuse(std::move(reg)), done);
  }
}

void Server::Impl::unregister(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu);
  if (connections.erase(c) == 0) return;
  --(c->served ? served : refusing);
  if (connections.empty()) drained.notify_all();
}

Response Server::Impl::respond(Result<Request> parsed) const {
  if (!parsed) return Response::error(400, parsed.error().message);
  try {
    Response response = handler(*parsed);
    if (const auto what = invalid_response(response)) {
      report("handler for " + parsed->method + " " + parsed->path + " returned an invalid " +
             *what);
      return Response::error(500, "internal error");
    }
    return response;
  } catch (...) {
    report("handler for " + parsed->method + " " + parsed->path +
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

asio::awaitable<void> Server::Impl::serve(Registration reg) {
  Connection& c = *reg;
  const Limits& limits = options.limits;
  beast::error_code ec;
  const std::string remote = c.stream.socket().remote_endpoint(ec).address().to_string();
  // Bounded: a chunk line (size and extensions) and the trailer section
  // must fit in it whole, so neither can grow without limit; a header is
  // refused (431) at header_bytes first.
  beast::flat_buffer buffer(limits.header_bytes + 2 * kReadChunk);
  bool first = true;
  for (;;) {
    c.idle = true;
    if (c.draining) {
      // Unanswered pipelined requests must not turn the close into a reset.
      beast::error_code unused;
      if (buffer.size() > 0 || c.stream.socket().available(unused) > 0) co_await linger(c);
      break;
    }
    if (buffer.size() == 0) {
      // Waiting for a request to begin: a new connection has read_timeout
      // for its first request, a kept-alive one idle_timeout for the next.
      c.stream.expires_after(first ? limits.read_timeout : limits.idle_timeout);
      const auto [wait_ec, n] =
          co_await c.stream.async_read_some(buffer.prepare(kReadChunk), kAwait);
      if (wait_ec) break;  // closed by the client, idle too long, or stop()
      buffer.commit(n);
    }
    c.idle = false;
    first = false;

    bhttp::request_parser<bhttp::string_body> parser;
    ReadOutcome read = co_await read_request(c, buffer, parser, remote);
    if (read.refusal) {
      co_await answer_and_close(c, std::move(*read.refusal));
      break;
    }
    if (read.ec) {
      if (auto refusal = refusal_for(read.ec, limits, read.body_limit))
        co_await answer_and_close(c, std::move(*refusal));
      break;
    }

    BeastRequest request = parser.release();
    const unsigned version = request.version();
    const bool head = request.method() == bhttp::verb::head;
    const bool wants_keep_alive = request.keep_alive();
    Result<Request> parsed =
        read.header ? Result<Request>(std::move(*read.header)) : header_request(request, remote);
    if (parsed) parsed->body = std::move(request.body());
    Response response = respond(std::move(parsed));
    if (response.wait) response = co_await await_long_poll(c, *response.wait);
    const bool keep_alive = wants_keep_alive && !c.draining;
    BeastResponse msg =
        to_beast(std::move(response), version, head, keep_alive, options.server_name);
    c.stream.expires_after(limits.read_timeout);
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
  Response refusal = Response::error(503, "too many connections; retry later");
  refusal.headers.set("Retry-After", "1");
  co_await answer_and_close(c, std::move(refusal));
  c.stream.close();
}

asio::awaitable<Server::Impl::ReadOutcome> Server::Impl::read_request(
    Connection& c, beast::flat_buffer& buffer, bhttp::request_parser<bhttp::string_body>& parser,
    const std::string& remote) {
  const Limits& limits = options.limits;
  ReadOutcome out;
  out.body_limit = limits.body_bytes;
  // One deadline for the whole request, however the client trickles it.
  c.stream.expires_after(limits.read_timeout);
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(static_cast<std::uint64_t>(limits.body_bytes));
  // Chunk extensions are read and thrown away, but they are read: together
  // they may take no more than a header may.
  std::size_t extension_bytes = 0;
  auto count_extensions = [&extension_bytes, &limits](std::uint64_t, std::string_view extensions,
                                                      beast::error_code& ec) {
    extension_bytes += extensions.size();
    if (extension_bytes > limits.header_bytes) ec = bhttp::error::buffer_overflow;
  };
  parser.on_chunk_header(count_extensions);
  const auto [header_ec, header_n] =
      co_await bhttp::async_read_header(c.stream, buffer, parser, kAwait);
  if (header_ec) {
    out.ec = header_ec;
    co_return out;
  }
  if (auto problem = framing_problem(parser)) {
    out.refusal = Response::error(400, *problem);
    co_return out;
  }
  // The body's limit is the route's, decided on the header alone: a
  // request the handler would refuse (no credentials, no such route) is
  // refused before its body is read.
  auto header = header_request(parser.get(), remote);
  if (!header) {
    // Its body is not worth reading.
    out.refusal = Response::error(400, header.error().message);
    co_return out;
  }
  if (options.body_limit) {
    Expected<std::size_t> limit = [&]() -> Expected<std::size_t> {
      try {
        return options.body_limit(*header);
      } catch (...) {
        report("body_limit for " + header->method + " " + header->path +
               " threw: " + describe(std::current_exception()));
        return Response::error(500, "internal error");
      }
    }();
    if (!limit) {
      out.refusal = std::move(limit.error());
      if (const auto what = invalid_response(*out.refusal)) {
        report("body_limit for " + header->method + " " + header->path + " returned an invalid " +
               *what);
        out.refusal = Response::error(500, "internal error");
      }
      co_return out;
    }
    out.body_limit = std::min(*limit, limits.body_bytes);
    parser.body_limit(static_cast<std::uint64_t>(out.body_limit));
    // Beast checks a Content-Length against the limit while parsing the
    // header, i.e. against the one set before; chunks it checks as they come.
    const auto length = parser.content_length();
    if (length && *length > out.body_limit) {
      out.ec = bhttp::error::body_limit;
      co_return out;
    }
  }
  out.header = std::move(*header);
  if (parser.is_done()) co_return out;

  // A client that asked before sending its body gets the go-ahead only now
  // that the header passed the limits (RFC 9110 §10.1.1).
  const auto expect = parser.get()[bhttp::field::expect];
  if (iequals(std::string_view(expect.data(), expect.size()), "100-continue")) {
    bhttp::response<bhttp::empty_body> go_ahead{bhttp::status::continue_, parser.get().version()};
    const auto [write_ec, write_n] = co_await bhttp::async_write(c.stream, go_ahead, kAwait);
    if (write_ec) {
      out.ec = write_ec;
      co_return out;
    }
  }
  const auto [body_ec, body_n] = co_await bhttp::async_read(c.stream, buffer, parser, kAwait);
  out.ec = body_ec;
  co_return out;
}

asio::awaitable<void> Server::Impl::answer_and_close(Connection& c, Response response) {
  c.stream.expires_after(std::min(options.limits.read_timeout, kLingerTimeout));
  BeastResponse msg = to_beast(std::move(response), 11, false, false, options.server_name);
  const auto [ec, n] = co_await bhttp::async_write(c.stream, msg, kAwait);
  if (!ec) co_await linger(c);
}

asio::awaitable<void> Server::Impl::linger(Connection& c) {
  c.idle = true;  // nothing in flight: stop() may cut it short
  beast::error_code ec;
  c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  c.stream.expires_after(std::min(options.limits.read_timeout, kLingerTimeout));
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
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  if (Status listening = impl->listen(); !listening) return listening.error();
  impl->run();
  return Server(std::move(impl));
}

const Endpoint& Server::endpoint() const { return impl_->bound; }

std::size_t Server::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections.size();
}

void Server::stop() {
  if (impl_) impl_->stop();
}

}  // namespace maic::http
