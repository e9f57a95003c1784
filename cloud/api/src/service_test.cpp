// The whole server's request handling, without sockets: CloudService over a
// real SQLite store in a temporary directory, with a virtual clock.
#include "maic/cloud/service.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "maic/cloud/board_schema.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/cloud/store.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/service_harness.hpp"

namespace maic::cloud {
namespace {

using nlohmann::json;
constexpr std::int64_t kStart = 1'700'000'000;  // 2023-11-14 22:13:20 UTC

using testing::device_a;
using testing::FakeDevice;
using testing::minute_at;

class ServiceTest : public ::testing::Test, protected testing::ServiceHarness {
 protected:
  ServiceTest() : ServiceHarness(kStart) {
    auto opened = SqliteStore::open((dir_.path() / "cloud.db").string());
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(opened).value();
    serve(*store_);
  }
  ~ServiceTest() override { stop_serving(); }

  maic::testing::TempDir dir_{"maic-cloud-service"};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(ServiceTest, PreferencesFollowTheBrowserUntilChosenAndAreKept) {
  const Account a = register_user("ann@example.org");
  auto prefs_of = [&](const std::string& body) { return json::parse(body).at("preferences"); };
  const json browsers = {{"language", nullptr}, {"theme", "system"}, {"time_zone", nullptr}};
  EXPECT_EQ(prefs_of(call("GET", "/api/v1/profile", "", bearer(a)).body), browsers);

  auto set = call("PATCH", "/api/v1/profile",
                  json{{"language", "uk"}, {"theme", "dark"}, {"time_zone", "Europe/Kyiv"}}.dump(),
                  browser(a));
  ASSERT_EQ(set.status, 200) << set.body;
  const json chosen = {{"language", "uk"}, {"theme", "dark"}, {"time_zone", "Europe/Kyiv"}};
  EXPECT_EQ(prefs_of(set.body), chosen);
  EXPECT_EQ(prefs_of(call("GET", "/api/v1/profile", "", bearer(a)).body), chosen);
  // A log-in brings them back.
  auto login = call("POST", "/api/v1/login",
                    json{{"email", "ann@example.org"}, {"password", "correct horse"}}.dump());
  EXPECT_EQ(prefs_of(login.body), chosen);

  // One member at a time; null gives a choice back to the browser.
  auto part = call("PATCH", "/api/v1/profile", R"({"language": null})", bearer(a));
  ASSERT_EQ(part.status, 200) << part.body;
  EXPECT_EQ(prefs_of(part.body),
            (json{{"language", nullptr}, {"theme", "dark"}, {"time_zone", "Europe/Kyiv"}}));
}

TEST_F(ServiceTest, ABadPreferenceIsNamedAndNothingChanges) {
  const Account a = register_user("ann@example.org");
  ASSERT_EQ(
      call("PATCH", "/api/v1/profile", R"({"language": "de", "theme": "light"})", bearer(a)).status,
      200);
  struct Case {
    const char* body;
    const char* field;
  };
  for (const Case& c : {
           Case{R"({"language": "ua"})", "language:"},  // the manual's code, not BCP 47
           Case{R"({"language": "xx"})", "language:"},
           Case{R"({"language": 7})", "language:"},
           Case{R"({"theme": "blue"})", "theme:"},
           Case{R"({"theme": null})", "theme:"},
           Case{R"({"time_zone": "Mars/Olympus"})", "time_zone:"},
           Case{R"({"time_zone": "Europe/Kyiv", "language": "xx"})", "language:"},
           Case{R"({"colour": "red"})", "colour:"},
           Case{R"([])", "object"},
       }) {
    auto r = call("PATCH", "/api/v1/profile", c.body, bearer(a));
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body.find(c.field), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(json::parse(call("GET", "/api/v1/profile", "", bearer(a)).body).at("preferences"),
            (json{{"language", "de"}, {"theme", "light"}, {"time_zone", nullptr}}));
  EXPECT_EQ(call("PATCH", "/api/v1/profile", R"({"theme": "dark"})").status, 401);
}

TEST_F(ServiceTest, RegisterLogInProfileAndLogOut) {
  const Account a = register_user("Ann@Example.org");
  EXPECT_EQ(a.api_key.size(), 64u);
  EXPECT_NE(a.cookie.find("maic_session="), std::string::npos);

  auto again = call("POST", "/api/v1/register",
                    json{{"email", "ann@example.org"}, {"password", "another one"}}.dump());
  EXPECT_EQ(again.status, 409) << again.body;

  auto wrong = call("POST", "/api/v1/login",
                    json{{"email", "ann@example.org"}, {"password", "wrong horse"}}.dump());
  EXPECT_EQ(wrong.status, 401);
  auto login = call("POST", "/api/v1/login",
                    json{{"email", "ANN@example.org"}, {"password", "correct horse"}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string set_cookie(*login.headers.get("Set-Cookie"));
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Lax"), std::string::npos);

  auto profile = call("GET", "/api/v1/profile", "", browser(a, false));
  ASSERT_EQ(profile.status, 200) << profile.body;
  EXPECT_EQ(json::parse(profile.body).at("email"), "ann@example.org");
  EXPECT_EQ(json::parse(profile.body).at("api_key"), a.api_key);

  EXPECT_EQ(call("POST", "/api/v1/logout", "", browser(a)).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/profile", "", browser(a, false)).status, 401);
}

TEST_F(ServiceTest, BrowsersNeedTheCsrfTokenScriptsTheirKey) {
  const Account a = register_user("ann@example.org");
  const std::string body = json{{"name", "x"}, {"devid", "1828719372"}, {"pin", "1234"}}.dump();
  auto no_token = call("POST", "/api/v1/devices", body, browser(a, false));
  EXPECT_EQ(no_token.status, 403) << no_token.body;
  auto cross_site = browser(a);
  cross_site.push_back({"Origin", "https://evil.test"});
  EXPECT_EQ(call("POST", "/api/v1/devices", body, cross_site).status, 403);
  // With the token the request passes authentication (and fails later: no such device).
  EXPECT_EQ(call("POST", "/api/v1/devices", body, browser(a)).status, 404);
  EXPECT_EQ(call("POST", "/api/v1/devices", body, {{"Authorization", "Bearer nope"}}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/devices").status, 401);
}

TEST_F(ServiceTest, ApiKeyRegeneratesAndTheOldOneStopsWorking) {
  const Account a = register_user("ann@example.org");
  auto fresh = call("POST", "/api/v1/apikey", "", bearer(a));
  ASSERT_EQ(fresh.status, 200);
  const std::string key = json::parse(fresh.body).at("api_key");
  EXPECT_NE(key, a.api_key);
  EXPECT_EQ(call("GET", "/api/v1/profile", "", bearer(a)).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/profile", "", {{"Authorization", "Bearer " + key}}).status, 200);
}

TEST_F(ServiceTest, PasswordChangeLogsOutOtherSessions) {
  const Account a = register_user("ann@example.org");
  auto other = call("POST", "/api/v1/login",
                    json{{"email", "ann@example.org"}, {"password", "correct horse"}}.dump());
  std::string other_cookie(*other.headers.get("Set-Cookie"));
  other_cookie = other_cookie.substr(0, other_cookie.find(';'));
  auto bad = call("POST", "/api/v1/password",
                  json{{"current", "nope nope"}, {"new", "battery staple"}}.dump(), browser(a));
  EXPECT_EQ(bad.status, 403);
  auto ok = call("POST", "/api/v1/password",
                 json{{"current", "correct horse"}, {"new", "battery staple"}}.dump(), browser(a));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(call("GET", "/api/v1/profile", "", {{"Cookie", other_cookie}}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/profile", "", browser(a, false)).status, 200);
  // The API key, which anyone logged in could read, is replaced too; the
  // answer carries the new one and this session's CSRF token.
  const json changed = json::parse(ok.body);
  const std::string key = changed.at("api_key");
  EXPECT_NE(key, a.api_key);
  EXPECT_EQ(changed.at("csrf_token"), a.csrf);
  EXPECT_EQ(call("GET", "/api/v1/profile", "", bearer(a)).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/profile", "", {{"Authorization", "Bearer " + key}}).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/login",
                 json{{"email", "ann@example.org"}, {"password", "battery staple"}}.dump())
                .status,
            200);
}

TEST_F(ServiceTest, FailedLogInsAreLimitedPerAccountAndAddress) {
  register_user("ann@example.org");
  const std::string attacker = "198.51.100.1";
  const auto attempt = [&](const std::string& password, const std::string& remote) {
    return call("POST", "/api/v1/login",
                json{{"email", "ann@example.org"}, {"password", password}}.dump(), {}, remote);
  };
  // The default budget of one (account, address): 10 failures, then 429
  // with the wait until the next attempt (one every 6 s).
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(attempt("guess " + std::to_string(i), attacker).status, 401);
  const auto refused = attempt("guess 10", attacker);
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.headers.get("Retry-After"), "6");
  // Refused before the password is looked at: the right one fares the same.
  EXPECT_EQ(attempt("correct horse", attacker).status, 429);

  // The owner, elsewhere, is not locked out by any of it.
  EXPECT_EQ(attempt("correct horse", "203.0.113.9").status, 200);
  EXPECT_EQ(attempt("correct horse", "2001:db8::1").status, 200);

  // The attacker's address gets one attempt per 6 s again.
  clock_.advance(std::chrono::seconds(6));
  EXPECT_EQ(attempt("guess 11", attacker).status, 401);
  EXPECT_EQ(attempt("guess 12", attacker).status, 429);
  // After a quiet minute a person there gets in again.
  clock_.advance(std::chrono::minutes(2));
  EXPECT_EQ(attempt("correct horse", attacker).status, 200);
}

TEST_F(ServiceTest, AnIpv6ClientIsCountedByItsSlash64) {
  register_user("ann@example.org");
  const auto attempt = [&](const std::string& password, const std::string& remote) {
    return call("POST", "/api/v1/login",
                json{{"email", "ann@example.org"}, {"password", password}}.dump(), {}, remote)
        .status;
  };
  for (int i = 0; i < 10; ++i) {
    // A fresh address of one /64 each time: one budget all the same.
    EXPECT_EQ(attempt("guess", "2001:db8:1:2::" + std::to_string(i + 1)), 401);
  }
  EXPECT_EQ(attempt("guess", "2001:db8:1:2:ffff:ffff:ffff:ffff"), 429);
  EXPECT_EQ(attempt("correct horse", "2001:db8:1:3::1"), 200) << "the next /64 is another client";
  // An IPv4 client seen through an IPv6 socket is the IPv4 client.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(attempt("guess", "198.51.100.4"), 401);
  EXPECT_EQ(attempt("guess", "::ffff:198.51.100.4"), 429);
}

TEST_F(ServiceTest, SuccessfulLogInsDoNotCount) {
  register_user("ann@example.org");
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(call("POST", "/api/v1/login",
                   json{{"email", "ann@example.org"}, {"password", "correct horse"}}.dump())
                  .status,
              200)
        << "log-in " << i;
  }
}

TEST_F(ServiceTest, OneAddressIsLimitedOverAllAccounts) {
  // A guesser going down a list of addresses, one try each: the address's
  // budget (20, then one every 3 s) holds, whichever accounts it names.
  const std::string guesser = "198.51.100.2";
  int refused = 0;
  std::optional<std::string> retry_after;
  for (int i = 0; i < 22; ++i) {
    const auto r = call(
        "POST", "/api/v1/login",
        json{{"email", "user" + std::to_string(i) + "@example.org"}, {"password", "password 1"}}
            .dump(),
        {}, guesser);
    if (r.status == 429) {
      ++refused;
      retry_after = std::string(r.headers.get("Retry-After").value_or(""));
    } else {
      EXPECT_EQ(r.status, 401) << r.body;
    }
  }
  EXPECT_EQ(refused, 2);
  EXPECT_EQ(retry_after, "3");
  // Others are not affected.
  register_user("ann@example.org");
  EXPECT_EQ(call("POST", "/api/v1/login",
                 json{{"email", "ann@example.org"}, {"password", "correct horse"}}.dump())
                .status,
            200);
}

TEST_F(ServiceTest, UnknownAddressesCostAPasswordCheckOfTheSameCost) {
  std::vector<std::string> checked;
  std::mutex mu;
  stop_serving();
  CloudOptions options;
  options.on_password_check = [&](std::string_view hash) {
    std::lock_guard lock(mu);
    checked.emplace_back(hash);
  };
  serve(*store_, options);
  register_user("ann@example.org");
  const auto log_in = [&](const std::string& email) {
    return call("POST", "/api/v1/login", json{{"email", email}, {"password", "wrong horse"}}.dump())
        .status;
  };
  EXPECT_EQ(log_in("ann@example.org"), 401);
  EXPECT_EQ(log_in("nobody@example.org"), 401);
  EXPECT_EQ(log_in("nobody-else@example.org"), 401);
  ASSERT_EQ(checked.size(), 3u) << "every log-in verifies a password";
  // Argon2id strings begin with the parameters ("$argon2id$v=19$m=...,t=...,p=...$"):
  // the dummy hash has the account's, so verifying it costs as much.
  const auto parameters = [](const std::string& hash) {
    return hash.substr(0, hash.find('$', hash.find("m=")));
  };
  EXPECT_NE(checked[0], checked[1]);
  EXPECT_EQ(parameters(checked[1]), parameters(checked[0]));
  EXPECT_EQ(checked[1], checked[2]) << "one dummy hash, made once";
  EXPECT_TRUE(checked[0].starts_with("$argon2id$")) << checked[0];
}

TEST_F(ServiceTest, LogInAndRegistrationTakeOnlyJsonFromThisSite) {
  register_user("ann@example.org");
  const std::string login =
      json{{"email", "ann@example.org"}, {"password", "correct horse"}}.dump();
  auto fresh = [n = 0]() mutable {
    return json{{"email", "new" + std::to_string(n++) + "@example.org"},
                {"password", "correct horse"}}
        .dump();
  };
  struct Variant {
    const char* what;
    std::vector<http::Headers::Field> headers;
    int status;  // 0: accepted
  };
  const std::vector<Variant> variants = {
      {"a script: no Origin, JSON", {}, 0},
      {"JSON with a charset", {{"Content-Type", "application/json; charset=utf-8"}}, 0},
      {"this site's page", {{"Origin", "http://cloud.test"}}, 0},
      {"this site's page, by Referer", {{"Referer", "https://cloud.test/login?x=1"}}, 0},
      {"same-origin fetch",
       {{"Sec-Fetch-Site", "same-origin"}, {"Origin", "https://cloud.test"}},
       0},
      {"text/plain", {{"Content-Type", "text/plain"}}, 415},
      {"a form", {{"Content-Type", "application/x-www-form-urlencoded"}}, 415},
      {"multipart", {{"Content-Type", "multipart/form-data; boundary=x"}}, 415},
      {"no Content-Type", {{"Content-Type", ""}}, 415},
      {"JSON-like", {{"Content-Type", "application/jsonp"}}, 415},
      {"another site's Origin", {{"Origin", "https://evil.test"}}, 403},
      {"a host that only begins like this one", {{"Origin", "https://cloud.test.evil.test"}}, 403},
      {"another port", {{"Origin", "https://cloud.test:8443"}}, 403},
      {"Origin null", {{"Origin", "null"}}, 403},
      {"another site's Referer", {{"Referer", "https://evil.test/cloud.test"}}, 403},
      {"cross-site fetch", {{"Sec-Fetch-Site", "cross-site"}}, 403},
      {"cross-site text/plain",
       {{"Origin", "https://evil.test"}, {"Content-Type", "text/plain"}},
       403},
  };
  for (const Variant& v : variants) {
    for (const bool registering : {false, true}) {
      const auto r = registering ? call("POST", "/api/v1/register", fresh(), v.headers)
                                 : call("POST", "/api/v1/login", login, v.headers);
      const char* route = registering ? "register" : "login";
      if (v.status == 0) {
        EXPECT_EQ(r.status, registering ? 201 : 200) << route << ", " << v.what << ": " << r.body;
        EXPECT_TRUE(r.headers.contains("Set-Cookie")) << route << ", " << v.what;
      } else {
        EXPECT_EQ(r.status, v.status) << route << ", " << v.what << ": " << r.body;
        EXPECT_FALSE(r.headers.contains("Set-Cookie")) << route << ", " << v.what;
      }
    }
  }
  // Nothing refused was registered.
  EXPECT_EQ(store_->user_by_email("new5@example.org")->has_value(), false);
}

TEST_F(ServiceTest, BrowserRequestsFromAnotherSiteAreRefusedEvenWithTheToken) {
  const Account a = register_user("ann@example.org");
  for (const http::Headers::Field& from :
       {http::Headers::Field{"Referer", "https://evil.test/page"},
        http::Headers::Field{"Sec-Fetch-Site", "cross-site"},
        http::Headers::Field{"Origin", "null"}}) {
    auto headers = browser(a);
    headers.push_back(from);
    EXPECT_EQ(call("POST", "/api/v1/apikey", "", headers).status, 403) << from.name;
  }
  EXPECT_EQ(call("POST", "/api/v1/apikey", "", browser(a)).status, 200);
}

TEST_F(ServiceTest, RegistrationsAreLimitedPerAddress) {
  // The 409 tells that an address has an account: one address learns it at
  // most 10 times, then once a minute.
  register_user("ann@example.org");  // from the harness's address
  const std::string prober = "198.51.100.3";
  int taken = 0;
  http::Response last;
  for (int i = 0; i < 11; ++i) {
    last = call("POST", "/api/v1/register",
                json{{"email", "ann@example.org"}, {"password", "whatever 1"}}.dump(), {}, prober);
    if (last.status == 409) ++taken;
  }
  EXPECT_EQ(taken, 10);
  ASSERT_EQ(last.status, 429) << last.body;
  EXPECT_EQ(last.headers.get("Retry-After"), "60");
  clock_.advance(std::chrono::seconds(60));
  EXPECT_EQ(call("POST", "/api/v1/register",
                 json{{"email", "bob@example.org"}, {"password", "whatever 1"}}.dump(), {}, prober)
                .status,
            201);
}

TEST_F(ServiceTest, RacingFirstContactsHaveOneWinner) {
  // Two devices claim one new ID with different secrets and PINs, at once:
  // one is let in, the other refused, and the loser's PIN adds nothing.
  const Account ann = register_user("ann@example.org");
  for (int round = 0; round < 10; ++round) {
    const std::string devid = "18287194" + std::to_string(10 + round);
    const std::array<FakeDevice, 2> rivals{FakeDevice{devid, std::string(64, 'a'), "1111"},
                                           FakeDevice{devid, std::string(64, 'b'), "2222"}};
    std::array<int, 2> status{};
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < 2; ++k) {
      threads.emplace_back([&, k] {
        ready.fetch_add(1);
        while (ready.load() < 2) std::this_thread::yield();
        status[k] = hello(rivals[k]).status;
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(std::count(status.begin(), status.end(), 200), 1)
        << "round " << round << ": " << status[0] << ", " << status[1];
    const std::size_t winner = status[0] == 200 ? 0 : 1;
    const FakeDevice& loser = rivals[1 - winner];
    EXPECT_EQ(status[1 - winner], 401);
    EXPECT_EQ(hello(loser).status, 401) << "and stays refused";
    EXPECT_EQ(add(ann, loser, loser.pin).status, 403) << "round " << round;
    EXPECT_EQ(add(ann, rivals[winner], rivals[winner].pin).status, 201) << "round " << round;
  }
}

TEST_F(ServiceTest, AddingADeviceChecksThePinAndOwnership) {
  const Account ann = register_user("ann@example.org");
  const Account bob = register_user("bob@example.org");
  const FakeDevice d = device_a();
  EXPECT_EQ(add(ann, d, "4711").status, 404);  // it never connected
  ASSERT_EQ(hello(d).status, 200);
  EXPECT_EQ(add(ann, d, "0000").status, 400);
  EXPECT_EQ(add(ann, d, "1234").status, 403);
  EXPECT_EQ(add(ann, d, "12a4").status, 400);
  auto added = add(ann, d, "4711", "Kitchen");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(json::parse(added.body).at("name"), "Kitchen");
  EXPECT_EQ(add(bob, d, "4711").status, 409);
  EXPECT_EQ(add(ann, d, "4711").status, 409);

  auto boards = call("GET", "/api/v1/devices/" + d.devid + "/boards", "", bearer(ann));
  ASSERT_EQ(boards.status, 200);
  EXPECT_EQ(json::parse(boards.body), json::object()) << "boards come when the owner accepts";

  // Bob sees none of it, through any route.
  for (const char* sub : {"", "/boards", "/output", "/series?q=W", "/totals", "/export.csv"}) {
    EXPECT_EQ(call("GET", "/api/v1/devices/" + d.devid + sub, "", bearer(bob)).status, 404) << sub;
  }
  EXPECT_EQ(call("PATCH", "/api/v1/devices/" + d.devid, json{{"name", "mine"}}.dump(), bearer(bob))
                .status,
            404);
  EXPECT_EQ(call("DELETE", "/api/v1/devices/" + d.devid, "", bearer(bob)).status, 404);
  EXPECT_EQ(
      call("POST", "/api/v1/devices/" + d.devid + "/output", json{{"on", true}}.dump(), bearer(bob))
          .status,
      404);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/devices", "", bearer(bob)).body).size(), 0u);
  EXPECT_EQ(json::parse(call("GET", "/api/v1/devices", "", bearer(ann)).body).size(), 1u);
}

TEST_F(ServiceTest, BoardsComeWhenAcceptedAndFollowTheSchema) {
  const Account ann = register_user("ann@example.org");
  const Account bob = register_user("bob@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  ASSERT_EQ(add(ann, d, d.pin).status, 201);
  const std::string base = "/api/v1/devices/" + d.devid + "/boards";
  const auto stored = [&] { return json::parse(call("GET", base, "", bearer(ann)).body); };

  // "Yes" to the pre-configured boards: one call per layout.
  auto pc = call("POST", base + "/pc/preset", "", browser(ann));
  ASSERT_EQ(pc.status, 200) << pc.body;
  EXPECT_EQ(json::parse(pc.body), pc_preset(d.phases));
  EXPECT_EQ(stored(), (json{{"pc", pc_preset(d.phases)}}));
  ASSERT_EQ(call("POST", base + "/mobile/preset", "", bearer(ann)).status, 200);
  EXPECT_EQ(stored(), (json{{"pc", pc_preset(d.phases)}, {"mobile", mobile_preset(d.phases)}}));

  // Edited: a valid board is stored as it is.
  json edited = pc_preset(d.phases);
  edited["name"] = "Küche";
  edited["widgets"][0]["title"] = "Now";
  auto put = call("PUT", base + "/pc", edited.dump(), bearer(ann));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json::parse(put.body), edited);
  EXPECT_EQ(stored().at("pc"), edited);

  // A bad board is refused, naming the field, and changes nothing.
  json wide = edited;
  wide["widgets"][3]["w"] = 5;
  auto refused = call("PUT", base + "/pc", wide.dump(), bearer(ann));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body).at("error"),
            "widgets[3].w: must be 1..4 (the board has 4 columns)");
  json unknown = edited;
  unknown["widgets"][1]["colour"] = "red";
  refused = call("PUT", base + "/pc", unknown.dump(), bearer(ann));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)
                .at("error")
                .get<std::string>()
                .rfind("widgets[1].colour: not a field of a widget", 0),
            0u)
      << refused.body;
  EXPECT_EQ(call("PUT", base + "/pc", R"({"widgets":[]})", bearer(ann)).status, 400);
  EXPECT_EQ(call("PUT", base + "/pc", "[]", bearer(ann)).status, 400);
  EXPECT_EQ(stored().at("pc"), edited);

  // Only the two layouts; only POST makes a preset.
  EXPECT_EQ(call("PUT", base + "/watch", edited.dump(), bearer(ann)).status, 404);
  EXPECT_EQ(call("POST", base + "/watch/preset", "", bearer(ann)).status, 404);
  auto wrong = call("GET", base + "/pc/preset", "", bearer(ann));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.get("Allow"), "POST");
  EXPECT_EQ(call("POST", base + "/pc", "", bearer(ann)).status, 405);

  // Re-created later: the preset replaces the edited board.
  ASSERT_EQ(call("POST", base + "/pc/preset", "", bearer(ann)).status, 200);
  EXPECT_EQ(stored().at("pc"), pc_preset(d.phases));

  // Nobody else's, and gone with the device.
  EXPECT_EQ(call("POST", base + "/pc/preset", "", bearer(bob)).status, 404);
  EXPECT_EQ(call("PUT", base + "/pc", edited.dump(), bearer(bob)).status, 404);
  EXPECT_EQ(call("POST", base + "/pc/preset", "", browser(ann, /*with_csrf=*/false)).status, 403);
  ASSERT_EQ(call("DELETE", "/api/v1/devices/" + d.devid, "", bearer(ann)).status, 204);
  ASSERT_EQ(add(bob, d, d.pin).status, 201);
  EXPECT_EQ(json::parse(call("GET", base, "", bearer(bob)).body), json::object());
}

TEST_F(ServiceTest, PinGuessingIsLimited) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  int limited = 0;
  for (int pin = 1000; pin < 1012; ++pin) {
    if (add(ann, d, std::to_string(pin)).status == 429) ++limited;
  }
  EXPECT_GE(limited, 6);
  EXPECT_EQ(add(ann, d, "4711").status, 429);  // even the right PIN, for now
}

TEST_F(ServiceTest, HelloListsTheOptionalRecordFieldsTheServerReads) {
  const http::Response r = hello(device_a());
  ASSERT_EQ(r.status, 200);
  const json answer = json::parse(r.body);
  EXPECT_EQ(answer["record_fields"], json::array({"s", "lwh"}));
  EXPECT_EQ(answer["batch_fields"], json::array({"now"}));
}

TEST_F(ServiceTest, UplinkRequiresTheDevicesSecret) {
  FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  FakeDevice impostor = d;
  impostor.secret = std::string(64, 'b');
  EXPECT_EQ(hello(impostor).status, 401);
  EXPECT_EQ(upload(impostor, {minute_at(kStart / 60 * 60, 1, 100, 0)}).status, 401);
  EXPECT_EQ(call("POST", "/uplink/v1/minutes", "{}").status, 401);
  // Another device's ID in the batch is refused.
  auto wrong_id = call("POST", "/uplink/v1/minutes",
                       encode_upload({"1111111111", {minute_at(kStart / 60 * 60, 1, 100, 0)}}),
                       {{"Authorization", d.authorization()}});
  EXPECT_EQ(wrong_id.status, 403);
}

TEST_F(ServiceTest, UploadsAreIdempotentAndReadableThroughTheApi) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  ASSERT_EQ(add(ann, d, "4711").status, 201);
  // Two full hours of 600 W per phase, starting on an hour.
  const std::int64_t hour = kStart / 3600 * 3600;
  std::vector<UploadRecord> records;
  double wh = 1000;
  for (int i = 0; i < 120; ++i) {
    records.push_back(minute_at(hour + 60 * i, static_cast<std::uint32_t>(i + 1), 600, wh));
    wh = records.back().minute.phase[0].wh;
  }
  auto first = upload(d, records);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body).at("inserted"), 120);
  EXPECT_EQ(json::parse(first.body).at("last_seq"), 120);
  auto again = upload(d, records);
  EXPECT_EQ(json::parse(again.body).at("inserted"), 0);
  EXPECT_EQ(json::parse(again.body).at("duplicates"), 120);

