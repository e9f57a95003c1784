// The device and the server together, in one process and on real sockets:
// the device's uplink (libcurl) against maic-cloud's request handling on a
// real loopback HTTP server over a real SQLite store. Time is virtual on
// the device's side; the server stamps with its own.
//
// The outage: the device uploads, the server goes away, the device keeps
// journaling for 12 days (its journal's capacity), the server comes back:
// the device reconnects by itself and the server ends with every minute,
// once, with rollups that add up.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "maic/cloud/service.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/core/corrected_clock.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/device.hpp"
#include "maic/device/http_client.hpp"
#include "maic/device/journal.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/device/uplink.hpp"
#include "maic/http/server.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/journal_filler.hpp"

namespace maic {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::uint32_t kTwelveDays = 17'280;
constexpr std::uint32_t kThirteenDays = 18'720;
constexpr std::int64_t kFirstMinute = 1'700'000'040;

// maic-cloud's handling behind a loopback server that can go away and come
// back on the same port, over one database file.
class Cloud {
 public:
  explicit Cloud(const std::filesystem::path& db) {
    auto store = cloud::SqliteStore::open(db.string());
    if (!store) throw std::runtime_error(store.error().message);
    store_ = std::move(store).value();
    service_ = std::make_unique<cloud::CloudService>(*store_, clock_, cloud::CloudOptions{});
  }
  void start(std::uint16_t port = 0) {
    http::ServerOptions o;
    o.listen = {"127.0.0.1", port};
    o.limits.body_bytes = cloud::kMaxBodyBytes;  // as maic-cloud
    o.body_limit = [this](const http::Request& h) { return service_->body_limit(h); };
    auto s = http::Server::start(o, [this](const http::Request& r) { return service_->handle(r); });
    if (!s) throw std::runtime_error(s.error().message);
    server_.emplace(std::move(s).value());
    port_ = server_->port();
  }
  void stop() { server_.reset(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }
  cloud::Store& store() { return *store_; }

 private:
  // Both clocks stand after the longest outage's last minute.
  VirtualClock clock_{from_unix_seconds(kFirstMinute + 60 * kThirteenDays)};
  std::unique_ptr<cloud::SqliteStore> store_;
  std::unique_ptr<cloud::CloudService> service_;
  std::optional<http::Server> server_;
  std::uint16_t port_ = 0;
};

class DeviceWithUplink {
 public:
  DeviceWithUplink(Storage& storage, const std::string& url) : storage_(storage) {
    metering::SyntheticConfig c;
    const metering::PhaseLoad load{230, 10, 0};
    c.profile = metering::constant_profile({load, load, load});
    auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                  clock_.steady_now(), "synthetic");
    if (!source) throw std::runtime_error(source.error().message);
    device::DeviceOptions options;
    options.firmware_version = "test";
    auto d = device::Device::open({clock_, storage_, std::move(source).value(),
                                   [n = 0](std::span<std::byte> out) mutable {
                                     for (auto& b : out) b = static_cast<std::byte>(++n * 7);
                                   }},
                                  options);
    if (!d) throw std::runtime_error(d.error().message);
    device_ = std::move(d).value();
    if (auto s = device_->update_settings(
            device::json_patch({{"pin", "4711"}, {"server", {{"url", url}}}}));
        !s)
      throw std::runtime_error(s.error().message);
    uplink_ = std::make_unique<device::Uplink>(
        device::UplinkDependencies{*device_, *transport_, *command_transport_, clock_, {}, {}});
  }

  // Steps the uplink until it has nothing due, moving virtual time to each
  // wake-up it asks for; at most `limit` of virtual time.
  void run_uplink(Duration limit) {
    const SteadyTime end = clock_.steady_now() + limit;
    while (clock_.steady_now() < end) {
      const SteadyTime next = uplink_->step();
      if (device_->status().server_backlog == 0 &&
          to_string(device_->status().server_state) == "connected")
        return;
      if (next > clock_.steady_now()) clock_.advance(next - clock_.steady_now());
    }
  }

  device::Device& device() { return *device_; }
  device::Uplink& uplink() { return *uplink_; }

