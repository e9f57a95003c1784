#include "maic/device/web_api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "maic/core/json_depth.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "testing/journal_filler.hpp"

namespace maic::device {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The routes over a real device on memory storage, called without sockets.
struct Site {
  VirtualClock clock;
  MemoryStorage storage;
  std::unique_ptr<Device> device;
  http::Router router;

  // A device that has made its first reading.
  explicit Site(WebApiOptions options = {}) {
    open(synthetic(), options);
    clock.advance(std::chrono::seconds(5));
    device->step();
  }

  // Not open yet: the test fills the storage, then calls open().
  struct Unopened {};
  explicit Site(Unopened) {}

  std::unique_ptr<metering::MeterSource> synthetic() {
    metering::SyntheticConfig c;
    const metering::PhaseLoad load{230, 5, 20};
    c.profile = metering::constant_profile({load, load, load});
    auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                  clock.steady_now(), "synthetic");
    return std::move(source).value();
  }

  // Opens the device over `storage` and adds the routes; makes no reading.
  void open(std::unique_ptr<metering::MeterSource> source, WebApiOptions options = {},
            std::function<std::optional<double>()> temperature = {}) {
    DeviceOptions o;
    o.firmware_version = "test";
    o.temperature = std::move(temperature);
    auto d = Device::open({clock, storage, std::move(source),
                           [](std::span<std::byte> out) {
                             for (auto& b : out) b = std::byte{7};
                           }},
                          o);
    ASSERT_TRUE(d.ok()) << d.error().message;
    device = std::move(d).value();
    add_web_routes(
        router, *device, clock, [](const Request&) { return Response::text("the site"); }, options);
  }

  Response get(std::string target, std::string remote = "10.0.0.2", std::string cookie = "") {
    return call("GET", std::move(target), "", std::move(remote), std::move(cookie));
  }

  Response call(std::string method, std::string target, std::string body,
                std::string remote = "10.0.0.2", std::string cookie = "") {
    Request q;
    q.method = std::move(method);
    const auto mark = target.find('?');
    q.path = target.substr(0, mark);
    if (mark != std::string::npos) q.query = *http::parse_query(target.substr(mark + 1));
    q.target = std::move(target);
    q.body = std::move(body);
    q.remote = std::move(remote);
    if (!cookie.empty()) q.headers.set("Cookie", cookie);
    return router.handle(q);
  }
};

TEST(WebApi, ProtectedPagesNeedALoginOfTheAddress) {
  Site s;
  EXPECT_EQ(s.get("/?page=getwdata").status, 401);
  EXPECT_EQ(s.get("/?page=devlogin&devpass=1111").status, 403);
  const Response login = s.get("/?page=devlogin&devpass=0000");
  ASSERT_EQ(login.status, 200);
  EXPECT_NE(login.headers.get("Set-Cookie").value_or("").find("HttpOnly"), std::string::npos);
  const Response data = s.get("/?page=getwdata");
  ASSERT_EQ(data.status, 200);
  EXPECT_TRUE(json::parse(data.body)["data"]["V1"]["value"].is_string());
  EXPECT_EQ(s.get("/?page=getwdata", "10.0.0.3").status, 401) << "another address";
}

TEST(WebApi, TheCookieWorksFromAnywhere) {
  Site s;
  const Response login = s.call("POST", "/api/v1/login", R"({"pin":"0000"})");
  ASSERT_EQ(login.status, 200);
  const std::string cookie(login.headers.get("Set-Cookie")->substr(0, 45));
  const std::string pair = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(s.get("/api/v1/settings", "192.168.9.9", pair).status, 200);
  EXPECT_EQ(s.get("/api/v1/settings", "192.168.9.9").status, 401);
}

TEST(WebApi, FiveWrongPinsLockOut) {
  Site s;
  for (int k = 0; k < 4; ++k) EXPECT_EQ(s.get("/?page=devlogin&devpass=9").status, 403);
  const Response locked = s.get("/?page=devlogin&devpass=9");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.headers.get("Retry-After").value_or(""), "300");
  EXPECT_EQ(s.get("/?page=devlogin&devpass=0000").status, 429) << "even the right PIN";
  EXPECT_EQ(s.get("/?page=devlogin&devpass=0000", "10.0.0.4").status, 200);
}

