// SETOUT's "the last command wins" (docs/mqtt.md) and the reboot's new
// connection, with the MQTT service wired to a device as apps/maic-device
// wires it (device_output_link), against a real mosquitto on loopback.
// The device's storage is in memory and outlives a "daemon restart" (a new
// Device and service set over the same storage). Every wait is for a
// message or a log line, bounded by kWaitLimit; nothing sleeps.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "maic/device/mqtt_service.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/device/uplink_service.hpp"
#include "maic/device/web_api.hpp"
#include "maic/testing/mosquitto_broker.hpp"
#include "maic/testing/must.hpp"
#include "mqtt_topics.hpp"
#include "testing/data_server.hpp"

namespace maic::device {
namespace {

using namespace std::chrono_literals;
using maic::testing::Inbox;
using maic::testing::MosquittoBroker;
using maic::testing::MqttTestClient;
using maic::testing::must;
using maic::testing::on_topic;
using maic::testing::ReceivedMessage;

// How the test starts the daemon.
struct Boot {
  bool control = true;
  // libmosquitto's own reconnect delay. Long: the service reconnects
  // only when the test reboots it, so a message the test publishes
  // before is retained when the service subscribes, on any scheduler.
  std::chrono::seconds reconnect{1};
  bool uplink = false;  // also the uplink to data_server_
};

// A device with its MQTT service as the daemon has them ("the daemon"),
// against a broker the test kills and restarts.
class SetoutTest : public ::testing::Test {
 protected:
  // The device's ID is made when its storage is first opened; the topics
  // follow it.
  void SetUp() override {
    broker_ = must(MosquittoBroker::start());
    ServiceSet none;
    topics_ = mqtt::Topics("smart-maic/",
                           must(testing::open_device(clock_, storage_, &none))->identity().devid);
  }
  void TearDown() override { halt(); }

  // A new connection's "online", not the retained one of an earlier.
  auto online_anew() const {
    return [topic = topics_.status](const ReceivedMessage& m) {
      return m.topic == topic && m.payload == "online" && !m.retain;
    };
  }

  // Starts the daemon over storage_, MQTT on with `b`'s settings, and
  // waits until its service is connected and subscribed.
  void boot(Boot b = {}) {
    auto watch = client({topics_.status});
    services_ = std::make_unique<ServiceSet>();
    device_ = must(testing::open_device(clock_, storage_, services_.get()));
    const int port = broker_->port();
    must(device_->update_settings([&](Settings s) -> Result<Settings> {
      s.mqtt.enabled = true;
      s.mqtt.host = "127.0.0.1";
      s.mqtt.port = port;
      s.mqtt.discovery = false;
      s.mqtt.control_enabled = b.control;
      if (b.uplink) s.server.url = data_server_.url();
      return s;
    }));
    MqttService::Options o;
    o.phases = device_->phases();
    o.reconnect_min = o.reconnect_max = b.reconnect;
    services_->add(std::make_unique<MqttService>(
        device_->identity(), MqttSettings{}, device_output_link(*device_),
        [this](std::string_view line) { log_.push(std::string(line)); }, o));
    if (b.uplink) {
      services_->add(std::make_unique<UplinkService>(
          *device_, clock_, [] { return curl_transport(); }, UplinkService::Options{}));
    }
    device_->start_services();
    // "online" follows the subscription to SETOUT on the same connection.
    ASSERT_TRUE(watch->inbox().wait_for(online_anew()));
  }

  // Stops the daemon as SIGTERM does; storage_ stays.
  void halt() {
    if (services_) services_->stop_all();
    device_.reset();
    services_.reset();
  }

  // The manual's reboot as the metering loop does it (SIGHUP, POST
  // /api/v1/reboot), and waits until the new connection is online.
  void reboot() {
    auto watch = client({topics_.status});
    log_.clear();
    device_->request_reboot();
    clock_.advance(1s);
    device_->step();
    ASSERT_TRUE(watch->inbox().wait_for(online_anew()));
  }

