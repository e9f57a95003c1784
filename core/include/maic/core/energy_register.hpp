// A cumulative energy meter that never drifts and never moves backwards.
//
// The count is an integer number of micro-watt-hours plus a fractional
// remainder below one µWh. Adding many small increments to one large double
// would lose them to rounding once the total is large (ten years at 1 kW is
// 8.8e7 Wh); an integer count does not, and the remainder keeps the
// resolution of each increment. int64 µWh holds 9.2e12 Wh.
#pragma once

#include <cmath>
#include <cstdint>

namespace maic {

class EnergyRegister {
 public:
  static constexpr double kUnitsPerWh = 1e6;  // µWh

  EnergyRegister() = default;
  explicit EnergyRegister(std::int64_t micro_wh) : units_(micro_wh < 0 ? 0 : micro_wh) {}

  // Adds `wh` of energy; negative or non-finite increments are ignored, so
  // the meter only moves forward.
  void add(double wh) {
    if (!(wh > 0) || !std::isfinite(wh)) return;
    const double total = wh * kUnitsPerWh + remainder_;
    const double whole = std::floor(total);
    units_ += static_cast<std::int64_t>(whole);
    remainder_ = total - whole;
  }

  // Sets the meter to a starting value (the manual's "initial values",
  // synchronising with a utility meter). Not consumption.
  void set(double wh) {
    units_ = wh > 0 ? static_cast<std::int64_t>(std::llround(wh * kUnitsPerWh)) : 0;
    remainder_ = 0;
  }

  double wh() const { return (static_cast<double>(units_) + remainder_) / kUnitsPerWh; }
  std::int64_t micro_wh() const { return units_; }

 private:
  std::int64_t units_ = 0;
  double remainder_ = 0;  // in [0, 1) µWh
};

}  // namespace maic

#include <array>

#include "maic/core/reading.hpp"

namespace maic {

// The device's energy meters: consumed and generated energy per phase.
struct EnergyMeters {
  std::array<EnergyRegister, kMaxPhases> forward{};
  std::array<EnergyRegister, kMaxPhases> reverse{};

  // Adds the reading's window energies to the meters and writes the meters'
  // new values into the reading.
  void apply(Reading& r) {
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      forward[p].add(r.phase[p].wh_delta);
      reverse[p].add(r.phase[p].rwh_delta);
      r.phase[p].wh = forward[p].wh();
      r.phase[p].rwh = reverse[p].wh();
    }
  }
};

}  // namespace maic
