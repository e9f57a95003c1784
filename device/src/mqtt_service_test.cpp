// The MQTT service against a real mosquitto on loopback (testing/
// mosquitto_broker.hpp). Every wait is for a message or a log line, bounded
// by kWaitLimit; time for the service is a VirtualClock.
#include "maic/device/mqtt_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "maic/testing/mosquitto_broker.hpp"
#include "maic/testing/must.hpp"
#include "mqtt_topics.hpp"

namespace maic::device {
namespace {

using namespace std::chrono_literals;
using testing::Inbox;
using testing::MosquittoBroker;
using testing::MqttTestClient;
using testing::must;
using testing::on_topic;
using testing::ReceivedMessage;

constexpr std::string_view kDevid = "1828719372";

std::size_t count_topic(const std::vector<ReceivedMessage>& ms, std::string_view topic) {
  return static_cast<std::size_t>(std::count_if(
      ms.begin(), ms.end(), [&](const ReceivedMessage& m) { return m.topic == topic; }));
}

// A reading whose V1 tells which one it is.
Reading reading(double v1, SteadyTime end = {}) {
  Reading r;
  r.end = end;
  for (PhaseValues& p : r.phase) {
    p.volts = 230;
    p.amps = 2.5;
    p.watts = 500;
    p.power_factor = 0.95;
    p.hertz = 50;
    p.wh = 1000;
  }
  r.phase[0].volts = v1;
  r.temperature_c = 31.5;
  r.output_on = true;
  return r;
}

class MqttServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = must(MosquittoBroker::start()); }

  MqttSettings settings(std::string prefix = "smart-maic/") const {
    MqttSettings s;
    s.enabled = true;
    s.host = "127.0.0.1";
    s.port = broker_->port();
    s.interval_s = 10;
    s.layout = 2;
    s.prefix = std::move(prefix);
    s.discovery = false;
    return s;
  }

  std::unique_ptr<MqttService> service(const MqttSettings& s) {
    MqttService::OutputLink link;
    link.set = [this](bool on) { commands_.push(on); };
    return std::make_unique<MqttService>(
        Identity{std::string(kDevid), "D103", ""}, s, std::move(link),
        [this](std::string_view line) { log_.push(std::string(line)); });
  }

  std::unique_ptr<MqttTestClient> client(std::vector<std::string> subscriptions = {"#"},
                                         MqttTestClient::Options o = {}) {
    o.subscriptions = std::move(subscriptions);
    return must(MqttTestClient::connect(broker_->port(), std::move(o)));
  }

  // Waits for the service's "online": from then on it is connected and,
  // with control enabled, subscribed (it subscribes before announcing).
  static void expect_online(MqttTestClient& c, const mqtt::Topics& t) {
    ASSERT_TRUE(c.inbox().wait_for(on_topic(t.status, "online"))) << "no online on " << t.status;
  }

  // Waits for a log line containing `part`; limit 0: was there one?
  bool logged(std::string_view part, std::chrono::milliseconds limit = testing::kWaitLimit) {
    return log_
        .wait_for([&](const std::string& line) { return line.find(part) != std::string::npos; },
                  limit)
        .has_value();
  }

  std::unique_ptr<MosquittoBroker> broker_;
  Inbox<bool> commands_;
  Inbox<std::string> log_;
  const mqtt::Topics topics_{"smart-maic/", kDevid};
  VirtualClock clock_;
};

TEST_F(MqttServiceTest, JsonHasEveryKeyHomeAssistantReadsAsANumber) {
  auto sub = client();
  MqttSettings s = settings();
  s.layout = 1;
  auto svc = service(s);
  expect_online(*sub, topics_);
  svc->on_reading(reading(231.4), clock_.steady_now());
  const auto json = sub->inbox().wait_for(on_topic(topics_.json));
  ASSERT_TRUE(json);
  const nlohmann::json j = nlohmann::json::parse(json->payload);
  // compat.md §2: what the Home Assistant integration reads.
  for (const char* family : {"V", "A", "W", "rW", "Wh", "rWh", "PF", "Fr"}) {
    for (int p = 1; p <= 3; ++p) {
      const std::string key = family + std::to_string(p);
      ASSERT_TRUE(j.contains(key)) << key;
      EXPECT_TRUE(j[key].is_number()) << key;
    }
  }
  for (const char* key : {"A", "W", "TWh", "Temp", "OUT"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j[key].is_number()) << key;
  }
  EXPECT_EQ(j["V1"], 231.4);
  EXPECT_EQ(j["A"], 7.5);
  EXPECT_EQ(j["Temp"], 31.5);
  EXPECT_EQ(j["OUT"], 1);
  EXPECT_FALSE(json->retain);
}

