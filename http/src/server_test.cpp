// The server on 127.0.0.1, port 0, against a real client on real sockets.
//
// No sleeps: every wait is a blocking read that returns when the server
// answers or closes. The client's own deadline (kClientTimeout) is only a
// safety net that turns a hang into a failure.
#include "maic/http/server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "maic/http/router.hpp"
#include "maic/http/static_assets.hpp"
#include "maic/http/testdata/site_assets.hpp"

namespace maic::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Reply = bhttp::response<bhttp::string_body>;

constexpr auto kClientTimeout = 10s;

// A blocking HTTP client with a deadline on every operation.
class Client {
 public:
  // From `source`, another loopback address ("127.0.0.2") to play another
  // client: Linux routes all of 127.0.0.0/8 to the loopback interface.
  explicit Client(std::uint16_t port, std::string_view source = "127.0.0.1") {
    const auto from = asio::ip::make_address(std::string(source));
    stream_.socket().open(from.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6());
    stream_.socket().bind(asio::ip::tcp::endpoint(from, 0));
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void send(std::string_view raw) {
    const auto ec = run([&](auto done) { asio::async_write(stream_, asio::buffer(raw), done); });
    ASSERT_FALSE(ec) << ec.message();
  }

  // Reads one response; `head` because a HEAD response's Content-Length
  // describes a body that does not follow.
  Reply read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(1 << 20);
    const auto ec = run([&](auto done) { bhttp::async_read(stream_, buffer_, parser, done); });
    EXPECT_FALSE(ec) << ec.message();
    return parser.release();
  }