  std::unique_ptr<MqttTestClient> client(std::vector<std::string> subscriptions) {
    MqttTestClient::Options o;
    o.subscriptions = std::move(subscriptions);
    return must(MqttTestClient::connect(broker_->port(), std::move(o)));
  }

  // What the broker retains on SETOUT now: a fresh subscriber gets it at once;
  // "" when nothing is retained (learnt by a second, known message after it).
  std::string retained_setout() {
    auto c = client({topics_.setout, topics_.status});
    // The status topic is retained whenever the service ran: it comes after
    // SETOUT's in the order of the subscriptions.
    EXPECT_TRUE(
        c->inbox().wait_for([&](const ReceivedMessage& m) { return m.topic == topics_.status; }));
    for (const ReceivedMessage& m : c->inbox().items()) {
      if (m.topic == topics_.setout && m.retain) return m.payload;
    }
    return "";
  }

  bool logged(std::string_view part) {
    return log_
        .wait_for([&](const std::string& line) { return line.find(part) != std::string::npos; })
        .has_value();
  }

  bool ever_logged(std::string_view part) {
    const std::vector<std::string> lines = log_.items();
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(part) != std::string::npos;
    });
  }

  std::optional<std::string> remembered() {
    auto text = must(device_->read_state_file(MqttService::kSetoutFile));
    return text;
  }

  // The broker dies and comes back without its retained messages; with
  // `held` non-empty the test publishes it again, retained, as a broker
  // with persistence would have kept it.
  void restart_broker(std::string_view held) {
    broker_->kill();
    must(broker_->restart());
    if (!held.empty()) must(client({})->publish(topics_.setout, held, /*retain=*/true));
  }

  VirtualClock clock_{from_unix_seconds(1'700'000'040)};
  MemoryStorage storage_;
  std::unique_ptr<MosquittoBroker> broker_;
  testing::DataServer data_server_{clock_.wall_now()};
  std::unique_ptr<ServiceSet> services_;
  std::unique_ptr<Device> device_;
  Inbox<std::string> log_;
  mqtt::Topics topics_{"", ""};
};

// The fault of issue 9, K6: retained "1", a person switches off locally,
// the broker restarts. With a broker that persists, it holds the device's
// own "0" (published at the switch); without, it holds nothing. Neither
// switches the output back on.
TEST_F(SetoutTest, ALocalSwitchOutlivesABrokerRestart) {
  must(client({})->publish(topics_.setout, "1", /*retain=*/true));
  auto sub = client({topics_.setout, topics_.out});
  ASSERT_NO_FATAL_FAILURE(boot({.reconnect = 30s}));
  ASSERT_TRUE(logged("asks for the output on (retained)"));
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.out, "1")));
  EXPECT_EQ(remembered(), "1");

  must(device_->set_output(false));  // as the JSON API does
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.setout, "0")));
  EXPECT_EQ(retained_setout(), "0");
  EXPECT_EQ(remembered(), "0");

  // A persistent broker: its "0" is the device's own, not a command.
  restart_broker("0");
  ASSERT_NO_FATAL_FAILURE(reboot());
  ASSERT_TRUE(logged("\"0\" (retained) was applied before: not again"));
  EXPECT_FALSE(device_->output_on());

  // A broker without persistence: nothing retained, nothing switches.
  restart_broker("");
  ASSERT_NO_FATAL_FAILURE(reboot());
  EXPECT_FALSE(device_->output_on());
  EXPECT_FALSE(ever_logged("asks for"));
}

