// Accuracy of the metering engine against the synthetic source's oracle,
// over the matrix the D103 must meet (manual §11: active energy < 0.5 %,
// voltage and current < 1 %; we hold ourselves to tighter bounds).
//
// Conditions: 12-bit ADC codes with full scale at 120 % of rating (peak);
// white noise of 1 LSB RMS on every channel, or 10 % 3rd and 5th harmonics
// on voltage and current; PF 1, 0.5 inductive, 0.8 capacitive; 1 %..120 %
// of a 100 A rating; 50, 60 and 49.5 Hz. Each case is metered for three
// 5-s windows; the first is a warm-up (the engine learns the DC offset and
// frequency from it) and the next two are compared with the truth of
// exactly their time span. The table of measured errors is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "maic/metering/engine.hpp"
#include "maic/metering/synthetic.hpp"
#include "testing/meter_windows.hpp"

namespace maic::metering {
namespace {

struct Case {
  std::string condition;  // "noise" or "harmonics"
  double load_fraction;   // of the 100 A rating
  double angle_deg;       // current lag: 0 PF 1, 60 PF 0.5 ind, -36.87 PF 0.8 cap
  double hertz;
  double sample_rate = 4000;
};

struct Errors {
  double energy_pct = 0;  // worst over phases and windows, signed relative
  double volts_pct = 0;
  double amps_pct = 0;
  double pf = 0;
  double hertz = 0;
  double reverse_wh = 0;  // energy wrongly booked as generation
};

double worst(double a, double b) { return std::abs(b) > std::abs(a) ? b : a; }

SyntheticConfig config_for(const Case& c) {
  SyntheticConfig cfg;
  cfg.sample_rate_hz = c.sample_rate;
  cfg.frequency_hz = c.hertz;
  cfg.nominal_volts = 230;
  cfg.rated_amps = 100;
  cfg.full_scale_ratio = 1.2;
  cfg.adc_bits = 12;
  cfg.adc_offset = 2048;  // a unipolar ADC, as on most microcontrollers
  cfg.seed = 42;
  if (c.condition == "noise") {
    cfg.noise_lsb = 1;
  } else {
    // Phases chosen so the peak stays below full scale at 120 % load.
    cfg.voltage_harmonics = {{3, 0.1, 0}, {5, 0.1, 180}};
    cfg.current_harmonics = {{3, 0.1, 0}, {5, 0.1, 180}};
  }
  PhaseLoad load{230, 100 * c.load_fraction, c.angle_deg};
  cfg.profile = constant_profile({load, load, load});
  return cfg;
}

Errors measure(const Case& c) {
  SyntheticSource source(config_for(c));
  const auto windows = testing::meter_windows(source, 3);
  Errors e;
  for (std::size_t w = 1; w < 3; ++w) {
    const double t0 = static_cast<double>(windows[w].first_sample) / c.sample_rate;
    const double t1 = t0 + static_cast<double>(windows[w].samples) / c.sample_rate;
    const Truth truth = source.truth(t0, t1);
    for (std::size_t p = 0; p < 3; ++p) {
      const PhaseValues& m = windows[w].phase[p];
      const PhaseTruth& t = truth.phase[p];
      e.energy_pct = worst(e.energy_pct, 100 * (m.wh_delta - t.forward_wh) / t.forward_wh);
      e.volts_pct = worst(e.volts_pct, 100 * (m.volts - t.volts) / t.volts);
      e.amps_pct = worst(e.amps_pct, 100 * (m.amps - t.amps) / t.amps);
      e.pf = worst(e.pf, m.power_factor - t.power_factor);
      e.hertz = worst(e.hertz, m.hertz - t.hertz);
      e.reverse_wh = std::max(e.reverse_wh, m.rwh_delta);
    }
  }
  return e;
}

std::string pf_name(double angle) {
  if (angle == 0) return "1.0";
  return angle > 0 ? "0.5 ind" : "0.8 cap";
}

TEST(Accuracy, MeetsTheBoundsAcrossTheMatrix) {
  std::vector<Case> cases;
  for (const char* condition : {"noise", "harmonics"}) {
    for (double hz : {50.0, 60.0, 49.5}) {
      for (double angle : {0.0, 60.0, -36.8699}) {
        for (double load : {0.01, 0.05, 0.10, 1.00, 1.20}) {
          cases.push_back({condition, load, angle, hz});
        }
      }
    }
  }
  // The sample-rate range's ends, at the hardest load.
  cases.push_back({"noise", 0.01, 60, 50, 1000});
  cases.push_back({"noise", 0.01, 60, 50, 32000});
  cases.push_back({"harmonics", 1.0, -36.8699, 60, 1000});

  std::printf("\n%-9s %6s %5s %7s %6s | %9s %8s %8s %8s %8s\n", "condition", "rate", "Hz", "PF",
              "load", "energy%", "Vrms%", "Irms%", "PF", "Hz");
  Errors worst_seen;
  for (const Case& c : cases) {
    const Errors e = measure(c);
    std::printf("%-9s %6.0f %5.1f %7s %5.0f%% | %+9.4f %+8.4f %+8.4f %+8.5f %+8.5f\n",
                c.condition.c_str(), c.sample_rate, c.hertz, pf_name(c.angle_deg).c_str(),
                100 * c.load_fraction, e.energy_pct, e.volts_pct, e.amps_pct, e.pf, e.hertz);
    const bool low = c.load_fraction < 0.05;
    SCOPED_TRACE(c.condition + " " + std::to_string(c.hertz) + " Hz, angle " +
                 std::to_string(c.angle_deg) + ", load " + std::to_string(c.load_fraction) +
                 ", rate " + std::to_string(c.sample_rate));
    EXPECT_LE(std::abs(e.energy_pct), low ? 0.5 : 0.2);
    EXPECT_LE(std::abs(e.volts_pct), 0.2);
    EXPECT_LE(std::abs(e.amps_pct), low ? 1.0 : 0.2);
    if (!low) {
      EXPECT_LE(std::abs(e.pf), 0.005);
    }
    EXPECT_LE(std::abs(e.hertz), 0.01);
    EXPECT_EQ(e.reverse_wh, 0.0) << "consumption booked as generation";
    worst_seen.energy_pct = worst(worst_seen.energy_pct, e.energy_pct);
    worst_seen.volts_pct = worst(worst_seen.volts_pct, e.volts_pct);
    worst_seen.hertz = worst(worst_seen.hertz, e.hertz);
  }
  std::printf("worst: energy %+.4f %%, Vrms %+.4f %%, frequency %+.5f Hz over %zu cases\n",
              worst_seen.energy_pct, worst_seen.volts_pct, worst_seen.hertz, cases.size());
}

// Every angle around the circle: energy goes to the meter its sign says,
// in the right amount.
TEST(Accuracy, ForwardAndReverseSplitForEverySignAndAngle) {
  for (int angle = 0; angle < 360; angle += 15) {
    SyntheticConfig cfg = config_for({"noise", 0.5, static_cast<double>(angle), 50});
    SyntheticSource source(cfg);
    const auto windows = testing::meter_windows(source, 2, 4000);
    const WindowResult& w = windows[1];
    const Truth truth = source.truth(5, 10);
    for (std::size_t p = 0; p < 3; ++p) {
      const double true_net = truth.phase[p].watts * 5 / 3600;  // Wh, signed
      const double measured_net = w.phase[p].wh_delta - w.phase[p].rwh_delta;
      SCOPED_TRACE("angle " + std::to_string(angle) + " phase " + std::to_string(p + 1));
      EXPECT_NEAR(measured_net, true_net, 0.002 * std::abs(true_net) + 0.01);
      const double c = std::cos(angle * 3.14159265358979 / 180);
      if (c > 0.05) {
        EXPECT_EQ(w.phase[p].rwh_delta, 0);
        EXPECT_GT(w.phase[p].watts, 0);
        EXPECT_EQ(w.phase[p].reverse_watts, 0);
      } else if (c < -0.05) {
        EXPECT_EQ(w.phase[p].wh_delta, 0);
        EXPECT_GT(w.phase[p].reverse_watts, 0);
        EXPECT_EQ(w.phase[p].watts, 0);
      }
    }
  }
}

// A load that turns into generation within a window: both meters move, by
// the truth's amounts, to within one cycle's energy.
TEST(Accuracy, FlowReversingWithinAWindowIsSplit) {
  SyntheticConfig cfg = config_for({"noise", 0.3, 0, 50});
  const PhaseLoad consume{230, 30, 0};
  const PhaseLoad generate{230, 20, 180};
  cfg.profile_step_s = 0.5;
  cfg.profile =
      step_profile({{0, {consume, consume, consume}}, {7.25, {generate, generate, generate}}});
  SyntheticSource source(cfg);
  const auto windows = testing::meter_windows(source, 2, 4000);
  const Truth truth = source.truth(5, 10);
  const double cycle_wh = 230 * 30 * 0.02 / 3600;
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_NEAR(windows[1].phase[p].wh_delta, truth.phase[p].forward_wh, cycle_wh);
    EXPECT_NEAR(windows[1].phase[p].rwh_delta, truth.phase[p].reverse_wh, cycle_wh);
    EXPECT_GT(windows[1].phase[p].rwh_delta, 0.5 * truth.phase[p].reverse_wh);
  }
}

// A current sensor that leads by 2°, calibrated out by the phase correction.
TEST(Accuracy, PhaseCorrectionRemovesTheSensorsLead) {
  for (double angle : {0.0, 60.0, -36.8699}) {
    Case c{"noise", 1.0, angle, 50};
    SyntheticConfig cfg = config_for(c);
    cfg.ct_phase_lead_deg = 2;
    for (bool corrected : {false, true}) {
      SyntheticSource src(cfg);
      Calibration cal = src.info().calibration;
      if (!corrected) {
        for (auto& pc : cal) pc.phase_deg = 0;
      }
      const auto windows = testing::meter_windows(src, 2, 4000, cal);
      const Truth truth = src.truth(5, 10);
      const double err =
          (windows[1].phase[0].wh_delta - truth.phase[0].forward_wh) / truth.phase[0].forward_wh;
      if (corrected) {
        EXPECT_LE(std::abs(err), 0.002) << "angle " << angle;
      } else if (angle == 60.0) {
        // Uncorrected, 2° at PF 0.5 is a 6 % error: the test can tell.
        EXPECT_GT(std::abs(err), 0.03);
      }
    }
  }
}

}  // namespace
}  // namespace maic::metering
