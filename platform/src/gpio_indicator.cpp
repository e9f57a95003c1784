#include "maic/platform/gpio_indicator.hpp"

#include <gpiod.h>

#include <cerrno>
#include <cstring>

namespace maic::platform {
namespace {

// A requested line and its chip, released together.
class Line {
 public:
  Line(gpiod_chip* chip, gpiod_line* line, std::string name)
      : chip_(chip), line_(line), name_(std::move(name)) {}
  ~Line() {
    gpiod_line_release(line_);
    gpiod_chip_close(chip_);
  }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  gpiod_line* get() const { return line_; }
  Error error() const { return make_error(name_ + ": " + std::strerror(errno)); }

 private:
  gpiod_chip* chip_;
  gpiod_line* line_;
  std::string name_;
};

Result<std::unique_ptr<Line>> request(const std::string& what, const std::string& chip, int line,
                                      int request_type, int flags) {
  const std::string name = what + " on GPIO " + chip + " line " + std::to_string(line);
  if (line < 0) return make_error(name + ": the line must be >= 0");
  gpiod_chip* c = gpiod_chip_open_lookup(chip.c_str());
  if (!c) return make_error(name + ": " + std::strerror(errno));
  gpiod_line* l = gpiod_chip_get_line(c, static_cast<unsigned>(line));
  gpiod_line_request_config config{};
  config.consumer = "maic-device";
  config.request_type = request_type;
  config.flags = flags;
  if (!l || gpiod_line_request(l, &config, 0) != 0) {
    const int err = errno;
    gpiod_chip_close(c);
    return make_error(name + ": " + std::strerror(err));
  }
  return std::make_unique<Line>(c, l, name);
}

class GpioLed final : public device::Led {
 public:
  explicit GpioLed(std::unique_ptr<Line> line) : line_(std::move(line)) {}
  Status set(bool lit) override {
    if (gpiod_line_set_value(line_->get(), lit ? 1 : 0) != 0) return line_->error();
    return ok_status();
  }

 private:
  std::unique_ptr<Line> line_;
};

class GpioButton final : public device::ButtonLine {
 public:
  explicit GpioButton(std::unique_ptr<Line> line) : line_(std::move(line)) {}
  Result<bool> pressed() override {
    const int v = gpiod_line_get_value(line_->get());
    if (v < 0) return line_->error();
    return v == 1;  // the active-low flag already inverted it
  }

 private:
  std::unique_ptr<Line> line_;
};

int active_low_flag(bool active_low) { return active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0; }

}  // namespace

Result<std::unique_ptr<device::Led>> open_gpio_led(const std::string& chip, int line,
                                                   bool active_low) {
  auto l =
      request("LED", chip, line, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, active_low_flag(active_low));
  if (!l) return l.error();
  return std::unique_ptr<device::Led>(std::make_unique<GpioLed>(std::move(*l)));
}

Result<std::unique_ptr<device::ButtonLine>> open_gpio_button(const std::string& chip, int line,
                                                             bool active_low) {
  auto l = request("button", chip, line, GPIOD_LINE_REQUEST_DIRECTION_INPUT,
                   active_low_flag(active_low) | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP);
  if (!l) return l.error();
  return std::unique_ptr<device::ButtonLine>(std::make_unique<GpioButton>(std::move(*l)));
}

}  // namespace maic::platform
