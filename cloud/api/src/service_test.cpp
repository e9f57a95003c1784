// The whole server's request handling, without sockets: CloudService over a
// real SQLite store in a temporary directory, with a virtual clock.
#include "maic/cloud/service.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "maic/cloud/sqlite_store.hpp"
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
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_EQ(call("GET", "/api/v1/profile", "", {{"Cookie", other_cookie}}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/profile", "", browser(a, false)).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/login",
                 json{{"email", "ann@example.org"}, {"password", "battery staple"}}.dump())
                .status,
            200);
}

TEST_F(ServiceTest, LogInsAreRateLimited) {
  register_user("ann@example.org");
  int refused = 0;
  for (int i = 0; i < 15; ++i) {
    auto r =
        call("POST", "/api/v1/login",
             json{{"email", "ann@example.org"}, {"password", "guess " + std::to_string(i)}}.dump(),
             {}, "198.51.100.1");
    if (r.status == 429) ++refused;
  }
  EXPECT_GE(refused, 4);
  // After a quiet minute a person gets in again.
  clock_.advance(std::chrono::minutes(2));
  EXPECT_EQ(call("POST", "/api/v1/login",
                 json{{"email", "ann@example.org"}, {"password", "correct horse"}}.dump(), {},
                 "198.51.100.1")
                .status,
            200);
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
  EXPECT_TRUE(json::parse(boards.body).contains("pc"));
  EXPECT_TRUE(json::parse(boards.body).contains("mobile"));

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
