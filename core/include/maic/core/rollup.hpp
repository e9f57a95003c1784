// Rolling minute records up into hours, days, weeks, months and years, by
// the manual's table (§5, "Measured data"):
//   V, A, PF, Hz, T  the arithmetic mean of the period's minutes;
//   W, rW            the energy of the period in Wh: the sum of the minutes'
//                    energies (never a difference of meter readings: a user
//                    may set the meter's starting value at any time);
//   Wh, rWh          the cumulative meter at the period's end.
// Beyond the original: the minimum and maximum minute of voltage and power
// (peak demand), and a status: the OR of its minutes' MinuteRecord::status.
// A gap record (kStatusGap: the energy of an outage's lost span) adds its
// energy and meters only: a month's 166 kWh outage is not a 10 MW peak, nor
// a minute in the means.
//
// The accumulator keeps exact integer sums (mV, mA, µWh, ...), so adding
// the same minutes in any order, in one batch or one by one, or merging
// partial accumulators, gives bit-identical results: a backfilled day rolls
// up exactly as a live one. The server stores accumulators, not rows
// (encode/decode), so merging a new minute into a stored period stays exact.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "maic/core/minute_record.hpp"
#include "maic/core/result.hpp"

namespace maic {

struct PhaseRollup {
  double volts = 0;                     // mean
  double amps = 0;                      // mean
  double power_factor = 0;              // mean
  double hertz = 0;                     // mean
  double wh_energy = 0;                 // energy consumed in the period, Wh ("W" of a period row)
  double rwh_energy = 0;                // energy generated in the period, Wh ("rW" of a period row)
  double wh = 0;                        // meter at the period's end
  double rwh = 0;                       // reverse meter at the period's end
  double min_volts = 0, max_volts = 0;  // of the minutes' means
  double max_watts = 0, max_reverse_watts = 0;  // peak minute demand
};

struct PeriodRow {
  std::int64_t minutes = 0;  // minute records in the period (gaps not counted)
  std::int64_t gaps = 0;     // gap records in the period
  std::uint8_t status = 0;   // the OR of the minutes' status bits
  std::int64_t last_minute = 0;
  int phases = 3;
  std::array<PhaseRollup, kMaxPhases> phase{};
  double temperature_c = 0;  // mean
  bool output_on = false;    // at the period's end
};

// A period row's phase as the catalogue reads it (catalogue_value in
// reading.hpp): W and rW are the period's energy in Wh, the manual's rule
// for hour to year rows; the other families as named.
double phase_value(const PhaseRollup& p, Family f);

// The value of quantity `q` in a period row: totals are sums over the phases.
inline double value_of(const PeriodRow& r, const Quantity& q) { return catalogue_value(r, q); }

class RollupAccumulator {
 public:
  void add(const MinuteRecord& m);
  // Adds another accumulator's minutes (of the same period).
  void merge(const RollupAccumulator& other);
  bool empty() const { return count_ == 0 && gaps_ == 0; }
  PeriodRow row() const;

  // The stored form: little-endian, fixed layout, a leading version byte
  // (2), built from minute_blob.hpp's blob::Writer; decode(encode()) == *this.
  // Version 1 (no gaps, no status) still decodes.
  std::string encode() const;
  // Refuses a wrong version or length and impossible fields.
  static Result<RollupAccumulator> decode(std::string_view bytes);

  friend bool operator==(const RollupAccumulator&, const RollupAccumulator&) = default;

 private:
  struct PhaseSums {
    std::int64_t millivolts = 0;
    std::int64_t milliamps = 0;
    std::int64_t pf_millionths = 0;
    std::int64_t millihertz = 0;
    std::int64_t forward_uwh = 0;
    std::int64_t reverse_uwh = 0;
    std::int64_t min_millivolts = std::numeric_limits<std::int64_t>::max();
    std::int64_t max_millivolts = std::numeric_limits<std::int64_t>::min();
    std::int64_t max_milliwatts = 0;
    std::int64_t max_reverse_milliwatts = 0;
    double wh_at_last = 0;
    double rwh_at_last = 0;
    friend bool operator==(const PhaseSums&, const PhaseSums&) = default;
  };
  // The integer sums in their stored order.
  static constexpr std::array<std::int64_t PhaseSums::*, 10> kIntegerSums{
      &PhaseSums::millivolts,     &PhaseSums::milliamps,
      &PhaseSums::pf_millionths,  &PhaseSums::millihertz,
      &PhaseSums::forward_uwh,    &PhaseSums::reverse_uwh,
      &PhaseSums::min_millivolts, &PhaseSums::max_millivolts,
      &PhaseSums::max_milliwatts, &PhaseSums::max_reverse_milliwatts,
  };
  void add_energy(const MinuteRecord& m, bool newest);

  std::int64_t count_ = 0;
  std::int64_t gaps_ = 0;
  std::uint8_t status_ = 0;
  std::int64_t last_minute_ = std::numeric_limits<std::int64_t>::min();
  int phases_ = 1;
  std::int64_t centi_celsius_ = 0;
  bool output_at_last_ = false;
  std::array<PhaseSums, kMaxPhases> sums_{};
};

}  // namespace maic
