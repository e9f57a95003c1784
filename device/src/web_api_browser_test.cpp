// The browser rules of docs/security.md, "The device: a LAN attacker",
// through the real routes: what a foreign page in a LAN user's browser, or
// a DNS-rebinding page, sends is refused and changes nothing; cookie-less
// scripts (Home Assistant, curl) are served under any Host.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "maic/device/settings_json.hpp"
#include "maic/device/web_api.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"

namespace maic::device {
namespace {

using http::Headers;
using http::Request;
using http::Response;
using nlohmann::json;
using Fields = std::vector<Headers::Field>;

constexpr std::string_view kHost = "192.168.1.20";  // the device, as a browser names it
constexpr std::string_view kOrigin = "http://192.168.1.20";

struct Device1 {
  VirtualClock clock;
  MemoryStorage storage;
  std::unique_ptr<Device> device;
  http::Router router;

  explicit Device1(WebApiOptions options = {.requests_per_second = 1000, .burst = 1000}) {
    metering::SyntheticConfig c;
    const metering::PhaseLoad load{230, 5, 20};
    c.profile = metering::constant_profile({load, load, load});
    auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                  clock.steady_now(), "synthetic");
    DeviceOptions o;
    o.firmware_version = "test";
    auto d = Device::open({clock, storage, std::move(source).value(),
                           [](std::span<std::byte> out) {
                             for (auto& b : out) b = std::byte{7};
                           }},
                          o);
    EXPECT_TRUE(d.ok()) << d.error().message;
    device = std::move(d).value();
    // The site's files answer with their path: which page "/" served shows.
    add_web_routes(
        router, *device, clock, [](const Request& q) { return Response::text("file " + q.path); },
        options);
    clock.advance(std::chrono::seconds(5));
    device->step();
  }

