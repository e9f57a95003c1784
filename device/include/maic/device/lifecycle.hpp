// The device's life cycle around its radio (manual §1, §2, §6; issue 13
// §4), as a pure state machine: no clock, no radio, no GPIO. The daemon
// feeds it what happens (the station link's state, web activity, the Reset
// button's presses, the LED setting, the passing of time) and carries out
// what it asks for (the access point on or off, the LED's pattern, a
// reboot of the services, a factory reset). docs/lifecycle.md has the
// states and timings.
//
// Rules:
//  - The access point is on after the first start (no settings saved yet)
//    and after every press of Reset (short: reboot; long: factory reset,
//    then reboot). It coexists with the station link.
//  - It goes off 15 minutes after the last web activity (manual §6: "after
//    the end of work with the WEB interface"), counted from the moment it
//    went on when nobody has used the site since: at exactly 15 minutes,
//    not before. Activity while it is off changes nothing.
//  - The LED (manual §1): off when disabled in the settings; otherwise
//    slow flashing while the access point is on (the person configuring the
//    device is told where to connect, whatever the station does meanwhile),
//    steady when connected to a network, fast flashing while searching or
//    connecting (also with no network saved: the device waits for one).
//
// Threads: not thread-safe; one owner (the daemon's life-cycle loop).
#pragma once

#include <chrono>
#include <string_view>

#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"

namespace maic::device {

// The station link's state, as the network interface reports it.
enum class LinkState { kDisconnected, kConnecting, kConnected };
// "disconnected", "connecting", "connected": for the JSON edge only.
std::string_view to_string(LinkState s);

enum class LedPattern { kOff, kFast, kSlow, kSteady };
// "off", "fast", "slow", "steady": for the JSON edge only.
std::string_view to_string(LedPattern p);

// Whether the LED is lit at `now` in `pattern`: the flashing's timing.
// Fast: 125 ms on, 125 ms off (4 Hz); slow: 1 s on, 1 s off. The phase
// is taken from steady time, so any number of callers agree.
bool led_lit(LedPattern pattern, SteadyTime now);

enum class ButtonPress {
  kShort,  // reboot into access-point mode
  kLong,   // held over 5 s: factory settings, then as kShort
};

// What the daemon must do after an input, in this order: factory reset
// (Device::factory_reset(): settings only, meters and journal kept), then
// reboot the services (Device::restart_services()).
struct LifecycleActions {
  bool factory_reset = false;
  bool restart_services = false;
  friend bool operator==(const LifecycleActions&, const LifecycleActions&) = default;
};

class Lifecycle {
 public:
  static constexpr Duration kAccessPointIdle = std::chrono::minutes(15);

  // `first_start`: no settings were saved before this start (the access
  // point goes on at `now`). `led_enabled`: Settings::led.
  Lifecycle(SteadyTime now, bool first_start, bool led_enabled);

  // The station link changed (or was polled; repeating a state is harmless).
  void on_link(LinkState state) { link_ = state; }
  // A request to the web interface at `t` (steady time), whichever way it
  // reached the device.
  void on_web_activity(SteadyTime t);
  // A press of Reset (also the site's reboot button and SIGHUP: kShort).
  LifecycleActions on_button(ButtonPress press, SteadyTime now);
  // Settings::led changed (also after a factory reset).
  void set_led_enabled(bool enabled) { led_enabled_ = enabled; }
  // Time passes: switches the access point off when it has been idle long
  // enough. Call at least every second or so; late calls switch it off late.
  void tick(SteadyTime now);

  bool access_point() const { return access_point_; }
  LinkState link() const { return link_; }
  LedPattern led() const;
  // When tick() will switch the access point off if nobody uses the site
  // before; meaningful only while access_point().
  SteadyTime access_point_until() const { return last_activity_ + kAccessPointIdle; }

 private:
  void open_access_point(SteadyTime now);

  bool access_point_ = false;
  SteadyTime last_activity_{};  // of the web interface, or when the access point went on
  LinkState link_ = LinkState::kDisconnected;
  bool led_enabled_ = true;
};

class Device;

// Carries out `actions` on `device`: the factory reset at once (settings
// only; identity, meters and journal kept, manual §6), the reboot as
// Device::request_reboot() (on the next metering step, as SIGHUP does).
// Returns the factory reset's error, if any; the reboot is asked for all
// the same. The caller then hands the lifecycle the LED setting again.
Status carry_out(const LifecycleActions& actions, Device& device);

}  // namespace maic::device
