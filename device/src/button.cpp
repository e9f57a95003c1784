#include "maic/device/button.hpp"

namespace maic::device {

std::optional<ButtonPress> ButtonDebouncer::sample(bool pressed, SteadyTime now) {
  if (pressed != raw_) {
    raw_ = pressed;
    raw_since_ = now;
  }
  if (raw_ != stable_ && now - raw_since_ >= kDebounce) {
    stable_ = raw_;
    if (stable_) {
      pressed_at_ = raw_since_;
      long_fired_ = false;
    } else if (!long_fired_) {
      return ButtonPress::kShort;
    }
  }
  if (stable_ && !long_fired_ && now - pressed_at_ > kLongPress) {
    long_fired_ = true;
    return ButtonPress::kLong;
  }
  return std::nullopt;
}

}  // namespace maic::device
