#include "maic/device/lifecycle.hpp"

#include "maic/device/device.hpp"

namespace maic::device {

std::string_view to_string(LinkState s) {
  switch (s) {
    case LinkState::kDisconnected:
      return "disconnected";
    case LinkState::kConnecting:
      return "connecting";
    case LinkState::kConnected:
      return "connected";
  }
  return "disconnected";
}

std::string_view to_string(LedPattern p) {
  switch (p) {
    case LedPattern::kOff:
      return "off";
    case LedPattern::kFast:
      return "fast";
    case LedPattern::kSlow:
      return "slow";
    case LedPattern::kSteady:
      return "steady";
  }
  return "off";
}

bool led_lit(LedPattern pattern, SteadyTime now) {
  using std::chrono::milliseconds;
  const auto phase_of = [now](milliseconds half) {
    const auto halves = now.time_since_epoch() / half;
    return halves % 2 == 0;  // the first half of each period lit
  };
  switch (pattern) {
    case LedPattern::kOff:
      return false;
    case LedPattern::kSteady:
      return true;
    case LedPattern::kFast:
      return phase_of(milliseconds(125));
    case LedPattern::kSlow:
      return phase_of(milliseconds(1000));
  }
  return false;
}

Lifecycle::Lifecycle(SteadyTime now, bool first_start, bool led_enabled)
    : led_enabled_(led_enabled) {
  if (first_start) open_access_point(now);
}

void Lifecycle::open_access_point(SteadyTime now) {
  access_point_ = true;
  last_activity_ = now;
}

void Lifecycle::on_web_activity(SteadyTime t) {
  // Only while the access point is on: otherwise the next opening starts
  // its own 15 minutes. A late report never moves the deadline back.
  if (access_point_ && t > last_activity_) last_activity_ = t;
}

LifecycleActions Lifecycle::on_button(ButtonPress press, SteadyTime now) {
  open_access_point(now);
  return LifecycleActions{.factory_reset = press == ButtonPress::kLong, .restart_services = true};
}

void Lifecycle::tick(SteadyTime now) {
  if (access_point_ && now - last_activity_ >= kAccessPointIdle) access_point_ = false;
}

LedPattern Lifecycle::led() const {
  if (!led_enabled_) return LedPattern::kOff;
  if (access_point_) return LedPattern::kSlow;
  return link_ == LinkState::kConnected ? LedPattern::kSteady : LedPattern::kFast;
}

Status carry_out(const LifecycleActions& actions, Device& device) {
  Status outcome = ok_status();
  if (actions.factory_reset) outcome = device.factory_reset();
  if (actions.restart_services) device.request_reboot();
  return outcome;
}

}  // namespace maic::device
