// The catalogue of quantities: the one table every other part is generated
// from (JSON keys, MQTT topics, storage columns, API rows, UI labels).
//
// A quantity belongs to a family (voltage, current, ...) and to a phase
// (1..3) or to the device as a whole (phase 0: totals, temperature, output).
// How a family rolls up from minutes to hours, days, ... follows the manual's
// table in §5 ("Measured data").
#pragma once

#include <cassert>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace maic {

enum class Family {
  kVoltage,        // V, true RMS
  kCurrent,        // A, true RMS
  kPower,          // W, active power flowing to the consumer (>= 0)
  kReversePower,   // W, active power flowing back, "generation" (>= 0)
  kEnergy,         // Wh, cumulative meter of consumed energy
  kReverseEnergy,  // Wh, cumulative meter of generated energy
  kPowerFactor,    // |P| / (Vrms * Irms), 0..1
  kFrequency,      // Hz
  kTemperature,    // °C, the device's own temperature
  kOutput,         // 0/1, the controlled (dry contact) output
};

enum class Rollup {
  kMean,          // arithmetic mean over the period (V, A, PF, Hz, T)
  kPeriodEnergy,  // power becomes the energy of the period in Wh (W, rW)
  kLast,          // the value at the period's end (Wh, rWh meters; output state)
};

struct Quantity {
  std::string key;   // "V1", "TWh": as clients read it
  std::string name;  // "Voltage L1"
  std::string_view unit;
  Family family;
  int phase;  // 1..3; 0 for totals and device-wide quantities
  Rollup rollup;
  bool is_total;  // a sum over phases (A, W, TrW, TWh, rTWh)
};

// The catalogue of a device with `phases` phases. phases == 3 is the D103
// (keys V1..V3, ..., totals A, W, TrW, TWh, rTWh); phases == 1 is a
// single-phase device (keys V, A, W, rW, Wh, rWh, PF, Fr). Order is stable:
// per family the phases, then its total; T and OUT last.
// Precondition: phases is 1 or 3.
std::span<const Quantity> catalogue(int phases = 3);

// The catalogue a device with `phases` phases reads from: a single-phase
// device has its own (keys without a phase number); two or three phases
// use the D103's three-phase one (its third phase reads 0). The one place
// this rule is written.
constexpr int catalogue_phases(int phases) { return phases == 1 ? 1 : 3; }

// A table with one variant per catalogue (see catalogue_phases), built on
// first use by `Build(1)` and `Build(3)` and kept for the program's life:
// the way tables derived from the catalogue (MQTT values, ...) are made.
// Each builder function has its own table. Precondition: `phases` names a
// variant (1 or 3), as catalogue_phases() returns.
template <typename T, std::vector<T> (*Build)(int)>
std::span<const T> catalogue_table(int phases) {
  assert(phases == catalogue_phases(phases));
  static const std::vector<T> three = Build(3);
  static const std::vector<T> one = Build(1);
  return phases == 1 ? std::span<const T>(one) : std::span<const T>(three);
}

// Finds a quantity by key, also by the manual's alternative names of the
// totals (TA, TW, TrWh). Returns nullptr for an unknown key.
const Quantity* find_quantity(std::string_view key, int phases = 3);

// Family-level facts, for code that loops over families rather than keys.
struct FamilyInfo {
  Family family;
  std::string_view prefix;  // key stem: "V", "rWh", "PF"
  std::string_view unit;
  std::string_view name;
  Rollup rollup;
  int decimals;  // as text (page API, MQTT, console): enough to see change, no more
  // The values a device may report, in `unit`: what the uplink's wire
  // format (docs/uplink.md) and the MQTT bridge accept and the device's
  // uplink clamps to. Wider than any D103 measures, narrow enough to refuse
  // garbage.
  double min;
  double max;
  std::string_view json_name;  // in JSON documents: "voltage", "reverse_power"
};
std::span<const FamilyInfo> families();
const FamilyInfo& family_info(Family f);

// `v` rounded to `decimals` digits after the point; NaN and infinities are
// 0, and a rounded -0 is 0 (text never shows "-0.0").
double round_to(double v, int decimals);

// `v`, a value of `q`, as it leaves for people and clients — the page API,
// MQTT, CSV files, /api and the JSON APIs: rounded to its family's
// decimals, so 227.92000000000002 V shows as 227.92. Storage and the uplink
// keep full precision, where energy must add up exactly.
double display_value(const Quantity& q, double v);
// The same for a value of family `f` that no single key names (a total
// over periods, a peak).
double display_value(Family f, double v);

// The catalogue key a key on the MQTT topics stands for, and back: the
// topics call the temperature "Temp" (compat.md §2; Home Assistant reads
// it so), the catalogue "T". Keys without an alias map to themselves.
std::string_view key_of_mqtt_key(std::string_view mqtt_key);
std::string_view mqtt_key_of(const Quantity& q);

}  // namespace maic
