// maic-cloud killed with SIGKILL, again and again, while devices upload
// their 12-day journals to it as fast as it takes them: afterwards no record
// the server acknowledged is missing, none is stored twice, the rollups
// count every minute once, and the devices caught up by themselves.
//
// The server is the real binary (MAIC_CLOUD_BIN) on SQLite; the devices are
// the real Device and Uplink (libcurl) in this process, on virtual time.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cloud_process.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/device/device.hpp"
#include "maic/device/http_client.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/device/uplink.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/journal_filler.hpp"

namespace maic {
namespace {

constexpr std::uint32_t kTwelveDays = 17'280;
constexpr std::int64_t kFirstMinute = 1'700'000'040;
constexpr int kDevices = 8;
constexpr int kKills = 8;

// Every kRequestsPerKill-th upload request, counted over all devices, waits
// before it is sent until the test has killed and restarted the server. So
// every kill lands while the devices are uploading, however the scheduler
// runs them (one step of a device uploads all it has); the other devices'
// requests under way are cut by the kill.
class KillPoints {
 public:
  static constexpr std::uint64_t kRequestsPerKill = 40;

  void before_request() {
    std::unique_lock lock(mutex_);
    if (++requests_ % kRequestsPerKill != 0 || resumed_ >= kKills) return;
    const int seen = resumed_;
    waiting_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return resumed_ != seen; });
  }

  // Waits (bounded) until a request waits at a kill point.
  bool wait_for_request() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 4 * testing::kWaitLimit, [&] { return waiting_; });
  }

  // Lets the waiting request go on.
  void resume() {
    {
      std::lock_guard lock(mutex_);
      waiting_ = false;
      ++resumed_;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t requests_ = 0;
  bool waiting_ = false;
  int resumed_ = 0;
};

// The uplink's transport, stopping at the kill points.
class KillPointTransport : public device::HttpTransport {
 public:
  explicit KillPointTransport(KillPoints& points) : points_(points) {}
  Result<device::HttpResponse> send(const device::HttpRequest& request) override {
    points_.before_request();
    return inner_->send(request);
  }
  void cancel() override { inner_->cancel(); }

 private:
  KillPoints& points_;
  std::unique_ptr<device::HttpTransport> inner_ = device::curl_transport();
};

// A device with a 12-day journal and its uplink, stepped on its own thread
// on virtual time: every back-off passes at once, so it retries as fast as
// the server comes back.
struct UploadingDevice {
  UploadingDevice(const std::string& url, int n, KillPoints& points)
      : transport(std::make_unique<KillPointTransport>(points)) {
    device::testing::append_minutes(storage, kTwelveDays, kFirstMinute);
    metering::SyntheticConfig c;
    const metering::PhaseLoad load{230, 10, 0};
    c.profile = metering::constant_profile({load, load, load});
    auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                  clock.steady_now(), "synthetic");
    device::DeviceOptions options;
    options.firmware_version = "test";
    auto d = device::Device::open({clock, storage, std::move(source).value(),
                                   [n](std::span<std::byte> out) mutable {
                                     for (auto& b : out) b = static_cast<std::byte>(++n * 31);
                                   }},
                                  options);
    if (!d) throw std::runtime_error(d.error().message);
    device = std::move(d).value();
    if (!device->update_settings(device::json_patch({{"server", {{"url", url}}}})))
      throw std::runtime_error("settings");
    device::UplinkOptions o;
    o.batch_records = 250;  // more commits, more moments to be killed in
    uplink = std::make_unique<device::Uplink>(
        device::UplinkDependencies{*device, *transport, *command_transport, clock, {}, {}}, o);
  }

  // Steps until `stop`, telling `progress` after every step. While the
  // server is down it waits for `restarts` to move instead of retrying at
  // the speed of virtual time, which would starve the test of the CPU.
  void run(const std::atomic<bool>& stop, std::condition_variable& progress, std::mutex& mutex,
           const std::uint64_t& restarts) {
    while (!stop) {
      const SteadyTime next = uplink->step();
      if (next > clock.steady_now()) clock.advance(next - clock.steady_now());
      progress.notify_all();
      if (device->status().server_state == device::ServiceState::kError) {
        std::unique_lock lock(mutex);
        const std::uint64_t seen = restarts;
        progress.wait_for(lock, testing::kWaitLimit, [&] { return stop || restarts != seen; });
      }
    }
  }

  VirtualClock clock{from_unix_seconds(kFirstMinute + 60 * kTwelveDays)};
  MemoryStorage storage;
  std::unique_ptr<device::HttpTransport> transport;
  std::unique_ptr<device::HttpTransport> command_transport = device::curl_transport();
  std::unique_ptr<device::Device> device;
  std::unique_ptr<device::Uplink> uplink;
};

