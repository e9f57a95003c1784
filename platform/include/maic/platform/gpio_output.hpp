// The relay on a GPIO line, through the Linux GPIO character device
// (libgpiod). The output's state is remembered by device::PersistedOutput;
// this driver only drives the line.
#pragma once

#include <memory>
#include <string>

#include "maic/device/output.hpp"

namespace maic::platform {

// `chip` is a name ("gpiochip0"), a number ("0") or a path
// ("/dev/gpiochip0"); `line` the line's offset on it. The line is requested
// as an output, initially inactive, and released when the driver is
// destroyed. Fails with the OS's reason (no such chip, line busy, no
// permission).
Result<std::unique_ptr<device::Output>> open_gpio_output(const std::string& chip, int line,
                                                         bool active_low);

}  // namespace maic::platform
