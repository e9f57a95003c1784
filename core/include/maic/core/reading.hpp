// A reading: what the device shows every 5 s (manual §11, "data refresh
// interval"), for each phase and for the device.
#pragma once

#include <array>

#include "maic/core/clock.hpp"
#include "maic/core/quantity.hpp"

namespace maic {

inline constexpr int kMaxPhases = 3;

// One phase's values: of a reading (over its window) and of a minute record
// (over its minute: the means weighted by window length, the energies
// summed, the meters at the end; minute_record.hpp).
struct PhaseValues {
  double volts = 0;          // true RMS, mean
  double amps = 0;           // true RMS, mean
  double watts = 0;          // mean power towards the consumer, >= 0
  double reverse_watts = 0;  // mean power back from the consumer, >= 0
  double power_factor = 0;   // |P| / (Vrms * Irms), 0..1
  double hertz = 0;          // 0 when no voltage
  double wh_delta = 0;       // energy consumed within the window or minute, Wh
  double rwh_delta = 0;      // energy generated within the window or minute, Wh
  double wh = 0;             // cumulative meter at the end, Wh
  double rwh = 0;            // cumulative reverse meter at the end, Wh
};

// The member of PhaseValues each per-phase family reads: the catalogue's
// link to the struct, for code that loops over families (decoders,
// aggregators) rather than naming fields.
struct PhaseMember {
  Family family;
  double PhaseValues::*member;
};
inline constexpr std::array<PhaseMember, 8> kPhaseMembers{{
    {Family::kVoltage, &PhaseValues::volts},
    {Family::kCurrent, &PhaseValues::amps},
    {Family::kPower, &PhaseValues::watts},
    {Family::kReversePower, &PhaseValues::reverse_watts},
    {Family::kEnergy, &PhaseValues::wh},
    {Family::kReverseEnergy, &PhaseValues::rwh},
    {Family::kPowerFactor, &PhaseValues::power_factor},
    {Family::kFrequency, &PhaseValues::hertz},
}};

// The member family `f` reads; nullptr for the device-wide families
// (temperature, output).
constexpr double PhaseValues::*phase_member(Family f) {
  for (const PhaseMember& m : kPhaseMembers) {
    if (m.family == f) return m.member;
  }
  return nullptr;
}

// One phase's lifetime registers: what the device has measured since it
// was made. Only measurement moves them, only forward; the user never sets
// them (the meters a user sees, PhaseValues::wh and rwh, are these plus the
// offsets of the manual's initial values, §5, and may be set back).
struct LifetimeMeters {
  double wh = 0;   // consumed, Wh
  double rwh = 0;  // generated, Wh

  // The register of energy family `f` (kEnergy, kReverseEnergy); 0 for the
  // other families.
  constexpr double of(Family f) const {
    if (f == Family::kEnergy) return wh;
    if (f == Family::kReverseEnergy) return rwh;
    return 0;
  }
  friend bool operator==(const LifetimeMeters&, const LifetimeMeters&) = default;
};

struct Reading {
  SteadyTime end{};  // end of the measuring window
  WallTime wall_end{};
  Duration span{};  // length of the window
  int phases = 3;
  std::array<PhaseValues, kMaxPhases> phase{};
  // The lifetime registers at the end, per phase: monotonic, unlike the
  // meters in `phase` (what Home Assistant's total_increasing sensors and
  // Prometheus counters need; docs/mqtt.md).
  std::array<LifetimeMeters, kMaxPhases> lifetime{};
  double temperature_c = 0;
  bool output_on = false;
};

// The value of one family in one phase's values (readings and minute
// records alike); 0 for the device-wide families.
inline double phase_value(const PhaseValues& p, Family f) {
  const auto member = phase_member(f);
  return member ? p.*member : 0;
}

// The value of quantity `q` in a reading or a minute record: totals are
// sums over the phases.
template <typename Record>
double catalogue_value(const Record& r, const Quantity& q) {
  if (q.family == Family::kTemperature) return r.temperature_c;
  if (q.family == Family::kOutput) return r.output_on ? 1 : 0;
  if (!q.is_total) return phase_value(r.phase[static_cast<std::size_t>(q.phase - 1)], q.family);
  double sum = 0;
  for (int p = 0; p < r.phases; ++p) {
    sum += phase_value(r.phase[static_cast<std::size_t>(p)], q.family);
  }
  return sum;
}

inline double value_of(const Reading& r, const Quantity& q) { return catalogue_value(r, q); }

// The lifetime register behind energy quantity `q` (a meter of family
// kEnergy or kReverseEnergy) in `r`: totals are sums over the phases; 0 for
// the other families.
inline double lifetime_value(const Reading& r, const Quantity& q) {
  if (!q.is_total) {
    return q.phase >= 1 ? r.lifetime[static_cast<std::size_t>(q.phase - 1)].of(q.family) : 0;
  }
  double sum = 0;
  for (int p = 0; p < r.phases; ++p) sum += r.lifetime[static_cast<std::size_t>(p)].of(q.family);
  return sum;
}

}  // namespace maic
