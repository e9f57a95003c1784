// The client against a real mosquitto (testing/include/maic/testing/mosquitto_broker.hpp).
// Every wait is for an event, bounded by kWaitLimit; nothing sleeps.
#include "maic/mqtt/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "maic/testing/mosquitto_broker.hpp"
#include "maic/testing/must.hpp"

namespace maic::mqtt {
namespace {

using namespace std::chrono_literals;
using maic::testing::Inbox;
using maic::testing::MosquittoBroker;
using maic::testing::MqttTestClient;
using maic::testing::must;
using maic::testing::on_topic;
using maic::testing::ReceivedMessage;

// What the handlers saw, one inbox each.
struct Events {
  Inbox<int> connects;                      // rc
  Inbox<std::pair<int, bool>> disconnects;  // rc, was_connected
  Inbox<ReceivedMessage> messages;
  Inbox<std::string> errors;

  ClientHandlers handlers() {
    ClientHandlers h;
    h.on_connect = [this](int rc) { connects.push(rc); };
    h.on_disconnect = [this](int rc, bool was) { disconnects.push({rc, was}); };
    h.on_message = [this](const IncomingMessage& m) {
      messages.push({std::string(m.topic), std::string(m.payload), m.retain});
    };
    h.on_library_error = [this](std::string_view text) { errors.push(std::string(text)); };
    return h;
  }
};

auto accepted = [](int rc) { return rc == 0; };

MqttTestClient::Options subscribed(std::string filter) {
  MqttTestClient::Options o;
  o.subscriptions = {std::move(filter)};
  return o;
}

std::chrono::steady_clock::time_point in(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = must(MosquittoBroker::start()); }

  ClientOptions options() const {
    ClientOptions o;
    o.host = "127.0.0.1";
    o.port = broker_->port();
    return o;
  }

  std::unique_ptr<MosquittoBroker> broker_;
  Events events_;
};

TEST_F(ClientTest, ConnectsPublishesAndStopsCleanly) {
  auto sub = must(MqttTestClient::connect(broker_->port(), subscribed("t/#")));
  auto client = must(Client::create(options(), events_.handlers()));
  EXPECT_FALSE(client->connected());
  must<Ok>(client->start());
  ASSERT_TRUE(events_.connects.wait_for(accepted));
  EXPECT_TRUE(client->connected());
  client->track_acks();
  const int mid = must(client->publish("t/a", "hello", 1, false));
  EXPECT_TRUE(client->wait_acked(mid, in(5s)));
  ASSERT_TRUE(sub->inbox().wait_for(
      [](const ReceivedMessage& m) { return m.topic == "t/a" && m.payload == "hello"; }));
  EXPECT_TRUE(client->stop(in(2s)));
  EXPECT_FALSE(client->connected());
  const auto bye = events_.disconnects.wait_for([](auto) { return true; });
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->first, 0) << "asked for";
  EXPECT_TRUE(bye->second);
  EXPECT_FALSE(client->start().ok()) << "stopped for good";
}

TEST_F(ClientTest, SubscribesAndReceives) {
  auto client = must(Client::create(options(), events_.handlers()));
  must<Ok>(client->start());
  ASSERT_TRUE(events_.connects.wait_for(accepted));
  must<Ok>(client->subscribe("in/+", 1));
  auto pub = must(MqttTestClient::connect(broker_->port()));
  must<Ok>(pub->publish("in/x", "retained", /*retain=*/true));
  const auto got = events_.messages.wait_for(
      [](const ReceivedMessage& m) { return m.topic == "in/x" && m.payload == "retained"; });
  ASSERT_TRUE(got);
}

TEST_F(ClientTest, TheWillIsPublishedWhenTheConnectionDies) {
  auto sub = must(MqttTestClient::connect(broker_->port(), subscribed("will/#")));
  ClientOptions o = options();
  o.client_id = "maic_will_test";
  o.will = Will{"will/status", "offline", 1, true};
  auto client = must(Client::create(o, events_.handlers()));
  must<Ok>(client->start());
  ASSERT_TRUE(events_.connects.wait_for(accepted));
  // A second client with the same id takes the connection over: the
  // broker ends ours without a DISCONNECT and publishes the will.
  MqttTestClient::Options same_id;
  same_id.client_id = "maic_will_test";
  auto thief = must(MqttTestClient::connect(broker_->port(), same_id));
  EXPECT_TRUE(sub->inbox().wait_for(
      [](const ReceivedMessage& m) { return m.topic == "will/status" && m.payload == "offline"; }));
  EXPECT_FALSE(client->stop(in(0ms), /*clean=*/false));
}

TEST_F(ClientTest, ReconnectsWithBackOffAfterTheBrokerRestarts) {
  auto client = must(Client::create(options(), events_.handlers()));
  must<Ok>(client->start());
  ASSERT_TRUE(events_.connects.wait_for(accepted));
  events_.connects.clear();
  broker_->kill();
  const auto lost = events_.disconnects.wait_for([](const auto& d) { return d.first != 0; });
  ASSERT_TRUE(lost);
  EXPECT_TRUE(lost->second) << "was connected";
  EXPECT_FALSE(client->connected());
  must<Ok>(broker_->restart());
  // reconnect_min is 1 s: the one slow test.
  EXPECT_TRUE(events_.connects.wait_for(accepted));
  EXPECT_TRUE(client->connected());
}

TEST_F(ClientTest, StopIsBoundedWhileTheBrokerIsAway) {
  broker_->kill();
  auto client = must(Client::create(options(), events_.handlers()));
  must<Ok>(client->start());
  ASSERT_TRUE(events_.disconnects.wait_for([](const auto& d) { return !d.second; }))
      << "the refused attempt is reported";
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(client->stop(in(100ms)));
  // Bounded, not fast: a generous limit, as a sanitised build on busy cores
  // may take seconds where a release build takes milliseconds.
  EXPECT_LT(std::chrono::steady_clock::now() - before, 10s);
}

TEST(ClientOffline, AnUnreadableCaFileIsAnErrorAtCreation) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.tls = true;
  o.ca_file = "/nonexistent/ca.pem";
  const auto client = Client::create(o, {});
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message.find("TLS with CA file /nonexistent/ca.pem"), std::string::npos)
      << client.error().message;
}

TEST(ClientOffline, StopWithoutStartIsHarmless) {
  ClientOptions o;
  o.host = "127.0.0.1";
  auto client = must(Client::create(o, {}));
  EXPECT_FALSE(client->stop(in(0ms)));
  EXPECT_FALSE(client->connected());
}

}  // namespace
}  // namespace maic::mqtt