  Reply request(std::string_view method, std::string_view target, std::string body = "") {
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "test");
    req.body() = std::move(body);
    req.prepare_payload();
    const auto ec = run([&](auto done) { bhttp::async_write(stream_, req, done); });
    EXPECT_FALSE(ec) << ec.message();
    return read(method == "HEAD");
  }

  // Blocks until the server closes the connection; returns why the read
  // ended (end of stream or a reset, never the client's own timeout).
  beast::error_code wait_closed() {
    for (;;) {
      char byte = 0;
      const auto ec =
          run([&](auto done) { stream_.async_read_some(asio::buffer(&byte, 1), done); });
      if (ec) return ec;
    }
  }

  static bool closed(const beast::error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  template <typename Op>
  beast::error_code run(Op op) {
    beast::error_code result;
    stream_.expires_after(kClientTimeout);
    op([&](beast::error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

Router demo_router() {
  Router router;
  router.add("GET", "/hello", [](const Request&) { return Response::text("hello"); });
  router.add("POST", "/echo", [](const Request& r) {
    nlohmann::json query = nlohmann::json::array();
    for (const auto& [k, v] : r.query) query.push_back({k, v});
    return Response::json({{"method", r.method},
                           {"path", r.path},
                           {"target", r.target},
                           {"query", query},
                           {"agent", r.headers.get("user-agent").value_or("")},
                           {"body", r.body},
                           {"remote", r.remote}});
  });
  router.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  router.add("GET", "/bad-header", [](const Request&) {
    Response r = Response::text("x");
    r.headers.set("X-Injected", "a\r\nSet-Cookie: evil=1");
    return r;
  });
  return router;
}

// A server with a demo router and errors collected for inspection.
class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.listen = {"127.0.0.1", 0};
    options.on_error = [this](std::string_view e) {
      std::lock_guard lock(mu_);
      errors_.emplace_back(e);
    };
    auto started =
        Server::start(std::move(options), [this](const Request& r) { return router_.handle(r); });
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_.emplace(std::move(started).value());
  }
  std::uint16_t port() const { return server_->port(); }
  std::vector<std::string> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

  // Declared first, destroyed last: the server reports into them until it stops.
  std::mutex mu_;
  std::vector<std::string> errors_;
  Router router_ = demo_router();
  std::optional<Server> server_;
};

std::string error_of(const Reply& r) {
  return nlohmann::json::parse(r.body()).at("error").get<std::string>();
}

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& t : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// The thread count once it reaches `expected`, or as it stands after a
// bounded number of looks: a joined thread may stay listed in /proc for a
// moment after pthread_join returns (the kernel reaps it just after).
std::size_t thread_count_settling_at(std::size_t expected) {
  std::size_t n = thread_count();
  for (int look = 0; look < 100'000 && n != expected; ++look) {
    std::this_thread::yield();
    n = thread_count();
  }
  return n;
}

TEST_F(ServerTest, BindsAnEphemeralPort) {
  start();
  EXPECT_NE(port(), 0);
  EXPECT_EQ(server_->endpoint().host, "127.0.0.1");
}

TEST_F(ServerTest, ServesGetAndHeadOnOneKeptAliveConnection) {
  start();
  Client c(port());
  const Reply get = c.request("GET", "/hello");
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get.body(), "hello");
  EXPECT_EQ(get[bhttp::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(get[bhttp::field::server], "maic");
  EXPECT_TRUE(get.keep_alive());

  const Reply head = c.request("HEAD", "/hello");
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_length], "5");
  EXPECT_TRUE(head.body().empty());

  EXPECT_EQ(c.request("GET", "/hello").body(), "hello");  // still the same connection
  EXPECT_EQ(server_->connections(), 1u);
}

// An embedded file's gzip variant on the wire: Content-Length is the
// compressed body's, for GET and HEAD alike; without gzip, the identity's.
TEST_F(ServerTest, FramesACompressedAssetByItsCompressedLength) {
  router_.add_prefix("GET", "/site/", static_handler(testdata::site_assets(), {.mount = "/site/"}));
  start();
  std::string_view gzip;
  std::string_view identity;
  for (const Asset& a : testdata::site_assets()) {
    if (a.path == "/app.js") {
      gzip = a.gzip;
      identity = a.bytes;
    }
  }
  ASSERT_FALSE(gzip.empty());
  Client c(port());
  c.send("GET /site/app.js HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, deflate\r\n\r\n");
  const Reply compressed = c.read();
  EXPECT_EQ(compressed[bhttp::field::content_encoding], "gzip");
  EXPECT_EQ(compressed[bhttp::field::vary], "Accept-Encoding");
  EXPECT_EQ(compressed[bhttp::field::content_length], std::to_string(gzip.size()));
  EXPECT_EQ(compressed.body(), gzip);

  c.send("HEAD /site/app.js HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
  const Reply head = c.read(true);
  EXPECT_EQ(head[bhttp::field::content_length], std::to_string(gzip.size()));

  c.send("GET /site/app.js HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip;q=0\r\n\r\n");
  const Reply plain = c.read();
  EXPECT_EQ(plain.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(plain[bhttp::field::content_length], std::to_string(identity.size()));
  EXPECT_EQ(plain.body(), identity);
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  start();
  Client c(port());
  c.send(
      "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 200);
  EXPECT_EQ(c.read().result_int(), 404);
  EXPECT_EQ(c.read().body(), "hello");
}

TEST_F(ServerTest, ClosesWhenTheClientAsks) {
  start();
  Client http10(port());
  http10.send("GET /hello HTTP/1.0\r\n\r\n");  // HTTP/1.0 closes unless asked otherwise
  const Reply r = http10.read();
  EXPECT_EQ(r.body(), "hello");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(Client::closed(http10.wait_closed()));

  Client close(port());
  close.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(close.read()[bhttp::field::connection], "close");
  EXPECT_TRUE(Client::closed(close.wait_closed()));
}

TEST_F(ServerTest, Answers404And405) {
  start();
  Client c(port());
  const Reply missing = c.request("GET", "/missing");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(missing[bhttp::field::content_type], "application/json");
  EXPECT_FALSE(error_of(missing).empty());
  const Reply wrong = c.request("DELETE", "/hello");
  EXPECT_EQ(wrong.result_int(), 405);
  EXPECT_EQ(wrong[bhttp::field::allow], "GET, HEAD");
  EXPECT_TRUE(wrong.keep_alive());
}

TEST_F(ServerTest, HandsTheRequestToTheHandler) {
  start();
  Client c(port());
  c.send(
      "POST /ec%68o?a=1&b=x+y%21&a=2 HTTP/1.1\r\nHost: t\r\nUser-Agent: gtest\r\n"
      "Content-Length: 4\r\n\r\nbody");
  const Reply r = c.read();
  ASSERT_EQ(r.result_int(), 200) << r.body();
  const auto j = nlohmann::json::parse(r.body());
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["path"], "/echo");
  EXPECT_EQ(j["target"], "/ec%68o?a=1&b=x+y%21&a=2");
  EXPECT_EQ(j["query"], nlohmann::json::parse(R"([["a","1"],["b","x y!"],["a","2"]])"));
  EXPECT_EQ(j["agent"], "gtest");
  EXPECT_EQ(j["body"], "body");
  EXPECT_EQ(j["remote"], "127.0.0.1");
}

TEST_F(ServerTest, ReadsChunkedBodies) {
  start();
  Client c(port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(nlohmann::json::parse(c.read().body())["body"], "abcde");
}

TEST_F(ServerTest, MalformedRequestsAre400) {
  start();
  {
    Client c(port());
    const Reply r = c.request("GET", "/hello?a=%zz");
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_NE(error_of(r).find("malformed percent-escape"), std::string::npos) << r.body();
  }
  {
    Client c(port());
    c.send("GET /hello HTTP/1.1\r\n\r\n");
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_NE(error_of(r).find("Host"), std::string::npos);
  }
  {
    Client c(port());
    c.send("GET hello HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(c.read().result_int(), 400);
  }
  {
    Client c(port());
    c.send("THIS IS NOT HTTP\r\n\r\n");
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_NE(error_of(r).find("malformed request"), std::string::npos) << r.body();
    EXPECT_TRUE(Client::closed(c.wait_closed()));
  }
}

TEST_F(ServerTest, BodyOverTheLimitIs413) {
  ServerOptions options;
  options.limits.body_bytes = 16;
  start(options);
  Client c(port());
  EXPECT_EQ(c.request("POST", "/echo", std::string(16, 'x')).result_int(), 200);
  const Reply r = c.request("POST", "/echo", std::string(17, 'x'));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_NE(error_of(r).find("16 bytes"), std::string::npos);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(Client::closed(c.wait_closed()));

  // Announced but not sent: refused on the header alone.
  Client announced(port());
  announced.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000\r\n\r\n");
  EXPECT_EQ(announced.read().result_int(), 413);

  // Chunked: refused once the chunks exceed the limit.
  Client chunked(port());
  chunked.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.read().result_int(), 413);
}

TEST_F(ServerTest, ExpectContinueIsAnsweredAfterTheHeaderPassed) {
  ServerOptions options;
  options.limits.body_bytes = 16;
  start(options);
  Client c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 100);
  c.send("ok");
  EXPECT_EQ(nlohmann::json::parse(c.read().body())["body"], "ok");

  Client big(port());
  big.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 17\r\n\r\n");
  EXPECT_EQ(big.read().result_int(), 413);  // no 100 for a body that would be refused
}

TEST_F(ServerTest, HeaderOverTheLimitIs431) {
  ServerOptions options;
  options.limits.header_bytes = 1024;
  start(options);
  Client ok(port());
  ok.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(900, 'a') + "\r\n\r\n");
  EXPECT_EQ(ok.read().result_int(), 200);

  Client c(port());
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(2000, 'a') + "\r\n\r\n");
  const Reply r = c.read();
  EXPECT_EQ(r.result_int(), 431);
  EXPECT_NE(error_of(r).find("1024 bytes"), std::string::npos);
  EXPECT_TRUE(Client::closed(c.wait_closed()));
}

// One request whose chunk line never ends, or whose chunks carry more
// extension bytes in all than a header may have: refused, not buffered.
TEST_F(ServerTest, ChunkExtensionsCountAgainstTheHeaderLimit) {
  ServerOptions options;
  options.limits.header_bytes = 1024;
  start(options);
  constexpr std::string_view kHead =
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  {
    Client c(port());
    c.send(std::string(kHead) + "1;a=b\r\nx\r\n0;c=d\r\n\r\n");
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_EQ(nlohmann::json::parse(r.body())["body"], "x");
  }
  {
    // One chunk line of 2 MB that never ends.
    Client c(port());
    c.send(std::string(kHead) + "1;x=" + std::string(2 << 20, 'a'));
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_NE(error_of(r).find("chunk extensions or trailer fields"), std::string::npos)
        << r.body();
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(Client::closed(c.wait_closed()));
  }
  {
    // Many short lines that add up: 100 chunks with 100 extension bytes each.
    Client c(port());
    std::string body(kHead);
    for (int i = 0; i < 100; ++i) body += "1;x=" + std::string(96, 'a') + "\r\nx\r\n";
    c.send(body + "0\r\n\r\n");
    EXPECT_EQ(c.read().result_int(), 400);
    EXPECT_TRUE(Client::closed(c.wait_closed()));
  }
}

TEST_F(ServerTest, TrailersCountAgainstALimitAndAreDropped) {
  ServerOptions options;
  options.limits.header_bytes = 1024;
  start(options);
  constexpr std::string_view kHead =
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n";
  {
    // A trailer is read but the handler sees the header's fields only.
    Client c(port());
    c.send(std::string(kHead) + "User-Agent: from-the-trailer\r\n\r\n");
    const Reply r = c.read();
    ASSERT_EQ(r.result_int(), 200);
    const auto echoed = nlohmann::json::parse(r.body());
    EXPECT_EQ(echoed["body"], "abc");
    EXPECT_EQ(echoed["agent"], "");
  }
  {
    // 2 MB of trailer fields.
    Client c(port());
    std::string trailers;
    while (trailers.size() < (2u << 20)) trailers += "X-Pad: " + std::string(100, 'a') + "\r\n";
    c.send(std::string(kHead) + trailers + "\r\n");
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_NE(error_of(r).find("chunk extensions or trailer fields"), std::string::npos)
        << r.body();
    EXPECT_TRUE(Client::closed(c.wait_closed()));
  }
}

// RFC 9112 §6.3: a request's body is chunked, has a Content-Length, or is
// empty; anything else would let its body be read as the next request.
TEST_F(ServerTest, AmbiguousFramingIs400AndCloses) {
  start();
  const std::string smuggled = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
  for (const std::string coding :
       {"identity", "bogus", "gzip", "chunked, gzip", "chunked, identity"}) {
    SCOPED_TRACE(coding);
    Client c(port());
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + coding + "\r\n\r\n" +
           smuggled);
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_NE(error_of(r).find("last transfer coding must be chunked"), std::string::npos)
        << r.body();
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(Client::closed(c.wait_closed()));  // no second response
  }
  for (const std::string fields : {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                                   "Transfer-Encoding: identity\r\nContent-Length: 5\r\n",
                                   "Content-Length: 5\r\nTransfer-Encoding: gzip\r\n"}) {
    SCOPED_TRACE(fields);
    Client c(port());
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\n" + fields + "\r\n0\r\n\r\n" + smuggled);
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(Client::closed(c.wait_closed()));
  }
  // Chunked alone and in a list ending in chunked are fine.
  Client c(port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" +
      smuggled);
  EXPECT_EQ(nlohmann::json::parse(c.read().body())["body"], "ok");
  EXPECT_EQ(c.read().body(), "hello");
}

