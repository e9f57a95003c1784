// The server's limits on what a request may make it read or parse
// (docs/security.md, "Limits"): body limits decided on the header, the
// uplink's limit against the largest batch a device writes, and JSON depth
// on every route that parses a body, through the handler and over a socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "maic/cloud/board_schema.hpp"
#include "maic/cloud/service.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/core/json_depth.hpp"
#include "maic/core/quantity.hpp"
#include "maic/core/upload_codec.hpp"
#include "maic/http/server.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/service_harness.hpp"

namespace maic::cloud {
namespace {

using nlohmann::json;
constexpr std::int64_t kStart = 1'700'000'000;

using testing::device_a;
using testing::FakeDevice;

class LimitsTest : public ::testing::Test, protected testing::ServiceHarness {
 protected:
  LimitsTest() : ServiceHarness(kStart) {
    auto opened = SqliteStore::open((dir_.path() / "cloud.db").string());
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(opened).value();
    serve(*store_);
  }
  ~LimitsTest() override { stop_serving(); }

  // The body limit of a request with this header (what the server asks
  // before reading a body): the limit, or the refusal's status as negative.
  long long limit(std::string method, std::string path,
                  std::vector<http::Headers::Field> headers = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = path;
    r.path = std::move(path);
    r.remote = "192.0.2.7";
    r.headers.set("Host", "cloud.test");
    for (auto& f : headers) r.headers.set(f.name, f.value);
    auto l = service_->body_limit(r);
    return l ? static_cast<long long>(*l) : -static_cast<long long>(l.error().status);
  }

  // A device that said hello and belongs to `owner`.
  FakeDevice owned_device(const Account& owner) {
    const FakeDevice d = device_a();
    EXPECT_EQ(hello(d).status, 200);
    EXPECT_EQ(add(owner, d, d.pin).status, 201);
    return d;
  }

  maic::testing::TempDir dir_{"maic-cloud-limits"};
  std::unique_ptr<SqliteStore> store_;
};

std::string arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_F(LimitsTest, OrdinaryRoutesTakeSmallBodies) {
  EXPECT_EQ(limit("POST", "/api/v1/login"), static_cast<long long>(kBodyBytes));
  EXPECT_EQ(limit("POST", "/api/v1/register"), static_cast<long long>(kBodyBytes));
  EXPECT_EQ(limit("GET", "/api/v1/devices"), static_cast<long long>(kBodyBytes));
  EXPECT_EQ(limit("POST", "/uplink/v1/hello"), static_cast<long long>(kBodyBytes));
  EXPECT_EQ(limit("PATCH", "/api/v1/devices/1828719372"), static_cast<long long>(kBodyBytes));
  EXPECT_EQ(limit("POST", "/no/such/route"), static_cast<long long>(kBodyBytes));
  EXPECT_EQ(kBodyBytes, 64u * 1024);
}

TEST_F(LimitsTest, ABoardsLargeBodyIsOnlyForItsOwner) {
  const Account ann = register_user("ann@example.org");
  const Account bob = register_user("bob@example.org");
  const FakeDevice d = owned_device(ann);
  const std::string board = "/api/v1/devices/" + d.devid + "/boards/pc";
  EXPECT_EQ(limit("PUT", board), -401);
  EXPECT_EQ(limit("PUT", board, {{"Authorization", "Bearer nonsense"}}), -401);
  EXPECT_EQ(limit("PUT", board, bearer(bob)), -404);
  EXPECT_EQ(limit("PUT", board, browser(ann, /*with_csrf=*/false)), -403);
  EXPECT_EQ(limit("PUT", board, bearer(ann)), static_cast<long long>(kBoardBodyBytes));
  EXPECT_EQ(limit("PUT", board, browser(ann)), static_cast<long long>(kBoardBodyBytes));
  EXPECT_EQ(kBoardBodyBytes, 256u * 1024);
}

TEST_F(LimitsTest, ABatchIsOnlyReadForAKnownDeviceWithItsSecret) {
  FakeDevice d = device_a();
  EXPECT_EQ(limit("POST", "/uplink/v1/minutes"), -401);
  EXPECT_EQ(limit("POST", "/uplink/v1/minutes", {{"Authorization", d.authorization()}}), -409);
  ASSERT_EQ(hello(d).status, 200);
  EXPECT_EQ(limit("POST", "/uplink/v1/minutes", {{"Authorization", d.authorization()}}),
            static_cast<long long>(kUplinkBodyBytes));
  FakeDevice impostor = d;
  impostor.secret = std::string(64, 'b');
  EXPECT_EQ(limit("POST", "/uplink/v1/minutes", {{"Authorization", impostor.authorization()}}),
            -401);
}

// The largest batch a device's encoder writes: kMaxUploadRecords
// three-phase records, every value with as many digits as it can have,
// with the optional "s", "lwh"/"lrwh" and "now".
TEST_F(LimitsTest, TheUplinkLimitHoldsTheLargestBatchWithRoomToSpare) {
  const auto longest = [](Family f) {
    const FamilyInfo& info = family_info(f);
    return info.min < 0 ? info.min * 0.98765432101234567 : info.max * 0.98765432101234567;
  };
  UploadBatch batch;
  batch.devid = "1828719372";
  batch.send_covered = true;
  batch.send_lifetime = true;
  batch.device_clock = 253'402'300'740;
  for (std::size_t k = 0; k < kMaxUploadRecords; ++k) {
    UploadRecord r;
    r.seq = 4'294'967'295u - static_cast<std::uint32_t>(k);
    r.minute.minute = 253'402'300'740 - static_cast<std::int64_t>(60 * k);
    r.minute.phases = 3;
    r.minute.readings = 10'000;
    r.minute.output_on = true;
    r.minute.temperature_c = longest(Family::kTemperature);
    r.minute.covered =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(3599.9876543210123));
    LifetimeRegisters lifetime{};
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      PhaseValues& ph = r.minute.phase[p];
      for (const PhaseMember& m : kPhaseMembers) ph.*(m.member) = longest(m.family);
      ph.wh_delta = ph.rwh_delta = kMaxMinuteEnergyWh * 0.98765432101234567;
      lifetime[p] = {longest(Family::kEnergy), longest(Family::kReverseEnergy)};
    }
    r.lifetime = lifetime;
    batch.records.push_back(r);
  }
  const std::string body = encode_upload(batch);
  auto decoded = decode_upload(body);
  ASSERT_TRUE(decoded) << decoded.error().message;  // a batch the server accepts
  ASSERT_TRUE(decoded->records.front().lifetime);
  RecordProperty("largest_batch_bytes", std::to_string(body.size()));
  EXPECT_GT(body.size(), 1'000'000u);            // the measure is a worst case
  EXPECT_LT(body.size() * 2, kUplinkBodyBytes);  // with a margin of 2
}

