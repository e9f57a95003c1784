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

// A correction set in the middle of a window: that window is finished as
// it began (no energy invented or dropped), the next is metered with it.
TEST(WaveformMeter, ACorrectionTakesEffectAtTheNextWindow) {
  auto plain = make(SteadyTime{});
  auto corrected = make(SteadyTime{});
  std::vector<Reading> a, b;
  const SteadyTime mid = SteadyTime{} + std::chrono::milliseconds(7500);
  ASSERT_TRUE(plain->poll(mid, a).ok());
  ASSERT_TRUE(corrected->poll(mid, b).ok());
  Corrections c{};
  c[1] = {1.1, 1.2, 0};
  ASSERT_TRUE(corrected->set_correction(c).ok());
  EXPECT_EQ(corrected->correction().value()[1].current_gain, 1.2);
  const SteadyTime end = SteadyTime{} + std::chrono::seconds(15);
  ASSERT_TRUE(plain->poll(end, a).ok());
  ASSERT_TRUE(corrected->poll(end, b).ok());
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[1].phase[1].wh_delta, a[1].phase[1].wh_delta) << "the window in progress";
  EXPECT_NEAR(b[2].phase[1].volts, a[2].phase[1].volts * 1.1, 1e-9);
  EXPECT_NEAR(b[2].phase[1].amps, a[2].phase[1].amps * 1.2, 1e-9);
  EXPECT_NEAR(b[2].phase[1].wh_delta, a[2].phase[1].wh_delta * 1.32, 1e-9);
  EXPECT_EQ(b[2].phase[0].wh_delta, a[2].phase[0].wh_delta) << "other phases untouched";
}

// Set before the first sample (the device's saved calibration at start),
// it applies to the first window already.
TEST(WaveformMeter, ACorrectionBeforeTheFirstSampleAppliesAtOnce) {
  auto plain = make(SteadyTime{});
  auto corrected = make(SteadyTime{});
  Corrections c{};
  c[0] = {0.9, 1, 0};
  ASSERT_TRUE(corrected->set_correction(c).ok());
  std::vector<Reading> a, b;
  const SteadyTime end = SteadyTime{} + std::chrono::seconds(5);
  ASSERT_TRUE(plain->poll(end, a).ok());
  ASSERT_TRUE(corrected->poll(end, b).ok());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NEAR(b[0].phase[0].volts, a[0].phase[0].volts * 0.9, 1e-9);
}

TEST(WaveformMeter, RefusesACorrectionOutOfRange) {
  auto meter = make(SteadyTime{});
  Corrections c{};
  c[2].voltage_gain = 3;
  const Status s = meter->set_correction(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "calibration.phase3.voltage_gain: must be 0.5..2");
  EXPECT_EQ(meter->correction().value()[2].voltage_gain, 1) << "unchanged";
}

// A source that reads a meter's values cannot be calibrated here.
TEST(MeterSource, OneWithoutWaveformsRefusesACorrection) {
  struct Readings final : MeterSource {
    std::string describe() const override { return "a Modbus meter"; }
    int phases() const override { return 3; }
    Status poll(SteadyTime, std::vector<Reading>&) override { return ok_status(); }
  } source;
  EXPECT_FALSE(source.correction());
  EXPECT_EQ(source.set_correction({}).error().message,
            "a Modbus meter cannot be calibrated: it measures no waveforms");
}

TEST(WaveformMeter, DescribesItself) {
  auto meter = make(SteadyTime{});
  EXPECT_EQ(meter->describe(), "synthetic (3-phase, 4000 Hz sampling)");
  EXPECT_EQ(meter->phases(), 3);
}

}  // namespace
}  // namespace maic::metering
