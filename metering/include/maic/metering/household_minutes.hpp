// Minutes of the synthetic household, one at a time, without waveforms:
// the history generator's source (docs/history.md). The household is the
// waveform source's (synthetic.hpp, household_load): each minute is the
// model's per-phase load at the minute's middle, turned into the means and
// energies a device's minute record holds. So the live simulated device
// and a generated history show one household, seasons included.
//
// Energies are counted in µWh integers (EnergyRegister's unit), so the
// lifetime registers are exact sums of the minutes' energies however many
// minutes are generated; each minute's mean power is mean_power_w() of its
// energy over a full minute (core/minute_record.hpp).
#pragma once

#include <array>
#include <cstdint>

#include "maic/core/minute_record.hpp"
#include "maic/core/reading.hpp"

namespace maic::metering {

struct HouseholdMinuteOptions {
  std::uint64_t seed = 1;       // the appliances' (as --seed of the live source)
  double solar_peak_amps = 20;  // as HouseholdOptions::solar_peak_amps
  int phases = 3;               // 1 or 3
  double frequency_hz = 50;
};

// Lifetime registers in µWh, per phase: consumed (forward) and generated
// (reverse) energy.
struct MicroWhRegisters {
  std::array<std::int64_t, kMaxPhases> forward{};
  std::array<std::int64_t, kMaxPhases> reverse{};
  friend bool operator==(const MicroWhRegisters&, const MicroWhRegisters&) = default;
};

// One minute of the household, starting at `minute` (unix seconds, a
// multiple of 60; local time read as UTC, as the live source reads its
// start): means, energies and mean powers of a full minute, 12 readings,
// output off; the meters (wh, rwh) left 0. A pure function.
MinuteRecord household_minute(const HouseholdMinuteOptions& options, std::int64_t minute);

// The energy of a minute in µWh, per phase and flow: household_minute()'s
// energies, rounded to whole µWh.
MicroWhRegisters minute_energy(const MinuteRecord& m);

// Consecutive minutes with running lifetime registers.
class HouseholdHistory {
 public:
  // Starts at `first_minute` (a multiple of 60) with the registers `start`.
  HouseholdHistory(const HouseholdMinuteOptions& options, std::int64_t first_minute,
                   const MicroWhRegisters& start = {});

  // The next minute: household_minute() with its energies rounded to whole
  // µWh and wh/rwh the registers at its end (Wh).
  MinuteRecord next();

  std::int64_t next_minute() const { return next_minute_; }
  // The registers at the end of the last minute next() gave (`start` before).
  const MicroWhRegisters& registers() const { return registers_; }

 private:
  HouseholdMinuteOptions options_;
  std::int64_t next_minute_;
  MicroWhRegisters registers_;
};

// The registers after the minutes [first_minute, end_minute) from `start`:
// what HouseholdHistory's registers() reads after them.
MicroWhRegisters registers_after(const HouseholdMinuteOptions& options, std::int64_t first_minute,
                                 std::int64_t end_minute, const MicroWhRegisters& start = {});

}  // namespace maic::metering
