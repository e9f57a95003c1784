// The controlled (dry contact) output: manual §1, "Controlled output".
//
// An output remembers its state across restarts (the implementation
// persists it). Switched from the page API (`pout`), the JSON API and MQTT
// SETOUT; later by conditions and schedules, which use the same interface.
#pragma once

#include <memory>
#include <string>

#include "maic/core/result.hpp"

namespace maic::device {

// Not thread-safe: the device serialises calls.
class Output {
 public:
  virtual ~Output() = default;
  // Drives the output; on error the state is unchanged.
  virtual Status set(bool on) = 0;
  virtual bool is_on() const = 0;
  virtual std::string describe() const = 0;
};

// An output that only remembers (tests; a device with no relay wired).
class MemoryOutput final : public Output {
 public:
  explicit MemoryOutput(bool on = false) : on_(on) {}
  Status set(bool on) override {
    if (fail_next_) {
      fail_next_ = false;
      return make_error("relay driver failed");
    }
    on_ = on;
    ++switches_;
    return ok_status();
  }
  bool is_on() const override { return on_; }
  std::string describe() const override { return "memory"; }

  void fail_next() { fail_next_ = true; }
  int switches() const { return switches_; }

 private:
  bool on_;
  bool fail_next_ = false;
  int switches_ = 0;
};

}  // namespace maic::device

#include "maic/core/storage.hpp"

namespace maic::device {

// Remembers the output's state in a file of the device's storage
// ("output.state", written atomically) and drives an optional relay driver
// (a GPIO line; none: the state alone). At start the remembered state is
// applied to the driver, so a restart does not change the output.
class PersistedOutput final : public Output {
 public:
  static constexpr std::string_view kStateFile = "output.state";

  // Reads the remembered state (off when there is none) and applies it.
  static Result<std::unique_ptr<PersistedOutput>> open(Storage& storage,
                                                       std::unique_ptr<Output> driver);

  // Drives the relay first, then remembers; if remembering fails the relay
  // is driven back, so state and file agree.
  Status set(bool on) override;
  bool is_on() const override { return on_; }
  std::string describe() const override;

 private:
  PersistedOutput(Storage& storage, std::unique_ptr<Output> driver, bool on);

  Storage& storage_;
  std::unique_ptr<Output> driver_;
  bool on_;
};

}  // namespace maic::device