// The body limit is the hook's, decided on the header: a request it refuses
// is answered before its body is read.
TEST_F(ServerTest, TheBodyLimitHookDecidesOnTheHeader) {
  ServerOptions options;
  options.limits.body_bytes = 1000;
  std::vector<std::string> seen;
  options.body_limit = [&seen](const Request& header) -> Expected<std::size_t> {
    seen.push_back(header.method + " " + header.path + " " +
                   std::string(header.query.get("q").value_or("")));
    if (header.path == "/boom") throw std::runtime_error("hook failed");
    if (!header.headers.contains("X-Key")) return Response::error(401, "a key is required");
    if (header.headers.contains("X-Big")) return std::size_t{1'000'000};  // capped at 1000
    return std::size_t{16};
  };
  start(options);
  {
    // Refused on the header although the body was never sent.
    Client c(port());
    c.send("POST /echo?q=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 900\r\n\r\n");
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 401);
    EXPECT_EQ(error_of(r), "a key is required");
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(Client::closed(c.wait_closed()));
  }
  {
    Client c(port());
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nX-Key: k\r\nContent-Length: 16\r\n\r\n" +
           std::string(16, 'x'));
    EXPECT_EQ(c.read().result_int(), 200);
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nX-Key: k\r\nContent-Length: 17\r\n\r\n" +
           std::string(17, 'x'));
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 413);
    EXPECT_NE(error_of(r).find("16 bytes"), std::string::npos) << r.body();
  }
  {
    Client c(port());
    c.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nX-Key: k\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10\r\n0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n");
    EXPECT_EQ(c.read().result_int(), 413);
  }
  {
    Client c(port());
    c.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nX-Key: k\r\nX-Big: 1\r\nContent-Length: 1000\r\n\r\n" +
        std::string(1000, 'x'));
    EXPECT_EQ(c.read().result_int(), 200);
    c.send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nX-Key: k\r\nX-Big: 1\r\nContent-Length: 1001\r\n\r\n");
    const Reply r = c.read();
    EXPECT_EQ(r.result_int(), 413);
    EXPECT_NE(error_of(r).find("1000 bytes"), std::string::npos) << r.body();
  }
  {
    // No 100 Continue for a request the hook refuses.
    Client c(port());
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    EXPECT_EQ(c.read().result_int(), 401);
  }
  {
    Client c(port());
    c.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(c.read().result_int(), 500);
  }
  server_->stop();
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front(), "POST /echo 1");
  const auto errors = this->errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("hook failed"), std::string::npos);
}

