// The device's Wi-Fi radio (manual §2; issue 13 §4): a station link to
// the user's network and an access point of its own for configuring it,
// which coexist. The logic is handed a Network; the implementations are a
// simulated radio (SimulatedNetwork below: a PC's default and the tests')
// and NetworkManager on a Raspberry Pi (platform/nmcli_network.hpp).
//
// The interface lives in the device layer, beside Output, because the
// device's logic takes it; the platform layer implements it.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/device/lifecycle.hpp"
#include "maic/device/settings.hpp"

namespace maic::device {

// One network a scan found.
struct WifiNetwork {
  std::string ssid;
  int signal_dbm = -100;  // manual §2: better than -70 dBm for stable operation
  bool secured = false;   // a password is needed
  friend bool operator==(const WifiNetwork&, const WifiNetwork&) = default;
};

enum class ConnectOutcome {
  kConnected,
  kWrongPassword,  // also: a password is needed and none was given
  kNotFound,       // no network of that name in reach
  kFailed,         // anything else (the radio, NetworkManager); see the message
};
// "connected", "wrong_password", "not_found", "failed": for the JSON edge.
std::string_view to_string(ConnectOutcome o);

struct ConnectResult {
  ConnectOutcome outcome = ConnectOutcome::kFailed;
  std::string message;  // why, when not kConnected; for people
};

// The station link. ssid, address and signal are meaningful when connected.
struct LinkStatus {
  LinkState state = LinkState::kDisconnected;
  std::string ssid;
  std::string address;  // IPv4, dotted, without the prefix length
  int signal_dbm = -100;
  friend bool operator==(const LinkStatus&, const LinkStatus&) = default;
};

// The access point's name (manual §2): "smart-MAIC" and the device ID's
// digits, e.g. "smart-MAIC0123456789". No password.
std::string access_point_name(std::string_view devid);

// Threads: implementations serialise their calls; any thread may call any
// method. Calls may block for as long as the radio takes (a scan or a
// connection: seconds, bounded by the implementation), so the daemon makes
// them from its life-cycle loop, never from a web handler's thread.
class Network {
 public:
  virtual ~Network() = default;

  // The networks in reach, strongest first, each name once (its strongest
  // access point).
  virtual Result<std::vector<WifiNetwork>> scan() = 0;
  // Joins `ssid` (the radio remembers it, and rejoins it after a restart);
  // `password` empty for an open network. `type` is the settings' wifi_type
  // (the manual's "WiFi type"), which the radio honours as far as it can
  // and remembers with the network; what an implementation makes of it is
  // in its header (docs/lifecycle.md, "WiFi type"). Blocks until the
  // outcome.
  virtual ConnectResult connect(const std::string& ssid, const std::string& password,
                                WifiType type) = 0;
  // The station link now.
  virtual Result<LinkStatus> link() = 0;
  // Opens the access point `name` without a password, beside the station
  // link; opening it again (any name) replaces it.
  virtual Status open_access_point(const std::string& name) = 0;
  // Closes it; closing a closed one succeeds.
  virtual Status close_access_point() = 0;
  // The open access point's name; nullopt when closed.
  virtual std::optional<std::string> access_point() const = 0;
};

// A radio in memory, configured by tests and by the daemon on a PC: the
// networks in reach and their passwords, failures on demand. It starts
// connected to `saved` (a network that was joined before), so the README's
// commands and the uplink work on a PC without any set-up.
class SimulatedNetwork final : public Network {
 public:
  struct Air {
    WifiNetwork network;
    std::string password;  // empty: open
  };
  explicit SimulatedNetwork(std::vector<Air> in_reach = {}, std::optional<std::string> saved = {});

  Result<std::vector<WifiNetwork>> scan() override;
  // Refuses no `type`; records it (wifi_type()).
  ConnectResult connect(const std::string& ssid, const std::string& password,
                        WifiType type) override;
  Result<LinkStatus> link() override;
  Status open_access_point(const std::string& name) override;
  Status close_access_point() override;
  std::optional<std::string> access_point() const override;

  // The test's hands on the air.
  void put_in_reach(Air air);
  void take_out_of_reach(const std::string& ssid);  // a joined one drops the link
  void fail_next(std::string message);              // the next call fails with it
  // While held, connect() leaves the link kConnecting and returns kFailed
  // ("timed out"), as a radio that keeps trying would: for the LED's fast
  // flashing.
  void hold_connecting(bool hold);
  // The WiFi type of the last connect() (also a failed one); nullopt
  // before the first.
  std::optional<WifiType> wifi_type() const;

 private:
  std::optional<Error> take_failure();  // under mutex_

  mutable std::mutex mutex_;
  std::map<std::string, Air> air_;
  LinkStatus link_;
  std::optional<std::string> access_point_;
  std::optional<std::string> failure_;
  bool hold_connecting_ = false;
  std::optional<WifiType> wifi_type_;
};

}  // namespace maic::device
