#include "maic/platform/nmcli_network.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "maic/testing/temp_dir.hpp"

namespace maic::platform {
namespace {

using device::ConnectOutcome;
using device::LinkState;
using device::WifiNetwork;
using device::WifiType;
using nlohmann::json;

// A fake nmcli, first on the PATH it is looked up in: it answers each
// command line with the reply recorded for it (replies.json: the arguments
// joined by spaces → stdout, stderr, exit code), and logs every call it
// gets (calls.log, one JSON array a line). An unrecorded command fails as
// nmcli's usage error does (exit 2).
constexpr const char* kFakeNmcli = R"(#!/usr/bin/python3
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
with open(os.path.join(here, "calls.log"), "a") as log:
    log.write(json.dumps(args) + "\n")
with open(os.path.join(here, "replies.json")) as f:
    replies = json.load(f)
reply = replies.get(" ".join(args))
if reply is None:
    sys.stderr.write("Error: fake nmcli has no reply for: " + " ".join(args) + "\n")
    sys.exit(2)
sys.stdout.write(reply.get("out", ""))
sys.stderr.write(reply.get("err", ""))
sys.exit(reply.get("code", 0))
)";

// Replies in the shape nmcli prints them (nmcli(1), terse mode), written for
// these tests; docs/lifecycle.md says how to compare them with a real Pi.
constexpr const char* kWifiList =
    "Home:80:WPA2\n"
    "Neighbour:42:WPA1 WPA2\n"
    "Home:55:WPA2\n"
    "Cafe\\:Free:30:\n";
constexpr const char* kShowConnected =
    "GENERAL.STATE:100 (connected)\n"
    "GENERAL.CONNECTION:Home\n"
    "IP4.ADDRESS[1]:192.168.1.23/24\n";
constexpr const char* kInUse = " :Neighbour:42\n*:Home:80\n :Home:55\n";
// After a join: the station's profile and its band (unset, or "bg").
constexpr const char* kShowProfile = "-t -f GENERAL.CONNECTION dev show wlan0";
constexpr const char* kProfileBand = "-t -f 802-11-wireless.band con show id Home";

struct FakeNmcli {
  testing::TempDir dir{"nmcli"};
  json replies = json::object();

  FakeNmcli() {
    const auto script = dir.path() / "nmcli";
    std::ofstream(script) << kFakeNmcli;
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    save();
  }
  void reply(const std::string& command, const std::string& out, int code = 0,
             const std::string& err = "") {
    replies[command] = {{"out", out}, {"err", err}, {"code", code}};
    save();
  }
  // The profile `dev wifi connect` made for "Home", its band as `band`.
  void home_profile(const std::string& band) {
    reply(kShowProfile, "GENERAL.CONNECTION:Home\n");
    reply(kProfileBand, "802-11-wireless.band:" + band + "\n");
  }
  void save() const { std::ofstream(dir.path() / "replies.json") << replies.dump(); }
  std::vector<std::vector<std::string>> calls() const {
    std::vector<std::vector<std::string>> all;
    std::ifstream in(dir.path() / "calls.log");
    for (std::string line; std::getline(in, line);) {
      all.push_back(json::parse(line).get<std::vector<std::string>>());
    }
    return all;
  }
  std::unique_ptr<device::Network> open() const {
    NmcliOptions o;
    o.path = dir.path().string() + ":/usr/bin:/bin";
    auto net = open_nmcli_network(o);
    EXPECT_TRUE(net.ok()) << net.error().message;
    return std::move(net).value();
  }
};

TEST(NmcliNetwork, NotInstalledIsAClearError) {
  NmcliOptions o;
  o.program = "no-such-nmcli";
  o.path = "/nonexistent";
  auto net = open_nmcli_network(o);
  ASSERT_FALSE(net.ok());
  EXPECT_EQ(net.error().message, "no-such-nmcli not found on PATH");
}

TEST(NmcliNetwork, Scans) {
  FakeNmcli fake;
  fake.reply("-t -f SSID,SIGNAL,SECURITY dev wifi list ifname wlan0", kWifiList);
  auto found = fake.open()->scan();
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(*found, (std::vector<WifiNetwork>{
                        {"Home", -52, true}, {"Neighbour", -75, true}, {"Cafe:Free", -82, false}}));
}

TEST(NmcliNetwork, AFailingScanSaysWhy) {
  FakeNmcli fake;
  fake.reply("-t -f SSID,SIGNAL,SECURITY dev wifi list ifname wlan0", "", 8,
             "Error: NetworkManager is not running.\n");
  auto found = fake.open()->scan();
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().message, "nmcli: Error: NetworkManager is not running.");
}