TEST_F(ServerTest, ConnectionsBeyondTheCapGet503) {
  ServerOptions options;
  options.limits.max_connections = 2;
  start(options);
  // A completed exchange proves the server has accepted (and counts) the connection.
  Client a(port());
  Client b(port());
  EXPECT_EQ(a.request("GET", "/hello").result_int(), 200);
  EXPECT_EQ(b.request("GET", "/hello").result_int(), 200);

  Client refused(port());
  refused.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  const Reply r = refused.read();
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(r[bhttp::field::retry_after], "1");
  EXPECT_TRUE(Client::closed(refused.wait_closed()));

  EXPECT_EQ(a.request("GET", "/hello").result_int(), 200);  // the served ones are unaffected
}

TEST_F(ServerTest, HandlerFailuresAre500AndReported) {
  start();
  Client c(port());
  const Reply boom = c.request("GET", "/boom");
  EXPECT_EQ(boom.result_int(), 500);
  EXPECT_EQ(error_of(boom), "internal error");  // details are for the log, not the client
  const Reply bad = c.request("GET", "/bad-header");
  EXPECT_EQ(bad.result_int(), 500);
  EXPECT_EQ(bad.find("Set-Cookie"), bad.end());
  const auto e = errors();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_NE(e[0].find("GET /boom threw: boom"), std::string::npos) << e[0];
  EXPECT_NE(e[1].find("X-Injected"), std::string::npos) << e[1];
}

