#include "maic/platform/gpio_indicator.hpp"

#include <gtest/gtest.h>

namespace maic::platform {
namespace {

// As for the relay (gpio_output_test.cpp): no GPIO hardware where the tests
// run, so what is checked is a clear error for a missing chip or bad line.
TEST(GpioIndicator, AMissingChipIsAClearError) {
  auto led = open_gpio_led("no-such-gpiochip", 4, false);
  ASSERT_FALSE(led.ok());
  EXPECT_NE(led.error().message.find("LED on GPIO no-such-gpiochip line 4"), std::string::npos)
      << led.error().message;
  auto button = open_gpio_button("no-such-gpiochip", 17, true);
  ASSERT_FALSE(button.ok());
  EXPECT_NE(button.error().message.find("button on GPIO no-such-gpiochip line 17"),
            std::string::npos)
      << button.error().message;
  EXPECT_FALSE(open_gpio_led("gpiochip0", -1, false).ok());
  EXPECT_FALSE(open_gpio_button("gpiochip0", -1, false).ok());
}

}  // namespace
}  // namespace maic::platform