class MqttLayoutTest : public MqttServiceTest, public ::testing::WithParamInterface<int> {};

TEST_P(MqttLayoutTest, PublishesTheTopicsOfTheLayout) {
  const int layout = GetParam();
  auto sub = client();
  MqttSettings s = settings();
  s.layout = layout;
  auto svc = service(s);
  expect_online(*sub, topics_);
  svc->on_reading(reading(231.4), clock_.steady_now());
  // One connection delivers in order: the last message means all arrived.
  const std::string last = layout == 0 ? topics_.out : topics_.json;
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(last)));
  const std::vector<ReceivedMessage> got = sub->inbox().items();
  EXPECT_EQ(count_topic(got, topics_.json), mqtt::has_json(layout) ? 1u : 0u);
  for (const mqtt::Value& v : mqtt::values(3)) {
    EXPECT_EQ(count_topic(got, topics_.of(v.name)), mqtt::has_separate(layout) ? 1u : 0u) << v.name;
  }
  if (mqtt::has_separate(layout)) {
    EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.of("V1"), "231.4"), 0ms));
    EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.of("kWh1"), "1.0000"), 0ms));
    EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.of("Temp"), "31.5"), 0ms));
    EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.out, "1"), 0ms));
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, MqttLayoutTest, ::testing::Values(0, 1, 2));

class MqttPrefixTest : public MqttServiceTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(MqttPrefixTest, TopicsArePrefixDevidName) {
  const mqtt::Topics t(GetParam(), kDevid);
  auto sub = client();
  auto svc = service(settings(GetParam()));
  expect_online(*sub, t);
  svc->on_reading(reading(231.4), clock_.steady_now());
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(std::string(GetParam()) + "1828719372/JSON")));
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(std::string(GetParam()) + "1828719372/V1"), 0ms));
}

INSTANTIATE_TEST_SUITE_P(Prefixes, MqttPrefixTest, ::testing::Values("", "smart-maic/"));

TEST_F(MqttServiceTest, PublishesOncePerIntervalOfSteadyTime) {
  auto sub = client({topics_.json, topics_.status});
  auto svc = service(settings());  // interval 10 s
  expect_online(*sub, topics_);
  // V1 carries the second of each reading; only the due ones are published.
  int at = 0;
  for (const int second : {0, 5, 9, 10, 19, 20}) {
    clock_.advance(std::chrono::seconds(second - at));
    at = second;
    svc->on_reading(reading(second), clock_.steady_now());
  }
  ASSERT_TRUE(sub->inbox().wait_until(
      [&](const std::vector<ReceivedMessage>& ms) { return count_topic(ms, topics_.json) == 3; }));
  std::vector<double> published;
  for (const ReceivedMessage& m : sub->inbox().items()) {
    if (m.topic == topics_.json) published.push_back(nlohmann::json::parse(m.payload)["V1"]);
  }
  EXPECT_EQ(published, (std::vector<double>{0, 10, 20}));
  EXPECT_EQ(svc->status().state, MqttState::kConnected);
  svc->stop();  // joins the network thread: its counts are final
  const MqttStatus st = svc->status();
  EXPECT_EQ(st.last_publish, SteadyTime(20s));
  EXPECT_EQ(st.dropped, 0u);
  // Each due reading: every separate topic and the JSON; plus online and offline.
  EXPECT_EQ(st.published, 3 * (mqtt::values(3).size() + 1) + 2);
}

TEST_F(MqttServiceTest, OutputChangeIsPublishedAtOnce) {
  auto sub = client({topics_.out, topics_.json, topics_.status});
  auto svc = service(settings());
  expect_online(*sub, topics_);
  svc->on_reading(reading(230), clock_.steady_now());
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.json)));
  sub->inbox().clear();
  svc->on_output({false, OutputCause::kJsonApi});  // no new reading, no interval passed
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.out, "0")));
  const auto json = sub->inbox().wait_for(on_topic(topics_.json));
  ASSERT_TRUE(json);
  EXPECT_EQ(nlohmann::json::parse(json->payload)["OUT"], 0);
}

