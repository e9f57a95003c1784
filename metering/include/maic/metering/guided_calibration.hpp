// Guided calibration: from what the meter measured of a known reference,
// the correction (calibration.hpp) that makes it agree, per phase. Pure
// arithmetic; the device collects the measurement (docs/metering.md,
// "Guided calibration").
//
// The reference is what really flows on the phase while the meter measures:
//  - a reference meter's readings: volts, amps, watts and power factor;
//  - or a known load: its watts and power factor, with the voltage a
//    reference voltmeter reads; amps follow as watts / (volts × PF).
// Required: volts, power_factor, and amps or watts (both: they must agree
// with volts × amps × PF to within 3 %). A power factor of 1 or near it
// determines the gains only: the current sensor's phase error shows in
// the power only when the current lags, so the phase correction is found
// only with a reference PF of at most 0.9 lagging (an inductive load: a
// motor, a fluorescent ballast, a welding transformer), and is kept as it
// is otherwise.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "maic/core/result.hpp"
#include "maic/metering/calibration.hpp"

namespace maic::metering {

// The highest reference power factor that determines the phase
// correction: at 0.9 (25.8° lag) a 1° error moves the power by 0.8 %, well
// above the noise of a minute's mean; at PF 1 it moves it by 0.015 %.
inline constexpr double kMaxPhaseReferencePf = 0.9;

// The meter's means over the measurement, taken with the correction then
// in force.
struct PhaseMeasurement {
  double volts = 0;
  double amps = 0;
  double watts = 0;  // net: consumption less generation; must be > 0
  double power_factor = 0;
};

// What a reference says flows; see above for which fields are needed.
struct PhaseReference {
  double volts = 0;
  std::optional<double> amps;
  std::optional<double> watts;
  double power_factor = 0;  // 0 < PF <= 1, lagging
};

// Relative errors of the meter against the reference, in %; the power
// factor's as a difference (measured - reference).
struct CalibrationErrors {
  double volts_pct = 0;
  double amps_pct = 0;
  double watts_pct = 0;
  double power_factor = 0;
};

struct PhaseProposal {
  CalibrationCorrection correction;  // replaces the one in force
  bool phase_determined = false;     // false: phase_deg kept (reference PF > 0.9)
  PhaseReference reference;          // with amps and watts filled in
  CalibrationErrors before;          // the measurement against the reference
  CalibrationErrors after;           // predicted with `correction`
};

// `reference` with amps and watts both filled in, or the error naming what
// is missing or wrong ("reference[0].amps: must be > 0 ..."): the check a
// device makes before it starts measuring.
Result<PhaseReference> complete_reference(const PhaseReference& reference, std::string_view where);

// The correction that takes `measured` (made with `in_force`) to
// `reference`. Errors start with `where` ("reference[1]") and name the
// field: a reference that cannot determine a gain (no current, PF 0), a
// measurement without voltage, current or consumption, or a correction
// outside 0.5..2 or ±20° ("check the wiring / reference").
Result<PhaseProposal> propose_correction(const PhaseMeasurement& measured,
                                         const PhaseReference& reference,
                                         const CalibrationCorrection& in_force,
                                         std::string_view where);

}  // namespace maic::metering
