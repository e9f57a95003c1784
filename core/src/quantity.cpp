#include "maic/core/quantity.hpp"

#include <array>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace maic {
namespace {

struct FamilyRow {
  FamilyInfo info;
  bool per_phase;
  std::string_view total_key;  // empty: no total over phases
  std::string_view total_alias;
};

// The manual's §5 table, plus frequency, temperature and the output; the
// ranges are the uplink's (docs/uplink.md).
// clang-format off
constexpr std::array<FamilyRow, 10> kFamilies{{
    //  family                 key    unit  name              rollup                decimals min   max   JSON name         per phase total  alias
    {{Family::kVoltage,       "V",   "V",  "Voltage",        Rollup::kMean,         1,    0,    1e5,  "voltage"},        true,  "",     ""},
    {{Family::kCurrent,       "A",   "A",  "Current",        Rollup::kMean,         3,    0,    1e6,  "current"},        true,  "A",    "TA"},
    {{Family::kPower,         "W",   "W",  "Active power",   Rollup::kPeriodEnergy, 1,    0,    1e9,  "power"},          true,  "W",    "TW"},
    {{Family::kReversePower,  "rW",  "W",  "Reverse power",  Rollup::kPeriodEnergy, 1,    0,    1e9,  "reverse_power"},  true,  "TrW",  ""},
    {{Family::kEnergy,        "Wh",  "Wh", "Energy",         Rollup::kLast,         1,    0,    1e15, "energy"},         true,  "TWh",  ""},
    {{Family::kReverseEnergy, "rWh", "Wh", "Reverse energy", Rollup::kLast,         1,    0,    1e15, "reverse_energy"}, true,  "rTWh", "TrWh"},
    {{Family::kPowerFactor,   "PF",  "",   "Power factor",   Rollup::kMean,         3,    0,    1,    "power_factor"},   true,  "",     ""},
    {{Family::kFrequency,     "Fr",  "Hz", "Frequency",      Rollup::kMean,         2,    0,    1000, "frequency"},      true,  "",     ""},
    {{Family::kTemperature,   "T",   "°C", "Temperature",    Rollup::kMean,         1,    -100, 200,  "temperature"},    false, "",     ""},
    {{Family::kOutput,        "OUT", "",   "Output",         Rollup::kLast,         0,    0,    1,    "output"},         false, "",     ""},
}};
// clang-format on

// Keys the MQTT topics name otherwise (quantity.hpp, key_of_mqtt_key).
constexpr std::pair<std::string_view, std::string_view> kMqttAliases[] = {{"T", "Temp"}};

std::vector<Quantity> build(int phases) {
  std::vector<Quantity> out;
  for (const FamilyRow& row : kFamilies) {
    const FamilyInfo& f = row.info;
    const std::string stem(f.prefix);
    if (!row.per_phase) {
      out.push_back({stem, std::string(f.name), f.unit, f.family, 0, f.rollup, false});
      continue;
    }
    if (phases == 1) {
      // A single-phase device names its quantities by the stem alone.
      out.push_back({stem, std::string(f.name), f.unit, f.family, 1, f.rollup, false});
      continue;
    }
    for (int p = 1; p <= phases; ++p) {
      out.push_back({stem + std::to_string(p), std::string(f.name) + " L" + std::to_string(p),
                     f.unit, f.family, p, f.rollup, false});
    }
    if (!row.total_key.empty()) {
      out.push_back({std::string(row.total_key), std::string(f.name) + " total", f.unit, f.family,
                     0, f.rollup, true});
    }
  }
  return out;
}

const FamilyRow& row_of(Family f) {
  for (const FamilyRow& row : kFamilies) {
    if (row.info.family == f) return row;
  }
  assert(false && "every family has a row");
  return kFamilies[0];
}

}  // namespace

std::span<const Quantity> catalogue(int phases) { return catalogue_table<Quantity, build>(phases); }

const Quantity* find_quantity(std::string_view key, int phases) {
  for (const Quantity& q : catalogue(phases)) {
    if (q.key == key) return &q;
  }
  if (phases == 1) return nullptr;
  for (const FamilyRow& row : kFamilies) {
    if (!row.total_alias.empty() && row.total_alias == key) {
      return find_quantity(row.total_key, phases);
    }
  }
  return nullptr;
}

std::span<const FamilyInfo> families() {
  static const std::vector<FamilyInfo> infos = [] {
    std::vector<FamilyInfo> v;
    for (const FamilyRow& row : kFamilies) v.push_back(row.info);
    return v;
  }();
  return infos;
}

const FamilyInfo& family_info(Family f) { return row_of(f).info; }

std::string_view key_of_mqtt_key(std::string_view mqtt_key) {
  for (const auto& [key, alias] : kMqttAliases) {
    if (alias == mqtt_key) return key;
  }
  return mqtt_key;
}

std::string_view mqtt_key_of(const Quantity& q) {
  for (const auto& [key, alias] : kMqttAliases) {
    if (key == q.key) return alias;
  }
  return q.key;
}

double round_to(double v, int decimals) {
  if (!std::isfinite(v)) return 0;
  const double scale = std::pow(10.0, decimals);
  const double r = std::round(v * scale) / scale;
  return r == 0 ? 0.0 : r;
}

double display_value(const Quantity& q, double v) { return display_value(q.family, v); }

double display_value(Family f, double v) { return round_to(v, family_info(f).decimals); }

}  // namespace maic
