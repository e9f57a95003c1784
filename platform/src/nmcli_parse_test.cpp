#include "nmcli_parse.hpp"

#include <gtest/gtest.h>

namespace maic::platform::nmcli {
namespace {

using device::ConnectOutcome;
using device::LinkState;
using device::WifiNetwork;

TEST(NmcliTerse, SplitsOnUnescapedColonsOnly) {
  EXPECT_EQ(split_terse("Home:72:WPA2"), (std::vector<std::string>{"Home", "72", "WPA2"}));
  EXPECT_EQ(split_terse(R"(a\:b\\c:1:)"), (std::vector<std::string>{"a:b\\c", "1", ""}));
  EXPECT_EQ(split_terse(""), std::vector<std::string>{""});
}

TEST(NmcliTerse, QualityBecomesDbm) {
  EXPECT_EQ(quality_to_dbm(0), -100);
  EXPECT_EQ(quality_to_dbm(50), -70);
  EXPECT_EQ(quality_to_dbm(100), -40);
  EXPECT_EQ(quality_to_dbm(130), -40);
}

TEST(NmcliTerse, AWifiListIsStrongestFirstEachNameOnce) {
  const std::string out =
      "Home:50:WPA2\n"
      "Cafe:20:\n"
      "Home:80:WPA2\n"
      ":90:WPA2\n"  // hidden
      R"(Shed\:2:40:--)"
      "\n"
      "Lab:60:WPA1 WPA2 802.1X\n";
  EXPECT_EQ(
      parse_wifi_list(out),
      (std::vector<WifiNetwork>{
          {"Home", -52, true}, {"Lab", -64, true}, {"Shed:2", -76, false}, {"Cafe", -88, false}}));
}

TEST(NmcliTerse, TheAccessPointInUse) {
  const auto in_use = parse_in_use(" :Cafe:20\n*:Home:80\n");
  ASSERT_TRUE(in_use);
  EXPECT_EQ(in_use->ssid, "Home");
  EXPECT_EQ(in_use->signal_dbm, -52);
  EXPECT_FALSE(parse_in_use(" :Cafe:20\n"));
}

TEST(NmcliTerse, DeviceShowGivesTheLink) {
  const auto connected = parse_device_show(
      "GENERAL.STATE:100 (connected)\nGENERAL.CONNECTION:Home\n"
      "IP4.ADDRESS[1]:192.168.1.23/24\nIP4.ADDRESS[2]:10.0.0.2/8\n",
      "maic-ap");
  EXPECT_EQ(connected.state, LinkState::kConnected);
  EXPECT_EQ(connected.ssid, "Home");
  EXPECT_EQ(connected.address, "192.168.1.23");
  const auto configuring = parse_device_show(
      "GENERAL.STATE:50 (connecting (configuring))\nGENERAL.CONNECTION:Home\n", "maic-ap");
  EXPECT_EQ(configuring.state, LinkState::kConnecting);
  EXPECT_EQ(parse_device_show("GENERAL.STATE:30 (disconnected)\nGENERAL.CONNECTION:--\n", "maic-ap")
                .state,
            LinkState::kDisconnected);
  EXPECT_EQ(parse_device_show("GENERAL.STATE:100 (connected)\nGENERAL.CONNECTION:maic-ap\n"
                              "IP4.ADDRESS[1]:10.42.0.1/24\n",
                              "maic-ap")
                .state,
            LinkState::kDisconnected)
      << "the access point on the same interface is no station link";
}

TEST(NmcliTerse, AFieldOfMultiLineOutput) {
  EXPECT_EQ(field_value("GENERAL.CONNECTION:Cafe\\:Free\n", "GENERAL.CONNECTION"), "Cafe:Free");
  EXPECT_EQ(field_value("802-11-wireless.band:bg\n", "802-11-wireless.band"), "bg");
  EXPECT_EQ(field_value("802-11-wireless.band:\n", "802-11-wireless.band"), "") << "not set";
  EXPECT_EQ(field_value("802-11-wireless.band:--\n", "802-11-wireless.band"), "") << "not set";
  EXPECT_EQ(field_value("GENERAL.STATE:100 (connected)\n", "GENERAL.CONNECTION"), "");
}

// NetworkManager cannot forbid 802.11n within a band: "b" and "g" both
// keep the station on 2.4 GHz.
TEST(NmcliTerse, TheWifiTypeAsABand) {
  EXPECT_EQ(band_for(device::WifiType::kB), "bg");
  EXPECT_EQ(band_for(device::WifiType::kG), "bg");
  EXPECT_EQ(band_for(device::WifiType::kN), "");
}

TEST(NmcliTerse, ConnectOutcomes) {
  EXPECT_EQ(connect_outcome(0, "").outcome, ConnectOutcome::kConnected);
  EXPECT_EQ(connect_outcome(10, "Error: No network with SSID 'Nope' found.\n").outcome,
            ConnectOutcome::kNotFound);
  const auto wrong = connect_outcome(
      4, "Error: Connection activation failed: (7) Secrets were required, but not provided.\n");
  EXPECT_EQ(wrong.outcome, ConnectOutcome::kWrongPassword);
  EXPECT_EQ(wrong.message,
            "Error: Connection activation failed: (7) Secrets were required, but not provided.");
  EXPECT_EQ(connect_outcome(4, "Error: Connection activation failed: (1) Unknown error.\n").outcome,
            ConnectOutcome::kFailed);
  EXPECT_EQ(connect_outcome(8, "").message, "nmcli exited with 8");
}

}  // namespace
}  // namespace maic::platform::nmcli