// Switched off while the broker is away: the device cannot publish its
// "0". The broker comes back with the old "1" (persisted before); it was
// applied already, so it is not applied again, and the device corrects it.
TEST_F(SetoutTest, ASwitchWhileTheBrokerIsAwayWinsOverTheOldRetainedCommand) {
  must(client({})->publish(topics_.setout, "1", /*retain=*/true));
  ASSERT_NO_FATAL_FAILURE(boot({.reconnect = 30s}));
  ASSERT_TRUE(logged("asks for the output on (retained)"));
  broker_->kill();
  ASSERT_TRUE(logged("connection lost"));
  must(device_->set_output(false));
  must(broker_->restart());
  must(client({})->publish(topics_.setout, "1", /*retain=*/true));
  auto sub = client({topics_.setout});
  ASSERT_NO_FATAL_FAILURE(reboot());
  ASSERT_TRUE(logged("\"1\" (retained) was applied before: not again"));
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.setout, "0"))) << "the correction";
  EXPECT_FALSE(device_->output_on());
  EXPECT_EQ(retained_setout(), "0");
  EXPECT_EQ(remembered(), "0");
}

// A daemon restart: the retained command it applied before is not applied
// again (the payload is remembered in the device's storage), even when the
// output was switched since without the broker knowing.
TEST_F(SetoutTest, ADaemonRestartDoesNotApplyTheSameRetainedCommandAgain) {
  must(client({})->publish(topics_.setout, "1", /*retain=*/true));
  ASSERT_NO_FATAL_FAILURE(boot());
  ASSERT_TRUE(logged("asks for the output on (retained)"));
  halt();
  // Switched off by a daemon without MQTT control (control disabled).
  ASSERT_NO_FATAL_FAILURE(boot({.control = false}));
  must(device_->set_output(false));
  halt();
  EXPECT_EQ(retained_setout(), "1") << "without control the device leaves SETOUT alone";
  log_.clear();
  auto sub = client({topics_.setout});
  ASSERT_NO_FATAL_FAILURE(boot());
  ASSERT_TRUE(logged("\"1\" (retained) was applied before: not again"));
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.setout, "0")));
  EXPECT_FALSE(device_->output_on());
  EXPECT_FALSE(ever_logged("asks for"));
}

// A retained payload other than the one remembered is a command given while
// the device was away: it wins.
TEST_F(SetoutTest, ANewRetainedPayloadAfterARestartIsACommand) {
  must(client({})->publish(topics_.setout, "1", /*retain=*/true));
  ASSERT_NO_FATAL_FAILURE(boot());
  ASSERT_TRUE(logged("asks for the output on (retained)"));
  halt();
  must(client({})->publish(topics_.setout, "0", /*retain=*/true));
  auto sub = client({topics_.out});
  ASSERT_NO_FATAL_FAILURE(boot());
  ASSERT_TRUE(logged("asks for the output off (retained)"));
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.out, "0")));
  EXPECT_FALSE(device_->output_on());
  EXPECT_EQ(remembered(), "0");
}

// A command from the data server (the uplink's long poll) is a switch by
// other means: SETOUT follows it, and a reboot does not undo it.
TEST_F(SetoutTest, ASwitchFromTheServerIsPublishedToSetout) {
  must(client({})->publish(topics_.setout, "1", /*retain=*/true));
  auto sub = client({topics_.setout});
  ASSERT_NO_FATAL_FAILURE(boot({.uplink = true}));
  ASSERT_TRUE(logged("asks for the output on (retained)"));
  data_server_.add_command(7, false);
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.setout, "0")));
  EXPECT_FALSE(device_->output_on());
  EXPECT_EQ(retained_setout(), "0");
  ASSERT_NO_FATAL_FAILURE(reboot());
  ASSERT_TRUE(logged("\"0\" (retained) was applied before: not again"));
  EXPECT_FALSE(device_->output_on());
}

