#include "maic/device/network.hpp"

#include <gtest/gtest.h>

namespace maic::device {
namespace {

using Air = SimulatedNetwork::Air;

std::vector<Air> neighbourhood() {
  return {{{"Home", -55, true}, "secret-pw"},
          {{"Cafe", -80, false}, ""},
          {{"Attic", -67, true}, "attic-pw"}};
}

TEST(AccessPointName, IsSmartMaicAndTheIdsDigits) {
  EXPECT_EQ(access_point_name("0123456789"), "smart-MAIC0123456789");
}

TEST(SimulatedNetwork, ScansStrongestFirst) {
  SimulatedNetwork radio(neighbourhood());
  auto found = radio.scan();
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ((*found)[0], (WifiNetwork{"Home", -55, true}));
  EXPECT_EQ((*found)[1].ssid, "Attic");
  EXPECT_EQ((*found)[2], (WifiNetwork{"Cafe", -80, false}));
}

TEST(SimulatedNetwork, StartsConnectedToASavedNetwork) {
  SimulatedNetwork radio(neighbourhood(), "Home");
  auto l = radio.link();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->state, LinkState::kConnected);
  EXPECT_EQ(l->ssid, "Home");
  EXPECT_EQ(l->signal_dbm, -55);
  EXPECT_FALSE(l->address.empty());
  EXPECT_EQ(SimulatedNetwork(neighbourhood()).link()->state, LinkState::kDisconnected);
  EXPECT_EQ(SimulatedNetwork({}, "Gone").link()->state, LinkState::kConnecting)
      << "a saved network out of reach is searched for";
}

TEST(SimulatedNetwork, ConnectsWithTheRightPasswordOnly) {
  SimulatedNetwork radio(neighbourhood());
  const ConnectResult wrong = radio.connect("Home", "guess", WifiType::kN);
  EXPECT_EQ(wrong.outcome, ConnectOutcome::kWrongPassword);
  EXPECT_EQ(radio.link()->state, LinkState::kDisconnected);
  EXPECT_EQ(radio.connect("Nowhere", "", WifiType::kN).outcome, ConnectOutcome::kNotFound);
  EXPECT_EQ(radio.connect("Home", "secret-pw", WifiType::kN).outcome, ConnectOutcome::kConnected);
  EXPECT_EQ(radio.link()->ssid, "Home");
  EXPECT_EQ(radio.connect("Cafe", "", WifiType::kN).outcome, ConnectOutcome::kConnected) << "open";
  EXPECT_EQ(to_string(ConnectOutcome::kWrongPassword), "wrong_password");
}

TEST(SimulatedNetwork, RecordsTheWifiTypeAndRefusesNone) {
  SimulatedNetwork radio(neighbourhood());
  EXPECT_FALSE(radio.wifi_type()) << "no connect yet";
  for (WifiType type : {WifiType::kB, WifiType::kG, WifiType::kN}) {
    EXPECT_EQ(radio.connect("Home", "secret-pw", type).outcome, ConnectOutcome::kConnected);
    EXPECT_EQ(radio.wifi_type(), type);
  }
  EXPECT_EQ(radio.connect("Nowhere", "", WifiType::kG).outcome, ConnectOutcome::kNotFound);
  EXPECT_EQ(radio.wifi_type(), WifiType::kG) << "also of a failed connect";
}

TEST(SimulatedNetwork, FailuresAndLostNetworks) {
  SimulatedNetwork radio(neighbourhood(), "Home");
  radio.fail_next("radio jammed");
  auto s = radio.scan();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "radio jammed");
  EXPECT_TRUE(radio.scan().ok()) << "once";
  radio.take_out_of_reach("Home");
  EXPECT_EQ(radio.link()->state, LinkState::kConnecting);
  radio.put_in_reach({{"Home", -60, true}, "secret-pw"});
  EXPECT_EQ(radio.link()->state, LinkState::kConnected);
  EXPECT_EQ(radio.link()->signal_dbm, -60);
  radio.hold_connecting(true);
  EXPECT_EQ(radio.connect("Attic", "attic-pw", WifiType::kN).outcome, ConnectOutcome::kFailed);
  EXPECT_EQ(radio.link()->state, LinkState::kConnecting);
}

TEST(SimulatedNetwork, TheAccessPointCoexistsWithTheStation) {
  SimulatedNetwork radio(neighbourhood(), "Home");
  EXPECT_FALSE(radio.access_point());
  ASSERT_TRUE(radio.open_access_point("smart-MAIC0123456789").ok());
  EXPECT_EQ(radio.access_point(), "smart-MAIC0123456789");
  EXPECT_EQ(radio.link()->state, LinkState::kConnected);
  ASSERT_TRUE(radio.close_access_point().ok());
  ASSERT_TRUE(radio.close_access_point().ok()) << "idempotent";
  EXPECT_FALSE(radio.access_point());
}

// The life cycle over the simulated radio, as the daemon's loop drives it:
// the link's state in, the access point and the LED out.
TEST(SimulatedNetwork, DrivesTheLifecyclesLed) {
  VirtualClock clock;
  SimulatedNetwork radio(neighbourhood());
  Lifecycle life(clock.steady_now(), true, true);
  const auto step = [&] {
    life.on_link(radio.link()->state);
    life.tick(clock.steady_now());
    if (life.access_point() && !radio.access_point()) {
      ASSERT_TRUE(radio.open_access_point(access_point_name("0123456789")).ok());
    }
    if (!life.access_point() && radio.access_point()) {
      ASSERT_TRUE(radio.close_access_point().ok());
    }
  };
  step();
  EXPECT_EQ(radio.access_point(), "smart-MAIC0123456789");
  EXPECT_EQ(life.led(), LedPattern::kSlow);
  ASSERT_EQ(radio.connect("Home", "secret-pw", WifiType::kN).outcome, ConnectOutcome::kConnected);
  life.on_web_activity(clock.steady_now());
  clock.advance(std::chrono::minutes(15));
  step();
  EXPECT_FALSE(radio.access_point());
  EXPECT_EQ(life.led(), LedPattern::kSteady);
  radio.take_out_of_reach("Home");
  step();
  EXPECT_EQ(life.led(), LedPattern::kFast);
}

}  // namespace
}  // namespace maic::device