TEST(NmcliNetwork, ConnectsAndReportsTheLink) {
  FakeNmcli fake;
  fake.reply("-w 45 dev wifi connect Home password pass:word ifname wlan0",
             "Device 'wlan0' successfully activated with 'e0b7d1a2-...'.\n");
  fake.reply("-t -f GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS dev show wlan0", kShowConnected);
  fake.reply("-t -f IN-USE,SSID,SIGNAL dev wifi list ifname wlan0 --rescan no", kInUse);
  fake.home_profile("");
  auto net = fake.open();
  EXPECT_EQ(net->connect("Home", "pass:word", WifiType::kN).outcome, ConnectOutcome::kConnected);
  auto link = net->link();
  ASSERT_TRUE(link.ok()) << link.error().message;
  EXPECT_EQ(*link, (device::LinkStatus{LinkState::kConnected, "Home", "192.168.1.23", -52}));
  const auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 5u) << "b/g/n on a profile without a band: nothing to change";
  EXPECT_EQ(calls[0][5], "Home") << "each argument reaches nmcli whole, unquoted";
}

TEST(NmcliNetwork, AnOpenNetworkIsJoinedWithoutAPassword) {
  FakeNmcli fake;
  fake.reply("-w 45 dev wifi connect Cafe ifname wlan0", "");
  fake.reply(kShowProfile, "GENERAL.CONNECTION:Cafe\n");
  fake.reply("-t -f 802-11-wireless.band con show id Cafe", "802-11-wireless.band:\n");
  EXPECT_EQ(fake.open()->connect("Cafe", "", WifiType::kN).outcome, ConnectOutcome::kConnected);
}

TEST(NmcliNetwork, AWrongPasswordAndAMissingNetwork) {
  FakeNmcli fake;
  fake.reply("-w 45 dev wifi connect Home password guess ifname wlan0", "", 4,
             "Error: Connection activation failed: (7) Secrets were required, but not provided.\n");
  fake.reply("-w 45 dev wifi connect Gone ifname wlan0", "", 10,
             "Error: No network with SSID 'Gone' found.\n");
  auto net = fake.open();
  EXPECT_EQ(net->connect("Home", "guess", WifiType::kG).outcome, ConnectOutcome::kWrongPassword);
  const auto gone = net->connect("Gone", "", WifiType::kG);
  EXPECT_EQ(gone.outcome, ConnectOutcome::kNotFound);
  EXPECT_EQ(gone.message, "Error: No network with SSID 'Gone' found.");
  EXPECT_EQ(fake.calls().size(), 2u) << "no band for a network not joined";
}

// The manual's "WiFi type G": `dev wifi connect` has no band option, so the
// profile it made gets band "bg" and is activated again with it.
TEST(NmcliNetwork, WifiTypeGKeepsTheProfileOnTwoPointFourGigahertz) {
  FakeNmcli fake;
  fake.reply("-w 45 dev wifi connect Home password pw ifname wlan0", "");
  fake.home_profile("");
  fake.reply("con modify id Home 802-11-wireless.band bg", "");
  fake.reply("-w 45 con up id Home", "Connection successfully activated.\n");
  EXPECT_EQ(fake.open()->connect("Home", "pw", WifiType::kG).outcome, ConnectOutcome::kConnected);
  const auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[3], (std::vector<std::string>{"con", "modify", "id", "Home",
                                                "802-11-wireless.band", "bg"}));
  EXPECT_EQ(calls[4], (std::vector<std::string>{"-w", "45", "con", "up", "id", "Home"}));
}