  auto hours = call("GET", "/api?devid=" + d.devid + "&apikey=" + ann.api_key +
                               "&period=hour&date1=" + std::to_string(hour) +
                               "&date2=" + std::to_string(hour + 3600));
  ASSERT_EQ(hours.status, 200) << hours.body;
  const json rows = json::parse(hours.body);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("ID"), d.devid);
  EXPECT_EQ(rows[0].at("TIME"), hour);
  EXPECT_NEAR(rows[0].at("W1").get<double>(), 600.0, 1e-6);           // Wh in the hour
  EXPECT_NEAR(rows[1].at("Wh1").get<double>(), 1000 + 1200.0, 1e-6);  // the meter at its end

  // POST with a form body answers the same.
  auto posted = call("POST", "/api",
                     "devid=" + d.devid + "&apikey=" + ann.api_key + "&period=hour&date1=" +
                         std::to_string(hour) + "&date2=" + std::to_string(hour + 3600));
  EXPECT_EQ(posted.body, hours.body);

  auto minutes = call("GET", "/api?devid=" + d.devid + "&apikey=" + ann.api_key +
                                 "&period=minute&date1=" + std::to_string(hour) +
                                 "&date2=" + std::to_string(hour + 600));
  EXPECT_EQ(json::parse(minutes.body).size(), 11u);
  EXPECT_NEAR(json::parse(minutes.body)[0].at("W2").get<double>(), 600.0, 1e-9);

