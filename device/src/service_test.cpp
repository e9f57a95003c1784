#include "maic/device/service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "maic/device/device.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/device/web_api.hpp"
#include "maic/metering/meter_source.hpp"

namespace maic::device {
namespace {

using std::chrono::seconds;

// A service that counts what it is told and fails its start while told to.
class FakeService final : public Service {
 public:
  explicit FakeService(std::string name) : name_(std::move(name)) {}

  std::string_view name() const override { return name_; }
  Status start(const Settings& s) override {
    ++starts;
    last_settings = s;
    if (!fail_start.empty()) return make_error(fail_start);
    state = ServiceState::kConnected;
    return ok_status();
  }
  Status reconfigure(const Settings& s) override {
    ++reconfigures;
    last_settings = s;
    return ok_status();
  }
  Status restart(const Settings& s) override {
    ++restarts;
    last_settings = s;
    if (on_restart) on_restart();
    return ok_status();
  }
  void on_reading(const Reading&, SteadyTime) override { ++readings; }
  void on_output(const OutputChange& change) override {
    output = change.on;
    last_change = change;
  }
  void stop() override {
    ++stops;
    state = ServiceState::kDisabled;
  }
  ServiceStatus report() const override { return {state, "", 7}; }

  OutputChange last_change;
  std::string fail_start;            // non-empty: start() fails with it
  std::function<void()> on_restart;  // called by restart(), after recording it
  int starts = 0;
  int reconfigures = 0;
  int restarts = 0;
  int stops = 0;
  std::atomic<int> readings{0};
  std::optional<bool> output;
  Settings last_settings;
  ServiceState state = ServiceState::kDisabled;