TEST(CloudKill, NothingAcknowledgedIsLostNothingIsDuplicated) {
  maic::testing::TempDir dir("maic-cloud-kill");
  const Result<int> port = testing::free_port();
  ASSERT_TRUE(port.ok()) << port.error().message;
  testing::CloudProcess cloud(dir.path().string(), *port);
  cloud.start();
  const std::string url = "http://127.0.0.1:" + std::to_string(*port);

  KillPoints points;
  std::vector<std::unique_ptr<UploadingDevice>> devices;
  for (int i = 0; i < kDevices; ++i)
    devices.push_back(std::make_unique<UploadingDevice>(url, i, points));
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable progress;
  std::uint64_t restarts = 0;  // guarded by mutex
  std::vector<std::thread> threads;
  for (auto& d : devices) threads.emplace_back([&] { d->run(stop, progress, mutex, restarts); });
  // Waits (bounded) until `done()` holds, woken by the devices' steps.
  const auto wait_until = [&](auto done) {
    std::unique_lock lock(mutex);
    return progress.wait_for(lock, 4 * testing::kWaitLimit, done);
  };

  const auto acked_total = [&] {
    std::uint64_t n = 0;
    for (auto& d : devices) n += d->uplink->acked_seq();
    return n;
  };
  const std::uint64_t all = std::uint64_t{kDevices} * kTwelveDays;
  int kills = 0;
  for (; kills < kKills; ++kills) {
    ASSERT_TRUE(points.wait_for_request()) << "no upload reached kill point " << kills + 1;
    ASSERT_LT(acked_total(), all) << "the upload ended before kill " << kills + 1;
    cloud.kill();
    cloud.start();
    {
      std::lock_guard lock(mutex);
      ++restarts;
    }
    points.resume();
    progress.notify_all();
  }
  ASSERT_TRUE(wait_until([&] { return acked_total() == all; })) << "devices did not catch up";
  stop = true;
  progress.notify_all();
  for (auto& t : threads) t.join();
  cloud.stop();

  auto store = cloud::SqliteStore::open((dir.path() / "maic-cloud.db").string());
  ASSERT_TRUE(store.ok()) << store.error().message;
  for (auto& d : devices) {
    const std::string devid = d->device->identity().devid;
    auto minutes = (*store)->minutes(devid, 0, kFirstMinute + 60 * kTwelveDays, 20'000);
    ASSERT_TRUE(minutes.ok());
    ASSERT_EQ(minutes->size(), kTwelveDays) << devid;
    for (std::size_t i = 0; i < minutes->size(); ++i)
      ASSERT_EQ((*minutes)[i].minute, kFirstMinute + 60 * static_cast<std::int64_t>(i)) << devid;
    auto hours = (*store)->periods(devid, Period::kHour, 0, kFirstMinute + 60 * kTwelveDays, 1000);
    ASSERT_TRUE(hours.ok());
    std::int64_t counted = 0;
    for (const auto& h : *hours) counted += h.row.minutes;
    EXPECT_EQ(counted, kTwelveDays) << devid << ": rollups count each minute once";
  }
  std::cout << kills << " kills during the upload of " << kDevices * kTwelveDays << " records\n";
}

}  // namespace
}  // namespace maic