// What clients that decode into typed fields accept of getdata (compat.md
// §1: a Go exporter with string fields, a client that panics on a value
// that is not a number).
void expect_getdata_shape(const json& j, const std::string& devid) {
  ASSERT_TRUE(j.is_object()) << j;
  EXPECT_EQ(j["devid"], devid);
  EXPECT_TRUE(j["time"].is_number_integer()) << j["time"];
  for (const char* key : {"pout", "powset"}) {
    EXPECT_TRUE(j[key] == "0" || j[key] == "1") << key << ": " << j[key];
  }
  ASSERT_TRUE(j["data"].is_object());
}

void expect_numeric_data(const json& data) {
  for (const char* key : {"V1",  "V2",  "V3",  "A1",  "A2",  "A3",   "W1",   "W2",   "W3",  "rW1",
                          "rW2", "rW3", "Wh1", "Wh2", "Wh3", "rWh1", "rWh2", "rWh3", "PF1", "PF2",
                          "PF3", "Fr1", "Fr2", "Fr3", "A",   "W",    "TWh",  "T"}) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(data.contains(key));
    ASSERT_TRUE(data[key]["value"].is_string());
    const std::string value = data[key]["value"];
    std::size_t used = 0;
    (void)std::stod(value, &used);
    EXPECT_EQ(used, value.size()) << value;
  }
  for (const char* heading : {"br0", "br1", "br2", "br3"})
    EXPECT_TRUE(data[heading]["name"].is_string());
}

TEST(WebApi, GetdataTakesCredentialsInline) {
  Site s;
  const std::string devid = s.device->identity().devid;
  EXPECT_EQ(s.get("/?page=getdata&devid=1234567890&devpass=0000").status, 400);
  EXPECT_EQ(s.get("/?page=getdata&devid=" + devid + "&devpass=1").status, 403);
  const Response r = s.get("/?page=getdata&devid=" + devid + "&devpass=0000");
  ASSERT_EQ(r.status, 200);
  const json j = json::parse(r.body);
  expect_getdata_shape(j, devid);
  EXPECT_EQ(j["pout"], "0");
  EXPECT_EQ(j["powset"], "0");
  expect_numeric_data(j["data"]);
  EXPECT_EQ(j["data"]["br0"].size(), 1u);
  ASSERT_TRUE(s.device->set_output(true));
  const json on = json::parse(s.get("/?page=getdata&devid=" + devid + "&devpass=0000").body);
  EXPECT_EQ(on["pout"], "1");
  EXPECT_EQ(on["powset"], "1");
}

TEST(WebApi, BadInputIs400AndChangesNothing) {
  Site s;
  ASSERT_EQ(s.get("/?page=devlogin&devpass=0000").status, 200);
  const Settings before = s.device->settings();
  const Response bad = s.get("/?page=mqtt&port=99999");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("mqtt.port"), std::string::npos) << bad.body;
  EXPECT_EQ(s.get("/?page=pout&state=2").status, 400);
  EXPECT_EQ(s.get("/?page=initval&Wh9=1").status, 400);
  EXPECT_EQ(s.get("/?page=nonsense").status, 400);
  EXPECT_EQ(s.call("PATCH", "/api/v1/settings", "{oops").status, 400);
  EXPECT_EQ(s.call("PATCH", "/api/v1/settings", R"({"mqtt":{"layout":7}})").status, 400);
  EXPECT_EQ(s.call("POST", "/api/v1/output", R"({"on":"yes"})").status, 400);
  EXPECT_EQ(s.call("POST", "/api/v1/meters", R"({"Wh1":"lots"})").status, 400);
  EXPECT_EQ(s.get("/api/v1/journal.csv?from=yesterday").status, 400);
  EXPECT_EQ(s.get("/api/v1/journal.csv?from=5%00junk").status, 400);
  EXPECT_EQ(s.get("/?page=mqtt&port=1883%00junk").status, 400);
  EXPECT_EQ(s.device->settings(), before);
  EXPECT_FALSE(s.device->output_on());
}

