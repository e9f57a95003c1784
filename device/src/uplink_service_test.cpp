// The uplink as the device's "server" service, run by a ServiceSet as the
// daemon runs it, against the scripted data server (testing/data_server.hpp)
// over the real libcurl transport. The device's clock is virtual and stands
// still unless the test moves it: a back-off never ends by itself, so what
// the uplink does after one, it does because the set asked. Every wait is
// for an event (a request the server handled, a log line), bounded; nothing
// sleeps.
#include "maic/device/uplink_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "maic/device/settings_json.hpp"
#include "maic/testing/mosquitto_broker.hpp"  // Inbox
#include "testing/data_server.hpp"
#include "testing/journal_filler.hpp"

namespace maic::device {
namespace {

using std::chrono::seconds;
using testing::DataServer;

constexpr std::int64_t kStart = 1'700'000'040;  // on a minute boundary

struct Rig {
  VirtualClock clock{from_unix_seconds(kStart)};
  MemoryStorage storage;
  DataServer server{clock.wall_now()};
  maic::testing::Inbox<std::string> log;
  ServiceSet services;
  std::unique_ptr<Device> device;

  // The threads use the device: they end first.
  ~Rig() { services.stop_all(); }

  // Five minutes journaled, the device pointed at the server, the uplink
  // added to its services (not started).
  void open() {
    testing::append_minutes(storage, 5, kStart - 5 * 60);
    auto d = testing::open_device(clock, storage, &services);
    ASSERT_TRUE(d.ok()) << d.error().message;
    device = std::move(d).value();
    ASSERT_TRUE(device->update_settings(json_patch({{"server", {{"url", server.url()}}}})).ok());
    UplinkService::Options options;
    options.log = [this](std::string_view line) { log.push(std::string(line)); };
    services.add(std::make_unique<UplinkService>(
        *device, clock, [] { return curl_transport(); }, std::move(options)));
  }

  // Waits until a log line contains `text`.
  bool logged(std::string_view text) {
    return log
        .wait_for([&](const std::string& line) { return line.find(text) != std::string::npos; })
        .has_value();
  }

  // Meters for `d`, a step a second.
  void meter(Duration d) {
    for (Duration t{}; t < d; t += seconds(1)) {
      clock.advance(seconds(1));
      device->step();
    }
  }
};

TEST(UplinkService, RunsAsAServiceSaysHelloAgainAtOnceOnARestartAndStopsInBoundedTime) {
  Rig rig;
  ASSERT_NO_FATAL_FAILURE(rig.open());
  EXPECT_EQ(rig.services.status_of("server")->state, ServiceState::kDisabled) << "not started";

  // Started: hello, then the first batch fails, and the uploads back off
  // for a second of the device's time, which stands still.
  rig.server.script({DataServer::Minutes::kFail500});
  rig.device->start_services();
  ASSERT_TRUE(rig.logged("POST /uplink/v1/minutes: 500 the database is down"));
  EXPECT_EQ(rig.server.hellos().size(), 1u);
  EXPECT_TRUE(rig.server.committed().empty());

  // The reboot: hello again at once, whatever the back-off, then the
  // journal goes up. (The hello's answer reports the state before the
  // batches are sent.)
  rig.device->restart_services();
  ASSERT_TRUE(rig.server.wait_until([&] { return rig.server.committed().size() == 5; }));
  EXPECT_EQ(rig.server.hellos().size(), 2u);
  const ServiceStatus connected = *rig.services.status_of("server");
  EXPECT_EQ(connected.state, ServiceState::kConnected);
  EXPECT_EQ(connected.error, "");

  // Stopped while a batch waits for an answer the server holds back for
  // 30 s (longer than the uplink's request timeout): the request is
  // cancelled. Bounded, with room for a sanitised build on busy cores.
  rig.server.script({DataServer::Minutes::kLoseAnswer});
  const std::size_t batches = rig.server.batches().size();
  rig.meter(seconds(65));  // a new minute in the journal
  ASSERT_TRUE(rig.server.wait_until([&] { return rig.server.batches().size() > batches; }));
  const auto before = std::chrono::steady_clock::now();
  rig.services.stop_all();
  EXPECT_LT(std::chrono::steady_clock::now() - before, seconds(10));
  EXPECT_EQ(rig.server.committed().size(), 6u) << "committed, the answer lost";
}

}  // namespace
}  // namespace maic::device