TEST_F(MqttServiceTest, SetoutSwitchesWithCustomPhrases) {
  auto sub = client({topics_.status});
  MqttSettings s = settings();
  s.control_enabled = true;
  s.on_phrase = "Power ON";
  s.off_phrase = "power off!";
  auto svc = service(s);
  expect_online(*sub, topics_);
  must(sub->publish(topics_.setout, "Power ON", /*retain=*/true));
  ASSERT_TRUE(commands_.wait_until([](const std::vector<bool>& c) { return c.size() == 1; }));
  must(sub->publish(topics_.setout, "power off!", /*retain=*/true));
  ASSERT_TRUE(commands_.wait_until([](const std::vector<bool>& c) { return c.size() == 2; }));
  EXPECT_EQ(commands_.items(), (std::vector<bool>{true, false}));
}

TEST_F(MqttServiceTest, RetainedSetoutIsHonouredAtConnect) {
  auto sub = client({});
  must(sub->publish(topics_.setout, "1", /*retain=*/true));
  MqttSettings s = settings();
  s.control_enabled = true;
  auto svc = service(s);
  EXPECT_TRUE(commands_.wait_for([](bool on) { return on; }));
  EXPECT_TRUE(logged("(retained)"));
}

TEST_F(MqttServiceTest, GarbageSetoutIsIgnoredAndLogged) {
  auto sub = client({topics_.status});
  MqttSettings s = settings();
  s.control_enabled = true;
  auto svc = service(s);
  expect_online(*sub, topics_);
  must(sub->publish(topics_.setout, "maybe"));
  must(sub->publish(topics_.setout, std::string("1\0", 2)));
  must(sub->publish(topics_.setout, "0"));
  // Commands arrive in order: when "0" is through, the garbage was seen.
  ASSERT_TRUE(commands_.wait_for([](bool on) { return !on; }));
  EXPECT_EQ(commands_.items(), std::vector<bool>{false});
  EXPECT_TRUE(logged("ignored smart-maic/1828719372/SETOUT payload \"maybe\""));
  EXPECT_TRUE(logged("payload \"1\\x00\""));
}

TEST_F(MqttServiceTest, SetoutIsIgnoredWhenControlIsDisabled) {
  auto sub = client({topics_.status, topics_.setout});
  must(sub->publish(topics_.setout, "1", /*retain=*/true));
  auto svc = service(settings());  // control_enabled = false: no subscription
  expect_online(*sub, topics_);
  must(sub->publish(topics_.setout, "0"));
  // The broker delivered "0" to every subscriber; stop() joins the service's
  // network thread, so anything it had received was handled by then.
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.setout, "0")));
  svc->stop();
  EXPECT_TRUE(commands_.items().empty());
  EXPECT_FALSE(logged("SETOUT", 0ms));
}

TEST_F(MqttServiceTest, OnlineWhileConnectedOfflineAfterStop) {
  auto sub = client({topics_.status});
  auto svc = service(settings());
  expect_online(*sub, topics_);
  // A late subscriber learns it from the retained message.
  auto late = client({topics_.status});
  const auto retained = late->inbox().wait_for(on_topic(topics_.status));
  ASSERT_TRUE(retained);
  EXPECT_EQ(retained->payload, "online");
  EXPECT_TRUE(retained->retain);

  svc->stop();
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.status, "offline")));
  EXPECT_EQ(svc->status().state, MqttState::kDisabled);
  auto later = client({topics_.status});
  const auto gone = later->inbox().wait_for(on_topic(topics_.status));
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->payload, "offline");
  EXPECT_TRUE(gone->retain);
  svc->on_reading(reading(230), clock_.steady_now());  // ignored after stop
  EXPECT_EQ(svc->status().dropped, 0u);
}

TEST_F(MqttServiceTest, LastWillSaysOfflineWhenTheConnectionDies) {
  auto sub = client({topics_.status});
  auto svc = service(settings());
  expect_online(*sub, topics_);
  // A client with the service's id takes its session over: the broker drops
  // the service's connection without a DISCONNECT and publishes its will.
  MqttTestClient::Options thief;
  thief.client_id = "maic_" + std::string(kDevid);
  auto taker = client({}, thief);
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.status, "offline")));
  EXPECT_TRUE(logged("connection lost"));
  const MqttStatus st = svc->status();
  EXPECT_EQ(st.state, MqttState::kError);
  EXPECT_NE(st.last_error.find("connection lost"), std::string::npos) << st.last_error;
}

