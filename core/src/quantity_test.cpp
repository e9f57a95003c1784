#include "maic/core/quantity.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "maic/core/reading.hpp"

namespace maic {
namespace {

std::vector<std::string> keys(int phases) {
  std::vector<std::string> out;
  for (const Quantity& q : catalogue(phases)) out.push_back(q.key);
  return out;
}

TEST(Catalogue, ThreePhaseKeysAreTheD103s) {
  const std::vector<std::string> expected = {
      "V1",   "V2",  "V3",  "A1",  "A2",  "A3",  "A",   "W1",  "W2",   "W3",   "W",
      "rW1",  "rW2", "rW3", "TrW", "Wh1", "Wh2", "Wh3", "TWh", "rWh1", "rWh2", "rWh3",
      "rTWh", "PF1", "PF2", "PF3", "Fr1", "Fr2", "Fr3", "T",   "OUT"};
  EXPECT_EQ(keys(3), expected);
}

TEST(Catalogue, SinglePhaseUsesTheStems) {
  const std::vector<std::string> expected = {"V",   "A",  "W",  "rW", "Wh",
                                             "rWh", "PF", "Fr", "T",  "OUT"};
  EXPECT_EQ(keys(1), expected);
}

TEST(Catalogue, KeysAreUnique) {
  for (int phases : {1, 3}) {
    std::set<std::string> seen;
    for (const Quantity& q : catalogue(phases)) EXPECT_TRUE(seen.insert(q.key).second) << q.key;
  }
}

TEST(Catalogue, RollupsFollowTheManualsTable) {
  EXPECT_EQ(find_quantity("V2")->rollup, Rollup::kMean);
  EXPECT_EQ(find_quantity("A")->rollup, Rollup::kMean);
  EXPECT_EQ(find_quantity("PF3")->rollup, Rollup::kMean);
  EXPECT_EQ(find_quantity("T")->rollup, Rollup::kMean);
  EXPECT_EQ(find_quantity("W1")->rollup, Rollup::kPeriodEnergy);
  EXPECT_EQ(find_quantity("rW2")->rollup, Rollup::kPeriodEnergy);
  EXPECT_EQ(find_quantity("TrW")->rollup, Rollup::kPeriodEnergy);
  EXPECT_EQ(find_quantity("Wh3")->rollup, Rollup::kLast);
  EXPECT_EQ(find_quantity("rTWh")->rollup, Rollup::kLast);
}

TEST(Catalogue, PhasesUnitsAndNames) {
  const Quantity* q = find_quantity("rWh2");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->family, Family::kReverseEnergy);
  EXPECT_EQ(q->phase, 2);
  EXPECT_EQ(q->unit, "Wh");
  EXPECT_EQ(q->name, "Reverse energy L2");
  EXPECT_FALSE(q->is_total);
  const Quantity* total = find_quantity("TWh");
  ASSERT_NE(total, nullptr);
  EXPECT_TRUE(total->is_total);
  EXPECT_EQ(total->phase, 0);
}

TEST(Catalogue, ManualsAlternativeTotalNamesAreFound) {
  EXPECT_EQ(find_quantity("TA"), find_quantity("A"));
  EXPECT_EQ(find_quantity("TW"), find_quantity("W"));
  EXPECT_EQ(find_quantity("TrWh"), find_quantity("rTWh"));
  EXPECT_EQ(find_quantity("nope"), nullptr);
  EXPECT_EQ(find_quantity("V1", 1), nullptr);
}

TEST(Catalogue, ThePhasesRuleNamesTwoCatalogues) {
  EXPECT_EQ(catalogue_phases(1), 1);
  EXPECT_EQ(catalogue_phases(2), 3);
  EXPECT_EQ(catalogue_phases(3), 3);
}

TEST(Catalogue, FamiliesCarryRangeJsonNameMemberAndAlias) {
  for (const FamilyInfo& f : families()) {
    EXPECT_LT(f.min, f.max) << f.prefix;
    EXPECT_FALSE(f.json_name.empty()) << f.prefix;
    const bool device_wide = f.family == Family::kTemperature || f.family == Family::kOutput;
    EXPECT_EQ(phase_member(f.family) == nullptr, device_wide) << f.prefix;
  }
  EXPECT_EQ(family_info(Family::kReversePower).json_name, "reverse_power");
  EXPECT_EQ(family_info(Family::kPowerFactor).max, 1);
  EXPECT_EQ(key_of_mqtt_key("Temp"), "T");
  EXPECT_EQ(key_of_mqtt_key("V1"), "V1");
  EXPECT_EQ(mqtt_key_of(*find_quantity("T")), "Temp");
  EXPECT_EQ(mqtt_key_of(*find_quantity("Wh2")), "Wh2");
  PhaseValues p;
  p.reverse_watts = 7;
  EXPECT_EQ(phase_value(p, Family::kReversePower), 7);
}

TEST(DisplayValue, RoundsToTheFamilysDecimals) {
  EXPECT_EQ(display_value(*find_quantity("V1"), 227.92000000000002), 227.9);
  EXPECT_EQ(display_value(*find_quantity("Fr1"), 49.98000000000001), 49.98);
  EXPECT_EQ(display_value(*find_quantity("A1"), 1.0 / 3), 0.333);
  EXPECT_EQ(display_value(*find_quantity("PF1"), 0.87549), 0.875);
  EXPECT_EQ(display_value(*find_quantity("W1"), 2400.04), 2400.0);
  EXPECT_EQ(display_value(*find_quantity("Wh1"), 12345678.96), 12345679.0);
}

TEST(DisplayValue, NonFiniteIsZeroAndNegativeZeroIsZero) {
  EXPECT_EQ(display_value(*find_quantity("V1"), NAN), 0);
  EXPECT_EQ(display_value(*find_quantity("V1"), INFINITY), 0);
  EXPECT_FALSE(std::signbit(display_value(*find_quantity("W1"), -0.01)));
}

}  // namespace
}  // namespace maic