TEST_F(ServerTest, IdleKeptAliveConnectionsTimeOut) {
  ServerOptions options;
  options.limits.idle_timeout = 100ms;  // the behaviour under test
  start(options);
  Client c(port());
  EXPECT_EQ(c.request("GET", "/hello").result_int(), 200);
  EXPECT_TRUE(Client::closed(c.wait_closed()));
}

TEST_F(ServerTest, SlowRequestsTimeOut) {
  ServerOptions options;
  options.limits.header_timeout = 200ms;  // the behaviour under test
  start(options);
  Client c(port());
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\n");  // the header never ends
  EXPECT_TRUE(Client::closed(c.wait_closed()));
}

// Passes once `condition` holds, checked as the server's threads move on;
// fails after a bound rather than hang (no sleep: a yield between looks).
template <typename Condition>
bool eventually(Condition condition) {
  const auto give_up = Clock::now() + kClientTimeout;
  while (!condition()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// The header has its own, short deadline; the body its own from the
// header's end: a request whose body takes longer than a header may is
// still served. (The slow header's close is the event that tells the test
// the header deadline has passed.)
TEST_F(ServerTest, TheHeaderHasADeadlineApartFromTheBody) {
  ServerOptions options;
  options.limits.header_timeout = 200ms;
  options.limits.body_timeout = 60s;
  start(options);
  Client body(port());
  body.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab");
  Client slow(port());
  slow.send("GET /hello HTTP/1.1\r\nHost: t\r\n");  // the header never ends
  EXPECT_TRUE(Client::closed(slow.wait_closed()));
  body.send("cd");
  const Reply r = body.read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(nlohmann::json::parse(r.body()).at("body"), "abcd");
}

// The issue's attack in small: every place held by slow connections from
// five addresses; a client with none still gets each of its requests
// served, on a new connection each time, in the place of an attacker's.
TEST_F(ServerTest, ASlowConnectionFloodLeavesOtherClientsTheirShare) {
  ServerOptions options;
  options.limits.max_connections = 8;
  options.limits.header_timeout = 60s;  // eviction, not the deadline, is under test
  start(options);
  std::vector<std::unique_ptr<Client>> attack;
  for (int i = 0; i < 40; ++i) {
    const std::string source = "127.0.0." + std::to_string(2 + i % 5);
    attack.push_back(std::make_unique<Client>(port(), source));
    attack.back()->send("GET /hello HTTP/1.1\r\nHo");
  }
  ASSERT_TRUE(eventually([&] { return server_->occupancy().served == 8; }));
  Client kept_alive(port());
  for (int i = 0; i < 20; ++i) {
    Client person(port(), "127.0.1." + std::to_string(1 + i));
    EXPECT_EQ(person.request("GET", "/hello").result_int(), 200) << "person " << i;
    EXPECT_EQ(kept_alive.request("GET", "/hello").result_int(), 200) << "request " << i;
  }
  // Each place taken was given up: once the evicted are gone, the cap holds.
  EXPECT_TRUE(eventually([&] { return server_->occupancy().served <= 8; }))
      << server_->occupancy().served << " served";
}

TEST_F(ServerTest, OneClientHoldsAtMostItsCap) {
  ServerOptions options;
  options.limits.max_connections_per_client = 2;
  start(options);
  Client a(port(), "127.0.0.2");
  Client b(port(), "127.0.0.2");
  EXPECT_EQ(a.request("GET", "/hello").result_int(), 200);
  EXPECT_EQ(b.request("GET", "/hello").result_int(), 200);
  Client third(port(), "127.0.0.2");
  third.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  const Reply refused = third.read();
  EXPECT_EQ(refused.result_int(), 503);
  EXPECT_EQ(refused[bhttp::field::retry_after], "1");
  Client other(port(), "127.0.0.3");
  EXPECT_EQ(other.request("GET", "/hello").result_int(), 200) << "another client is served";
}

TEST_F(ServerTest, RefusalsForLoadTakeTheConfiguredStatus) {
  ServerOptions options;
  options.limits.max_connections = 1;
  options.overload_status = 429;
  start(options);
  Client a(port());
  EXPECT_EQ(a.request("GET", "/hello").result_int(), 200);
  Client b(port());  // same client: it may not take its own place
  b.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  const Reply r = b.read();
  EXPECT_EQ(r.result_int(), 429);
  EXPECT_EQ(r[bhttp::field::retry_after], "1");
}

// Long polls wait in a pool of their own: a fleet waiting for commands
// leaves people every ordinary place; a full pool answers with the load
// refusal at once.
TEST_F(ServerTest, LongPollsHaveAPoolOfTheirOwn) {
  std::atomic<int> polling{0};
  std::atomic<bool> release{false};
  router_.add("GET", "/wait", [&](const Request&) {
    Response r;
    auto wait = std::make_shared<Response::Wait>();
    auto counted = std::make_shared<bool>(false);
    wait->poll = [&, counted]() -> std::optional<Response> {
      if (!std::exchange(*counted, true)) ++polling;
      if (!release) return std::nullopt;
      return Response::text("done");
    };
    wait->on_timeout = [] { return Response::text("timeout"); };
    wait->interval = 1ms;
    wait->timeout = 60s;
    r.wait = std::move(wait);
    return r;
  });
  ServerOptions options;
  options.limits.max_connections = 2;
  options.limits.max_long_polls = 3;
  start(options);
  std::vector<std::unique_ptr<Client>> fleet;
  for (int i = 0; i < 3; ++i) {
    fleet.push_back(std::make_unique<Client>(port(), "127.0.0." + std::to_string(2 + i)));
    fleet.back()->send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
  }
  ASSERT_TRUE(eventually([&] { return polling == 3; }));
  EXPECT_EQ(server_->occupancy().long_polls, 3u);
  Client person1(port(), "127.0.0.10");
  Client person2(port(), "127.0.0.11");
  EXPECT_EQ(person1.request("GET", "/hello").result_int(), 200);
  EXPECT_EQ(person2.request("GET", "/hello").result_int(), 200);
  const Reply full = person1.request("GET", "/wait");
  EXPECT_EQ(full.result_int(), 503);
  EXPECT_EQ(full[bhttp::field::retry_after], "1");
  release = true;
  for (auto& device : fleet) EXPECT_EQ(device->read().body(), "done");
}

TEST_F(ServerTest, TrustedProxiesNameTheClient) {
  ServerOptions options;
  options.trusted_proxies = {"127.0.0.2"};
  start(options);
  const auto remote_seen = [this](std::string_view source, std::string_view forwarded) {
    Client c(port(), source);
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: " + std::string(forwarded) +
           "\r\nContent-Length: 0\r\n\r\n");
    return nlohmann::json::parse(c.read().body()).at("remote").get<std::string>();
  };
  EXPECT_EQ(remote_seen("127.0.0.2", "198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(remote_seen("127.0.0.2", "10.9.9.9, 198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(remote_seen("127.0.0.3", "198.51.100.7"), "127.0.0.3") << "not a trusted proxy";
}

TEST(Server, FailsToStartWithAnInvalidTrustedProxy) {
  ServerOptions options;
  options.listen = {"127.0.0.1", 0};
  options.trusted_proxies = {"proxy.example"};
  const auto started = Server::start(options, [](const Request&) { return Response::text(""); });
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("proxy.example"), std::string::npos);
}

TEST_F(ServerTest, ManyThreadsServeConcurrentClients) {
  ServerOptions options;
  options.threads = 4;
  start(options);
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::vector<std::future<int>> done;
  for (int i = 0; i < kClients; ++i) {
    done.push_back(std::async(std::launch::async, [p = port()] {
      Client c(p);
      int ok = 0;
      for (int r = 0; r < kRequests; ++r) ok += c.request("GET", "/hello").body() == "hello";
      return ok;
    }));
  }
  for (auto& f : done) EXPECT_EQ(f.get(), kRequests);
}

TEST_F(ServerTest, StopClosesIdleConnectionsWithinTheGracePeriod) {
  ServerOptions options;
  options.shutdown_grace = 5s;
  start(options);
  Client used(port());
  EXPECT_EQ(used.request("GET", "/hello").result_int(), 200);
  Client fresh(port());
  EXPECT_EQ(fresh.request("GET", "/hello").result_int(), 200);

  const auto t0 = Clock::now();
  server_->stop();
  EXPECT_LT(Clock::now() - t0, options.shutdown_grace);
  EXPECT_TRUE(Client::closed(used.wait_closed()));
  EXPECT_TRUE(Client::closed(fresh.wait_closed()));
  EXPECT_EQ(server_->connections(), 0u);
  EXPECT_THROW(Client late(port()), boost::system::system_error);  // no longer listening
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  std::promise<void> entered;
  std::promise<void> release;
  router_.add("GET", "/slow", [&](const Request&) {
    entered.set_value();
    release.get_future().wait();
    return Response::text("done");
  });
  start();
  Client c(port());
  c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  entered.get_future().wait();

  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  release.set_value();
  const Reply r = c.read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "done");
  EXPECT_TRUE(Client::closed(c.wait_closed()));
  stopped.get();
}

TEST_F(ServerTest, StopClosesUnfinishedRequestsAfterTheGracePeriod) {
  ServerOptions options;
  options.shutdown_grace = 200ms;  // the behaviour under test
  start(options);
  Client c(port());
  // The interim 100 proves the server is inside this request, waiting for its body.
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 100);

  const auto t0 = Clock::now();
  server_->stop();
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, options.shutdown_grace);
  EXPECT_LT(took, options.shutdown_grace + 5s);
  EXPECT_TRUE(Client::closed(c.wait_closed()));
}