TEST_F(MqttServiceTest, DiscoveryConfigsAreRetainedJson) {
  const std::string filter = "homeassistant/#";
  auto live = client({filter, topics_.status});
  MqttSettings s = settings();
  s.discovery = true;
  s.control_enabled = true;
  auto svc = service(s);
  const std::size_t expected =
      mqtt::discovery_messages(s, {std::string(kDevid), "D103", ""}, 3, TemperatureUnit::kCelsius)
          .size();
  auto is_config = [](const ReceivedMessage& m) { return m.topic.rfind("homeassistant/", 0) == 0; };
  auto all_configs = [&](const std::vector<ReceivedMessage>& ms) {
    return static_cast<std::size_t>(std::count_if(ms.begin(), ms.end(), is_config)) == expected;
  };
  ASSERT_TRUE(live->inbox().wait_until(all_configs));

  // A subscriber that comes later (Home Assistant restarting) gets them
  // retained; the empty payload (the removed binary_sensor) is not stored.
  auto late = client({filter});
  ASSERT_TRUE(late->inbox().wait_until(
      [&](const std::vector<ReceivedMessage>& ms) { return ms.size() == expected - 1; }));
  for (const ReceivedMessage& m : late->inbox().items()) {
    EXPECT_TRUE(m.retain) << m.topic;
    const nlohmann::json config = nlohmann::json::parse(m.payload);
    EXPECT_EQ(config["availability_topic"], topics_.status) << m.topic;
    EXPECT_EQ(config["device"]["model"], "D103") << m.topic;
  }
  const auto sw =
      late->inbox().wait_for(on_topic("homeassistant/switch/maic_1828719372/output/config"), 0ms);
  ASSERT_TRUE(sw);
  EXPECT_EQ(nlohmann::json::parse(sw->payload)["command_topic"], topics_.setout);
}

TEST_F(MqttServiceTest, SwitchingDiscoveryOffRemovesTheEntities) {
  auto sub = client({"homeassistant/#", topics_.status});
  MqttSettings s = settings();
  s.discovery = true;
  auto svc = service(s);
  const std::string v1 = "homeassistant/sensor/maic_1828719372/V1/config";
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(v1)));
  s.discovery = false;
  svc->configure(s);
  // The goodbye removed every entity, and nothing re-announced one: the old
  // connection's goodbye and the new one's "online" are all through.
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(v1, "")));
  ASSERT_TRUE(sub->inbox().wait_until([&](const std::vector<ReceivedMessage>& ms) {
    return count_topic(ms, topics_.status) == 3;
  }));
  std::map<std::string, std::string> last;
  for (const ReceivedMessage& m : sub->inbox().items()) {
    if (m.topic.rfind("homeassistant/", 0) == 0) last[m.topic] = m.payload;
  }
  s.discovery = true;
  EXPECT_EQ(last.size(), mqtt::discovery_messages(s, {std::string(kDevid), "D103", ""}, 3,
                                                  TemperatureUnit::kCelsius)
                             .size());
  for (const auto& [topic, payload] : last) EXPECT_EQ(payload, "") << topic;
}

// The settings' temperature_unit (docs/mqtt.md, "Topics"): a change while
// MQTT runs announces the Temp sensor again in the new unit, and the next
// reading carries Temp in it, on its topic and in the JSON.
TEST_F(MqttServiceTest, AChangeToFahrenheitRepublishesDiscoveryAndTemp) {
  const std::string temp_config = "homeassistant/sensor/maic_1828719372/Temp/config";
  const std::string temp = topics_.of("Temp");
  auto sub = client({"homeassistant/#", topics_.status, temp, topics_.json});
  Settings all;
  all.mqtt = settings();
  all.mqtt.discovery = true;
  auto svc = service(all.mqtt);
  auto unit_of = [](const ReceivedMessage& m) {
    return nlohmann::json::parse(m.payload)["unit_of_measurement"].get<std::string>();
  };
  const auto celsius = sub->inbox().wait_for(on_topic(temp_config));
  ASSERT_TRUE(celsius);
  EXPECT_EQ(unit_of(*celsius), "°C");
  svc->on_reading(reading(230), clock_.steady_now());
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(temp, "31.5")));

  all.temperature_unit = TemperatureUnit::kFahrenheit;
  ASSERT_TRUE(svc->reconfigure(all).ok());
  const auto fahrenheit = sub->inbox().wait_for([&](const ReceivedMessage& m) {
    return m.topic == temp_config && !m.payload.empty() && unit_of(m) == "°F";
  });
  ASSERT_TRUE(fahrenheit) << "discovery announced again in °F";
  // The configs follow the new connection's "online": it is connected now.
  svc->on_reading(reading(230), clock_.steady_now());          // due at once after a change
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(temp, "88.7")));  // 31.5 °C × 9/5 + 32
  const auto json = sub->inbox().wait_for([&](const ReceivedMessage& m) {
    return m.topic == topics_.json && nlohmann::json::parse(m.payload)["Temp"] == 88.7;
  });
  ASSERT_TRUE(json);
  EXPECT_EQ(nlohmann::json::parse(json->payload)["V1"], 230.0) << "the rest as before";
}

