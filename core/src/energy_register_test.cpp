#include "maic/core/energy_register.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace maic {
namespace {

// Ten years (of 365.25 days) of 5-s increments of a constant 1 kW must end
// within 0.01 Wh of 87,660 kWh.
TEST(EnergyRegister, TenYearsOfFiveSecondStepsDoNotDrift) {
  EnergyRegister meter;
  const double step_wh = 1000.0 * 5 / 3600;
  const std::int64_t steps = 87'660LL * 3600 / 5;
  for (std::int64_t k = 0; k < steps; ++k) meter.add(step_wh);
  EXPECT_NEAR(meter.wh(), 87'660'000.0, 0.01);
}

// Increments of one µWh still count on top of a ten-year total, where a
// plain double sum would round them away.
TEST(EnergyRegister, ResolvesMicroWattHours) {
  EnergyRegister meter(static_cast<std::int64_t>(8.766e7 * 1e6));
  for (int k = 0; k < 1000; ++k) meter.add(0.000001);  // 1 µWh each
  EXPECT_NEAR(meter.wh() - 8.766e7, 0.001, 1e-6);
}

TEST(EnergyRegister, NeverMovesBackwards) {
  EnergyRegister meter;
  meter.add(5);
  meter.add(-3);
  meter.add(std::numeric_limits<double>::quiet_NaN());
  meter.add(std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(meter.wh(), 5);
}

TEST(EnergyRegister, SetIsAStartingValue) {
  EnergyRegister meter;
  meter.add(10);
  meter.set(123456.789);
  EXPECT_NEAR(meter.wh(), 123456.789, 1e-6);
  EXPECT_EQ(meter.micro_wh(), 123456789000);
  meter.set(-1);
  EXPECT_EQ(meter.wh(), 0);
}

TEST(EnergyMeters, ApplyAddsDeltasAndStampsTheReading) {
  EnergyMeters meters;
  Reading r;
  r.phase[0].wh_delta = 1.5;
  r.phase[1].rwh_delta = 0.25;
  meters.apply(r);
  meters.apply(r);
  EXPECT_DOUBLE_EQ(r.phase[0].wh, 3.0);
  EXPECT_DOUBLE_EQ(r.phase[1].rwh, 0.5);
  EXPECT_DOUBLE_EQ(r.phase[2].wh, 0.0);
}

}  // namespace
}  // namespace maic