  // Empty range, wrong key, someone else's device.
  EXPECT_EQ(call("GET", "/api?devid=" + d.devid + "&apikey=" + ann.api_key +
                            "&period=hour&date1=1000&date2=2000")
                .body,
            "[]");
  EXPECT_EQ(
      call("GET", "/api?devid=" + d.devid + "&apikey=" + std::string(64, '0') + "&period=hour")
          .status,
      401);
  const Account bob = register_user("bob@example.org");
  EXPECT_EQ(call("GET", "/api?devid=" + d.devid + "&apikey=" + bob.api_key + "&period=hour").status,
            404);
}

// A record sent again under its identity (devid, stamped minute, seq) with
// other content: the stored version stays, the answer counts the conflict,
// the log names it (docs/uplink.md, "Conflicts").
TEST_F(ServiceTest, ARecordResentWithOtherContentIsAConflictAndTheFirstStays) {
  std::vector<std::string> log;
  stop_serving();
  CloudOptions options;
  options.log = [&](std::string_view line) { log.emplace_back(line); };
  serve(*store_, options);
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  ASSERT_EQ(add(ann, d, "4711").status, 201);
  const std::int64_t hour = kStart / 3600 * 3600;
  const std::vector<UploadRecord> first = {minute_at(hour, 1, 600, 1000),
                                           minute_at(hour + 60, 2, 600, 1010)};
  auto stored = upload(d, first);
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(json::parse(stored.body).at("conflicts"), 0);
  // The same records again: duplicates, no conflict.
  auto same = upload(d, first);
  EXPECT_EQ(json::parse(same.body).at("duplicates"), 2);
  EXPECT_EQ(json::parse(same.body).at("conflicts"), 0);
  // seq 2 with other energy (another device's journal), and a new seq 3.
  std::vector<UploadRecord> other = {minute_at(hour + 60, 2, 1200, 5000),
                                     minute_at(hour + 120, 3, 600, 1020)};
  log.clear();
  auto conflicting = upload(d, other);
  ASSERT_EQ(conflicting.status, 200) << conflicting.body;
  const json answer = json::parse(conflicting.body);
  EXPECT_EQ(answer.at("inserted"), 1);
  EXPECT_EQ(answer.at("duplicates"), 1);
  EXPECT_EQ(answer.at("conflicts"), 1);
  EXPECT_EQ(answer.at("last_seq"), 3);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("device " + d.devid), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("seq 2"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("2023-11-14 22:01:00 UTC"), std::string::npos) << log[0];
  // Nothing was overwritten: the minute shows the first version's power.
  auto minutes = call("GET", "/api?devid=" + d.devid + "&apikey=" + ann.api_key +
                                 "&period=minute&date1=" + std::to_string(hour + 60) +
                                 "&date2=" + std::to_string(hour + 60));
  ASSERT_EQ(minutes.status, 200) << minutes.body;
  EXPECT_NEAR(json::parse(minutes.body).at(0).at("W1").get<double>(), 600.0, 1e-9);
  // A repeat within one batch with other content counts against the first.
  auto within =
      upload(d, {minute_at(hour + 180, 4, 600, 1030), minute_at(hour + 180, 4, 900, 1030)});
  EXPECT_EQ(json::parse(within.body).at("inserted"), 1);
  EXPECT_EQ(json::parse(within.body).at("conflicts"), 1);
}

// Integers of the uplink's JSON bodies: whole, in range, never wrapped
// (2^32 + 1 is not 1).
TEST_F(ServiceTest, UplinkIntegersAreCheckedNotWrapped) {
  FakeDevice d = device_a();
  const auto auth = std::vector<http::Headers::Field>{{"Authorization", d.authorization()}};
  for (const char* phases : {"4294967297", "4294967298", "18446744073709551617", "-4294967295",
                             "1.5", "2.0", "\"3\"", "0", "4"}) {
    json body = d.hello();
    body["phases"] = json::parse(phases);
    const auto r = call("POST", "/uplink/v1/hello", body.dump(), auth);
    EXPECT_EQ(r.status, 400) << phases;
    EXPECT_NE(r.body.find("phases"), std::string::npos) << r.body;
  }
  ASSERT_EQ(hello(d).status, 200);
  for (const char* out : {"4294967297", "4294967296", "1.5", "-1", "2", "true"}) {
    const auto r =
        call("POST", "/uplink/v1/commands/ack", R"({"id":1,"out":)" + std::string(out) + "}", auth);
    EXPECT_EQ(r.status, 400) << out;
    EXPECT_NE(r.body.find("out"), std::string::npos) << r.body;
  }
  for (const char* id : {"0", "-1", "1.5", "18446744073709551615", "9223372036854775808"}) {
    const auto r =
        call("POST", "/uplink/v1/commands/ack", R"({"out":1,"id":)" + std::string(id) + "}", auth);
    EXPECT_EQ(r.status, 400) << id;
    EXPECT_NE(r.body.find("id"), std::string::npos) << r.body;
  }
  for (const char* wait : {"%00", "5%00junk", "4294967301", "-1", "%205", "5%20"}) {
    EXPECT_EQ(call("GET", std::string("/uplink/v1/commands?wait=") + wait, "", auth).status, 400)
        << wait;
  }
}

// A missing credential is an authentication failure (401), like a wrong one.
TEST_F(ServiceTest, AMissingCredentialIs401) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  ASSERT_EQ(add(ann, d, "4711").status, 201);
  EXPECT_EQ(call("GET", "/api?devid=" + d.devid + "&period=hour").status, 401);
  EXPECT_EQ(call("GET", "/api?devid=" + d.devid + "&apikey=&period=hour").status, 401);
  EXPECT_EQ(call("POST", "/api", "devid=" + d.devid + "&period=hour").status, 401);
  EXPECT_EQ(call("GET", "/api?devid=" + d.devid + "&apikey=wrong&period=hour").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/login", json{{"email", "ann@example.org"}}.dump()).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/login", json{{"password", "correct horse"}}.dump()).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/login", "{").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/profile").status, 401);
  EXPECT_EQ(call("POST", "/uplink/v1/minutes", R"({"devid":"1828719372","records":[]})").status,
            401);
  EXPECT_EQ(call("GET", "/uplink/v1/commands").status, 401);
  // A key with the rest of the query wrong is judged on the query.
  EXPECT_EQ(call("GET", "/api?devid=abc&apikey=" + ann.api_key).status, 400);
}

