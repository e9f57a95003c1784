#include "maic/metering/guided_calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace maic::metering {
namespace {

constexpr double kDeg = std::numbers::pi / 180;
// How far a reference's watts may differ from volts × amps × PF: a meter's
// display rounding and a class-1 reference's error, with room to spare; a
// larger gap is a misread or mistyped value.
constexpr double kReferenceTolerance = 0.03;

bool positive(double x) { return std::isfinite(x) && x > 0; }

}  // namespace

Result<PhaseReference> complete_reference(const PhaseReference& reference, std::string_view where) {
  PhaseReference r = reference;
  if (!positive(r.volts)) return make_error(fmt::format("{}.volts: must be > 0", where));
  if (!(positive(r.power_factor) && r.power_factor <= 1))
    return make_error(fmt::format("{}.power_factor: must be > 0 and at most 1", where));
  if (r.amps && !positive(*r.amps))
    return make_error(fmt::format("{}.amps: must be > 0 (a load must draw current)", where));
  if (r.watts && !positive(*r.watts))
    return make_error(fmt::format("{}.watts: must be > 0 (a load must draw power)", where));
  if (!r.amps && !r.watts)
    return make_error(fmt::format("{}.amps: amps or watts is needed", where));
  const double apparent_pf = r.volts * r.power_factor;
  if (!r.amps) r.amps = *r.watts / apparent_pf;
  if (!r.watts) r.watts = *r.amps * apparent_pf;
  const double expected = *r.amps * apparent_pf;
  if (std::abs(*r.watts - expected) > kReferenceTolerance * expected) {
    return make_error(fmt::format(
        "{}.watts: {:.1f} W disagrees with volts × amps × power_factor ({:.1f} W): check the "
        "reference",
        where, *r.watts, expected));
  }
  return r;
}

namespace {

double pct(double measured, double reference) { return 100 * (measured - reference) / reference; }

CalibrationErrors errors(double volts, double amps, double angle_rad, const PhaseReference& r) {
  const double pf = std::cos(angle_rad);
  return {pct(volts, r.volts), pct(amps, *r.amps), pct(volts * amps * pf, *r.watts),
          pf - r.power_factor};
}

}  // namespace

Result<PhaseProposal> propose_correction(const PhaseMeasurement& m, const PhaseReference& reference,
                                         const CalibrationCorrection& in_force,
                                         std::string_view where) {
  auto ref = complete_reference(reference, where);
  if (!ref) return ref.error();
  const PhaseReference& r = *ref;
  if (!positive(m.volts)) return make_error(fmt::format("{}: no voltage was measured", where));
  if (!positive(m.amps))
    return make_error(fmt::format("{}: no current was measured: is the load on?", where));
  if (!positive(m.watts)) {
    return make_error(fmt::format(
        "{}: the meter measured no consumption: check the current sensor's direction", where));
  }

  PhaseProposal out;
  out.reference = r;
  // The angle the meter sees, from its own power: cos θm = P / (V·I). A
  // mean of the per-window power factors would do as well for a steady
  // load; this one also holds when the load flickers.
  const double measured_angle = std::acos(std::min(1.0, m.watts / (m.volts * m.amps)));
  out.before = errors(m.volts, m.amps, measured_angle, r);
  // Measured with in_force: the new gains replace it, relative to the hardware.
  out.correction.voltage_gain = in_force.voltage_gain * r.volts / m.volts;
  out.correction.current_gain = in_force.current_gain * *r.amps / m.amps;
  out.correction.phase_deg = in_force.phase_deg;
  double added_rad = 0;
  if (r.power_factor <= kMaxPhaseReferencePf) {
    // A sensor that makes the current lead by δ shows a lagging load's angle
    // θ as θ - δ; the correction moves the current back by δ (calibration.hpp).
    added_rad = std::acos(r.power_factor) - measured_angle;
    out.correction.phase_deg += added_rad / kDeg;
    out.phase_determined = true;
  }
  out.after = errors(m.volts * out.correction.voltage_gain / in_force.voltage_gain,
                     m.amps * out.correction.current_gain / in_force.current_gain,
                     measured_angle + added_rad, r);

  const CalibrationCorrection& c = out.correction;
  const auto gain_ok = [](double g) { return g >= kMinCorrectionGain && g <= kMaxCorrectionGain; };
  if (!gain_ok(c.voltage_gain) || !gain_ok(c.current_gain) ||
      !(std::abs(c.phase_deg) <= kMaxCorrectionDeg)) {
    return make_error(fmt::format(
        "{}: the correction (voltage gain {:.3f}, current gain {:.3f}, phase {:+.2f}°) is outside "
        "{}..{} and ±{}°: check the wiring / reference",
        where, c.voltage_gain, c.current_gain, c.phase_deg, kMinCorrectionGain, kMaxCorrectionGain,
        kMaxCorrectionDeg));
  }
  return out;
}

}  // namespace maic::metering