TEST_F(MqttServiceTest, ConfigureMovesTheTopicsAndDisables) {
  auto sub = client();
  auto svc = service(settings("old/"));
  const mqtt::Topics old_topics("old/", kDevid);
  const mqtt::Topics new_topics("new/", kDevid);
  expect_online(*sub, old_topics);
  svc->configure(settings("new/"));
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(old_topics.status, "offline")));
  expect_online(*sub, new_topics);
  svc->on_reading(reading(230), clock_.steady_now());  // due at once after configure()
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(new_topics.json)));

  MqttSettings off = settings("new/");
  off.enabled = false;
  svc->configure(off);
  EXPECT_EQ(svc->status().state, MqttState::kDisabled);
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(new_topics.status, "offline")));
}

TEST_F(MqttServiceTest, UnchangedSettingsKeepTheConnection) {
  auto sub = client({topics_.status, topics_.json});
  auto svc = service(settings());
  expect_online(*sub, topics_);
  svc->configure(settings());
  // Still connected: the reading goes out (a new connection would not be up yet).
  svc->on_reading(reading(230), clock_.steady_now());
  ASSERT_TRUE(sub->inbox().wait_for(on_topic(topics_.json)));
  EXPECT_EQ(count_topic(sub->inbox().items(), topics_.status), 1u);  // no offline, no second online
}

TEST_F(MqttServiceTest, DropsAndCountsWhileTheBrokerIsAway) {
  broker_->kill();
  auto svc = service(settings());
  EXPECT_TRUE(logged("failed"));
  svc->on_reading(reading(230), clock_.steady_now());
  clock_.advance(5s);
  svc->on_reading(reading(230), clock_.steady_now());  // not due: not counted
  const MqttStatus st = svc->status();
  EXPECT_EQ(st.state, MqttState::kError);
  EXPECT_NE(st.last_error.find("Connection refused"), std::string::npos) << st.last_error;
  EXPECT_EQ(st.published, 0u);
  EXPECT_EQ(st.dropped, mqtt::values(3).size() + 1);
  EXPECT_FALSE(st.last_publish);
}

TEST_F(MqttServiceTest, ReconnectsAfterTheBrokerRestarts) {
  auto svc = service(settings());
  {
    auto sub = client({topics_.status});
    expect_online(*sub, topics_);
  }
  broker_->kill();
  ASSERT_TRUE(logged("connection lost"));
  must(broker_->restart());
  auto sub = client({topics_.json, topics_.status});
  // libmosquitto retries after reconnect_min (1 s): the one slow test.
  expect_online(*sub, topics_);
  EXPECT_EQ(svc->status().state, MqttState::kConnected);
  svc->on_reading(reading(230), clock_.steady_now());
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.json)));
}

// The manual's "reboot" (Service::restart): the connection is made anew
// even though the settings did not change (configure() would keep it).
TEST_F(MqttServiceTest, RestartReconnectsWithUnchangedSettings) {
  Settings all;
  all.mqtt = settings();
  MqttService svc(Identity{std::string(kDevid), "D103", ""}, MqttSettings{}, {});
  auto sub = client({topics_.status});
  must(svc.start(all));
  expect_online(*sub, topics_);
  sub->inbox().clear();
  must(svc.restart(all));
  ASSERT_TRUE(sub->inbox().wait_until([&](const std::vector<ReceivedMessage>& ms) {
    const auto offline = std::find_if(ms.begin(), ms.end(), on_topic(topics_.status, "offline"));
    return offline != ms.end() &&
           std::find_if(offline, ms.end(), on_topic(topics_.status, "online")) != ms.end();
  })) << "no offline, then online";
  EXPECT_EQ(svc.report().state, ServiceState::kConnected);
}

