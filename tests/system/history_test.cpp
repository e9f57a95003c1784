// The history generator end to end: three days of a device's minutes,
// generated and uploaded through the device's uplink to a real maic-cloud,
// read back as /api day rows that equal the generated sums; then the
// device's end of it: its meters and journal continue from the history.
#include "maic/device/history.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud_process.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/http_client.hpp"
#include "maic/device/uplink.hpp"
#include "maic/testing/temp_dir.hpp"
#include "meter_store.hpp"

namespace maic {
namespace {

using nlohmann::json;

constexpr std::int64_t kEnd = 1'752'537'600;  // 2025-07-15 00:00 UTC
constexpr int kDays = 3;

json call(device::HttpTransport& http, const std::string& method, const std::string& url,
          const json& body, const std::string& key, int expect) {
  device::HttpRequest r;
  r.method = method;
  r.url = url;
  if (!key.empty()) r.headers.push_back({"Authorization", "Bearer " + key});
  if (!body.is_null()) {
    r.body = body.dump();
    r.headers.push_back({"Content-Type", "application/json"});
  }
  auto answer = http.send(r);
  if (!answer) throw std::runtime_error(url + ": " + answer.error().message);
  EXPECT_EQ(answer->status, expect) << url << ": " << answer->body;
  return json::parse(answer->body, nullptr, false);
}

TEST(History, ThreeDaysArriveAsTheirDayRowsAndTheDeviceContinuesFromThem) {
  maic::testing::TempDir dir("maic-history");
  const Result<int> port = testing::free_port();
  ASSERT_TRUE(port.ok());
  testing::CloudProcess cloud((dir.path() / "cloud").string(), *port);
  cloud.start();
  const std::string url = "http://127.0.0.1:" + std::to_string(*port);

  // A new device, with a PIN so that it can be added.
  MemoryStorage storage;
  VirtualClock clock(from_unix_seconds(kEnd + 30));
  auto device = device::read_history_device(
      storage,
      [n = 0](std::span<std::byte> out) mutable {
        for (auto& x : out) x = static_cast<std::byte>(++n * 7);
      },
      clock.steady_now());
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_FALSE(device->journal_start.has_value());
  device->config.settings.pin = "4321";
  auto plan = device::plan_history(*device, {}, kDays, from_unix_seconds(kEnd + 30));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->end_minute, kEnd);
  EXPECT_EQ(plan->records(), kDays * 1440u);

  std::vector<std::uint32_t> progress;
  device::HistoryFeed feed(device->config, url, *plan, "test",
                           [&](std::uint32_t acked) { progress.push_back(acked); });
  const auto transport = device::curl_transport();
  const auto commands = device::curl_transport();
  device::Uplink uplink({feed, *transport, *commands, clock, {}, {}});
  uplink.step();
  ASSERT_EQ(uplink.status().acked_seq, plan->records()) << uplink.status().last_error;
  // Batches of at most 2,000 records, oldest first.
  EXPECT_EQ(progress, (std::vector<std::uint32_t>{2000, 4000, 4320}));

  // The owner's view: each day's energy per phase is the sum of the
  // generated minutes' energies, and the meters at its end the registers.
  const auto http = device::curl_transport();
  const json profile = call(*http, "POST", url + "/api/v1/register",
                            {{"email", "ann@example.org"}, {"password", "history-test"}}, "", 201);
  const std::string key = profile.value("api_key", "");
  ASSERT_FALSE(key.empty());
  const std::string devid = device->config.identity.devid;
  call(*http, "POST", url + "/api/v1/devices", {{"name", "D"}, {"devid", devid}, {"pin", "4321"}},
       key, 201);
  const json rows = call(*http, "GET",
                         fmt::format("{}/api?devid={}&apikey={}&period=day&date1={}&date2={}", url,
                                     devid, key, plan->first_minute, kEnd - 1),
                         nullptr, "", 200);
  ASSERT_TRUE(rows.is_array()) << rows.dump();
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kDays)) << rows.dump();
  metering::HouseholdHistory h({}, plan->first_minute);
  for (int day = 0; day < kDays; ++day) {
    std::array<double, 3> forward{}, reverse{};
    while (h.next_minute() < plan->first_minute + (day + 1) * 86400) {
      const MinuteRecord m = h.next();
      for (std::size_t p = 0; p < 3; ++p) {
        forward[p] += m.phase[p].wh_delta;
        reverse[p] += m.phase[p].rwh_delta;
      }
    }
    const json& row = rows[static_cast<std::size_t>(day)];
    EXPECT_EQ(row.value("TIME", std::int64_t{0}), plan->first_minute + day * 86400);
    EXPECT_EQ(row.value("STAT", -1), 0);
    for (std::size_t p = 0; p < 3; ++p) {
      const std::string n = std::to_string(p + 1);
      EXPECT_NEAR(row.value("W" + n, -1.0), forward[p], 0.051) << "day " << day << " L" << n;
      EXPECT_NEAR(row.value("rW" + n, -1.0), reverse[p], 0.051) << "day " << day << " L" << n;
      EXPECT_NEAR(row.value("Wh" + n, -1.0), static_cast<double>(h.registers().forward[p]) / 1e6,
                  0.051);
      EXPECT_NEAR(row.value("rWh" + n, -1.0), static_cast<double>(h.registers().reverse[p]) / 1e6,
                  0.051);
    }
    // July: L1 generates by day, and consumes too (mornings, evenings).
    EXPECT_GT(reverse[0], 1000);
    EXPECT_GT(forward[0], 1000);
  }

  // The device's end: meters at the final registers, and the journal's one
  // record the history's last minute, covering no time.
  ASSERT_TRUE(device::finish_history(storage, *plan, clock.steady_now()).ok());
  auto journal = device::Journal::open(storage);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 1u);
  const device::JournalRecord& anchor = *journal->newest();
  EXPECT_EQ(anchor.minute, kEnd - 60);
  EXPECT_EQ(anchor.covered_s, 0);
  auto meters = device::MeterStore::open(storage, journal->newest(), clock.steady_now());
  ASSERT_TRUE(meters.ok());
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_EQ(meters->lifetime().forward[p], h.registers().forward[p]);
    EXPECT_EQ(meters->lifetime().reverse[p], h.registers().reverse[p]);
    EXPECT_EQ(anchor.phase[p].forward, device::journal_counter(h.registers().forward[p]));
  }
  // Done once: a second finish finds the journal and changes nothing.
  EXPECT_FALSE(device::finish_history(storage, *plan, clock.steady_now()).ok());
  cloud.stop();
}

}  // namespace
}  // namespace maic