TEST(WebApi, JsonBodiesDeeperThanTheLimitAre400) {
  Site s;
  ASSERT_EQ(s.get("/?page=devlogin&devpass=0000").status, 200);
  // {"mqtt": {...}} is two levels; the limit is kMaxJsonDepth.
  const auto nested = [](std::size_t depth) {
    return "{\"mqtt\":{\"x\":" + std::string(depth - 2, '[') + std::string(depth - 2, ']') + "}}";
  };
  const Response at_limit = s.call("PATCH", "/api/v1/settings", nested(kMaxJsonDepth));
  EXPECT_EQ(at_limit.status, 400);  // parsed, then refused: no setting "x"
  EXPECT_EQ(at_limit.body.find("nested deeper"), std::string::npos) << at_limit.body;
  for (const std::string path :
       {"/api/v1/settings", "/api/v1/output", "/api/v1/meters", "/api/v1/login"}) {
    SCOPED_TRACE(path);
    for (const std::size_t depth : {kMaxJsonDepth + 1, std::size_t{65'000}}) {
      const Response r = s.call(path == "/api/v1/settings" ? "PATCH" : "POST", path, nested(depth));
      EXPECT_EQ(r.status, 400);
      EXPECT_NE(r.body.find("nested deeper than 32 levels"), std::string::npos) << r.body;
    }
  }
  // Brackets inside a string are not nesting.
  const Response text = s.call("PATCH", "/api/v1/settings",
                               R"({"mqtt":{"prefix":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[/"}})");
  EXPECT_EQ(text.body.find("nested deeper"), std::string::npos) << text.body;
}

TEST(WebApi, BodiesAreSmallAndGetsHaveNone) {
  http::Request header;
  header.method = "GET";
  header.path = "/api/v1/settings";
  EXPECT_EQ(*web_body_limit(header), 0u);
  header.method = "HEAD";
  EXPECT_EQ(*web_body_limit(header), 0u);
  for (const char* method : {"POST", "PATCH", "PUT", "DELETE"}) {
    header.method = method;
    EXPECT_EQ(*web_body_limit(header), kWebBodyBytes);
  }
  EXPECT_EQ(kWebBodyBytes, 16u * 1024);
}

