#include "maic/metering/waveform_meter.hpp"

#include <gtest/gtest.h>

#include "maic/core/clock.hpp"
#include "maic/core/energy_register.hpp"
#include "maic/metering/synthetic.hpp"

namespace maic::metering {
namespace {

std::unique_ptr<WaveformMeter> make(SteadyTime start, double amps = 10) {
  SyntheticConfig c;
  const PhaseLoad load{230, amps, 0};
  c.profile = constant_profile({load, load, load});
  auto meter = WaveformMeter::create(std::make_unique<SyntheticSource>(c), start, "synthetic");
  EXPECT_TRUE(meter.ok());
  return std::move(meter).value();
}

TEST(WaveformMeter, ReadingsFollowTheVirtualClock) {
  VirtualClock clock;
  auto meter = make(clock.steady_now());
  std::vector<Reading> out;
  clock.advance(std::chrono::milliseconds(4999));
  ASSERT_TRUE(meter->poll(clock.steady_now(), out).ok());
  EXPECT_TRUE(out.empty());
  clock.advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(meter->poll(clock.steady_now(), out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].end, clock.steady_now());
  EXPECT_EQ(out[0].span, std::chrono::seconds(5));
  EXPECT_NEAR(out[0].phase[0].volts, 230, 0.5);
}

// An hour of virtual time in one poll: 720 readings, with exact ends, and
// the meters add up to 6.9 kWh (3 × 230 V × 10 A × 1 h).
TEST(WaveformMeter, CatchesUpAnHourAtOnce) {
  VirtualClock clock;
  auto meter = make(clock.steady_now());
  clock.advance(std::chrono::hours(1));
  std::vector<Reading> out;
  ASSERT_TRUE(meter->poll(clock.steady_now(), out).ok());
  ASSERT_EQ(out.size(), 720u);
  EXPECT_EQ(out.back().end, clock.steady_now());
  EnergyMeters meters;
  for (Reading& r : out) meters.apply(r);
  const double total = out.back().phase[0].wh + out.back().phase[1].wh + out.back().phase[2].wh;
  EXPECT_NEAR(total, 6900, 6900 * 0.002);
}

TEST(WaveformMeter, DescribesItself) {
  auto meter = make(SteadyTime{});
  EXPECT_EQ(meter->describe(), "synthetic (3-phase, 4000 Hz sampling)");
  EXPECT_EQ(meter->phases(), 3);
}

}  // namespace
}  // namespace maic::metering