 private:
  std::string name_;
};

// One reading a poll, 5 s long, whatever the time: the services count them.
class TickSource final : public metering::MeterSource {
 public:
  std::string describe() const override { return "ticks"; }
  int phases() const override { return 3; }
  Status poll(SteadyTime now, std::vector<Reading>& out) override {
    Reading r;
    r.end = now;
    r.span = seconds(5);
    out.push_back(r);
    return ok_status();
  }
};

// A device on memory storage and a virtual clock with two services wired
// to it, "mqtt" and "server", as the daemon wires its own.
struct Rig {
  VirtualClock clock{from_unix_seconds(1'700'000'040)};
  MemoryStorage storage;
  ServiceSet services;
  FakeService* mqtt = nullptr;
  FakeService* server = nullptr;
  std::unique_ptr<Device> device;

  Rig() {
    for (FakeService** fake : {&mqtt, &server}) {
      auto service = std::make_unique<FakeService>(fake == &mqtt ? "mqtt" : "server");
      *fake = service.get();
      services.add(std::move(service));
    }
    DeviceOptions options;
    options.services = &services;
    const RandomBytes sevens = [](std::span<std::byte> out) {
      std::fill(out.begin(), out.end(), std::byte{7});
    };
    device = std::move(
        Device::open({clock, storage, std::make_unique<TickSource>(), sevens}, options).value());
  }

  void step(int n) {
    for (int i = 0; i < n; ++i) {
      clock.advance(seconds(1));
      device->step();
    }
  }
};

TEST(ServiceState, StringsOnlyAtTheEdge) {
  EXPECT_EQ(to_string(ServiceState::kDisabled), "disabled");
  EXPECT_EQ(to_string(ServiceState::kConnecting), "connecting");
  EXPECT_EQ(to_string(ServiceState::kConnected), "connected");
  EXPECT_EQ(to_string(ServiceState::kError), "error");
  EXPECT_EQ(to_string(ServiceState::kFailed), "failed");
}

TEST(ServiceSet, StartedServicesGetTheDevicesReadingsAndOutputChanges) {
  Rig rig;
  rig.device->start_services();
  rig.step(10);
  EXPECT_GT(rig.mqtt->readings, 0);
  EXPECT_EQ(rig.mqtt->readings, rig.server->readings);
  ASSERT_TRUE(rig.device->set_output(false).ok());
  EXPECT_EQ(rig.mqtt->output, false);
  EXPECT_EQ(rig.server->output, false);
  const DeviceStatus s = rig.device->status();
  EXPECT_EQ(s.mqtt_state, ServiceState::kConnected);
  EXPECT_EQ(s.mqtt_published, 7u);
  ASSERT_EQ(s.services.size(), 2u);
  EXPECT_EQ(s.services[1].name, "server");
}

TEST(ServiceSet, ServicesLearnWhoSwitchedTheOutputAndWhetherItChanged) {
  Rig rig;
  rig.device->start_services();
  const bool before = rig.device->output_on();
  ASSERT_TRUE(rig.device->set_output({!before, OutputCause::kCondition, 3}).ok());
  EXPECT_EQ(rig.mqtt->last_change.on, !before);
  EXPECT_EQ(rig.mqtt->last_change.cause, OutputCause::kCondition);
  EXPECT_EQ(rig.mqtt->last_change.condition, 3);
  EXPECT_TRUE(rig.mqtt->last_change.changed);
  ASSERT_TRUE(rig.device->set_output({!before, OutputCause::kWebPage}).ok());
  EXPECT_EQ(rig.mqtt->last_change.cause, OutputCause::kWebPage);
  EXPECT_FALSE(rig.mqtt->last_change.changed) << "already in that state";
  ASSERT_TRUE(rig.device->set_output(before).ok());  // the data server's command
  EXPECT_EQ(rig.server->last_change.cause, OutputCause::kServer);
  EXPECT_TRUE(rig.server->last_change.changed);
  EXPECT_EQ(to_string(OutputCause::kMqtt), "mqtt");
}

TEST(ServiceSet, AFailingServiceIsDisabledAndReportedTheOthersKeepRunning) {
  Rig rig;
  rig.mqtt->fail_start = "cannot read the CA file";
  rig.device->start_services();
  rig.step(10);
  EXPECT_EQ(rig.mqtt->readings, 0) << "a disabled service takes no steps";
  EXPECT_GT(rig.server->readings, 0);
  const DeviceStatus s = rig.device->status();
  EXPECT_EQ(s.mqtt_state, ServiceState::kFailed);
  EXPECT_EQ(s.mqtt_error, "cannot read the CA file");
  EXPECT_EQ(rig.services.status_of("server")->state, ServiceState::kConnected);
  EXPECT_FALSE(rig.services.status_of("notifier").has_value());
}

// The line of /metrics that starts with `name`, without its newline.
std::string metric_line(const std::string& text, std::string_view name) {
  const std::size_t at = text.find(std::string("\n") + std::string(name));
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST(ServiceSet, AFailureShowsInTheStatusApiAndMetrics) {
  Rig rig;
  rig.mqtt->fail_start = "TLS with CA file /x.pem: File not found";
  rig.device->start_services();
  rig.step(5);
  http::Router router;
  add_web_routes(router, *rig.device, rig.clock,
                 [](const http::Request&) { return http::Response::text(""); });
  http::Request q;
  q.method = "GET";
  q.remote = "10.0.0.2";
  q.path = q.target = "/api/v1/status";
  const nlohmann::json mqtt = nlohmann::json::parse(router.handle(q).body)["mqtt"];
  EXPECT_EQ(mqtt["state"], "failed");
  EXPECT_EQ(mqtt["error"], "TLS with CA file /x.pem: File not found");
  q.path = q.target = "/metrics";
  const std::string metrics = router.handle(q).body;
  EXPECT_TRUE(metric_line(metrics, "maic_mqtt_failed").ends_with(" 1")) << metrics;
  EXPECT_TRUE(metric_line(metrics, "maic_server_failed").ends_with(" 0")) << metrics;
}

TEST(ServiceSet, ReconfiguringReEnablesADisabledService) {
  Rig rig;
  rig.mqtt->fail_start = "no broker host";
  rig.device->start_services();
  rig.mqtt->fail_start.clear();
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"mqtt", {{"port", 1884}}}})).ok());
  EXPECT_EQ(rig.mqtt->starts, 2) << "started again";
  EXPECT_EQ(rig.mqtt->last_settings.mqtt.port, 1884);
  EXPECT_EQ(rig.server->reconfigures, 1) << "a running one is reconfigured";
  EXPECT_EQ(rig.server->last_settings.mqtt.port, 1884);
  EXPECT_EQ(rig.device->status().mqtt_state, ServiceState::kConnected);
  rig.step(10);
  EXPECT_GT(rig.mqtt->readings, 0);
}

TEST(ServiceSet, RebootRestartsEveryServiceAlsoADisabledOne) {
  Rig rig;
  rig.server->fail_start = "no transport";
  rig.device->start_services();
  rig.server->fail_start.clear();
  rig.device->restart_services();
  EXPECT_EQ(rig.mqtt->restarts, 1);
  EXPECT_EQ(rig.server->starts, 2);
  EXPECT_EQ(rig.device->status().server_state, ServiceState::kDisabled)
      << "no uplink reported: the fake is no uplink";
  EXPECT_EQ(rig.services.status_of("server")->state, ServiceState::kConnected);
}

TEST(ServiceSet, AServiceThatReportsItselfFailedTakesNoStepsUntilReconfigured) {
  Rig rig;
  rig.device->start_services();
  rig.mqtt->state = ServiceState::kFailed;  // a permanent error met after start()
  rig.step(10);
  ASSERT_TRUE(rig.device->set_output(false).ok());
  EXPECT_EQ(rig.mqtt->readings, 0) << "a failed service takes no steps";
  EXPECT_FALSE(rig.mqtt->output.has_value());
  EXPECT_GT(rig.server->readings, 0);
  EXPECT_EQ(rig.server->output, false);
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"mqtt", {{"port", 1884}}}})).ok());
  EXPECT_EQ(rig.mqtt->starts, 2) << "started again";
  rig.step(10);
  EXPECT_GT(rig.mqtt->readings, 0);
}

