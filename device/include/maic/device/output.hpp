// The controlled (dry contact) output: manual §1, "Controlled output".
//
// An output remembers its state across restarts (the implementation
// persists it). Switched from the page API (`pout`), the JSON API and MQTT
// SETOUT; later by conditions and schedules, which use the same interface.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "maic/core/result.hpp"

namespace maic::device {

// Who switched the output: the notification "output switched" says by
// what (manual §9), and the automation's precedence treats a person's
// command (page, JSON API, MQTT, server) apart from its own (docs/automation.md).
enum class OutputCause {
  kWebPage,    // the page API's pout (the device's web site)
  kJsonApi,    // POST /api/v1/output
  kMqtt,       // <devid>.SETOUT
  kServer,     // a remote command from the data server
  kSchedule,   // the device's schedule
  kCondition,  // one of the device's conditions
};
// "page", "api", "mqtt", "server", "schedule", "condition": for logs,
// JSON and notifications.
std::string_view to_string(OutputCause cause);

// A command to the output, and, once done, what it did.
struct OutputChange {
  bool on = false;
  OutputCause cause = OutputCause::kJsonApi;
  int condition = 0;     // 1..6 with kCondition; 0 otherwise
  bool changed = false;  // set by the device: the state differs from before the command
};

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
