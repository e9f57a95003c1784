// The Reset button (manual §6): a short press reboots into access-point
// mode, a hold of more than 5 s restores factory settings. Pure: the
// button's level is sampled by the platform (a GPIO line, or a PC's
// control) and handed in with the steady time; presses come out.
#pragma once

#include <chrono>
#include <optional>

#include "maic/core/clock.hpp"
#include "maic/device/lifecycle.hpp"

namespace maic::device {

// Turns samples of the button's level into presses.
//
// Debouncing: a change of level counts once the new level has held for
// kDebounce; shorter glitches (contact bounce, interference) are ignored.
// The press then began when the level first changed, not when the change
// was accepted.
//
// Long press: fired while the button is still held, as soon as it has been
// held for more than kLongPress — so the person holding it can let go (the
// device reboots, and the LED says so) instead of guessing. The release
// that follows fires nothing. A release before that fires a short press.
// A button held at the first sample is a press that began then.
//
// Sample at least every kDebounce / 2 while the level may change (or on
// each edge and periodically); the long press fires at the first sample
// after 5 s of holding. Not thread-safe.
class ButtonDebouncer {
 public:
  static constexpr Duration kDebounce = std::chrono::milliseconds(50);
  static constexpr Duration kLongPress = std::chrono::seconds(5);

  // `pressed`: the button's level (true: held down), already corrected for
  // the wiring's polarity. Samples' times must not go back.
  std::optional<ButtonPress> sample(bool pressed, SteadyTime now);

  // The debounced level.
  bool held() const { return stable_; }

 private:
  bool stable_ = false;     // the accepted level
  bool raw_ = false;        // the last sample's level
  SteadyTime raw_since_{};  // when the raw level last changed
  SteadyTime pressed_at_{};
  bool long_fired_ = false;  // in the current press
};

}  // namespace maic::device