TEST_F(ServerTest, StopIsIdempotentAndLeavesNoThreads) {
  const std::size_t before = thread_count();
  ServerOptions options;
  options.threads = 3;
  start(options);
  EXPECT_EQ(thread_count(), before + 3);
  server_->stop();
  server_->stop();
  EXPECT_EQ(thread_count_settling_at(before), before);
  server_.reset();  // the destructor stops (again): a no-op now
  EXPECT_EQ(thread_count(), before);
}

TEST_F(ServerTest, DestructorStops) {
  const std::size_t before = thread_count();
  start();
  Client c(port());
  EXPECT_EQ(c.request("GET", "/hello").result_int(), 200);
  server_.reset();
  EXPECT_EQ(thread_count_settling_at(before), before);
  EXPECT_TRUE(Client::closed(c.wait_closed()));
}

TEST(Server, FailsAsAValueWhenItCannotListen) {
  auto first = Server::start({}, [](const Request&) { return Response::text("x"); });
  ASSERT_TRUE(first.ok()) << first.error().message;
  ServerOptions taken;
  taken.listen = first->endpoint();
  auto second = Server::start(taken, [](const Request&) { return Response::text("x"); });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("cannot listen"), std::string::npos)
      << second.error().message;

  ServerOptions foreign;
  foreign.listen.host = "192.0.2.1";  // TEST-NET-1: not an address of this machine
  auto third = Server::start(foreign, [](const Request&) { return Response::text("x"); });
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("192.0.2.1"), std::string::npos) << third.error().message;
}

}  // namespace
}  // namespace maic::http

