#include "maic/metering/engine.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "maic/metering/synthetic.hpp"
#include "testing/meter_windows.hpp"

namespace maic::metering {
namespace {

struct Run {
  std::vector<WindowResult> windows;
  SyntheticSource source;
};

SyntheticConfig three_phase(double amps, double angle, int phases = 3) {
  SyntheticConfig cfg;
  cfg.phases = phases;
  cfg.noise_lsb = 1;
  const PhaseLoad load{230, amps, angle};
  cfg.profile = constant_profile({load, load, load});
  return cfg;
}

std::vector<WindowResult> meter(SyntheticSource& source, std::size_t windows,
                                std::size_t block = 1000, Calibration* cal = nullptr) {
  return testing::meter_windows(source, windows, block,
                                cal ? std::optional<Calibration>(*cal) : std::nullopt);
}

TEST(EngineConfig, RejectsWhatItCannotMeter) {
  EngineConfig c;
  EXPECT_TRUE(validate(c).ok());
  c.sample_rate_hz = 500;
  EXPECT_FALSE(validate(c).ok());
  c.sample_rate_hz = 4000.5;
  EXPECT_FALSE(validate(c).ok());
  c = EngineConfig{};
  c.phases = 4;
  EXPECT_FALSE(validate(c).ok());
  c = EngineConfig{};
  c.calibration[1].current.scale = 0;
  const Status s = validate(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("phase 2"), std::string::npos) << s.error().message;
}

TEST(Engine, WindowsAreFiveSecondsOfSamples) {
  SyntheticSource source(three_phase(10, 0));
  auto windows = meter(source, 3);
  ASSERT_EQ(windows.size(), 3u);
  for (std::size_t w = 0; w < 3; ++w) {
    EXPECT_EQ(windows[w].samples, 20000);
    EXPECT_EQ(windows[w].first_sample, static_cast<std::int64_t>(w) * 20000);
  }
}

// However the samples are cut into blocks, the results are the same.
TEST(Engine, BlockSizeDoesNotChangeResults) {
  SyntheticSource a(three_phase(30, 30));
  SyntheticSource b(three_phase(30, 30));
  auto wa = meter(a, 2, 4000);
  auto wb = meter(b, 2, 77);
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_DOUBLE_EQ(wa[1].phase[p].wh_delta, wb[1].phase[p].wh_delta);
    EXPECT_DOUBLE_EQ(wa[1].phase[p].volts, wb[1].phase[p].volts);
    EXPECT_DOUBLE_EQ(wa[1].phase[p].hertz, wb[1].phase[p].hertz);
  }
}

// The windows' energies add up to the whole: nothing is lost or counted
// twice at window boundaries, over a minute of a slowly varying load.
TEST(Engine, WindowsAddUpToTheTruthOverAMinute) {
  SyntheticConfig cfg = three_phase(0, 0);
  cfg.profile = household_profile({.seed = 3, .start_local_s = 12 * 3600.0});
  SyntheticSource source(cfg);
  auto windows = meter(source, 12, 3333);
  const Truth truth = source.truth(0, 60);
  for (std::size_t p = 0; p < 3; ++p) {
    double fwd = 0;
    double rev = 0;
    for (const auto& w : windows) {
      fwd += w.phase[p].wh_delta;
      rev += w.phase[p].rwh_delta;
    }
    EXPECT_NEAR(fwd - rev, truth.phase[p].forward_wh - truth.phase[p].reverse_wh,
                0.001 * (truth.phase[p].forward_wh + truth.phase[p].reverse_wh) + 1e-4)
        << "phase " << p + 1;
  }
}

// A wrong configured ADC offset does not bias RMS or power: each window
// removes its own mean.
TEST(Engine, WrongOffsetCalibrationIsRemoved) {
  SyntheticConfig cfg = three_phase(50, 20);
  cfg.adc_offset = 2048;
  SyntheticSource source(cfg);
  Calibration cal = source.info().calibration;
  for (auto& pc : cal) {
    pc.voltage.offset = 1900;  // 148 codes off
    pc.current.offset = 2100;
  }
  auto windows = meter(source, 3, 1000, &cal);
  const Truth truth = source.truth(10, 15);
  EXPECT_NEAR(windows[2].phase[0].volts, truth.phase[0].volts, 0.002 * truth.phase[0].volts);
  EXPECT_NEAR(windows[2].phase[0].amps, truth.phase[0].amps, 0.002 * truth.phase[0].amps);
  EXPECT_NEAR(windows[2].phase[0].wh_delta, truth.phase[0].forward_wh,
              0.002 * truth.phase[0].forward_wh);
}

TEST(Engine, NoVoltageNoFrequencyNoEnergy) {
  SyntheticConfig cfg = three_phase(0, 0);
  const PhaseLoad dead{0, 0, 0};
  cfg.profile = constant_profile({dead, dead, dead});
  SyntheticSource source(cfg);
  auto windows = meter(source, 2);
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_EQ(windows[1].phase[p].hertz, 0);
    EXPECT_LT(windows[1].phase[p].volts, 0.5);  // the noise floor: 1 LSB
    EXPECT_LT(windows[1].phase[p].wh_delta + windows[1].phase[p].rwh_delta, 1e-6);
    EXPECT_EQ(windows[1].phase[p].power_factor, 0);
  }
}

// The manual's single-phase use: the same engine with one phase.
TEST(Engine, SinglePhase) {
  SyntheticSource source(three_phase(16, 25, 1));
  auto windows = meter(source, 2);
  const Truth truth = source.truth(5, 10);
  EXPECT_EQ(windows[1].phases, 1);
  EXPECT_NEAR(windows[1].phase[0].wh_delta, truth.phase[0].forward_wh,
              0.002 * truth.phase[0].forward_wh);
  EXPECT_EQ(windows[1].phase[1].volts, 0);
}

TEST(Engine, ReportsFrequencyAcrossTheRange) {
  for (double hz : {45.0, 50.0, 55.5, 60.0, 65.0}) {
    SyntheticConfig cfg = three_phase(10, 0);
    cfg.frequency_hz = hz;
    SyntheticSource source(cfg);
    auto windows = meter(source, 2);
    EXPECT_NEAR(windows[1].phase[2].hertz, hz, 0.001) << hz;
  }
}

}  // namespace
}  // namespace maic::metering