  Response call(std::string method, std::string target, Fields fields = {}, std::string body = "",
                std::string remote = "10.0.0.2") {
    Request q;
    q.method = std::move(method);
    const auto mark = target.find('?');
    q.path = target.substr(0, mark);
    if (mark != std::string::npos) q.query = *http::parse_query(target.substr(mark + 1));
    q.target = std::move(target);
    for (auto& f : fields) q.headers.add(std::move(f.name), std::move(f.value));
    q.body = std::move(body);
    q.remote = std::move(remote);
    return router.handle(q);
  }
  Response get(std::string target, Fields fields = {}, std::string remote = "10.0.0.2") {
    return call("GET", std::move(target), std::move(fields), "", std::move(remote));
  }
};

// A browser's session: the cookie pair and the CSRF token of its log-in.
struct Session {
  std::string cookie;  // "maic_session=..."
  std::string csrf;
};

// Logs in as a same-origin page of the device's own site does.
Session browser_login(Device1& d, std::string remote = "10.0.0.2") {
  const Response r = d.call("POST", "/api/v1/login",
                            {{"Host", std::string(kHost)},
                             {"Origin", std::string(kOrigin)},
                             {"Sec-Fetch-Site", "same-origin"},
                             {"Content-Type", "application/json"}},
                            R"({"pin":"0000"})", std::move(remote));
  EXPECT_EQ(r.status, 200) << r.body;
  const std::string set = std::string(r.headers.get("Set-Cookie").value_or(""));
  return {set.substr(0, set.find(';')), json::parse(r.body).value("csrf_token", "")};
}

// The fields a same-origin fetch with the session sends.
Fields same_origin(const Session& s, bool with_csrf = true) {
  Fields f{{"Host", std::string(kHost)},
           {"Origin", std::string(kOrigin)},
           {"Sec-Fetch-Site", "same-origin"},
           {"Cookie", s.cookie}};
  if (with_csrf) f.push_back({"X-CSRF-Token", s.csrf});
  return f;
}

std::string error_of(const Response& r) { return json::parse(r.body).value("error", ""); }

TEST(WebApiBrowser, CrossSiteMarksAreRefusedOnEveryApiRoute) {
  Device1 d;
  const Session s = browser_login(d);
  // {fields added to the session's, why}.
  const std::pair<Fields, std::string_view> marks[] = {
      {{{"Origin", "http://evil.example"}}, "a foreign Origin"},
      {{{"Origin", "null"}}, "Origin: null (a sandboxed page)"},
      {{{"Referer", "http://evil.example/page"}}, "a foreign Referer without Origin"},
      {{{"Sec-Fetch-Site", "cross-site"}}, "Sec-Fetch-Site: cross-site"},
      {{{"Sec-Fetch-Site", "same-site"}}, "Sec-Fetch-Site: same-site (a sibling LAN host)"},
  };
  const std::string targets[] = {"/?page=getwdata",     "/?page=webinit",
                                 "/?page=pout&state=1", "/?page=devlogin&devpass=0000",
                                 "/api/v1/settings",    "/api/v1/status"};
  for (const auto& [mark, why] : marks) {
    for (const std::string& target : targets) {
      Fields f{{"Host", std::string(kHost)}, {"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}};
      f.insert(f.end(), mark.begin(), mark.end());
      const Response r = d.get(target, f);
      EXPECT_EQ(r.status, 403) << why << " " << target;
      EXPECT_NE(error_of(r).find("cross-site request refused"), std::string::npos) << r.body;
    }
    // And without a cookie: a foreign page's request is refused all the same.
    Fields f{{"Host", std::string(kHost)}};
    f.insert(f.end(), mark.begin(), mark.end());
    EXPECT_EQ(d.get("/?page=devlogin&devpass=0000", f).status, 403) << why;
  }
  EXPECT_FALSE(d.device->output_on());
}

TEST(WebApiBrowser, SameOriginAndTypedRequestsPass) {
  Device1 d;
  const Session s = browser_login(d);
  for (std::string_view site : {"same-origin", "none"}) {
    Fields f = same_origin(s);
    f[2].value = std::string(site);
    EXPECT_EQ(d.get("/?page=getwdata", f).status, 200) << site;
  }
  Fields referer{{"Host", std::string(kHost)},
                 {"Referer", std::string(kOrigin) + "/index.html"},
                 {"Cookie", s.cookie}};
  EXPECT_EQ(d.get("/?page=webinit", referer).status, 200) << "our own page as Referer";
  EXPECT_EQ(d.get("/?page=pout&state=1", same_origin(s)).status, 200);
  EXPECT_TRUE(d.device->output_on());
}

// The attack of issue 10: an <img src="http://device/?page=mqtt&serv=evil">
// on a foreign page, in a browser that holds the device's cookie. Even
// where the browser sends no cross-site mark at all, it cannot add the
// CSRF token.
TEST(WebApiBrowser, AnImgToTheMqttPageWithTheCookieChangesNothing) {
  Device1 d;
  const Session s = browser_login(d);
  const Settings before = d.device->settings();
  const std::string img = "/?page=mqtt&serv=evil.example&port=1883&mqtt_on=1";
  const Fields variants[] = {
      {{"Host", std::string(kHost)}, {"Cookie", s.cookie}},
      {{"Host", std::string(kHost)}, {"Cookie", s.cookie}, {"Sec-Fetch-Dest", "image"}},
      {{"Host", std::string(kHost)},
       {"Cookie", s.cookie},
       {"Sec-Fetch-Site", "cross-site"},
       {"Sec-Fetch-Dest", "image"}},
      {{"Host", std::string(kHost)}, {"Cookie", s.cookie}, {"X-CSRF-Token", "guessed"}},
  };
  for (const Fields& f : variants) {
    const Response r = d.get(img, f);
    EXPECT_EQ(r.status, 403) << r.body;
  }
  for (const std::string target : {"/?page=pout&state=1", "/?page=initval&Wh1=5000"}) {
    EXPECT_EQ(d.get(target, variants[0]).status, 403) << target;
  }
  EXPECT_EQ(d.device->settings().mqtt.host, before.mqtt.host);
  EXPECT_EQ(d.device->settings().mqtt.enabled, before.mqtt.enabled);
  EXPECT_FALSE(d.device->output_on());
  // With the session's token (the device's own page) it is taken.
  EXPECT_EQ(d.get(img, same_origin(s)).status, 200);
  EXPECT_EQ(d.device->settings().mqtt.host, "evil.example");
}

TEST(WebApiBrowser, JsonRoutesNeedAJsonBodyAndTheTokenFromACookieSession) {
  Device1 d;
  const Session s = browser_login(d);
  Fields plain = same_origin(s);
  plain.push_back({"Content-Type", "text/plain"});
  EXPECT_EQ(d.call("POST", "/api/v1/output", plain, R"({"on":true})").status, 415);
  Fields no_origin{{"Host", std::string(kHost)},
                   {"Cookie", s.cookie},
                   {"X-CSRF-Token", s.csrf},
                   {"Content-Type", "text/plain"}};
  EXPECT_EQ(d.call("POST", "/api/v1/output", no_origin, R"({"on":true})").status, 415)
      << "the cookie alone makes the rules apply";
  Fields no_token = same_origin(s, false);
  no_token.push_back({"Content-Type", "application/json"});
  EXPECT_EQ(d.call("POST", "/api/v1/output", no_token, R"({"on":true})").status, 403);
  EXPECT_EQ(d.call("POST", "/api/v1/factory-reset", same_origin(s, false)).status, 403);
  EXPECT_EQ(d.call("PATCH", "/api/v1/settings", no_token, R"({"pin":"1234"})").status, 403);
  EXPECT_FALSE(d.device->output_on());
  EXPECT_EQ(d.device->settings().pin, "0000");
  Fields good = same_origin(s);
  good.push_back({"Content-Type", "application/json; charset=utf-8"});
  EXPECT_EQ(d.call("POST", "/api/v1/output", good, R"({"on":true})").status, 200);
  EXPECT_TRUE(d.device->output_on());
  // A browser's log-in itself must be JSON too (log-in CSRF).
  Fields login{{"Host", std::string(kHost)},
               {"Origin", std::string(kOrigin)},
               {"Content-Type", "text/plain"}};
  EXPECT_EQ(d.call("POST", "/api/v1/login", login, R"({"pin":"0000"})").status, 415);
}

TEST(WebApiBrowser, AForeignHostIsRefusedToBrowsersAndServedToScripts) {
  WebApiOptions o{.requests_per_second = 1000, .burst = 1000, .host_names = {"maic-d103"}};
  Device1 d(o);
  const Session s = browser_login(d);
  for (std::string_view host :
       {"rebound.evil.example", "rebound.evil.example:80", "maic-d103.evil"}) {
    Fields f{{"Host", std::string(host)}, {"Cookie", s.cookie}};
    const Response r = d.get("/?page=webinit", f);
    EXPECT_EQ(r.status, 403) << host;
    EXPECT_NE(error_of(r).find("Host"), std::string::npos) << r.body;
    Fields marked{{"Host", std::string(host)}, {"Sec-Fetch-Site", "same-origin"}};
    EXPECT_EQ(d.get("/api/v1/status", marked).status, 403) << "a rebinding page reads status";
  }
  for (std::string_view host :
       {"maic-d103", "MAIC-D103.local:80", "localhost:8080", "[fe80::1]", "192.168.1.20:80"}) {
    Fields f{{"Host", std::string(host)}, {"Cookie", s.cookie}};
    EXPECT_EQ(d.get("/?page=webinit", f).status, 200) << host;
  }
  // A script (no cookie, no browser marks) under any Host.
  ASSERT_EQ(d.get("/?page=devlogin&devpass=0000", {}, "10.0.0.7").status, 200);
  EXPECT_EQ(d.get("/?page=webinit", {{"Host", "rebound.evil.example"}}, "10.0.0.7").status, 200);
}

// compat.md §1: Home Assistant logs in with devlogin, keeps no cookie and is
// authorised by its address — under whatever name it reaches the device and
// with the Sec-Fetch-Mode that Node's fetch adds.
TEST(WebApiBrowser, TheHomeAssistantFlowWorksUnderAnyHost) {
  WebApiOptions o{.requests_per_second = 1000, .burst = 1000, .host_names = {"maic-d103"}};
  for (const Fields& f : {Fields{{"Host", "some.rebound.name"}},
                          Fields{{"Host", "some.rebound.name"}, {"Sec-Fetch-Mode", "cors"}},
                          Fields{{"Sec-Fetch-Mode", "cors"}}}) {
    Device1 d(o);
    const Response login = d.get("/?page=devlogin&devpass=0000", f);
    ASSERT_EQ(login.status, 200) << login.body;
    EXPECT_EQ(d.get("/?page=webinit", f).status, 200);
    EXPECT_EQ(d.get("/?page=getwdata", f).status, 200);
    EXPECT_EQ(d.get("/?page=mqtt&serv=127.0.0.1&port=1883&mqtt_on=0&separat=2", f).status, 200);
    EXPECT_EQ(d.device->settings().mqtt.host, "127.0.0.1");
    EXPECT_EQ(d.get("/?page=pout&state=1", f).status, 200);
    EXPECT_TRUE(d.device->output_on());
    EXPECT_EQ(d.get("/?page=initval&Wh1=123456", f).status, 200);
    const std::string devid = d.device->identity().devid;
    EXPECT_EQ(d.get("/?page=getdata&devid=" + devid + "&devpass=0000", f).status, 200);
    // A cookie-less script's JSON may be labelled anything.
    EXPECT_EQ(d.call("POST", "/api/v1/output", f, R"({"on":false})").status, 200);
  }
}

TEST(WebApiBrowser, ABrowsersLogInDoesNotAuthoriseItsAddress) {
  Device1 d;
  const Session s = browser_login(d, "10.0.0.9");
  EXPECT_FALSE(s.csrf.empty());
  EXPECT_EQ(d.get("/?page=getwdata", {}, "10.0.0.9").status, 401)
      << "another program (or page) from the browser's address";
  EXPECT_EQ(d.get("/?page=getwdata", same_origin(s), "10.0.0.9").status, 200);
  // devlogin from a browser too: Sec-Fetch-Dest alone marks it.
  ASSERT_EQ(
      d.get("/?page=devlogin&devpass=0000", {{"Sec-Fetch-Dest", "document"}}, "10.0.0.8").status,
      200);
  EXPECT_EQ(d.get("/?page=getwdata", {}, "10.0.0.8").status, 401);
  // A script's log-in does authorise its address.
  ASSERT_EQ(d.get("/?page=devlogin&devpass=0000", {{"Sec-Fetch-Mode", "cors"}}, "10.0.0.7").status,
            200);
  EXPECT_EQ(d.get("/?page=getwdata", {}, "10.0.0.7").status, 200);
}

TEST(WebApiBrowser, ABrowserWithoutASessionCannotChangeState) {
  Device1 d;
  ASSERT_EQ(d.get("/?page=devlogin&devpass=0000", {}, "10.0.0.2").status, 200);  // a script
  // A page in a browser on the same machine: authorised by address, but a
  // browser's request, so it needs a session of its own and its token.
  const Response r = d.get("/?page=pout&state=1",
                           {{"Host", std::string(kHost)}, {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(error_of(r).find("X-CSRF-Token"), std::string::npos) << r.body;
  EXPECT_FALSE(d.device->output_on());
}

// The device-wide PIN budget (docs/security.md): 49 addresses with 5 wrong
// PINs each (each address's own budget) do not open the way to the PIN.
TEST(WebApiBrowser, TheDeviceWidePinBudgetHoldsAgainstManyAddresses) {
  Device1 d;
  ASSERT_EQ(d.get("/?page=devlogin&devpass=0000", {}, "10.0.1.1").status, 200);  // HA, before
  const Session browser = browser_login(d, "10.0.1.2");
  int refused = 0;
  for (int a = 0; a < 49; ++a) {
    for (int k = 0; k < 5; ++k) {
      const Response r = d.get("/?page=devlogin&devpass=" + std::to_string(1000 + k), {},
                               "10.9.0." + std::to_string(a));
      if (r.status == 429) {
        ++refused;
        EXPECT_TRUE(r.headers.contains("Retry-After"));
      }
      d.clock.advance(std::chrono::microseconds(200));  // 245 tries in 0.05 s
    }
  }
  EXPECT_GT(refused, 200);
  const Response newcomer = d.get("/?page=devlogin&devpass=0000", {}, "10.0.2.1");
  EXPECT_EQ(newcomer.status, 429) << newcomer.body;
  EXPECT_NE(error_of(newcomer).find("on this device"), std::string::npos);
  const auto retry = std::stoi(std::string(newcomer.headers.get("Retry-After").value_or("0")));
  EXPECT_GE(retry, 1);
  // Already-authorised clients still log in: the address, the live session.
  EXPECT_EQ(d.get("/?page=devlogin&devpass=0000", {}, "10.0.1.1").status, 200);
  EXPECT_EQ(
      d.get("/?page=getdata&devid=" + d.device->identity().devid + "&devpass=0000", {}, "10.0.1.1")
          .status,
      200);
  Fields f = same_origin(browser);
  f.push_back({"Content-Type", "application/json"});
  EXPECT_EQ(d.call("POST", "/api/v1/login", f, R"({"pin":"0000"})", "10.0.1.2").status, 200);
  // The backoff ends by time.
  d.clock.advance(std::chrono::seconds(retry));
  EXPECT_EQ(d.get("/?page=devlogin&devpass=0000", {}, "10.0.2.1").status, 200);
}

}  // namespace
}  // namespace maic::device

namespace maic::device {
namespace {

// The log-in page's form, as a browser posts it (compat.md §1: the
// exporters' headless browsers fill `.minput`, click `.msbmit`, and wait
// for the navigation).
Response post_form(Device1& d, std::string body, std::string origin = std::string(kOrigin),
                   std::string fetch_site = "same-origin") {
  Fields f{{"Host", std::string(kHost)},
           {"Origin", std::move(origin)},
           {"Sec-Fetch-Site", std::move(fetch_site)},
           {"Content-Type", "application/x-www-form-urlencoded"}};
  return d.call("POST", "/login", std::move(f), std::move(body));
}

std::string cookie_of(const Response& r) {
  const std::string set(r.headers.get("Set-Cookie").value_or(""));
  return set.substr(0, set.find(';'));
}

TEST(WebSite, FrontPageIsTheLoginPageUntilTheFormSetsASession) {
  Device1 d;
  const Response before = d.get("/", {{"Host", std::string(kHost)}});
  EXPECT_EQ(before.body, "file /login.html");
  EXPECT_TRUE(before.headers.contains("Content-Security-Policy"));

  const Response in = post_form(d, "pin=0000");
  EXPECT_EQ(in.status, 303);
  EXPECT_EQ(in.headers.get("Location"), "./");
  const std::string cookie = cookie_of(in);
  ASSERT_TRUE(cookie.starts_with("maic_session=")) << cookie;

  const Fields with_cookie{{"Host", std::string(kHost)}, {"Cookie", cookie}};
  EXPECT_EQ(d.get("/", with_cookie).body, "file /");
  // The exporter's next step: getwdata in the same browser.
  const Response data = d.get("/?page=getwdata", with_cookie);
  EXPECT_EQ(data.status, 200) << data.body;
  EXPECT_TRUE(json::parse(data.body).contains("data"));
}

TEST(WebSite, AnAddressGrantAloneDoesNotOpenTheSite) {
  Device1 d;
  ASSERT_EQ(d.get("/?page=devlogin&devpass=0000").status, 200);
  EXPECT_EQ(d.get("/?page=getwdata").status, 200);  // the script's grant works...
  EXPECT_EQ(d.get("/").body, "file /login.html");   // ...but is no session
}

TEST(WebSite, AWrongPinGoesBackToTheLoginPageWithTheReason) {
  Device1 d;
  const Response r = post_form(d, "pin=1234");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.headers.get("Location"), "./?login=wrong");
  EXPECT_FALSE(r.headers.contains("Set-Cookie"));
  // The page API's lockout: five wrong PINs in a row lock the address.
  for (int i = 0; i < 4; ++i) post_form(d, "pin=1234");
  const Response locked = post_form(d, "pin=0000");
  EXPECT_EQ(locked.status, 303);
  EXPECT_TRUE(std::string(locked.headers.get("Location").value_or(""))
                  .starts_with("./?login=locked&retry="))
      << locked.headers.get("Location").value_or("");
  EXPECT_FALSE(locked.headers.contains("Set-Cookie"));
}

TEST(WebSite, TheFormIsRefusedFromAnotherSite) {
  Device1 d;
  for (const auto& [origin, site] :
       {std::pair{"http://attacker.example", "cross-site"},
        std::pair{"http://192.168.1.1", "same-site"}, std::pair{"null", "cross-site"}}) {
    const Response r = post_form(d, "pin=0000", origin, site);
    EXPECT_EQ(r.status, 403) << origin;
    EXPECT_FALSE(r.headers.contains("Set-Cookie")) << origin;
  }
}

TEST(WebSite, TheSessionGivesItsCsrfTokenAndWhetherTheFactoryPinIsSet) {
  Device1 d;
  const Session s = browser_login(d);
  const Response r = d.get("/api/v1/session", same_origin(s, false));
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["csrf_token"], s.csrf);
  EXPECT_EQ(body["factory_pin"], true);
  ASSERT_TRUE(d.device->update_settings(json_patch({{"pin", "4711"}})));
  const Session again = [&] {
    const Response in = post_form(d, "pin=4711");
    return Session{cookie_of(in), ""};
  }();
  EXPECT_EQ(json::parse(d.get("/api/v1/session", same_origin(again, false)).body)["factory_pin"],
            false);
  EXPECT_EQ(d.get("/api/v1/session", {{"Host", std::string(kHost)}}).status, 401);
}

TEST(WebSite, LogOutEndsTheSessionOnly) {
  Device1 d;
  const Session s = browser_login(d);
  const Response out = d.call("POST", "/api/v1/logout", same_origin(s));
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(std::string(out.headers.get("Set-Cookie").value_or("")).find("Max-Age=0"),
            std::string::npos);
  EXPECT_EQ(d.get("/", same_origin(s, false)).body, "file /login.html");
  EXPECT_EQ(d.get("/api/v1/session", same_origin(s, false)).status, 401);
}

TEST(WebSite, CheckingTheServerConnectionNeedsTheSessionsToken) {
  Device1 d;
  const Session s = browser_login(d);
  EXPECT_EQ(d.call("POST", "/api/v1/server/check", same_origin(s, false)).status, 403);
  EXPECT_EQ(d.call("POST", "/api/v1/server/check", same_origin(s)).status, 200);
}

}  // namespace
}  // namespace maic::device

namespace maic::device {
namespace {

TEST(WebSite, TheStatusShowsTheClockAndItsSource) {
  VirtualClock base;
  CorrectedClock corrected(base);
  MemoryStorage storage;
  metering::SyntheticConfig c;
  auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                base.steady_now(), "synthetic");
  auto device = Device::open({corrected, storage, std::move(source).value(),
                              [](std::span<std::byte> out) {
                                for (auto& b : out) b = std::byte{7};
                              }},
                             DeviceOptions{});
  ASSERT_TRUE(device.ok()) << device.error().message;
  http::Router router;
  add_web_routes(router, **device, corrected, [](const Request&) { return Response::text(""); },
                 {.wall_clock = &corrected});
  const auto clock = [&] {
    Request q;
    q.method = "GET";
    q.path = "/api/v1/status";
    q.remote = "10.0.0.2";
    return json::parse(router.handle(q).body)["clock"];
  };
  const auto unix = [](WallTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  EXPECT_EQ(clock()["source"], "rtc");
  EXPECT_EQ(clock()["time"], unix(base.wall_now()));
  EXPECT_EQ(clock()["corrected_at"], 0);

  const WallTime server_time = base.wall_now() + std::chrono::seconds(90);
  corrected.set_wall(server_time);
  EXPECT_EQ(clock()["source"], "server");
  EXPECT_EQ(clock()["corrected_at"], unix(server_time));
  EXPECT_EQ(clock()["time"], unix(server_time));
  EXPECT_EQ(clock()["offset_ms"], 90'000);
}

}  // namespace
}  // namespace maic::device