// The page API's pout (what the Home Assistant client calls) likewise.
// Two switches in a row: each is published, and the echoes of the device's
// own publishes switch nothing.
TEST_F(SetoutTest, ASwitchByThePageApiIsPublishedToSetout) {
  auto sub = client({topics_.setout});
  ASSERT_NO_FATAL_FAILURE(boot());
  http::Router router;
  add_web_routes(router, *device_, clock_,
                 [](const http::Request&) { return http::Response::text(""); });
  const auto get = [&](std::string target) {
    http::Request q;
    q.method = "GET";
    q.remote = "10.0.0.2";
    q.path = "/";
    q.query = *http::parse_query(target.substr(target.find('?') + 1));
    q.target = std::move(target);
    return router.handle(q);
  };
  ASSERT_EQ(get("/?page=devlogin&devpass=0000").status, 200);
  ASSERT_EQ(get("/?page=pout&state=1").status, 200);
  ASSERT_EQ(get("/?page=pout&state=0").status, 200);
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.setout, "1")));
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.setout, "0")));
  // Stopping joins the network thread: the echoes were handled by then.
  services_->stop_all();
  EXPECT_FALSE(device_->output_on());
  EXPECT_FALSE(ever_logged("asks for"));
  EXPECT_EQ(retained_setout(), "0");
  EXPECT_EQ(remembered(), "0");
}

// Control disabled: no subscription, nothing published to SETOUT, nothing
// remembered.
TEST_F(SetoutTest, WithoutControlSetoutIsLeftAlone) {
  must(client({})->publish(topics_.setout, "1", /*retain=*/true));
  auto sub = client({topics_.setout, topics_.out, topics_.status});
  ASSERT_NO_FATAL_FAILURE(boot({.control = false}));
  must(device_->set_output(true));
  must(device_->set_output(false));
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.out, "0")));
  services_->stop_all();  // its "offline" comes after all it published
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.status, "offline")));
  for (const ReceivedMessage& m : sub->inbox().items()) {
    EXPECT_FALSE(m.topic == topics_.setout && !m.retain) << m.payload;
  }
  EXPECT_FALSE(device_->output_on());
  EXPECT_EQ(remembered(), std::nullopt);
  EXPECT_FALSE(ever_logged("SETOUT"));
}

// SIGHUP and POST /api/v1/reboot (docs/device.md): every service restarts,
// MQTT with a new connection: "offline", then "online" again.
TEST_F(SetoutTest, BothRebootPathsReconnectMqtt) {
  ASSERT_NO_FATAL_FAILURE(boot());
  http::Router router;
  add_web_routes(router, *device_, clock_,
                 [](const http::Request&) { return http::Response::text(""); });
  std::string csrf;  // a cookie session changes state only with its CSRF token
  const auto post = [&](std::string path, std::string body, std::string cookie) {
    http::Request q;
    q.method = "POST";
    q.remote = "10.0.0.2";
    q.path = q.target = std::move(path);
    q.body = std::move(body);
    if (!cookie.empty()) q.headers.set("Cookie", cookie);
    if (!csrf.empty()) q.headers.set("X-CSRF-Token", csrf);
    return router.handle(q);
  };
  const http::Response login = post("/api/v1/login", R"({"pin":"0000"})", "");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string cookie(login.headers.get("Set-Cookie").value_or(""));
  csrf = nlohmann::json::parse(login.body).at("csrf_token");
  const auto offline_then_online = [&](const std::vector<ReceivedMessage>& ms) {
    const auto off = std::find_if(ms.begin(), ms.end(), on_topic(topics_.status, "offline"));
    return off != ms.end() &&
           std::find_if(off, ms.end(), on_topic(topics_.status, "online")) != ms.end();
  };

  // SIGHUP: the daemon's handler asks for the reboot; the loop's step does it.
  auto sub = client({topics_.status});
  device_->request_reboot();
  clock_.advance(1s);
  device_->step();
  EXPECT_TRUE(sub->inbox().wait_until(offline_then_online)) << "SIGHUP: no offline, then online";
  EXPECT_EQ(services_->status_of("mqtt")->state, ServiceState::kConnected);

  sub = client({topics_.status});
  const http::Response answer = post("/api/v1/reboot", "", cookie.substr(0, cookie.find(';')));
  ASSERT_EQ(answer.status, 200) << answer.body;
  clock_.advance(1s);
  device_->step();
  EXPECT_TRUE(sub->inbox().wait_until(offline_then_online)) << "POST: no offline, then online";
  EXPECT_EQ(services_->status_of("mqtt")->state, ServiceState::kConnected);
}

}  // namespace
}  // namespace maic::device