TEST(WebApi, CommandsWork) {
  Site s;
  ASSERT_EQ(s.get("/?page=devlogin&devpass=0000").status, 200);
  const Response pout = s.get("/?page=pout&state=1");
  EXPECT_EQ(pout.status, 200);
  EXPECT_EQ(json::parse(pout.body), (json{{"pout", "1"}, {"result", "ok"}}));
  EXPECT_TRUE(s.device->output_on());
  EXPECT_EQ(s.call("POST", "/api/v1/output", R"({"on":false})").status, 200);
  EXPECT_FALSE(s.device->output_on());
  const Response patched = s.call("PATCH", "/api/v1/settings", R"({"mqtt":{"prefix":"home/"}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(s.device->settings().mqtt.prefix, "home/");
  EXPECT_EQ(json::parse(patched.body)["mqtt"]["password"], "");
  EXPECT_EQ(s.get("/?page=mqtt&prefix=smart-maic/&separat=1").status, 200);
  EXPECT_EQ(s.device->settings().mqtt.layout, 1);
  const Response init = s.get("/?page=webinit");
  EXPECT_EQ(json::parse(init.body)["separat"], 1);
}

TEST(WebApi, OpenEndpointsAndTheSite) {
  Site s;
  EXPECT_EQ(s.get("/").body, "the site");
  EXPECT_EQ(s.get("/app.js").body, "the site");
  const Response status = s.get("/api/v1/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(json::parse(status.body)["devtype"], "D103");
  const json server = json::parse(status.body)["server"];
  EXPECT_EQ(server,
            (json{{"state", "disabled"}, {"last_success", 0}, {"backlog", 0}, {"error", ""}}));
  ServerReport report;
  report.state = ServiceState::kError;
  report.last_success = 1'700'000'000;
  report.last_error = "POST /uplink/v1/minutes: 503 busy";
  s.device->report_server(report);
  const json reported = json::parse(s.get("/api/v1/status").body)["server"];
  EXPECT_EQ(reported["state"], "error");
  EXPECT_EQ(reported["last_success"], 1'700'000'000);
  EXPECT_EQ(reported["error"], "POST /uplink/v1/minutes: 503 busy");
  const Response metrics = s.get("/metrics");
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("maic_voltage_volts{"), std::string::npos);
  for (const char* metric : {"maic_server_connected{", "maic_server_backlog_records{",
                             "maic_server_last_success_timestamp_seconds{"}) {
    EXPECT_NE(metrics.body.find(metric), std::string::npos) << metric;
  }
  EXPECT_EQ(s.get("/api/v1/readings").status, 200);
}

TEST(WebApi, ShedsLoadWith429) {
  Site s({.requests_per_second = 1, .burst = 3});
  for (int k = 0; k < 3; ++k) EXPECT_EQ(s.get("/api/v1/status").status, 200);
  const Response shed = s.get("/api/v1/status");
  EXPECT_EQ(shed.status, 429);
  EXPECT_EQ(s.get("/api/v1/status", "10.0.0.77").status, 200);
  s.clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(s.get("/api/v1/status").status, 200);
}

TEST(WebApi, JournalAsCsv) {
  Site s;
  for (int k = 0; k < 26; ++k) {
    s.clock.advance(std::chrono::seconds(5));
    s.device->step();
  }
  ASSERT_EQ(s.get("/?page=devlogin&devpass=0000").status, 200);
  const Response csv = s.get("/api/v1/journal.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.substr(0, 12), "time,V1,V2,V");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 3) << csv.body;
  // The journaled minutes carry their frequency (they read 0 before
  // version 3 of the journal).
  auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');) out.push_back(cell);
    return out;
  };
  std::stringstream lines(csv.body);
  std::string head, row;
  ASSERT_TRUE(std::getline(lines, head) && std::getline(lines, row));
  const auto names = cells(head);
  const auto values = cells(row);
  ASSERT_EQ(names.size(), values.size());
  for (const char* name : {"Fr1", "Fr2", "Fr3"}) {
    const auto at = std::find(names.begin(), names.end(), name);
    ASSERT_NE(at, names.end()) << name;
    EXPECT_NEAR(std::stod(values[static_cast<std::size_t>(at - names.begin())]), 50, 0.5) << row;
  }
}

// A meter that answers while `*up` and fails otherwise: one reading per
// poll, 231 V, 2 A, 400 W, PF 0.87, 50 Hz on each phase.
class SwitchedSource final : public metering::MeterSource {
 public:
  explicit SwitchedSource(std::shared_ptr<bool> up) : up_(std::move(up)) {}
  std::string describe() const override { return "switched"; }
  int phases() const override { return 3; }
  Status poll(SteadyTime now, std::vector<Reading>& out) override {
    if (!*up_) return make_error("meter unreachable");
    Reading r;
    r.end = now;
    r.span = std::chrono::seconds(5);
    for (PhaseValues& p : r.phase) {
      p.volts = 231;
      p.amps = 2;
      p.watts = 400;
      p.power_factor = 0.87;
      p.hertz = 50;
      p.wh_delta = 0.5;
    }
    out.push_back(r);
    return ok_status();
  }

 private:
  std::shared_ptr<bool> up_;
};

constexpr std::int64_t kFirstMinute = 1'699'990'020;

// From the moment the routes exist, before any reading, every page answers
// 200 in the shape clients parse (compat.md §1: the Home Assistant client
// takes any other status but 400 for a broken device). With an empty
// journal the values are the meters (zero on a new device), zeros for the
// rest and the board's temperature, stamped with the wall clock's now.
TEST(WebApi, PagesAnswerBeforeTheFirstReadingWithoutAJournal) {
  Site s{Site::Unopened{}};
  s.open(s.synthetic(), {}, [] { return std::optional<double>(41.5); });
  const std::string devid = s.device->identity().devid;
  ASSERT_FALSE(s.device->latest());

  const Response r = s.get("/?page=getdata&devid=" + devid + "&devpass=0000");
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  expect_getdata_shape(j, devid);
  expect_numeric_data(j["data"]);
  EXPECT_EQ(j["time"], unix_seconds(s.clock.wall_now()));
  EXPECT_EQ(j["data"]["V1"]["value"], "0.0");
  EXPECT_EQ(j["data"]["Wh1"]["value"], "0.0");
  EXPECT_EQ(j["data"]["T"]["value"], "41.5");

  ASSERT_EQ(s.get("/?page=devlogin&devpass=0000").status, 200);
  const Response w = s.get("/?page=getwdata");
  ASSERT_EQ(w.status, 200) << w.body;
  expect_numeric_data(json::parse(w.body)["data"]);
  EXPECT_EQ(s.get("/?page=webinit").status, 200);

  // The meters' starting values show at once.
  ASSERT_EQ(s.get("/?page=initval&Wh2=123456").status, 200);
  EXPECT_EQ(json::parse(s.get("/?page=getwdata").body)["data"]["Wh2"]["value"], "123456.0");

  // The JSON API's reading is a measurement: none yet (docs/device.md); the
  // rest of it and the metrics answer.
  EXPECT_EQ(s.get("/api/v1/readings").status, 503);
  EXPECT_EQ(s.get("/api/v1/status").status, 200);
  const Response metrics = s.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("maic_uptime_seconds{"), std::string::npos);
  EXPECT_EQ(metrics.body.find("maic_voltage_volts"), std::string::npos) << "not measured yet";
  EXPECT_EQ(s.get("/api/v1/journal.csv").status, 200);
}

// With a journal (a restart), the values before the first reading are the
// last journaled minute's means, stamped with its end, and the meters as
// they stand; the same while a meter is down from the start.
TEST(WebApi, PagesAnswerBeforeTheFirstReadingFromTheJournal) {
  Site s{Site::Unopened{}};
  // Three minutes of 230 V, 10 A, PF 1, 50 Hz and 38.33 Wh a minute per phase;
  // lifetime meters 3 × 38.33 Wh.
  testing::append_minutes(s.storage, 3, kFirstMinute);
  auto up = std::make_shared<bool>(false);
  s.open(std::make_unique<SwitchedSource>(up));
  const std::string devid = s.device->identity().devid;

  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    const Response r = s.get("/?page=getdata&devid=" + devid + "&devpass=0000");
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    expect_getdata_shape(j, devid);
    expect_numeric_data(j["data"]);
    EXPECT_EQ(j["time"], kFirstMinute + 3 * 60);
    const json& d = j["data"];
    EXPECT_EQ(d["V1"]["value"], "230.0");
    EXPECT_EQ(d["A2"]["value"], "10.000");
    EXPECT_EQ(d["W3"]["value"], "2299.8");  // 38.33 Wh in a minute
    EXPECT_EQ(d["PF1"]["value"], "1.000");
    EXPECT_EQ(d["Fr2"]["value"], "50.00");
    EXPECT_EQ(d["Wh1"]["value"], "115.0");  // 114.99 Wh
    EXPECT_EQ(d["T"]["value"], "31.0");
    ASSERT_EQ(s.get("/?page=devlogin&devpass=0000").status, 200);
    const Response w = s.get("/?page=getwdata");
    ASSERT_EQ(w.status, 200);
    EXPECT_EQ(json::parse(w.body)["data"], d);
  };
  check("before the first poll");
  s.clock.advance(std::chrono::seconds(5));
  EXPECT_TRUE(s.device->step().empty());
  EXPECT_EQ(s.device->status().source.last_error, "meter unreachable");
  check("with the meter down");
}

