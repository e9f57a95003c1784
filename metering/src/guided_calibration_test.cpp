#include "maic/metering/guided_calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace maic::metering {
namespace {

constexpr double kDeg = std::numbers::pi / 180;

// What a meter shows of a load (V, A, lag angle) through gains and a
// current sensor that leads by `lead_deg`.
PhaseMeasurement seen(double volts, double amps, double angle_deg, double v_gain, double i_gain,
                      double lead_deg) {
  const double v = volts * v_gain;
  const double a = amps * i_gain;
  const double pf = std::cos((angle_deg - lead_deg) * kDeg);
  return {v, a, v * a * pf, pf};
}

PhaseReference meter_reference(double volts, double amps, double angle_deg) {
  const double pf = std::cos(angle_deg * kDeg);
  return {volts, amps, volts * amps * pf, pf};
}

TEST(GuidedCalibration, GainsUndoTheMetersErrorsExactly) {
  const auto m = seen(230, 10, 0, 1.04, 0.94, 0);
  const auto p = propose_correction(m, meter_reference(230, 10, 0), {}, "reference[1]");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_NEAR(p->correction.voltage_gain, 1 / 1.04, 1e-12);
  EXPECT_NEAR(p->correction.current_gain, 1 / 0.94, 1e-12);
  EXPECT_NEAR(p->before.volts_pct, 4, 1e-9);
  EXPECT_NEAR(p->before.amps_pct, -6, 1e-9);
  EXPECT_NEAR(p->before.watts_pct, 100 * (1.04 * 0.94 - 1), 1e-9);
  EXPECT_NEAR(p->after.volts_pct, 0, 1e-9);
  EXPECT_NEAR(p->after.amps_pct, 0, 1e-9);
  EXPECT_NEAR(p->after.watts_pct, 0, 1e-9);
}

// PF 1 cannot tell the phase: it is kept, and the prediction says what the
// rest of the error is.
TEST(GuidedCalibration, AReferenceNearPf1KeepsThePhase) {
  const CalibrationCorrection in_force{1, 1, 1.5};
  const auto p = propose_correction(seen(230, 10, 0, 1, 1, 2), meter_reference(230, 10, 0),
                                    in_force, "reference[1]");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_FALSE(p->phase_determined);
  EXPECT_EQ(p->correction.phase_deg, 1.5);
  EXPECT_NEAR(p->after.watts_pct, 100 * (std::cos(2 * kDeg) - 1), 1e-9);
}

// A sensor leading by 3° at PF 0.5 lagging: +3° more than the one in force
// (positive: the current appeared to lead), and the power agrees after.
TEST(GuidedCalibration, ALaggingReferenceFindsThePhaseAndItsSign) {
  for (double lead : {3.0, -2.0}) {
    const CalibrationCorrection in_force{1.1, 0.9, 1};
    // Measured with in_force: the gains seen are in_force's times the error.
    const auto m = seen(230, 20, 60, 1.1 * 1.02, 0.9 * 0.97, lead);
    const auto p = propose_correction(m, meter_reference(230, 20, 60), in_force, "reference[2]");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_TRUE(p->phase_determined);
    EXPECT_NEAR(p->correction.phase_deg, 1 + lead, 1e-9);
    EXPECT_NEAR(p->correction.voltage_gain, 1.1 / (1.1 * 1.02), 1e-12);
    EXPECT_NEAR(p->correction.current_gain, 0.9 / (0.9 * 0.97), 1e-12);
    EXPECT_NEAR(p->after.watts_pct, 0, 1e-9);
    EXPECT_NEAR(p->after.power_factor, 0, 1e-12);
    EXPECT_GT(std::abs(p->before.watts_pct), 5);
  }
}

// A known load: watts and PF, the voltage from a voltmeter; the amps follow.
TEST(GuidedCalibration, AKnownLoadGivesTheAmps) {
  PhaseReference load{230, std::nullopt, 2000, 0.8};
  const auto m = seen(230, 2000 / (230 * 0.8), std::acos(0.8) / kDeg, 1, 1.05, 0);
  const auto p = propose_correction(m, load, {}, "reference[1]");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_NEAR(*p->reference.amps, 2000 / (230 * 0.8), 1e-9);
  EXPECT_NEAR(p->correction.current_gain, 1 / 1.05, 1e-12);
  EXPECT_NEAR(p->correction.phase_deg, 0, 1e-6);
}

TEST(GuidedCalibration, RefusesWhatCannotDetermineAGain) {
  const PhaseMeasurement m = seen(230, 10, 60, 1, 1, 0);
  const struct {
    PhaseReference reference;
    const char* error;
  } cases[] = {
      {{230, 0.0, std::nullopt, 0.5}, "reference[1].amps: must be > 0"},
      {{230, std::nullopt, std::nullopt, 0.5}, "reference[1].amps: amps or watts is needed"},
      {{0, 10.0, std::nullopt, 0.5}, "reference[1].volts: must be > 0"},
      {{230, 10.0, std::nullopt, 0}, "reference[1].power_factor"},
      {{230, 10.0, std::nullopt, 1.2}, "reference[1].power_factor"},
      {{230, std::nullopt, -5.0, 0.5}, "reference[1].watts: must be > 0"},
      {{230, 10.0, 1500.0, 0.5}, "reference[1].watts: 1500.0 W disagrees"},
      {{100, 10.0, std::nullopt, 0.5}, "check the wiring / reference"},   // voltage gain 0.43
      {{230, 10.0, std::nullopt, 0.05}, "check the wiring / reference"},  // phase 27°
  };
  for (const auto& c : cases) {
    const auto p = propose_correction(m, c.reference, {}, "reference[1]");
    ASSERT_FALSE(p.ok()) << c.error;
    EXPECT_NE(p.error().message.find(c.error), std::string::npos) << p.error().message;
  }
}

TEST(GuidedCalibration, RefusesAMeasurementWithoutLoad) {
  const PhaseReference r = meter_reference(230, 10, 60);
  EXPECT_NE(propose_correction({230, 0, 0, 0}, r, {}, "reference[3]")
                .error()
                .message.find("reference[3]: no current was measured"),
            std::string::npos);
  EXPECT_NE(propose_correction({0, 10, 0, 0}, r, {}, "r").error().message.find("no voltage"),
            std::string::npos);
  EXPECT_NE(propose_correction({230, 10, -1150, 0.5}, r, {}, "r").error().message.find("direction"),
            std::string::npos);
}

TEST(GuidedCalibration, CorrectionBoundsNameTheField) {
  EXPECT_TRUE(validate(CalibrationCorrection{}, "calibration.phase1").ok());
  EXPECT_EQ(validate(CalibrationCorrection{2.5, 1, 0}, "calibration.phase1").error().message,
            "calibration.phase1.voltage_gain: must be 0.5..2");
  EXPECT_EQ(validate(CalibrationCorrection{1, 0.4, 0}, "calibration.phase2").error().message,
            "calibration.phase2.current_gain: must be 0.5..2");
  EXPECT_NE(validate(CalibrationCorrection{1, 1, -21}, "calibration.phase3")
                .error()
                .message.find("calibration.phase3.phase_deg"),
            std::string::npos);
}

}  // namespace
}  // namespace maic::metering
