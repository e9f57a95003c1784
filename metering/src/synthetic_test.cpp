#include "maic/metering/synthetic.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace maic::metering {
namespace {

TEST(Synthetic, ValidatesItsConfiguration) {
  SyntheticConfig c;
  EXPECT_TRUE(validate(c).ok());
  c.frequency_hz = 70;
  EXPECT_FALSE(validate(c).ok());
  c = SyntheticConfig{};
  c.sample_rate_hz = 1000;
  c.current_harmonics = {{11, 0.1, 0}};  // 550 Hz > 500 Hz Nyquist
  EXPECT_FALSE(validate(c).ok());
  c = SyntheticConfig{};
  c.adc_bits = 16;
  c.adc_offset = 32768;
  EXPECT_FALSE(validate(c).ok());
}

TEST(Synthetic, SameSeedSameSamples) {
  SyntheticConfig c;
  c.noise_lsb = 2;
  c.profile =
      constant_profile({PhaseLoad{230, 10, 0}, PhaseLoad{230, 10, 0}, PhaseLoad{230, 10, 0}});
  SyntheticSource a(c);
  SyntheticSource b(c);
  SampleBuffer x;
  SampleBuffer y;
  ASSERT_TRUE(a.read(x, 5000).ok());
  ASSERT_TRUE(b.read(y, 5000).ok());
  EXPECT_EQ(x.voltage[1], y.voltage[1]);
  EXPECT_EQ(x.current[2], y.current[2]);
}

// Over whole cycles the oracle's integrals reduce to the textbook sums
// over harmonics.
TEST(Synthetic, TruthOverWholeCyclesIsTheSumOverHarmonics) {
  SyntheticConfig c;
  c.voltage_harmonics = {{3, 0.1, 0}, {5, 0.05, 90}};
  c.current_harmonics = {{3, 0.2, 30}};
  const PhaseLoad load{230, 10, 45};
  c.profile = constant_profile({load, load, load});
  SyntheticSource s(c);
  const Truth t = s.truth(0, 1);  // 50 whole cycles
  const double v = 230 * std::sqrt(1 + 0.01 + 0.0025);
  const double i = 10 * std::sqrt(1 + 0.04);
  // Fundamental: cos 45°. 3rd: voltage phase 0, current phase 3·(-45°) + 30°.
  const double p = 2300 * std::cos(M_PI / 4) + 23 * 2 * std::cos(3 * M_PI / 4 - M_PI / 6);
  EXPECT_NEAR(t.phase[0].volts, v, 1e-9 * v);
  EXPECT_NEAR(t.phase[1].amps, i, 1e-9 * i);
  EXPECT_NEAR(t.phase[2].watts, p, 1e-9 * std::abs(p));
  EXPECT_NEAR(t.phase[0].forward_wh, p / 3600, 1e-9);
}

TEST(Synthetic, CodesAreScaledOffsetAndClipped) {
  SyntheticConfig c;
  c.adc_offset = 2048;
  c.full_scale_ratio = 1.0;
  const PhaseLoad over{230, 150, 0};  // 150 % of the rating: clips
  c.profile = constant_profile({over, over, over});
  SyntheticSource s(c);
  SampleBuffer b;
  ASSERT_TRUE(s.read(b, 400).ok());
  int lo = 1 << 16;
  int hi = -(1 << 16);
  for (auto code : b.current[0]) {
    lo = std::min<int>(lo, code);
    hi = std::max<int>(hi, code);
  }
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 4095);
  EXPECT_DOUBLE_EQ(s.info().calibration[0].voltage.offset, 2048);
}

// The household's solar generation on L1 turns the flow around at noon,
// and not at night.
TEST(Synthetic, HouseholdReversesAtNoonOnL1) {
  auto house = household_profile({.seed = 9, .start_local_s = 0, .solar_peak_amps = 20});
  const ThreePhaseLoad noon = house->at(13 * 3600.0);
  const ThreePhaseLoad night = house->at(2 * 3600.0);
  EXPECT_LT(std::cos(noon[0].angle_deg * M_PI / 180), 0);
  EXPECT_GT(std::cos(night[0].angle_deg * M_PI / 180), 0);
  EXPECT_GT(std::cos(noon[1].angle_deg * M_PI / 180), 0);
}

}  // namespace
}  // namespace maic::metering