// A meter that goes down after answering: the last reading stands.
TEST(WebApi, PagesAnswerWithTheLastReadingWhileTheSourceIsDown) {
  Site s{Site::Unopened{}};
  auto up = std::make_shared<bool>(true);
  s.open(std::make_unique<SwitchedSource>(up));
  const std::string devid = s.device->identity().devid;
  s.clock.advance(std::chrono::seconds(5));
  ASSERT_EQ(s.device->step().size(), 1u);
  const std::int64_t read_at = unix_seconds(s.clock.wall_now());
  *up = false;
  s.clock.advance(std::chrono::seconds(5));
  EXPECT_TRUE(s.device->step().empty());

  const Response r = s.get("/?page=getdata&devid=" + devid + "&devpass=0000");
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  expect_getdata_shape(j, devid);
  EXPECT_EQ(j["time"], read_at);
  EXPECT_EQ(j["data"]["V1"]["value"], "231.0");
  EXPECT_EQ(j["data"]["Wh1"]["value"], "0.5");
  EXPECT_EQ(s.get("/api/v1/readings").status, 200);
}

// Issue 9 K4: 227.92000000000002 V showed as such; a CSV is for people,
// at the catalogue's decimals (one for volts).
TEST(WebApi, TheJournalCsvShowsTheCataloguesDecimals) {
  MinuteRecord m;
  m.minute = 1'700'000'040;
  m.phases = 1;
  m.phase[0].volts = 227.92000000000002;
  m.phase[0].amps = 1.0 / 3;
  m.phase[0].watts = 2400.0000001;
  m.phase[0].power_factor = -1e-9;  // rounds to 0, not -0
  const std::string csv = minutes_csv(std::span(&m, 1), 1);
  EXPECT_EQ(csv.substr(csv.find('\n') + 1), "1700000040,227.9,0.333,2400,0,0,0,0,0,0,0\n");
}

}  // namespace
}  // namespace maic::device
