// What the device publishes of its meters (docs/mqtt.md, "As of the last
// save"): MQTT and /metrics carry the meters as of the meter store's last
// durable save, so a restart after a crash never publishes less than was
// published before; the page API stays live. Home Assistant's energy
// sensors and the Prometheus counter read the lifetime registers, which an
// initial value set below the meter (manual §5) does not move.
//
// The device is wired as apps/maic-device wires it (the MQTT service, the
// web routes) over memory storage behind a fault injector, which cuts the
// power for a crash: the dying device's last save fails, as a SIGKILL's
// would never happen, and the memory keeps only what was synced. Time is a
// virtual clock; every wait is for a message, bounded by kWaitLimit.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "maic/device/mqtt_service.hpp"
#include "maic/device/web_api.hpp"
#include "maic/testing/mosquitto_broker.hpp"
#include "maic/testing/must.hpp"
#include "meter_store.hpp"
#include "mqtt_topics.hpp"
#include "testing/data_server.hpp"

namespace maic::device {
namespace {

using namespace std::chrono_literals;
using maic::testing::MosquittoBroker;
using maic::testing::MqttTestClient;
using maic::testing::must;
using maic::testing::on_topic;
using maic::testing::ReceivedMessage;

// The meters the test follows on MQTT: the user's and the lifetime
// registers, a phase and the total.
const std::vector<std::string> kMeters = {"Wh1", "LWh1", "TWh", "TLWh", "rTWh", "rTLWh"};

// The number a /metrics line of `metric` for phase 1, forward, carries;
// NaN when absent.
double metric_value(const std::string& text, std::string_view metric) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(std::string(metric) + "{") &&
        line.find("phase=\"1\",direction=\"forward\"") != std::string::npos) {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return std::nan("");
}

class PublishedMetersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = must(MosquittoBroker::start());
    faulty_ = std::make_unique<FaultStorage>(memory_);
    ServiceSet none;
    devid_ = must(testing::open_device(clock_, *faulty_, &none))->identity().devid;
    topics_ = mqtt::Topics("smart-maic/", devid_);
    std::vector<std::string> subscriptions = {topics_.status, topics_.json, "homeassistant/#"};
    for (const std::string& m : kMeters) subscriptions.push_back(topics_.of(m));
    MqttTestClient::Options o;
    o.subscriptions = std::move(subscriptions);
    watch_ = must(MqttTestClient::connect(broker_->port(), std::move(o)));
  }
  void TearDown() override { halt(); }

  // Starts "the daemon" over the storage: MQTT on (every reading published,
  // layout `layout`, discovery on), the web routes, and waits until the
  // service is online and logged in to the page API.
  void boot(int layout = 2) {
    layout_ = layout;
    services_ = std::make_unique<ServiceSet>();
    device_ = must(testing::open_device(clock_, *faulty_, services_.get()));
    const int port = broker_->port();
    must(device_->update_settings([&](Settings s) -> Result<Settings> {
      s.mqtt.enabled = true;
      s.mqtt.host = "127.0.0.1";
      s.mqtt.port = port;
      s.mqtt.interval_s = 1;
      s.mqtt.layout = layout;
      s.mqtt.discovery = true;
      return s;
    }));
    MqttService::Options o;
    o.phases = device_->phases();
    services_->add(std::make_unique<MqttService>(
        device_->identity(), MqttSettings{}, device_output_link(*device_), [](std::string_view) {},
        o));
    router_ = std::make_unique<http::Router>();
    add_web_routes(*router_, *device_, clock_,
                   [](const http::Request&) { return http::Response::text("the site"); });
    // This connection's "online", not an earlier life's.
    const auto onlines = [&](const std::vector<ReceivedMessage>& ms) {
      return std::count_if(ms.begin(), ms.end(), [&](const ReceivedMessage& m) {
        return m.topic == topics_.status && m.payload == "online";
      });
    };
    const auto before = onlines(watch_->inbox().items());
    device_->start_services();
    ASSERT_TRUE(watch_->inbox().wait_until(
        [&](const std::vector<ReceivedMessage>& ms) { return onlines(ms) > before; }));
    ASSERT_EQ(get("/?page=devlogin&devpass=0000").status, 200);
  }

  // The daemon's SIGTERM: services stopped, the meters flushed.
  void halt() {
    if (services_) services_->stop_all();
    device_.reset();
    services_.reset();
    router_.reset();
  }

  // A SIGKILL or a power cut: from now on every write fails (the dying
  // device's flush too), and only what was synced is left.
  void crash() {
    faulty_->cut_power_after_operations(0);
    halt();
    memory_.crash();
    faulty_ = std::make_unique<FaultStorage>(memory_);
  }

  // `seconds` of metering, a step a second (a reading every 5 s), and waits
  // until MQTT carries every reading: the last message of each is the JSON
  // (layouts 1, 2), else its last meter topic.
  void run(int seconds) {
    for (int i = 0; i < seconds; ++i) {
      clock_.advance(1s);
      if (!device_->step().empty()) ++readings_;
    }
    const std::string last = mqtt::has_json(layout_) ? topics_.json : topics_.of("rTLWh");
    ASSERT_TRUE(watch_->inbox().wait_until([&](const std::vector<ReceivedMessage>& ms) {
      return std::count_if(ms.begin(), ms.end(), [&](const ReceivedMessage& m) {
               return m.topic == last;
             }) >= static_cast<std::ptrdiff_t>(readings_);
    })) << readings_
        << " readings";
  }

  http::Response get(std::string target) {
    http::Request q;
    q.method = "GET";
    const auto mark = target.find('?');
    q.path = target.substr(0, mark);
    if (mark != std::string::npos) q.query = *http::parse_query(target.substr(mark + 1));
    q.target = std::move(target);
    q.remote = "10.0.0.2";
    return router_->handle(q);
  }

  // The page API's value of `key` (live).
  double page_value(const std::string& key) {
    const http::Response r = get("/?page=getwdata");
    EXPECT_EQ(r.status, 200);
    std::string v = nlohmann::json::parse(r.body)["data"][key]["value"].get<std::string>();
    std::erase(v, ' ');
    return std::stod(v);
  }

  // The newest value MQTT carried on meter topic `name`, and in the JSON.
  double mqtt_value(const std::string& name) {
    double topic = std::nan("");
    double json = std::nan("");
    for (const ReceivedMessage& m : watch_->inbox().items()) {
      if (m.topic == topics_.of(name)) topic = std::stod(m.payload);
      if (m.topic == topics_.json) json = nlohmann::json::parse(m.payload)[name].get<double>();
    }
    EXPECT_EQ(topic, json) << name << ": the topic and the JSON agree";
    return topic;
  }

  // The forward lifetime registers (Wh) meters.json holds: phase 1, total.
  std::pair<double, double> stored_lifetime() {
    const auto text = must(memory_.read_file("meters.json"));
    EXPECT_TRUE(text.has_value());
    const MeterState s = must(decode_meter_state(
        std::string_view(reinterpret_cast<const char*>(text->data()), text->size())));
    double total = 0;
    for (std::int64_t v : s.lifetime.forward) total += static_cast<double>(v) / 1e6;
    return {static_cast<double>(s.lifetime.forward[0]) / 1e6, total};
  }

  VirtualClock clock_{from_unix_seconds(1'700'000'040)};  // on a minute boundary
  MemoryStorage memory_;
  std::unique_ptr<FaultStorage> faulty_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<MqttTestClient> watch_;
  std::string devid_;
  mqtt::Topics topics_{"smart-maic/", ""};
  int layout_ = 2;
  std::size_t readings_ = 0;  // made by every life so far, each published once
  std::unique_ptr<ServiceSet> services_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<http::Router> router_;
};

// 230 V × 10 A on three phases: 6.9 kW. The store saves 30 s after the
// start; 45 s in, the live meters are 15 s of energy (29 Wh) ahead.
TEST_F(PublishedMetersTest, MqttAndMetricsPublishTheLastSaveThePageApiIsLive) {
  boot();
  run(45);
  const auto [saved_l1, saved_total] = stored_lifetime();
  EXPECT_NEAR(saved_total, 6900.0 * 30 / 3600, 6900.0 * 5 / 3600);
  EXPECT_NEAR(mqtt_value("TWh"), saved_total, 0.05);
  EXPECT_NEAR(mqtt_value("TLWh"), saved_total, 0.05);
  EXPECT_NEAR(mqtt_value("Wh1"), saved_l1, 0.05);
  EXPECT_NEAR(mqtt_value("LWh1"), saved_l1, 0.05);
  const std::string metrics = get("/metrics").body;
  EXPECT_NEAR(metric_value(metrics, "maic_energy_watt_hours_total"), saved_l1, 1e-6);
  EXPECT_NEAR(metric_value(metrics, "maic_energy_meter_watt_hours"), saved_l1, 1e-6);
  // The page API shows the meters as they stand.
  const double live = page_value("TWh");
  EXPECT_NEAR(live, device_->latest()->phase[0].wh * 3, 0.2);
  EXPECT_GT(live, saved_total + 6900.0 * 10 / 3600);
  EXPECT_NEAR(page_value("Wh1"), device_->latest()->phase[0].wh, 0.05);
}

// Crashes at several points of the save cycle (before the first save,
// just before and after one, right after a restart, a minute in, with the
// journal ahead of the store): no value published on MQTT or /metrics is
// ever below one published before, across every restart.
TEST_F(PublishedMetersTest, NoCrashPublishesLessThanBefore) {
  std::map<std::string, double> last;  // the newest value per meter topic
  double last_counter = 0;
  double last_gauge = 0;
  std::size_t seen = 0;  // messages checked
  auto check = [&](std::string_view when) {
    const std::vector<ReceivedMessage> ms = watch_->inbox().items();
    for (; seen < ms.size(); ++seen) {
      const ReceivedMessage& m = ms[seen];
      for (const std::string& name : kMeters) {
        double v = std::nan("");
        if (m.topic == topics_.of(name)) v = std::stod(m.payload);
        if (m.topic == topics_.json) v = nlohmann::json::parse(m.payload)[name].get<double>();
        if (std::isnan(v)) continue;
        EXPECT_GE(v, last[name]) << name << " went back " << when;
        last[name] = std::max(last[name], v);
      }
    }
    const std::string metrics = get("/metrics").body;
    const double counter = metric_value(metrics, "maic_energy_watt_hours_total");
    const double gauge = metric_value(metrics, "maic_energy_meter_watt_hours");
    if (std::isnan(counter)) return;  // no reading yet: no energy series
    EXPECT_GE(counter, last_counter) << "the counter went back " << when;
    EXPECT_GE(gauge, last_gauge) << "the meter went back " << when;
    last_counter = counter;
    last_gauge = gauge;
  };
  for (const int life : {12, 29, 31, 5, 61, 30, 44, 95, 1, 36}) {
    const std::string when = "in the life of " + std::to_string(life) + " s";
    boot();
    check("after the restart before " + when);
    run(life);
    check(when);
    if (const std::optional<Reading> live = device_->latest()) {
      // Published with one decimal: up to 0.05 Wh above by rounding.
      EXPECT_LE(last["Wh1"], live->phase[0].wh + 0.05) << "published ahead of the meter " << when;
    }
    crash();
  }
  boot();
  run(5);
  check("after the last restart");
  EXPECT_GT(last["TLWh"], 6900.0 * 200 / 3600) << "the lives metered and saved";
}

// The manual's initial value, set below the meter to match a utility
// meter: Wh1 (MQTT, page API) is the user's value at once; the lifetime
// topic, the sensor Home Assistant reads and the Prometheus counter never
// go back.
TEST_F(PublishedMetersTest, AnInitialValueBelowTheMeterLeavesTheLifetimeMonotonic) {
  boot();
  run(40);
  const double lifetime_before = mqtt_value("LWh1");
  const double counter_before = metric_value(get("/metrics").body, "maic_energy_watt_hours_total");
  const double lifetime_at_set = device_->latest()->lifetime[0].wh;
  ASSERT_GT(lifetime_before, 10);
  ASSERT_EQ(get("/?page=initval&Wh1=10").status, 200);
  run(5);
  // Saved at once (the user's act): the published meter jumps to the value.
  EXPECT_NEAR(mqtt_value("Wh1"), 10, 0.05);
  EXPECT_NEAR(metric_value(get("/metrics").body, "maic_energy_meter_watt_hours"), 10, 0.01);
  EXPECT_NEAR(page_value("Wh1"), 10 + 2300.0 * 5 / 3600, 0.2);
  EXPECT_GE(mqtt_value("LWh1"), lifetime_before);
  EXPECT_GE(metric_value(get("/metrics").body, "maic_energy_watt_hours_total"), counter_before);
  // What Home Assistant's sensor reads: the JSON's LWh1, never below.
  const auto config =
      watch_->inbox().wait_for(on_topic("homeassistant/sensor/maic_" + devid_ + "/Wh1/config"));
  ASSERT_TRUE(config.has_value());
  const nlohmann::json c = nlohmann::json::parse(config->payload);
  EXPECT_EQ(c["state_topic"], topics_.json);
  EXPECT_EQ(c["value_template"], "{{ value_json.LWh1 }}");
  double previous = 0;
  for (const ReceivedMessage& m : watch_->inbox().items()) {
    if (m.topic != topics_.json) continue;
    const double v = nlohmann::json::parse(m.payload)["LWh1"].get<double>();
    EXPECT_GE(v, previous);
    previous = v;
  }
  run(30);  // the next save
  EXPECT_GT(mqtt_value("Wh1"), 10 + 2300.0 * 25 / 3600) << "the user's meter counts on";
  EXPECT_NEAR(mqtt_value("LWh1") - mqtt_value("Wh1"), lifetime_at_set - 10, 0.1)
      << "lifetime and the user's meter differ by the offset";
}

// Home Assistant's energy sensors read the lifetime topics (their own
// topics without the JSON), the other sensors their own.
TEST_F(PublishedMetersTest, DiscoveryPointsEnergySensorsAtTheLifetimeTopics) {
  boot(0);
  run(5);
  const std::string base = "homeassistant/sensor/maic_" + devid_ + "/";
  for (const auto& [sensor, state] : std::map<std::string, std::string>{
           {"Wh1", "LWh1"}, {"TWh", "TLWh"}, {"rTWh", "rTLWh"}, {"rWh3", "rLWh3"}, {"V1", "V1"}}) {
    const auto config = watch_->inbox().wait_for(on_topic(base + sensor + "/config"));
    ASSERT_TRUE(config.has_value()) << sensor;
    const nlohmann::json c = nlohmann::json::parse(config->payload);
    EXPECT_EQ(c["state_topic"], topics_.of(state)) << sensor;
    EXPECT_EQ(c["unique_id"], "maic_" + devid_ + "_" + sensor) << "the entity stays";
    EXPECT_FALSE(c.contains("value_template")) << sensor;
  }
  EXPECT_TRUE(watch_->inbox().wait_for(on_topic(topics_.of("TLWh"))).has_value());
}

}  // namespace
}  // namespace maic::device
