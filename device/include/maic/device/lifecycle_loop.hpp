// The life cycle at work (docs/lifecycle.md): the Lifecycle state machine
// wired to the radio, the LED, the Reset button and the Device. The daemon
// calls step() from a thread of its own every 25 ms or so, because the
// radio's calls may block for seconds (nmcli) and the fast flashing needs
// 125 ms steps; everything else reaches it from any thread through press()
// and web_activity().
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/clock.hpp"
#include "maic/device/button.hpp"
#include "maic/device/indicator.hpp"
#include "maic/device/lifecycle.hpp"
#include "maic/device/network.hpp"

namespace maic::device {

class Device;

// The outcome of the last connect_to().
struct ConnectReport {
  std::string ssid;
  std::optional<ConnectOutcome> outcome;  // nullopt: under way
  std::string message;
};

// A snapshot for the status API.
struct LifecycleReport {
  LinkStatus link;
  std::optional<std::vector<WifiNetwork>> networks;  // the last scan's; nullopt: none yet
  std::optional<ConnectReport> connect;              // the last connect_to()
  std::optional<std::string> access_point;           // the open access point's name
  LedPattern led = LedPattern::kOff;
  std::string error;  // the radio's, the LED's or the button's last error; empty when none
};

class LifecycleLoop {
 public:
  using Log = std::function<void(std::string_view line)>;
  struct Parts {
    Device& device;
    Network& network;
    Led* led = nullptr;            // none: the pattern is only reported
    ButtonLine* button = nullptr;  // none: presses come only through press()
  };
  struct Options {
    Duration link_every = std::chrono::seconds(2);  // how often the link is polled
    Log log;
  };

  // `first_start`: no settings were saved before this start. The parts
  // must outlive the loop.
  LifecycleLoop(Parts parts, SteadyTime now, bool first_start, Options options);

  // A press from elsewhere than the button's line: SIGHUP and the site's
  // reboot (short), the long-press control. Carried out by the next step().
  // Any thread; not from a signal handler.
  void press(ButtonPress p);
  // A request to the web interface at `t`. Any thread.
  void web_activity(SteadyTime t);
  // The site's "Refresh" and "Connect" (manual §2), carried out by the next
  // step() (the radio may take seconds); the outcome shows in report().
  // `ssid` and `password` validated by the caller. Any thread.
  void scan();
  void connect_to(std::string ssid, std::string password);
  // Any thread.
  LifecycleReport report() const;

  // One turn, from the loop's own thread: the button is sampled, presses
  // carried out (factory reset, reboot), the link polled when due, the
  // access point opened or closed as the life cycle says, the LED updated.
  void step(SteadyTime now);

 private:
  void note_error(const std::string& what, const Error& e);  // loop thread

  Parts parts_;
  Options options_;
  Lifecycle life_;
  ButtonDebouncer debouncer_;
  std::optional<LedBlinker> blinker_;
  std::string ap_name_;
  std::optional<SteadyTime> next_link_poll_;  // nullopt: now
  bool ap_dirty_ = true;  // whether the radio's access point may differ from the life cycle's

  mutable std::mutex mutex_;  // guards the members below
  std::vector<ButtonPress> pending_;
  bool scan_wanted_ = false;
  std::optional<std::pair<std::string, std::string>> connect_wanted_;  // ssid, password
  std::optional<SteadyTime> activity_;
  LifecycleReport report_;
};

}  // namespace maic::device
