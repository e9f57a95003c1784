// The latest reading, shared between the metering thread that produces it
// and the web server threads that show it.
#pragma once

#include <mutex>
#include <optional>

#include "maic/core/reading.hpp"

namespace maic::device {

// Thread-safe: every method may be called from any thread.
class LiveReadings {
 public:
  void publish(const Reading& r) {
    std::lock_guard lock(mutex_);
    latest_ = r;
  }
  std::optional<Reading> latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<Reading> latest_;
};

}  // namespace maic::device
