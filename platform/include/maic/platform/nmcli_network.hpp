// The Wi-Fi radio through NetworkManager's command-line client (nmcli), for
// a Raspberry Pi: the device's Network (device/network.hpp) selected by the
// daemon's setting. docs/lifecycle.md says how to check it on a Pi by hand.
//
// What it runs (terse output, LC_ALL=C, each call bounded by a timeout):
//   scan      nmcli -t -f SSID,SIGNAL,SECURITY dev wifi list ifname IF
//   connect   nmcli -w S dev wifi connect SSID [password PW] ifname IF, then
//             the WiFi type (below):
//             nmcli -t -f GENERAL.CONNECTION dev show IF           (the profile)
//             nmcli -t -f 802-11-wireless.band con show id PROFILE
//             and only when the band differs:
//             nmcli con modify id PROFILE 802-11-wireless.band BAND
//             nmcli -w S con up id PROFILE
//   link      nmcli -t -f GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS dev show IF
//             nmcli -t -f IN-USE,SSID,SIGNAL dev wifi list ifname IF --rescan no
//   AP on     nmcli con delete AP (whatever it was), then
//             nmcli con add type wifi ifname APIF con-name AP autoconnect no ssid NAME
//                   802-11-wireless.mode ap ipv4.method shared
//             nmcli con up AP
//   AP off    nmcli con delete AP
// `nmcli dev wifi hotspot` is not used: it always sets a password, and the
// manual's access point has none.
//
// The WiFi type (settings' wifi_type, the manual's b/g/n): `dev wifi
// connect` has no band option, so the band is set on the profile it made
// or reused, which remembers it. "b" and "g" are band "bg" (2.4 GHz only),
// "n" clears the band (NetworkManager chooses). NetworkManager has no
// setting that forbids 802.11n within 2.4 GHz, nor one for 802.11b alone:
// "b" and "g" both mean "2.4 GHz only", which is what helps with the
// manual's unstable links (a dual-band router that moves the device to 5
// GHz). A join whose band cannot be set reports kFailed with the reason.
//
// The password is on nmcli's command line, visible to other local users
// through /proc for the moment nmcli runs; on the single-purpose Pi that
// is accepted.
//
// Coexistence: one radio serves a station link and an access point at once
// only on two interfaces; ap_ifname "uap0" (made with `iw dev wlan0
// interface add uap0 type __ap`) gives that on a Pi's Broadcom chip. With
// both on wlan0, the access point replaces the station link while it is on.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "maic/core/result.hpp"
#include "maic/device/network.hpp"

namespace maic::platform {

struct NmcliOptions {
  std::string program = "nmcli";  // a name looked up in `path`, or a path
  std::string path;               // PATH's syntax; empty: this process's PATH
  std::string station_ifname = "wlan0";
  std::string ap_ifname = "wlan0";
  std::string ap_connection = "maic-ap";  // the name of NetworkManager's profile for the AP
  std::chrono::milliseconds timeout = std::chrono::seconds(15);  // each command but connect
  std::chrono::seconds connect_wait = std::chrono::seconds(45);  // nmcli -w; the timeout adds 5 s
};

// Finds nmcli; fails when it is not installed ("nmcli not found on PATH").
// Nothing runs until the first call.
Result<std::unique_ptr<device::Network>> open_nmcli_network(NmcliOptions options);

}  // namespace maic::platform
