#include "maic/platform/gpio_output.hpp"

#include <gpiod.h>

#include <cerrno>
#include <cstring>

namespace maic::platform {
namespace {

class GpioOutput final : public device::Output {
 public:
  GpioOutput(gpiod_chip* chip, gpiod_line* line, std::string name)
      : chip_(chip), line_(line), name_(std::move(name)) {}
  ~GpioOutput() override {
    gpiod_line_release(line_);
    gpiod_chip_close(chip_);
  }
  GpioOutput(const GpioOutput&) = delete;
  GpioOutput& operator=(const GpioOutput&) = delete;

  Status set(bool on) override {
    if (gpiod_line_set_value(line_, on ? 1 : 0) != 0) {
      return make_error(name_ + ": " + std::strerror(errno));
    }
    on_ = on;
    return ok_status();
  }
  bool is_on() const override { return on_; }
  std::string describe() const override { return name_; }

 private:
  gpiod_chip* chip_;
  gpiod_line* line_;
  std::string name_;
  bool on_ = false;
};

}  // namespace

Result<std::unique_ptr<device::Output>> open_gpio_output(const std::string& chip, int line,
                                                         bool active_low) {
  const std::string name = "GPIO " + chip + " line " + std::to_string(line);
  if (line < 0) return make_error(name + ": the line must be >= 0");
  gpiod_chip* c = gpiod_chip_open_lookup(chip.c_str());
  if (!c) return make_error(name + ": " + std::strerror(errno));
  gpiod_line* l = gpiod_chip_get_line(c, static_cast<unsigned>(line));
  if (!l) {
    const int err = errno;
    gpiod_chip_close(c);
    return make_error(name + ": " + std::strerror(err));
  }
  gpiod_line_request_config config{};
  config.consumer = "maic-device";
  config.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
  config.flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
  if (gpiod_line_request(l, &config, 0) != 0) {
    const int err = errno;
    gpiod_chip_close(c);
    return make_error(name + ": " + std::strerror(err));
  }
  return std::unique_ptr<device::Output>(new GpioOutput(c, l, name));
}

}  // namespace maic::platform