// Two settings changes racing: the first saved reaches the services last.
// The services are held in a reboot (restart() waits on a gate) while
// change A (port 1001) and then change B (1002) are saved; both then wait
// for the set, and take it in an order the test cannot choose. Whatever the
// order, the services end with B: each reads the settings saved when it
// runs. (Handing on the settings each change saved, A's arriving last
// would undo B.)
TEST(ServiceSet, RacingSettingsChangesLeaveTheServicesWithTheNewestSaved) {
  Rig rig;
  rig.device->start_services();
  std::mutex mutex;
  std::condition_variable cv;
  bool in_restart = false;
  bool open_gate = false;
  int edits = 0;
  rig.mqtt->on_restart = [&] {
    std::unique_lock lock(mutex);
    in_restart = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open_gate; });
  };
  const auto wait_for = [&](const std::function<bool()>& done) {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, seconds(10), done));
  };
  // Saves `port`, says so (the edit runs under the device's lock, so a
  // later edit runs after this one is saved), then hands it on.
  const auto change = [&](int port) {
    ASSERT_TRUE(rig.device
                    ->update_settings([&](Settings s) -> Result<Settings> {
                      s.mqtt.port = port;
                      std::lock_guard lock(mutex);
                      ++edits;
                      cv.notify_all();
                      return s;
                    })
                    .ok());
  };
  std::thread reboot([&] { rig.device->restart_services(); });
  wait_for([&] { return in_restart; });
  std::thread a([&] { change(1001); });
  wait_for([&] { return edits == 1; });
  std::thread b([&] { change(1002); });
  wait_for([&] { return edits == 2; });
  {
    std::lock_guard lock(mutex);
    open_gate = true;
  }
  cv.notify_all();
  reboot.join();
  a.join();
  b.join();
  EXPECT_EQ(rig.device->settings().mqtt.port, 1002);
  EXPECT_EQ(rig.mqtt->last_settings.mqtt.port, 1002);
  EXPECT_EQ(rig.server->last_settings.mqtt.port, 1002);
}

// POST /api/v1/reboot answers at once; the metering loop's next step
// restarts the services (a restart may take seconds).
TEST(ServiceSet, TheRebootRequestIsAnsweredAtOnceAndDoneByTheNextStep) {
  Rig rig;
  rig.device->start_services();
  http::Router router;
  add_web_routes(router, *rig.device, rig.clock,
                 [](const http::Request&) { return http::Response::text(""); });
  http::Request q;
  q.method = "POST";
  q.remote = "10.0.0.2";
  q.path = q.target = "/api/v1/login";
  q.body = R"({"pin":"0000"})";
  const http::Response login = router.handle(q);
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string cookie(login.headers.get("Set-Cookie").value_or(""));
  q.headers.set("Cookie", cookie.substr(0, cookie.find(';')));
  // A cookie session changes state only with its CSRF token.
  q.headers.set("X-CSRF-Token", nlohmann::json::parse(login.body).at("csrf_token"));
  q.body.clear();
  q.path = q.target = "/api/v1/reboot";
  const http::Response answer = router.handle(q);
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(nlohmann::json::parse(answer.body), nlohmann::json({{"result", "ok"}}));
  EXPECT_EQ(rig.mqtt->restarts, 0) << "asked for, not done on the request's thread";
  (void)router.handle(q);  // asked twice before the step: one reboot
  rig.step(1);
  EXPECT_EQ(rig.mqtt->restarts, 1);
  EXPECT_EQ(rig.server->restarts, 1);
  rig.step(1);
  EXPECT_EQ(rig.mqtt->restarts, 1);
}

TEST(ServiceSet, FactoryResetHandsTheServicesDefaultSettings) {
  Rig rig;
  rig.device->start_services();
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"mqtt", {{"port", 1884}}}})).ok());
  ASSERT_TRUE(rig.device->factory_reset().ok());
  EXPECT_EQ(rig.mqtt->last_settings, Settings{});
}

TEST(ServiceSet, StopAllEndsTheSteps) {
  Rig rig;
  rig.device->start_services();
  rig.services.stop_all();
  rig.services.stop_all();
  EXPECT_EQ(rig.mqtt->stops, 2);  // stop() is idempotent: called each time
  const int before = rig.mqtt->readings;
  rig.step(10);
  EXPECT_EQ(rig.mqtt->readings, before);
  rig.device->restart_services();
  EXPECT_EQ(rig.mqtt->restarts, 0) << "a stopped set is not restarted";
}

}  // namespace
}  // namespace maic::device