TEST_F(ServiceTest, SeriesTotalsAndCsv) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  ASSERT_EQ(add(ann, d, "4711").status, 201);
  const std::int64_t hour = kStart / 3600 * 3600;
  std::vector<UploadRecord> records;
  for (int i = 0; i < 180; ++i)
    records.push_back(
        minute_at(hour + 60 * i, static_cast<std::uint32_t>(i + 1), 60.0 * (i % 2 + 1), 0));
  ASSERT_EQ(upload(d, records).status, 200);
  const std::string base = "/api/v1/devices/" + d.devid;
  const std::string range =
      "&from=" + std::to_string(hour) + "&to=" + std::to_string(hour + 3 * 3600 - 1);

  auto minutes = call("GET", base + "/series?q=W1,V2&period=minute" + range, "", bearer(ann));
  ASSERT_EQ(minutes.status, 200) << minutes.body;
  json s = json::parse(minutes.body);
  EXPECT_EQ(s.at("time").size(), 180u);
  EXPECT_FALSE(s.at("downsampled").get<bool>());
  EXPECT_EQ(s.at("values").at("W1")[1], 120.0);

  auto down = call("GET", base + "/series?q=W1&period=minute&points=90" + range, "", bearer(ann));
  s = json::parse(down.body);
  EXPECT_TRUE(s.at("downsampled").get<bool>());
  EXPECT_EQ(s.at("time").size(), 90u);
  EXPECT_NEAR(s.at("values").at("W1")[0].get<double>(), 90.0, 1e-9);  // mean of 60 and 120 W

  auto hours = call("GET", base + "/series?q=W,TWh&period=hour" + range, "", bearer(ann));
  s = json::parse(hours.body);
  ASSERT_EQ(s.at("time").size(), 3u);
  EXPECT_NEAR(s.at("values").at("W")[0].get<double>(), 3 * 90.0, 1e-6);  // Wh of 3 phases

  auto automatic = call("GET", base + "/series?q=W" + range + "&points=10", "", bearer(ann));
  EXPECT_EQ(json::parse(automatic.body).at("period"), "hour");

  auto totals = call("GET",
                     base + "/totals?from=" + std::to_string(hour + 1800) +
                         "&to=" + std::to_string(hour + 3 * 3600),
                     "", bearer(ann));
  ASSERT_EQ(totals.status, 200) << totals.body;
  const json t = json::parse(totals.body);
  EXPECT_EQ(t.at("minutes"), 150);
  EXPECT_NEAR(t.at("phases")[0].at("wh").get<double>(), 75 * (1.0 + 2.0), 1e-6);
  EXPECT_NEAR(t.at("phases")[0].at("peak_w").get<double>(), 120.0, 1e-9);

  auto csv = call("GET", base + "/export.csv?period=hour" + range, "", bearer(ann));
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 4);
  EXPECT_EQ(csv.body.rfind("TIME,local time,V1", 0), 0u);

  EXPECT_EQ(call("GET", base + "/series?q=nope", "", bearer(ann)).status, 400);
  EXPECT_EQ(call("GET", base + "/series?q=W&from=x", "", bearer(ann)).status, 400);
  // A number is all digits: a NUL does not end it.
  EXPECT_EQ(call("GET", base + "/series?q=W&from=5%00junk", "", bearer(ann)).status, 400);
  EXPECT_EQ(call("GET", base + "/series?q=W&points=4294967297", "", bearer(ann)).status, 400);
  EXPECT_EQ(call("GET", base + "/series?q=W&period=fortnight", "", bearer(ann)).status, 400);
}