TEST_F(LimitsTest, DeepJsonIsRefusedOnEveryRouteThatParsesABody) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = owned_device(ann);
  const std::string board = "/api/v1/devices/" + d.devid + "/boards/pc";
  // The object is one level: {"w": [..31..]} is 32 deep, the limit.
  const std::string at_limit = "{\"w\":" + arrays(kMaxJsonDepth - 1) + "}";
  const std::string beyond = "{\"w\":" + arrays(kMaxJsonDepth) + "}";
  const std::string attack = "{\"w\":" + arrays(65'000) + "}";
  ASSERT_LT(attack.size(), kBoardBodyBytes);

  // At the limit the body is parsed, and then refused for what it holds.
  auto parsed = call("PUT", board, at_limit, bearer(ann));
  EXPECT_EQ(parsed.status, 400);
  EXPECT_EQ(json::parse(parsed.body).at("error"),
            "w: not a field of a board (version, name, columns, widgets)");
  auto deep = call("PUT", board, beyond, bearer(ann));
  EXPECT_EQ(deep.status, 400);
  EXPECT_EQ(json::parse(deep.body).at("error"), "the body is nested deeper than 32 levels");
  EXPECT_EQ(call("PUT", board, attack, bearer(ann)).status, 400);
  // Brackets inside strings are text, not nesting.
  json text = pc_preset(3);
  text["name"] = std::string(60, '[');
  EXPECT_EQ(call("PUT", board, text.dump(), bearer(ann)).status, 200);
  // The board stored last reads back whole.
  auto boards = call("GET", "/api/v1/devices/" + d.devid + "/boards", "", bearer(ann));
  EXPECT_EQ(json::parse(boards.body).at("pc"), text);

  const std::string deep_object = "{\"a\":" + beyond + "}";
  for (const auto& [method, path] : {std::pair{"POST", "/api/v1/register"},
                                     {"POST", "/api/v1/login"},
                                     {"POST", "/api/v1/password"},
                                     {"POST", "/api/v1/devices"},
                                     {"PATCH", "/api/v1/devices/1828719372"},
                                     {"POST", "/api/v1/devices/1828719372/output"}}) {
    SCOPED_TRACE(path);
    auto r = call(method, path, deep_object, bearer(ann));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("nested deeper than 32 levels"), std::string::npos) << r.body;
  }
  for (const std::string path :
       {"/uplink/v1/hello", "/uplink/v1/minutes", "/uplink/v1/commands/ack"}) {
    SCOPED_TRACE(path);
    auto r = call("POST", path, deep_object, {{"Authorization", d.authorization()}});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("nested deeper than 32 levels"), std::string::npos) << r.body;
  }
}

// A blocking loopback client on plain sockets: sends, then reads until the
// server closes.
std::string exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close before reading everything
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

TEST_F(LimitsTest, OverASocketLargeBodiesAreRefusedBeforeTheyAreRead) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = owned_device(ann);
  http::ServerOptions options;
  options.listen = {"127.0.0.1", 0};
  options.limits.body_bytes = kMaxBodyBytes;
  options.body_limit = [this](const http::Request& h) { return service_->body_limit(h); };
  auto server =
      http::Server::start(options, [this](const http::Request& r) { return service_->handle(r); });
  ASSERT_TRUE(server) << server.error().message;
  const std::string board = "/api/v1/devices/" + d.devid + "/boards/pc";

  // No credentials: 401 on the header; the announced body is never sent.
  std::string answer = exchange(server->port(), "PUT " + board +
                                                    " HTTP/1.1\r\nHost: t\r\n"
                                                    "Content-Length: 200000\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 401")) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  // A login is small.
  answer = exchange(server->port(),
                    "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  // A batch without a device's credentials.
  answer =
      exchange(server->port(),
               "POST /uplink/v1/minutes HTTP/1.1\r\nHost: t\r\nContent-Length: 3000000\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 401")) << answer;

  // The owner's 65,000-deep board: refused, and the server lives on.
  const std::string attack = "{\"w\":" + arrays(65'000) + "}";
  answer =
      exchange(server->port(), "PUT " + board + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                                   ann.api_key + "\r\nConnection: close\r\nContent-Length: " +
                                   std::to_string(attack.size()) + "\r\n\r\n" + attack);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_NE(answer.find("nested deeper than 32 levels"), std::string::npos) << answer;
  answer = exchange(server->port(),
                    "GET " + board.substr(0, board.size() - 3) +
                        " HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer " +
                        ann.api_key + "\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  server->stop();
}

}  // namespace
}  // namespace maic::cloud
