// Calendar periods in the device's time zone through the whole service, on
// both engines: /api's defaults and given dates, the series' auto period
// and the CSV export, for a device in whole-, half- and quarter-hour zones
// and over DST changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "maic/cloud/postgres_store.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/testing/postgres_server.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/service_harness.hpp"

namespace maic::cloud {
namespace {

using nlohmann::json;
using testing::device_a;
using testing::FakeDevice;
using testing::minute_at;

constexpr std::int64_t kNow = 1'700'003'723;  // 2023-11-14 23:15:23 UTC
constexpr double kWatts = 600;                // per phase: 10 Wh a minute, 600 Wh an hour

enum class Engine { kSqlite, kPostgres };
// For the test names ctest shows.
void PrintTo(Engine e, std::ostream* out) {
  *out << (e == Engine::kSqlite ? "sqlite" : "postgres");
}

struct Zone {
  std::string_view name;
  std::int64_t last_hour;  // the last complete local hour's start at kNow
  std::int64_t yesterday;  // the local midnight that starts the day before kNow's
};
// kNow is 2023-11-15 04:45 in Kolkata, 05:00 in Kathmandu, 09:45 in
// Adelaide (summer time, +10:30), 2023-11-14 19:45 in St. John's (-3:30)
// and 00:15 on the 15th in Berlin.
constexpr Zone kZones[] = {
    {"UTC", 1'699'999'200, 1'699'833'600},
    {"Asia/Kolkata", 1'699'997'400, 1'699'900'200},
    {"Asia/Kathmandu", 1'700'000'100, 1'699'899'300},
    {"Australia/Adelaide", 1'699'997'400, 1'699'882'200},
    {"America/St_Johns", 1'699'997'400, 1'699'846'200},
    {"Europe/Berlin", 1'699'999'200, 1'699'916'400},
};

class LocalCalendar : public ::testing::TestWithParam<Engine>, protected testing::ServiceHarness {
 protected:
  LocalCalendar() : ServiceHarness(kNow) {}

  void SetUp() override {
    if (GetParam() == Engine::kPostgres) {
      using maic::testing::PostgresServer;
      if (!PostgresServer::installed()) GTEST_SKIP() << "PostgreSQL 15 is not installed";
      auto server = PostgresServer::shared();
      ASSERT_TRUE(server.ok()) << server.error().message;
      auto uri = (*server)->create_database();
      ASSERT_TRUE(uri.ok()) << uri.error().message;
      auto store = PostgresStore::open(*uri);
      ASSERT_TRUE(store.ok()) << store.error().message;
      store_ = std::move(*store);
    } else {
      auto store = SqliteStore::open((dir_.path() / "cloud.db").string());
      ASSERT_TRUE(store.ok()) << store.error().message;
      store_ = std::move(*store);
    }
    CloudOptions options;
    options.log = [this](std::string_view line) { logged_.emplace_back(line); };
    serve(*store_, options);
    ann_ = register_user("ann@example.org");
    ASSERT_EQ(hello(device_).status, 200);
    ASSERT_EQ(add(ann_, device_, device_.pin).status, 201);
  }
  void TearDown() override { stop_serving(); }

