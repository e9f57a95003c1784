#include "maic/device/output.hpp"

#include <string>

namespace maic::device {

std::string_view to_string(OutputCause cause) {
  switch (cause) {
    case OutputCause::kWebPage:
      return "page";
    case OutputCause::kJsonApi:
      return "api";
    case OutputCause::kMqtt:
      return "mqtt";
    case OutputCause::kServer:
      return "server";
    case OutputCause::kSchedule:
      return "schedule";
    case OutputCause::kCondition:
      return "condition";
  }
  return "unknown";
}

Result<std::unique_ptr<PersistedOutput>> PersistedOutput::open(Storage& storage,
                                                               std::unique_ptr<Output> driver) {
  auto content = storage.read_file(kStateFile);
  if (!content) return make_error(std::string(kStateFile) + ": " + content.error().message);
  bool on = false;
  if (*content) {
    const std::string text(reinterpret_cast<const char*>((*content)->data()), (*content)->size());
    if (text == "1\n") {
      on = true;
    } else if (text != "0\n") {
      return make_error(std::string(kStateFile) + ": expected \"0\" or \"1\"");
    }
  }
  if (driver) {
    if (Status s = driver->set(on); !s) return make_error("output: " + s.error().message);
  }
  return std::unique_ptr<PersistedOutput>(new PersistedOutput(storage, std::move(driver), on));
}

PersistedOutput::PersistedOutput(Storage& storage, std::unique_ptr<Output> driver, bool on)
    : storage_(storage), driver_(std::move(driver)), on_(on) {}

Status PersistedOutput::set(bool on) {
  if (driver_) {
    if (Status s = driver_->set(on); !s) return s;
  }
  const std::string_view text = on ? "1\n" : "0\n";
  if (Status s = storage_.write_file_atomic(kStateFile, std::as_bytes(std::span(text))); !s) {
    if (driver_) (void)driver_->set(on_);
    return make_error("output: could not remember the state: " + s.error().message);
  }
  on_ = on;
  return ok_status();
}

std::string PersistedOutput::describe() const {
  return driver_ ? driver_->describe() : std::string("state file only (no relay driver)");
}

}  // namespace maic::device