TEST_F(ServiceTest, RenameTimezoneAndRemove) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  ASSERT_EQ(add(ann, d, "4711").status, 201);
  const std::string path = "/api/v1/devices/" + d.devid;
  EXPECT_EQ(call("PATCH", path, json{{"timezone", "Mars/Olympus"}}.dump(), bearer(ann)).status,
            400);
  EXPECT_EQ(call("PATCH", path, json{{"colour", "red"}}.dump(), bearer(ann)).status, 400);
  EXPECT_EQ(call("PATCH", path, json{{"name", std::string(65, 'x')}}.dump(), bearer(ann)).status,
            400);
  auto patched =
      call("PATCH", path,
           json{{"name", "Robert'); DROP TABLE devices;--"}, {"timezone", "Asia/Kathmandu"}}.dump(),
           bearer(ann));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body).at("name"), "Robert'); DROP TABLE devices;--");
  EXPECT_EQ(json::parse(patched.body).at("timezone"), "Asia/Kathmandu");
  EXPECT_EQ(call("DELETE", path, "", bearer(ann)).status, 204);
  EXPECT_EQ(call("GET", path, "", bearer(ann)).status, 404);
  // Removed, it can be added again (by anyone with the PIN).
  const Account bob = register_user("bob@example.org");
  EXPECT_EQ(add(bob, d, "4711").status, 201);
}

