#include "maic/device/lifecycle_loop.hpp"

#include "maic/device/device.hpp"

namespace maic::device {

LifecycleLoop::LifecycleLoop(Parts parts, SteadyTime now, bool first_start, Options options)
    : parts_(parts),
      options_(std::move(options)),
      life_(now, first_start, parts.device.settings().led),
      ap_name_(access_point_name(parts.device.identity().devid)) {
  if (parts_.led != nullptr) blinker_.emplace(*parts_.led);
  report_.led = life_.led();
}

void LifecycleLoop::press(ButtonPress p) {
  std::lock_guard lock(mutex_);
  pending_.push_back(p);
}

void LifecycleLoop::web_activity(SteadyTime t) {
  std::lock_guard lock(mutex_);
  if (!activity_ || t > *activity_) activity_ = t;
}

void LifecycleLoop::scan() {
  std::lock_guard lock(mutex_);
  scan_wanted_ = true;
}

void LifecycleLoop::connect_to(std::string ssid, std::string password) {
  std::lock_guard lock(mutex_);
  report_.connect = ConnectReport{ssid, std::nullopt, {}};
  connect_wanted_.emplace(std::move(ssid), std::move(password));
}

LifecycleReport LifecycleLoop::report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

void LifecycleLoop::note_error(const std::string& what, const Error& e) {
  const std::string line = what + ": " + e.message;
  {
    std::lock_guard lock(mutex_);
    if (report_.error == line) return;  // said once, not every turn
    report_.error = line;
  }
  if (options_.log) options_.log(line);
}

void LifecycleLoop::step(SteadyTime now) {
  std::vector<ButtonPress> presses;
  std::optional<SteadyTime> activity;
  bool scan_wanted = false;
  std::optional<std::pair<std::string, std::string>> connect_wanted;
  {
    std::lock_guard lock(mutex_);
    presses.swap(pending_);
    activity = activity_;
    activity_.reset();
    std::swap(scan_wanted, scan_wanted_);
    connect_wanted.swap(connect_wanted_);
  }
  if (parts_.button != nullptr) {
    auto level = parts_.button->pressed();
    if (!level) {
      note_error("button", level.error());
    } else if (auto p = debouncer_.sample(*level, now)) {
      presses.push_back(*p);
    }
  }
  if (activity) life_.on_web_activity(*activity);

  for (ButtonPress p : presses) {
    const LifecycleActions actions = life_.on_button(p, now);
    if (options_.log) {
      options_.log(p == ButtonPress::kLong ? "long press: factory settings, then reboot"
                                           : "short press: reboot into access-point mode");
    }
    const Status done = carry_out(actions, parts_.device);
    if (actions.factory_reset && options_.log) {
      options_.log(std::string("factory reset: ") + (done ? "done" : done.error().message));
    }
    ap_dirty_ = true;
    next_link_poll_.reset();  // the radio is asked again at once
  }
  life_.set_led_enabled(parts_.device.settings().led);

  if (scan_wanted) {
    auto found = parts_.network.scan();
    if (found) {
      std::lock_guard lock(mutex_);
      report_.networks = std::move(*found);
    } else {
      note_error("scan", found.error());
    }
  }
  if (connect_wanted) {
    const auto& [ssid, password] = *connect_wanted;
    // The WiFi type as the settings say now: a change made between the
    // request and this turn is the one the user wants.
    ConnectResult result =
        parts_.network.connect(ssid, password, parts_.device.settings().wifi_type);
    if (options_.log) {
      options_.log("connecting to " + ssid + ": " + std::string(to_string(result.outcome)) +
                   (result.message.empty() ? "" : " (" + result.message + ")"));
    }
    std::lock_guard lock(mutex_);
    // A newer request made meanwhile keeps its own "under way".
    if (!connect_wanted_ && report_.connect && report_.connect->ssid == ssid) {
      report_.connect->outcome = result.outcome;
      report_.connect->message = std::move(result.message);
    }
    next_link_poll_.reset();
  }

  std::optional<LinkStatus> link;
  if (!next_link_poll_ || now >= *next_link_poll_) {
    next_link_poll_ = now + options_.link_every;
    auto polled = parts_.network.link();
    if (polled) {
      life_.on_link(polled->state);
      link = std::move(*polled);
    } else {
      note_error("network", polled.error());
    }
    ap_dirty_ = true;  // also retries a failed opening or closing, at the poll's pace
  }

  const bool was_open = life_.access_point();
  life_.tick(now);
  if (was_open != life_.access_point()) ap_dirty_ = true;
  if (ap_dirty_) {
    ap_dirty_ = false;
    const bool open = parts_.network.access_point().has_value();
    if (life_.access_point() && !open) {
      if (Status s = parts_.network.open_access_point(ap_name_); !s) {
        note_error("access point", s.error());
      } else if (options_.log) {
        options_.log("access point " + ap_name_ + " open");
      }
    } else if (!life_.access_point() && open) {
      if (Status s = parts_.network.close_access_point(); !s) {
        note_error("access point", s.error());
      } else if (options_.log) {
        options_.log("access point closed");
      }
    }
  }

  if (blinker_) {
    if (Status s = blinker_->update(life_.led(), now); !s) note_error("LED", s.error());
  }

  std::optional<std::string> access_point = parts_.network.access_point();
  std::lock_guard lock(mutex_);
  if (link) report_.link = std::move(*link);
  report_.access_point = std::move(access_point);
  report_.led = life_.led();
}

}  // namespace maic::device
