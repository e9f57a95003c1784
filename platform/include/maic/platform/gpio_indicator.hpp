// The status LED and the Reset button on GPIO lines, through the Linux GPIO
// character device (libgpiod), as for the relay (gpio_output.hpp).
#pragma once

#include <memory>
#include <string>

#include "maic/device/indicator.hpp"

namespace maic::platform {

// `chip` is a name ("gpiochip0"), a number ("0") or a path; `line` the
// line's offset on it. The LED's line is requested as an output, initially
// dark; `active_low` for an LED wired from the supply to the pin. Fails
// with the OS's reason.
Result<std::unique_ptr<device::Led>> open_gpio_led(const std::string& chip, int line,
                                                   bool active_low);

// The button's line is requested as an input with the SoC's pull-up, so a
// button wired from the pin to ground needs no resistor: `active_low`
// (pressed pulls the line low) is then true. Debouncing is the caller's
// (device::ButtonDebouncer).
Result<std::unique_ptr<device::ButtonLine>> open_gpio_button(const std::string& chip, int line,
                                                             bool active_low);

}  // namespace maic::platform
