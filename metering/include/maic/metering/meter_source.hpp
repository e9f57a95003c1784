// The one interface every source of readings implements, whether it meters
// waveforms itself (synthetic, replay, an ADC) or asks a meter that already
// did (Modbus).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "maic/core/clock.hpp"
#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"
#include "maic/metering/calibration.hpp"

namespace maic::metering {

// Not thread-safe: poll from one thread.
class MeterSource {
 public:
  virtual ~MeterSource() = default;

  // A one-line description for logs and status ("synthetic 3-phase 4000 Hz").
  virtual std::string describe() const = 0;
  virtual int phases() const = 0;

  // Measures up to steady time `now` and appends a Reading for every window
  // that ended by then (5 s each, or as the source measures). Readings carry
  // `end`, `span`, the phase values and the energy of the window
  // (`wh_delta`, `rwh_delta`); the cumulative meters (`wh`, `rwh`) and the
  // wall time are the caller's to fill in. An error (meter unreachable,
  // replay file unreadable) leaves the source usable: poll again later.
  virtual Status poll(SteadyTime now, std::vector<Reading>& out) = 0;

  // The device's own temperature where the source knows it.
  virtual std::optional<double> temperature_c() const { return std::nullopt; }

  // True once a finite source (a replay played once) has no more data.
  virtual bool exhausted() const { return false; }

  // The correction applied on top of the source's own calibration
  // (calibration.hpp); nullopt when the source cannot be calibrated: it
  // reads values a meter calibrated itself (Modbus) or recorded readings.
  virtual std::optional<Corrections> correction() const { return std::nullopt; }
  // Changes that correction for the readings to come (for every phase; a
  // source of fewer phases ignores the rest). Refused, with the reason,
  // by a source that cannot be calibrated or when the corrected
  // calibration is out of range; nothing changes then.
  virtual Status set_correction(const Corrections& /*correction*/) {
    return make_error(describe() + " cannot be calibrated: it measures no waveforms");
  }
};

}  // namespace maic::metering
