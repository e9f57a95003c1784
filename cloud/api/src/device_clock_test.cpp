// Device clocks that step, through the whole service: a record stamped
// after the device's clock could read is acknowledged and booked at a
// corrected, flagged time; the live state follows the device's newest
// record; a simulated device on its own clock is judged by that clock.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "maic/cloud/ingest_rules.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/service_harness.hpp"

namespace maic::cloud {
namespace {

using nlohmann::json;
using testing::device_a;
using testing::FakeDevice;
using testing::minute_at;

constexpr std::int64_t kNow = 1'700'003'723;               // 2023-11-14 23:15:23 UTC
constexpr std::int64_t kHour = kNow / 3600 * 3600;         // 23:00
constexpr std::int64_t kIn2036 = 2'100'000'000 / 60 * 60;  // 2036-07-18

class DeviceClock : public ::testing::Test, protected testing::ServiceHarness {
 protected:
  DeviceClock() : ServiceHarness(kNow) {
    auto opened = SqliteStore::open((dir_.path() / "cloud.db").string());
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(opened).value();
    CloudOptions options;
    // Only the lines about stamps: registering and connecting log too.
    options.log = [this](std::string_view line) {
      if (line.find("is stamped") != std::string_view::npos) log_.emplace_back(line);
    };
    serve(*store_, options);
    account_ = register_user("ann@example.org");
    EXPECT_EQ(hello(device_).status, 200);
    EXPECT_EQ(add(account_, device_, "4711").status, 201);
  }
  ~DeviceClock() override { stop_serving(); }

  json api(const std::string& query) {
    const auto r =
        call("GET", "/api?devid=" + device_.devid + "&apikey=" + account_.api_key + "&" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }
  DeviceRow row() { return **store_->device(device_.devid); }

  maic::testing::TempDir dir_{"maic-device-clock"};
  std::unique_ptr<SqliteStore> store_;
  std::vector<std::string> log_;
  FakeDevice device_ = device_a();
  Account account_;
};

TEST_F(DeviceClock, ARecordStampedInTheFutureIsBookedAtACorrectedFlaggedTime) {
  // Ten minutes up to now, then one stamped in 2036, then two more.
  std::vector<UploadRecord> records;
  for (std::uint32_t k = 0; k < 10; ++k) {
    records.push_back(minute_at(kHour + 60 * k, 1 + k, 600, 1000 + 10.0 * k));
  }
  UploadRecord jumped = minute_at(kIn2036, 11, 600, 1100);
  jumped.minute.output_on = true;
  std::vector<UploadRecord> batch = records;
  batch.push_back(jumped);
  const auto answer = upload_with_clock(device_, batch, std::nullopt);
  ASSERT_EQ(answer.status, 200) << answer.body << " (a refused batch would come back for ever)";
  EXPECT_EQ(json::parse(answer.body).at("last_seq"), 11) << "acknowledged";

  // Booked after its predecessor, flagged, with the reason in the log.
  const json minutes = api("period=minute&date1=" + std::to_string(kHour) +
                           "&date2=" + std::to_string(kHour + 3599));
  ASSERT_EQ(minutes.size(), 11u);
  EXPECT_EQ(minutes[10].at("TIME"), kHour + 600);
  EXPECT_EQ(minutes[10].at("STAT"), kStatusClockCorrected);
  EXPECT_EQ(minutes[9].at("STAT"), 0);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("record seq 11 is stamped 2036-07-18"), std::string::npos) << log_[0];
  EXPECT_NE(log_[0].find("booked at 2023-11-14 23:10:00 UTC"), std::string::npos) << log_[0];
  // Its energy counts in its hour; there is no 2036 anywhere.
  const json hour =
      api("period=hour&date1=" + std::to_string(kHour) + "&date2=" + std::to_string(kHour));
  ASSERT_EQ(hour.size(), 1u);
  EXPECT_NEAR(hour[0].at("W1").get<double>(), 110, 1e-9);
  EXPECT_EQ(hour[0].at("STAT"), kStatusClockCorrected);
  EXPECT_TRUE(api("period=year&date1=" + std::to_string(kIn2036 - 86400 * 366) +
                  "&date2=" + std::to_string(kIn2036 + 86400))
                  .empty());

  // The live state is not pinned there: later records move it on.
  EXPECT_EQ(row().newest_minute, kHour + 600);
  EXPECT_TRUE(row().output_on);
  UploadRecord later = minute_at(kHour + 660, 12, 600, 1110);
  later.minute.output_on = false;
  ASSERT_EQ(upload_with_clock(device_, {later}, std::nullopt).status, 200);
  EXPECT_EQ(row().newest_minute, kHour + 660);
  EXPECT_EQ(row().newest_seq, 12u);
  EXPECT_FALSE(row().output_on) << "the output follows later uploads";

  // Sent again (the answer was lost): the same record, not a second one.
  const auto again = upload_with_clock(device_, {jumped}, std::nullopt);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body).at("duplicates"), 1);
  EXPECT_NEAR(
      api("period=hour&date1=" + std::to_string(kHour) + "&date2=" + std::to_string(kHour))[0]
          .at("W1")
          .get<double>(),
      120, 1e-9);
}

// Within the slack a device's clock and the server's may differ; past
// stamps (a clock set back, a backlog) are where they say.
TEST_F(DeviceClock, StampsUpToTheSlackAndInThePastStandAsTheyAre) {
  const std::int64_t last_allowed = (kNow + kClockSlackSeconds) / 60 * 60 - 60;
  std::vector<UploadRecord> records{minute_at(kHour - 86400, 1, 600, 1000),
                                    minute_at(last_allowed, 2, 600, 1010)};
  ASSERT_EQ(upload_with_clock(device_, records, std::nullopt).status, 200);
  EXPECT_TRUE(log_.empty()) << log_.front();
  EXPECT_EQ(row().newest_minute, last_allowed);
  const json first = api("period=minute&date1=" + std::to_string(kHour - 86400) +
                         "&date2=" + std::to_string(kHour - 86400));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at("STAT"), 0);
  // One minute further is past the slack.
  ASSERT_EQ(
      upload_with_clock(device_, {minute_at(last_allowed + 60, 3, 600, 1020)}, std::nullopt).status,
      200);
  EXPECT_EQ(log_.size(), 1u);
}

// A simulation runs its own clock, days ahead of the server's: its batches
// say what its clock reads, and its records stand at their stamps.
TEST_F(DeviceClock, ASimulatedDeviceIsJudgedByTheClockItReports) {
  const std::int64_t ahead = kHour + 30 * 86400;
  std::vector<UploadRecord> records;
  for (std::uint32_t k = 0; k < 5; ++k) {
    records.push_back(minute_at(ahead + 60 * k, 1 + k, 600, 1000 + 10.0 * k));
  }
  ASSERT_EQ(upload_with_clock(device_, records, ahead + 5 * 60).status, 200);
  EXPECT_TRUE(log_.empty());
  EXPECT_EQ(row().newest_minute, ahead + 240);
  // Its clock is its own to report, not a licence: a stamp beyond it is
  // corrected as for any device.
  ASSERT_EQ(upload_with_clock(device_, {minute_at(kIn2036, 6, 600, 1050)}, ahead + 6 * 60).status,
            200);
  EXPECT_EQ(row().newest_minute, ahead + 300);
  EXPECT_EQ(log_.size(), 1u);
}

}  // namespace
}  // namespace maic::cloud