namespace maic::http {
namespace {

// A long poll whose event is a counter another thread moves: the answer
// comes from the poll that sees it, with no thread held in between (one
// server thread serves a plain request meanwhile).
TEST_F(ServerTest, LongPollAnswersWhenItsEventHappens) {
  std::atomic<int> event{0};
  std::promise<void> polled_once;
  std::atomic<bool> told{false};
  router_.add("GET", "/wait", [&](const Request&) {
    Response r;
    auto wait = std::make_shared<Response::Wait>();
    wait->poll = [&]() -> std::optional<Response> {
      if (!told.exchange(true)) polled_once.set_value();
      if (event.load() == 0) return std::nullopt;
      return Response::text("event " + std::to_string(event.load()));
    };
    wait->on_timeout = [] { return Response::text("nothing", 200); };
    wait->interval = 1ms;
    wait->timeout = 60s;
    r.wait = std::move(wait);
    return r;
  });
  start();
  Client waiting(port());
  waiting.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
  polled_once.get_future().wait();
  Client other(port());
  EXPECT_EQ(other.request("GET", "/hello").body(), "hello");
  event = 7;
  EXPECT_EQ(waiting.read().body(), "event 7");
}

TEST_F(ServerTest, LongPollTimesOutWithItsTimeoutAnswer) {
  router_.add("GET", "/wait", [](const Request&) {
    Response r;
    auto wait = std::make_shared<Response::Wait>();
    wait->poll = [] { return std::optional<Response>(); };
    wait->on_timeout = [] { return Response::json_text("[]"); };
    wait->interval = 5ms;
    wait->timeout = 20ms;
    r.wait = std::move(wait);
    return r;
  });
  start();
  Client c(port());
  const Reply r = c.request("GET", "/wait");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "[]");
}

TEST_F(ServerTest, StopEndsALongPollWithItsTimeoutAnswer) {
  std::promise<void> polled;
  std::atomic<bool> told{false};
  router_.add("GET", "/wait", [&](const Request&) {
    Response r;
    auto wait = std::make_shared<Response::Wait>();
    wait->poll = [&] {
      if (!told.exchange(true)) polled.set_value();
      return std::optional<Response>();
    };
    wait->on_timeout = [] { return Response::text("bye"); };
    wait->interval = 1ms;
    wait->timeout = 10min;
    r.wait = std::move(wait);
    return r;
  });
  start();
  Client c(port());
  c.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
  polled.get_future().wait();
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  EXPECT_EQ(c.read().body(), "bye");
  stopped.get();
}

TEST_F(ServerTest, LongPollFailuresAre500AndReported) {
  router_.add("GET", "/wait", [](const Request&) {
    Response r;
    auto wait = std::make_shared<Response::Wait>();
    wait->poll = []() -> std::optional<Response> { throw std::runtime_error("poll broke"); };
    wait->on_timeout = [] { return Response::text("never"); };
    r.wait = std::move(wait);
    return r;
  });
  start();
  Client c(port());
  EXPECT_EQ(c.request("GET", "/wait").result_int(), 500);
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_NE(errors()[0].find("poll broke"), std::string::npos);
}

}  // namespace
}  // namespace maic::http