TEST(MqttServiceOffline, APermanentErrorFailsTheServiceStart) {
  Settings all;
  all.mqtt.enabled = true;
  all.mqtt.host = "127.0.0.1";
  all.mqtt.tls = true;
  all.mqtt.ca_file = "/nonexistent/ca.pem";
  MqttService svc({"1", "D103", ""}, MqttSettings{}, {});
  const Status started = svc.start(all);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("/nonexistent/ca.pem"), std::string::npos);
  all.mqtt.enabled = false;
  EXPECT_TRUE(svc.reconfigure(all).ok());
  EXPECT_EQ(svc.report().state, ServiceState::kDisabled);
}

class MqttAuthTest : public MqttServiceTest {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<MosquittoBroker>> b = MosquittoBroker::start({"maic", "s3cret pass"});
    if (!b && b.error().message.find("not installed") != std::string::npos) {
      GTEST_SKIP() << b.error().message;
    }
    broker_ = must(std::move(b));
  }
};

TEST_F(MqttAuthTest, ConnectsWithUserAndPassword) {
  MqttTestClient::Options o;
  o.username = "maic";
  o.password = "s3cret pass";
  auto sub = client({topics_.status}, o);
  MqttSettings s = settings();
  s.username = "maic";
  s.password = "s3cret pass";
  auto svc = service(s);
  expect_online(*sub, topics_);
}

TEST_F(MqttAuthTest, WrongPasswordIsAnError) {
  MqttSettings s = settings();
  s.username = "maic";
  s.password = "wrong";
  auto svc = service(s);
  ASSERT_TRUE(logged("refused"));
  const MqttStatus st = svc->status();
  EXPECT_EQ(st.state, MqttState::kError);
  EXPECT_NE(st.last_error.find("not authorised"), std::string::npos) << st.last_error;
}

TEST_F(MqttAuthTest, AnonymousIsRefused) {
  auto svc = service(settings());  // blank user name: no authorisation (manual §8)
  ASSERT_TRUE(logged("refused"));
  EXPECT_EQ(svc->status().state, MqttState::kError);
}

class MqttTlsTest : public MqttServiceTest {
 protected:
  void SetUp() override {
    MosquittoBroker::Options o;
    o.tls = true;
    Result<std::unique_ptr<MosquittoBroker>> b = MosquittoBroker::start(o);
    if (!b && b.error().message.find("not installed") != std::string::npos) {
      GTEST_SKIP() << b.error().message;
    }
    broker_ = must(std::move(b));
  }

  MqttSettings tls_settings(std::string ca_file) const {
    MqttSettings s = settings();
    s.port = broker_->tls_port();
    s.tls = true;
    s.ca_file = std::move(ca_file);
    return s;
  }
};

TEST_F(MqttTlsTest, PublishesOverTlsWithTheGivenCa) {
  auto sub = client({topics_.status, topics_.json});  // on the plain listener
  auto svc = service(tls_settings(broker_->ca_file()));
  expect_online(*sub, topics_);
  svc->on_reading(reading(230), clock_.steady_now());
  EXPECT_TRUE(sub->inbox().wait_for(on_topic(topics_.json)));
}

TEST_F(MqttTlsTest, UntrustedBrokerIsAnError) {
  auto svc = service(tls_settings(""));  // the system's CAs do not know our certificate
  ASSERT_TRUE(logged("certificate verify failed"));
  const MqttStatus st = svc->status();
  EXPECT_EQ(st.state, MqttState::kError);
  EXPECT_NE(st.last_error.find("certificate verify failed"), std::string::npos) << st.last_error;
}

TEST(MqttServiceOffline, DisabledDoesNothing) {
  MqttSettings s;  // enabled = false
  MqttService svc({"1", "D103", ""}, s, {});
  svc.on_reading(reading(230), SteadyTime{});
  svc.on_output({true, OutputCause::kJsonApi});
  const MqttStatus st = svc.status();
  EXPECT_EQ(st.state, MqttState::kDisabled);
  EXPECT_EQ(st.published + st.dropped, 0u);
  EXPECT_EQ(to_string(st.state), "disabled");
}

TEST(MqttServiceOffline, UnreadableCaFileIsAPermanentError) {
  MqttSettings s;
  s.enabled = true;
  s.host = "127.0.0.1";
  s.tls = true;
  s.ca_file = "/nonexistent/ca.pem";
  MqttService svc({"1", "D103", ""}, s, {});
  const MqttStatus st = svc.status();
  EXPECT_EQ(st.state, MqttState::kFailed);
  EXPECT_NE(st.last_error.find("/nonexistent/ca.pem"), std::string::npos) << st.last_error;
}

}  // namespace
}  // namespace maic::device
