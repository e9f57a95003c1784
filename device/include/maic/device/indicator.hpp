// The front panel's status LED and the Reset button (manual §1, §6) as the
// device logic sees them: a lamp it switches and a contact it samples. The
// platform implements them on GPIO lines (platform/gpio_indicator.hpp); the
// memory versions here serve tests and a PC.
#pragma once

#include <vector>

#include "maic/core/result.hpp"
#include "maic/device/lifecycle.hpp"

namespace maic::device {

// Threads: one caller at a time (the life-cycle loop).
class Led {
 public:
  virtual ~Led() = default;
  virtual Status set(bool lit) = 0;
};

// Threads: one caller at a time (the life-cycle loop).
class ButtonLine {
 public:
  virtual ~ButtonLine() = default;
  // Whether the button is held down now (the wiring's polarity applied).
  virtual Result<bool> pressed() = 0;
};

class MemoryLed final : public Led {
 public:
  Status set(bool lit) override {
    if (lit != lit_) changes_.push_back(lit);
    lit_ = lit;
    return ok_status();
  }
  bool lit() const { return lit_; }
  // Every change, in order: a test counts the flashes.
  const std::vector<bool>& changes() const { return changes_; }

 private:
  bool lit_ = false;
  std::vector<bool> changes_;
};

class MemoryButton final : public ButtonLine {
 public:
  Result<bool> pressed() override { return held_; }
  void hold(bool held) { held_ = held; }

 private:
  bool held_ = false;
};

// Drives a Led in a pattern: call update() often (every 25 ms or so keeps
// the fast flashing even); it switches the lamp only when led_lit() changes,
// so a failing line is not hammered. Not thread-safe.
class LedBlinker {
 public:
  explicit LedBlinker(Led& led) : led_(led) {}
  // The LED's error, if switching it failed (it is tried again next time).
  Status update(LedPattern pattern, SteadyTime now) {
    const bool lit = led_lit(pattern, now);
    if (known_ && lit == lit_) return ok_status();
    Status s = led_.set(lit);
    if (s.ok()) {
      lit_ = lit;
      known_ = true;
    }
    return s;
  }

 private:
  Led& led_;
  bool lit_ = false;
  bool known_ = false;  // whether lit_ is what the lamp shows
};

}  // namespace maic::device
