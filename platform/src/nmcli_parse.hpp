// Pure reading of nmcli's terse output (nmcli(1), -t): one record a line,
// fields separated by ':', and ':' and '\' inside a value escaped with '\'
// (the default --escape yes). Private to the platform layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/device/network.hpp"

namespace maic::platform::nmcli {

// The fields of one terse line, unescaped.
std::vector<std::string> split_terse(std::string_view line);

// NetworkManager's signal quality (0..100 %) in dBm: the inverse of its own
// mapping (-100 dBm → 0 %, -40 dBm and up → 100 %, linear between).
int quality_to_dbm(int percent);

// `nmcli -t -f SSID,SIGNAL,SECURITY dev wifi list`: each name once (its
// strongest access point), strongest first; hidden networks (no SSID)
// left out. SECURITY "" or "--" is an open network.
std::vector<device::WifiNetwork> parse_wifi_list(std::string_view out);

// `nmcli -t -f IN-USE,SSID,SIGNAL dev wifi list`: the access point in use
// ('*'): its network's name and signal; nullopt when none is.
struct InUse {
  std::string ssid;
  int signal_dbm = -100;
};
std::optional<InUse> parse_in_use(std::string_view out);

// `nmcli -t -f GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS dev show IF`.
// The state's number (NMDeviceState): 100 connected; 40..90 (prepare,
// config, need-auth, ip-config, ip-check, secondaries) connecting;
// anything else disconnected. A connection called `ignore` (the access
// point's own, when it shares the interface) is not a station link.
device::LinkStatus parse_device_show(std::string_view out, std::string_view ignore);

// The value of `field` in multi-line terse output ("NAME:value" a line, as
// `nmcli -t -f F1,F2 dev show IF` and `nmcli -t -f F con show NAME` print
// it), unescaped; "--" (nmcli's "not set") and a missing field are "".
std::string field_value(std::string_view out, std::string_view field);

// The manual's WiFi type as NetworkManager's 802-11-wireless.band: "b" and
// "g" are "bg" (2.4 GHz only: NetworkManager has no setting that forbids
// 802.11n within a band, so both mean the same), "n" is "" (any band).
std::string_view band_for(device::WifiType type);

// What `nmcli dev wifi connect` ended with: exit 0 connected; 10 (no such
// network) not found; 4 (activation failed) with "Secrets were required"
// or a password complaint in stderr: wrong password; otherwise failed,
// with stderr's first line as the message.
device::ConnectResult connect_outcome(int exit_code, std::string_view err);

}  // namespace maic::platform::nmcli