  void move_to(std::string_view zone) {
    const auto r = call("PATCH", "/api/v1/devices/" + device_.devid,
                        json{{"timezone", zone}}.dump(), bearer(ann_));
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Uploads a minute of kWatts at each of `minutes` (ascending).
  void upload_minutes(const std::vector<std::int64_t>& minutes) {
    std::vector<UploadRecord> batch;
    for (const std::int64_t m : minutes) {
      batch.push_back(minute_at(m, ++seq_, kWatts, wh_));
      wh_ = batch.back().minute.phase[0].wh;
      if (batch.size() == 2000) {
        const auto r = upload(device_, batch);
        ASSERT_EQ(r.status, 200) << r.body;
        batch.clear();
      }
    }
    if (!batch.empty()) {
      const auto r = upload(device_, batch);
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }

  // Every minute of [from, to).
  static std::vector<std::int64_t> every_minute(std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> out;
    for (std::int64_t m = from; m < to; m += 60) out.push_back(m);
    return out;
  }

  // Every minute of the 50 hours before kNow, one every half hour for
  // the week before that.
  void upload_recent() {
    const std::int64_t minute = kNow - kNow % 60;
    std::vector<std::int64_t> minutes;
    for (std::int64_t m = minute - 9 * 86'400; m < minute - 50 * 3600; m += 1800)
      minutes.push_back(m);
    for (std::int64_t m : every_minute(minute - 50 * 3600, minute)) minutes.push_back(m);
    upload_minutes(minutes);
  }

  json api(const std::string& parameters) {
    const auto r =
        call("GET", "/api?devid=" + device_.devid + "&apikey=" + ann_.api_key + "&" + parameters);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body) : json::array();
  }
  http::Response get(const std::string& path) {
    return call("GET", "/api/v1/devices/" + device_.devid + path, "", bearer(ann_));
  }

  maic::testing::TempDir dir_{"maic-cloud-calendar"};
  std::unique_ptr<Store> store_;
  FakeDevice device_ = device_a();
  Account ann_;
  std::uint32_t seq_ = 0;
  double wh_ = 1000;
  std::vector<std::string> logged_;
};

TEST_P(LocalCalendar, ApiWithoutDatesAnswersTheLastCompleteLocalHour) {
  upload_recent();
  for (const Zone& z : kZones) {
    SCOPED_TRACE(z.name);
    move_to(z.name);
    const json hours = api("period=hour");
    ASSERT_EQ(hours.size(), 1u) << hours.dump();
    EXPECT_EQ(hours[0].at("TIME"), z.last_hour);
    EXPECT_NEAR(hours[0].at("W1").get<double>(), 60 * kWatts / 60, 1e-6);  // a full hour's Wh
    const json minutes = api("period=minute");
    ASSERT_EQ(minutes.size(), 60u);
    EXPECT_EQ(minutes.front().at("TIME"), z.last_hour);
    EXPECT_EQ(minutes.back().at("TIME"), z.last_hour + 3540);
  }
}

TEST_P(LocalCalendar, ApiWithoutDatesAnswersYesterdayForDays) {
  upload_recent();
  for (const Zone& z : kZones) {
    SCOPED_TRACE(z.name);
    move_to(z.name);
    const json days = api("period=day");
    ASSERT_EQ(days.size(), 1u) << days.dump();
    EXPECT_EQ(days[0].at("TIME"), z.yesterday);
    EXPECT_NEAR(days[0].at("W1").get<double>(), 24 * kWatts, 1e-6);  // 24 full local hours
  }
}

TEST_P(LocalCalendar, ApiGivenDatesAnswersTheLocalPeriodsStartingInThem) {
  upload_recent();
  move_to("Asia/Kolkata");
  const json hours = api("period=hour&date1=" + std::to_string(kNow - 6 * 3600) +
                         "&date2=" + std::to_string(kNow));
  ASSERT_EQ(hours.size(), 6u) << hours.dump();
  for (std::size_t i = 0; i < hours.size(); ++i)
    EXPECT_EQ(hours[i].at("TIME"), 1'699'983'000 + 3600 * static_cast<std::int64_t>(i));
  move_to("Asia/Kathmandu");
  const json days = api("period=day&date1=" + std::to_string(kNow - 2 * 86'400) +
                        "&date2=" + std::to_string(kNow));
  ASSERT_EQ(days.size(), 2u) << days.dump();
  EXPECT_EQ(days[0].at("TIME"), 1'699'899'300);  // 2023-11-14 00:00 +5:45
  EXPECT_EQ(days[1].at("TIME"), 1'699'985'700);  // 2023-11-15 00:00 +5:45
}

TEST_P(LocalCalendar, ApiDaysOfDstChangesHave23And25Hours) {
  struct Change {
    std::string_view zone;
    std::int64_t day, next;  // local midnights
  };
  const Change changes[] = {
      {"Europe/Berlin", 1'698'530'400, 1'698'620'400},       // 2023-10-29: 25 h
      {"Europe/Berlin", 1'679'785'200, 1'679'868'000},       // 2023-03-26: 23 h
      {"Australia/Adelaide", 1'696'084'200, 1'696'167'000},  // 2023-10-01: 23 h
      {"America/St_Johns", 1'699'151'400, 1'699'241'400},    // 2023-11-05: 25 h
  };
  for (const Change& c : changes) upload_minutes(every_minute(c.day - 3600, c.next + 3600));
  for (const Change& c : changes) {
    SCOPED_TRACE(std::string(c.zone) + " " + std::to_string(c.day));
    move_to(c.zone);
    const json days =
        api("period=day&date1=" + std::to_string(c.day) + "&date2=" + std::to_string(c.next - 1));
    ASSERT_EQ(days.size(), 1u) << days.dump();
    EXPECT_EQ(days[0].at("TIME"), c.day);
    const double hours = static_cast<double>(c.next - c.day) / 3600;
    EXPECT_NEAR(days[0].at("W1").get<double>(), hours * kWatts, 1e-6);
    const json hour_rows =
        api("period=hour&date1=" + std::to_string(c.day) + "&date2=" + std::to_string(c.next - 1));
    EXPECT_EQ(static_cast<double>(hour_rows.size()), hours);
  }
}

TEST_P(LocalCalendar, SeriesOfAWeekToNowIsSevenDays) {
  upload_recent();
  for (const Zone& z : kZones) {
    SCOPED_TRACE(z.name);
    move_to(z.name);
    const auto r = get("/series?q=W1&points=7&from=" + std::to_string(kNow - 7 * 86'400) +
                       "&to=" + std::to_string(kNow));
    ASSERT_EQ(r.status, 200) << r.body;
    const json s = json::parse(r.body);
    EXPECT_EQ(s.at("period"), "day");
    EXPECT_FALSE(s.at("downsampled").get<bool>());
    ASSERT_EQ(s.at("time").size(), 7u) << s.dump();
    // Local midnights, a day apart (no DST change in this week), the last
    // one today's.
    for (std::size_t i = 0; i < 7; ++i) {
      EXPECT_EQ(s.at("time")[i], z.yesterday - 5 * 86'400 + static_cast<std::int64_t>(i) * 86'400);
    }
  }
}

TEST_P(LocalCalendar, CsvRowsAreLocalPeriods) {
  upload_recent();
  move_to("Asia/Kolkata");
  const auto hours = get("/export.csv?from=" + std::to_string(kNow - 3 * 3600) +
                         "&to=" + std::to_string(kNow - 3600));
  ASSERT_EQ(hours.status, 200) << hours.body;
  // The hours that start in the range, at 20:30 and 21:30 UTC: 02:00 and
  // 03:00 in Kolkata.
  EXPECT_NE(hours.body.find("\r\n1699993800,2023-11-15 02:00,"), std::string::npos) << hours.body;
  EXPECT_NE(hours.body.find("\r\n1699997400,2023-11-15 03:00,"), std::string::npos) << hours.body;
  EXPECT_EQ(std::count(hours.body.begin(), hours.body.end(), '\n'), 3);
  move_to("America/St_Johns");
  const auto days = get("/export.csv?period=day&from=" + std::to_string(kNow - 2 * 86'400) +
                        "&to=" + std::to_string(kNow));
  ASSERT_EQ(days.status, 200) << days.body;
  EXPECT_NE(days.body.find("\r\n1699846200,2023-11-13 00:00,"), std::string::npos) << days.body;
  EXPECT_NE(days.body.find("\r\n1699932600,2023-11-14 00:00,"), std::string::npos) << days.body;
}

TEST_P(LocalCalendar, TheDevicesOwnZoneIsUsedUntilTheOwnerChoosesOne) {
  upload_recent();
  const auto zone_shown = [this] {
    const auto r = get("");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body).at("timezone").get<std::string>() : "";
  };
  ASSERT_EQ(zone_shown(), "UTC");

  device_.timezone = "Asia/Kolkata";
  auto r = hello(device_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(zone_shown(), "Asia/Kolkata");
  json days = api("period=day");
  ASSERT_EQ(days.size(), 1u) << days.dump();
  EXPECT_EQ(days[0].at("TIME"), 1'699'900'200);  // 2023-11-14 00:00 +5:30
  EXPECT_NEAR(days[0].at("W1").get<double>(), 24 * kWatts, 1e-6);

  // The owner's choice stands when the device says hello again.
  move_to("Europe/Berlin");
  ASSERT_EQ(hello(device_).status, 200);
  EXPECT_EQ(zone_shown(), "Europe/Berlin");
  days = api("period=day");
  ASSERT_EQ(days.size(), 1u) << days.dump();
  EXPECT_EQ(days[0].at("TIME"), 1'699'916'400);  // 2023-11-14 00:00 +1:00
}

TEST_P(LocalCalendar, TheOwnerChoosingTheDevicesZoneKeepsIt) {
  device_.timezone = "Asia/Kolkata";
  ASSERT_EQ(hello(device_).status, 200);
  move_to("Asia/Kolkata");
  device_.timezone = "Europe/Berlin";
  ASSERT_EQ(hello(device_).status, 200);
  const auto r = get("");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("timezone"), "Asia/Kolkata");
}

TEST_P(LocalCalendar, AZoneTheServerCannotLocateIsIgnoredAndLogged) {
  device_.timezone = "Mars/Olympus";
  const auto r = hello(device_);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto shown = get("");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(json::parse(shown.body).at("timezone"), "UTC");
  EXPECT_TRUE(std::any_of(logged_.begin(), logged_.end(), [](const std::string& line) {
    return line.find("Mars/Olympus") != std::string::npos &&
           line.find(device_a().devid) != std::string::npos;
  })) << ::testing::PrintToString(logged_);
  upload_minutes(every_minute(kNow - kNow % 60 - 600, kNow - kNow % 60));  // the uplink goes on

  device_.timezone = std::string(65, 'x');
  EXPECT_EQ(hello(device_).status, 400) << "not a zone name at all";
}

INSTANTIATE_TEST_SUITE_P(Sqlite, LocalCalendar, ::testing::Values(Engine::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, LocalCalendar, ::testing::Values(Engine::kPostgres));

}  // namespace
}  // namespace maic::cloud
