// The metering engine: samples in, per-phase readings out every window.
//
// Per phase it accumulates, sample by sample and in integers, the sums that
// true-RMS voltage and current, active power and energy need; floating point
// and the calibration are applied once per segment and once per window.
//
//  - RMS and power use the window's own mean as the DC offset, so a wrong or
//    drifting ADC offset does not bias them.
//  - Energy is the sum of sample-level power over "segments": from one rising
//    zero crossing of the voltage to the next (one cycle), cut at window ends.
//    Each segment's energy goes to the forward (consumption) or reverse
//    (generation) meter by its sign, so a load that reverses within a window
//    is split correctly, and windows add up exactly to the whole.
//  - The current channel's phase error is removed from the power using a
//    second cross-product with the previous voltage sample (v[n-1]·i[n]),
//    which gives the quadrature component at the measured frequency.
//  - Frequency is the number of cycles between the first and last rising
//    zero crossing of the window (with sub-sample interpolation and
//    hysteresis against noise) divided by the time between them.
//
// Not thread-safe. docs/metering.md has the derivations.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/metering/calibration.hpp"
#include "maic/metering/sample_block.hpp"

namespace maic::metering {

struct EngineConfig {
  double sample_rate_hz = 4000;  // 1,000..32,000, whole Hz
  int phases = 3;                // 1..3
  double nominal_hz = 50;        // first guess for phase correction, until measured
  double window_seconds = 5;     // the manual's 5-s refresh interval
  // Anti-creep: a window whose mean active power is below this (per phase,
  // either direction) counts no energy and shows no power, so sensor noise
  // with nothing connected does not turn the meters. 1 W is far below 1 %
  // of any rating the D103 is sold with (100 A: 230 W).
  double no_load_watts = 1.0;
  Calibration calibration{};
};

Status validate(const EngineConfig& config);

// One closed window.
struct WindowResult {
  std::int64_t first_sample = 0;  // index of the window's first sample since the engine started
  std::int64_t samples = 0;
  int phases = 3;
  // Per phase: volts, amps, watts, reverse_watts, power_factor, hertz,
  // wh_delta, rwh_delta. The cumulative meters are left at 0.
  std::array<PhaseValues, kMaxPhases> phase{};
};

class Engine {
 public:
  // Precondition: validate(config) succeeded.
  explicit Engine(const EngineConfig& config);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // Feeds a block of samples (it must carry every configured phase);
  // appends a result for every window that closed within it.
  void process(const SampleBlock& block, std::vector<WindowResult>& out);

  const EngineConfig& config() const;
  std::int64_t samples_processed() const;

  // Meters with config().calibration corrected by `correction`
  // (calibration.hpp: corrected()) from the next window on, or at once
  // between windows (before the first sample): a window in progress is
  // finished with the calibration it began with, so every
  // window is metered with one calibration and no sample's energy is
  // counted twice or dropped at the change. Precondition:
  // validate(corrected(config().calibration, correction), phases) succeeded.
  void set_correction(const Corrections& correction);
  // The correction last set (all 1/1/0 at first).
  const Corrections& correction() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace maic::metering