TEST_F(ServiceTest, OutputCommandsReachTheDeviceThroughItsPoll) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  ASSERT_EQ(add(ann, d, "4711").status, 201);
  const auto auth = std::vector<http::Headers::Field>{{"Authorization", d.authorization()}};

  // Nothing pending: the poll waits (the server would time it out).
  auto idle = call("GET", "/uplink/v1/commands?wait=5", "", auth);
  ASSERT_TRUE(idle.wait);
  EXPECT_FALSE(idle.wait->poll());
  EXPECT_EQ(json::parse(idle.wait->on_timeout().body).at("commands").size(), 0u);

  auto given = call("POST", "/api/v1/devices/" + d.devid + "/output", json{{"on", true}}.dump(),
                    bearer(ann));
  ASSERT_EQ(given.status, 202) << given.body;
  const auto ready = idle.wait->poll();
  ASSERT_TRUE(ready);
  const json commands = json::parse(ready->body).at("commands");
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].at("out"), 1);

  auto ack = call("POST", "/uplink/v1/commands/ack",
                  json{{"id", commands[0].at("id")}, {"out", 1}}.dump(), auth);
  ASSERT_EQ(ack.status, 200) << ack.body;
  auto state = call("GET", "/api/v1/devices/" + d.devid + "/output", "", bearer(ann));
  EXPECT_TRUE(json::parse(state.body).at("on").get<bool>());
  EXPECT_EQ(json::parse(state.body).at("pending").size(), 0u);
  EXPECT_EQ(call("GET", "/uplink/v1/commands?wait=99", "", auth).status, 400);
  EXPECT_EQ(call("GET", "/uplink/v1/commands?wait=5%00junk", "", auth).status, 400);
}