 private:
  Storage& storage_;
  VirtualClock clock_{from_unix_seconds(kFirstMinute + 60 * kThirteenDays)};
  std::unique_ptr<device::HttpTransport> transport_ = device::curl_transport();
  std::unique_ptr<device::HttpTransport> command_transport_ = device::curl_transport();
  std::unique_ptr<device::Device> device_;
  std::unique_ptr<device::Uplink> uplink_;
};

// Online: the device journals its first hour and uploads it all. Returns
// its ID.
std::string first_hour_online(Cloud& cloud, Storage& storage) {
  device::testing::append_minutes(storage, 60, kFirstMinute);
  DeviceWithUplink d(storage, cloud.url());
  d.run_uplink(minutes(1));
  EXPECT_EQ(d.device().status().server_backlog, 0u) << d.device().status().server_error;
  EXPECT_EQ(d.uplink().acked_seq(), 60u);
  return d.device().identity().devid;
}

TEST(Outage, TwelveDaysOfflineThenEveryMinuteArrivesOnce) {
  maic::testing::TempDir dir("maic-outage");
  Cloud cloud(dir.path() / "cloud.db");
  cloud.start();
  MemoryStorage storage;

  const std::string devid = first_hour_online(cloud, storage);
  ASSERT_FALSE(::testing::Test::HasFailure());

  // The server goes away; the device journals on, to its capacity; it
  // keeps trying and backs off, marking nothing.
  cloud.stop();
  device::testing::append_minutes(storage, kTwelveDays - 60, kFirstMinute);
  DeviceWithUplink d(storage, cloud.url());
  d.run_uplink(minutes(20));
  EXPECT_EQ(to_string(d.device().status().server_state), "error");
  EXPECT_EQ(d.device().status().server_backlog, kTwelveDays - 60);

  // The server comes back on its address: the device catches up alone.
  cloud.start(cloud.port());
  d.run_uplink(minutes(10));
  EXPECT_EQ(d.device().status().server_backlog, 0u) << d.device().status().server_error;
  EXPECT_EQ(d.uplink().acked_seq(), kTwelveDays);

  // Every minute, once, in order; the device row knows the newest.
  auto stored = cloud.store().minutes(devid, 0, kFirstMinute + 60 * kTwelveDays, 20'000);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  ASSERT_EQ(stored->size(), kTwelveDays);
  for (std::size_t i = 0; i < stored->size(); ++i)
    ASSERT_EQ((*stored)[i].minute, kFirstMinute + 60 * static_cast<std::int64_t>(i));
  // With the frequency the device journaled (field fault K4: it arrived as 0).
  for (const MinuteRecord& m : {stored->front(), stored->back()}) {
    for (std::size_t p = 0; p < 3; ++p) EXPECT_NEAR(m.phase[p].hertz, 50, 1e-9) << p;
  }
  auto row = cloud.store().device(devid);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->newest_seq, kTwelveDays);

  // The days' rollups hold every minute: 12 days of 38.33 Wh a minute.
  auto days = cloud.store().periods(devid, Period::kDay, 0, kFirstMinute + 60 * kTwelveDays, 100);
  ASSERT_TRUE(days.ok());
  std::int64_t counted = 0;
  double energy = 0;
  for (const auto& day : *days) {
    counted += day.row.minutes;
    energy += day.row.phase[0].wh_energy;
  }
  EXPECT_EQ(counted, kTwelveDays);
  // The oldest minute's energy is unknown to the device (no record before
  // it), so the sum is one minute short of 17,280 × 38.33 Wh.
  EXPECT_NEAR(energy, (kTwelveDays - 1) * 38.33, 1e-6 * kTwelveDays);
}

// Longer than the journal keeps (field fault K7): 13 days offline, the
// journal overwrote the first day the server never got. What the server
// books over all periods equals the movement of the device's lifetime
// registers; the lost day is one gap record, flagged, and no peak.
TEST(Outage, ThirteenDaysOfflineTheLostDayIsBookedAsAGap) {
  maic::testing::TempDir dir("maic-outage13");
  Cloud cloud(dir.path() / "cloud.db");
  cloud.start();
  MemoryStorage storage;
  const std::string devid = first_hour_online(cloud, storage);
  ASSERT_FALSE(::testing::Test::HasFailure());
  cloud.stop();
  device::testing::append_minutes(storage, kThirteenDays - 60, kFirstMinute);
  cloud.start(cloud.port());
  DeviceWithUplink d(storage, cloud.url());
  d.run_uplink(minutes(10));
  ASSERT_EQ(d.device().status().server_backlog, 0u) << d.device().status().server_error;
  ASSERT_EQ(d.uplink().acked_seq(), kThirteenDays);

  // The journal kept the last 12 days; the server has the first hour, the
  // last 12 days and, between them, one gap record.
  const std::uint32_t lost = kThirteenDays - kTwelveDays - 60;  // minutes never received
  auto days = cloud.store().periods(devid, Period::kDay, 0, kFirstMinute + 60 * kThirteenDays, 100);
  ASSERT_TRUE(days.ok()) << days.error().message;
  double energy = 0;
  double peak = 0;
  std::int64_t measured = 0;
  std::int64_t gaps = 0;
  for (const auto& day : *days) {
    energy += day.row.phase[0].wh_energy;
    peak = std::max(peak, day.row.phase[0].max_watts);
    measured += day.row.minutes;
    gaps += day.row.gaps;
  }
  // The lifetime register moved 38.33 Wh a minute after the first one.
  EXPECT_NEAR(energy, (kThirteenDays - 1) * 38.33, 1e-6 * kThirteenDays);
  EXPECT_EQ(measured, 60 + kTwelveDays);
  EXPECT_EQ(gaps, 1);
  EXPECT_NEAR(peak, 38.33 * 60, 1e-6) << "2.3 kW, not the gap's energy as a minute";

  auto gap = cloud.store().minutes(devid, kFirstMinute + 3600, kFirstMinute + 3600, 10);
  ASSERT_TRUE(gap.ok());
  ASSERT_EQ(gap->size(), 1u) << "the gap starts after the last minute received";
  EXPECT_EQ((*gap)[0].status, kStatusGap);
  EXPECT_NEAR((*gap)[0].phase[0].wh_delta, (lost + 1) * 38.33, 1e-6)
      << "the lost minutes and the first kept one, whose own energy is not known apart";
  EXPECT_EQ((*gap)[0].covered, std::chrono::seconds(60 * lost)) << "until the first kept minute";
}

// A device whose wall clock steps back 2 minutes (field fault K2): its
// journal stamps three minutes twice. Every Wh it measured lands in some
// period exactly once.
TEST(ClockStep, MinutesStampedTwiceAllArrive) {
  maic::testing::TempDir dir("maic-clock-step");
  Cloud cloud(dir.path() / "cloud.db");
  cloud.start();
  MemoryStorage storage;
  device::testing::append_minutes(storage, 10, kFirstMinute);
  {
    // The clock steps back 2 minutes after the 10th minute: the next three
    // records repeat the stamps of minutes 8, 9 and 10.
    auto journal = device::Journal::open(storage);
    ASSERT_TRUE(journal.ok()) << journal.error().message;
    for (std::uint32_t k = 0; k < 10; ++k) {
      device::JournalRecord r = *journal->newest();
      r.minute = kFirstMinute + 60 * (7 + k);
      for (device::JournalPhase& p : r.phase) p.forward += 3833;  // 38.33 Wh more
      ASSERT_TRUE(journal->append(r).ok());
    }
  }
  DeviceWithUplink d(storage, cloud.url());
  const std::string devid = d.device().identity().devid;
  d.run_uplink(minutes(1));
  ASSERT_EQ(d.device().status().server_backlog, 0u) << d.device().status().server_error;
  ASSERT_EQ(d.uplink().acked_seq(), 20u);

  auto hours = cloud.store().periods(devid, Period::kHour, 0, kFirstMinute + 86400, 10);
  ASSERT_TRUE(hours.ok());
  double energy = 0;
  std::int64_t records = 0;
  for (const auto& h : *hours) {
    energy += h.row.phase[0].wh_energy;
    records += h.row.minutes;
  }
  EXPECT_EQ(records, 20);
  // 19 minutes of 38.33 Wh: all but the first, whose energy has no record
  // before it.
  EXPECT_NEAR(energy, 19 * 38.33, 1e-6);
  auto stored = cloud.store().minutes(devid, 0, kFirstMinute + 86400, 100);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 17u) << "three minutes stamped twice read as one row each";
  auto row = cloud.store().device(devid);
  EXPECT_EQ((*row)->newest_seq, 20u);
  EXPECT_EQ((*row)->newest_minute, kFirstMinute + 60 * 16);
}

}  // namespace
}  // namespace maic
