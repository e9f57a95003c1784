#include "maic/platform/gpio_output.hpp"

#include <gtest/gtest.h>

namespace maic::platform {
namespace {

// No GPIO hardware exists where the tests run; what can be checked is that
// a missing chip or a bad line is a clear error, not a crash.
TEST(GpioOutput, AMissingChipIsAClearError) {
  auto out = open_gpio_output("no-such-gpiochip", 3, false);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("GPIO no-such-gpiochip line 3"), std::string::npos)
      << out.error().message;
  EXPECT_FALSE(open_gpio_output("gpiochip0", -1, false).ok());
}

}  // namespace
}  // namespace maic::platform