TEST_F(ServiceTest, HostileRequestsGet4xxAndChangeNothing) {
  const Account ann = register_user("ann@example.org");
  const FakeDevice d = device_a();
  ASSERT_EQ(hello(d).status, 200);
  for (const char* body : {"", "{", "[]", "null", "{\"email\": 5, \"password\": \"x\"}",
                           "{\"email\": \"a@b.c\"}", "\"\\u0000\""}) {
    const auto r = call("POST", "/api/v1/register", body);
    EXPECT_GE(r.status, 400) << body;
    EXPECT_LT(r.status, 500) << body;
  }
  EXPECT_EQ(call("POST", "/api/v1/register",
                 json{{"email", "no-at-sign"}, {"password", "long enough"}}.dump())
                .status,
            400);
  EXPECT_EQ(
      call("POST", "/api/v1/register", json{{"email", "c@d.ef"}, {"password", "short"}}.dump())
          .status,
      400);
  for (const char* body : {"{", "{\"devid\":\"1828719372\",\"records\":[{\"seq\":\"x\"}]}",
                           "{\"devid\":\"1828719372\",\"records\":[]} trailing"}) {
    const auto r = call("POST", "/uplink/v1/minutes", body, {{"Authorization", d.authorization()}});
    EXPECT_EQ(r.status, 400) << body;
  }
  EXPECT_EQ(call("GET", "/api?devid=abc&apikey=x").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/devices/../../etc", "", bearer(ann)).status, 404);
  EXPECT_EQ(call("POST", "/api/v1/devices/" + d.devid + "/output", "{\"on\": \"yes\"}", bearer(ann))
                .status,
            404);  // not hers yet
}

}  // namespace
}  // namespace maic::cloud