TEST(NmcliNetwork, WifiTypeBIsTheSameBandAndAProfileInItIsLeftAlone) {
  FakeNmcli fake;
  fake.reply("-w 45 dev wifi connect Home password pw ifname wlan0", "");
  fake.home_profile("bg");
  EXPECT_EQ(fake.open()->connect("Home", "pw", WifiType::kB).outcome, ConnectOutcome::kConnected);
  EXPECT_EQ(fake.calls().size(), 3u) << "no modify, no second activation";
}

TEST(NmcliNetwork, WifiTypeNClearsAnEarlierBand) {
  FakeNmcli fake;
  fake.reply("-w 45 dev wifi connect Home password pw ifname wlan0", "");
  fake.home_profile("bg");
  fake.reply("con modify id Home 802-11-wireless.band ", "");
  fake.reply("-w 45 con up id Home", "");
  EXPECT_EQ(fake.open()->connect("Home", "pw", WifiType::kN).outcome, ConnectOutcome::kConnected);
  const auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[3],
            (std::vector<std::string>{"con", "modify", "id", "Home", "802-11-wireless.band", ""}))
      << "an empty argument: any band";
}

TEST(NmcliNetwork, ABandThatCannotBeSetIsAFailureThatSaysWhy) {
  FakeNmcli fake;
  fake.reply("-w 45 dev wifi connect Home password pw ifname wlan0", "");
  fake.home_profile("");
  fake.reply("con modify id Home 802-11-wireless.band bg", "", 1,
             "Error: Failed to modify connection 'Home': not authorized.\n");
  const auto result = fake.open()->connect("Home", "pw", WifiType::kG);
  EXPECT_EQ(result.outcome, ConnectOutcome::kFailed);
  EXPECT_EQ(result.message,
            "joined Home, but the WiFi type could not be set: nmcli: Error: Failed to modify "
            "connection 'Home': not authorized.");
}

TEST(NmcliNetwork, ADisconnectedLink) {
  FakeNmcli fake;
  fake.reply("-t -f GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS dev show wlan0",
             "GENERAL.STATE:30 (disconnected)\nGENERAL.CONNECTION:--\n");
  auto link = fake.open()->link();
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->state, LinkState::kDisconnected);
  EXPECT_EQ(fake.calls().size(), 1u) << "no signal asked for";
}

TEST(NmcliNetwork, OpensAnOpenAccessPointAndClosesIt) {
  FakeNmcli fake;
  fake.reply("con delete maic-ap", "", 10, "Error: unknown connection 'maic-ap'.\n");
  fake.reply(
      "con add type wifi ifname wlan0 con-name maic-ap autoconnect no ssid smart-MAIC0123456789 "
      "802-11-wireless.mode ap ipv4.method shared",
      "Connection 'maic-ap' (5d2f...) successfully added.\n");
  fake.reply("con up maic-ap", "Connection successfully activated.\n");
  auto net = fake.open();
  ASSERT_TRUE(net->open_access_point("smart-MAIC0123456789").ok());
  EXPECT_EQ(net->access_point(), "smart-MAIC0123456789");
  const auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0], (std::vector<std::string>{"con", "delete", "maic-ap"}));
  EXPECT_EQ(std::count(calls[1].begin(), calls[1].end(), "password"), 0) << "no password";
  fake.reply("con delete maic-ap", "Connection 'maic-ap' successfully deleted.\n");
  ASSERT_TRUE(net->close_access_point().ok());
  EXPECT_FALSE(net->access_point());
  fake.reply("con delete maic-ap", "", 10, "Error: unknown connection 'maic-ap'.\n");
  EXPECT_TRUE(net->close_access_point().ok()) << "closing a closed one";
}

TEST(NmcliNetwork, AFailedAccessPointStaysClosed) {
  FakeNmcli fake;
  fake.reply("con delete maic-ap", "", 10);
  fake.reply(
      "con add type wifi ifname wlan0 con-name maic-ap autoconnect no ssid smart-MAIC1 "
      "802-11-wireless.mode ap ipv4.method shared",
      "");
  fake.reply("con up maic-ap", "", 4, "Error: Connection activation failed: (53) AP mode.\n");
  auto net = fake.open();
  const Status s = net->open_access_point("smart-MAIC1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "nmcli: Error: Connection activation failed: (53) AP mode.");
  EXPECT_FALSE(net->access_point());
}

}  // namespace
}  // namespace maic::platform
