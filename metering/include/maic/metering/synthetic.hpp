// A deterministic three-phase signal generator, and the oracle that knows
// the exact true values of what it generated.
//
// Each phase carries a voltage and a current made of a fundamental and
// optional harmonics, sampled, offset, scaled to an ADC's codes, with white
// noise and quantisation. What flows (volts, amps, angle) comes from a load
// profile that may change over time: constant, steps, or a household day
// with solar generation that reverses the flow.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "maic/metering/waveform_source.hpp"

namespace maic::metering {

struct Harmonic {
  int order = 3;         // 2..50
  double ratio = 0.1;    // amplitude relative to the fundamental
  double phase_deg = 0;  // relative to the fundamental's phase, in the harmonic's own degrees
};

// What one phase carries at a moment.
struct PhaseLoad {
  double volts = 230;  // RMS of the fundamental
  double amps = 0;     // RMS of the fundamental
  // How far the current lags the voltage: 0 is consumption at PF 1, 60 is
  // PF 0.5 inductive, -36.87 is PF 0.8 capacitive, 180 is pure generation.
  double angle_deg = 0;
};

using ThreePhaseLoad = std::array<PhaseLoad, kMaxPhases>;

class LoadProfile {
 public:
  virtual ~LoadProfile() = default;
  // The loads at `t` seconds after the source started. Must be a pure
  // function of t (the oracle calls it too).
  virtual ThreePhaseLoad at(double t) const = 0;
};

std::shared_ptr<const LoadProfile> constant_profile(const ThreePhaseLoad& load);

struct LoadStep {
  double from_s = 0;  // the step applies from this time until the next step
  ThreePhaseLoad load{};
};
// Precondition: steps non-empty and sorted by from_s.
std::shared_ptr<const LoadProfile> step_profile(std::vector<LoadStep> steps);

struct HouseholdOptions {
  std::uint64_t seed = 1;
  // Local time at t = 0 as unix seconds (the wall clock read as if the
  // zone were UTC): its time of day places the household's day, its day of
  // the year the season.
  double start_local_s = 0;
  double solar_peak_amps = 20;  // generation on L1 at noon at midsummer; 0 for none
};
// A house: base load, morning and evening peaks, appliances switching on
// and off (seeded), inductive PF, and on L1 solar generation that exceeds
// the load around midday, so the flow reverses. Seasons (northern
// hemisphere): winter evenings draw more (lights, heating) and the base
// load rises; the sun rises later, sets earlier and gives about a third
// of its midsummer current in midwinter.
std::shared_ptr<const LoadProfile> household_profile(const HouseholdOptions& options);

// The one definition of the household: its loads at local time `local_s`
// (unix seconds read as UTC, as HouseholdOptions::start_local_s).
// household_profile() is this function from its start; the history
// generator (history.hpp) evaluates it once per minute. Appliances switch
// on whole minutes, so the loads within a minute differ only by the slow
// terms (the day's curve, the sun).
ThreePhaseLoad household_load(std::uint64_t seed, double solar_peak_amps, double local_s);

// The season at local time `local_s`: +1 at midsummer (21 June), -1 at
// midwinter, a cosine of the day of the year in between.
double household_season(double local_s);

// The board's temperature in °C at `s` seconds after local midnight (any
// day): 32 °C with 3 °C more in the afternoon.
double board_temperature_c(double s);

struct SyntheticConfig {
  double sample_rate_hz = 4000;
  int phases = 3;
  double frequency_hz = 50;       // 45..65
  double nominal_volts = 230;     // sets the voltage channel's full scale
  double rated_amps = 100;        // sets the current channel's full scale
  double full_scale_ratio = 1.2;  // ADC full scale = ratio × rating, as a peak
  int adc_bits = 12;              // 8..16
  int adc_offset = 0;             // the code of zero (2^(bits-1) for a unipolar ADC)
  double noise_lsb = 0;           // white noise, RMS in LSB, on every channel
  double ct_phase_lead_deg = 0;   // current sensor phase error to be calibrated out
  std::vector<Harmonic> voltage_harmonics;
  std::vector<Harmonic> current_harmonics;
  std::uint64_t seed = 1;
  double profile_step_s = 1;  // the profile is sampled at this step, constant in between
  std::shared_ptr<const LoadProfile> profile;  // null: 230 V, no load
};

Status validate(const SyntheticConfig& config);

// The exact truth of an interval, per phase.
struct PhaseTruth {
  double volts = 0;         // true RMS over the interval
  double amps = 0;          // true RMS over the interval
  double watts = 0;         // mean active power, signed (negative: generation)
  double power_factor = 0;  // |watts| / (volts * amps)
  double forward_wh = 0;    // energy of the interval's positive-power profile steps
  double reverse_wh = 0;    // energy of the negative-power profile steps
  double hertz = 0;
};
struct Truth {
  std::array<PhaseTruth, kMaxPhases> phase{};
};

class SyntheticSource final : public WaveformSource {
 public:
  // Precondition: validate(config) succeeded.
  explicit SyntheticSource(SyntheticConfig config);

  const WaveformInfo& info() const override { return info_; }
  Result<std::size_t> read(SampleBuffer& buffer, std::size_t frames) override;
  std::optional<double> temperature_c() const override;

  // The exact values over [t0, t1) seconds since the start, computed from
  // the continuous signals (no noise, no quantisation) in closed form.
  Truth truth(double t0, double t1) const;

  const SyntheticConfig& config() const { return config_; }

 private:
  struct Component {  // one sinusoid: amplitude·sin(multiple·ωt + phase)
    double amplitude;
    double multiple;
    double phase;
  };
  void components(int phase, const PhaseLoad& load, bool measured, std::vector<Component>& v,
                  std::vector<Component>& i) const;
  std::int16_t to_code(double value, double full_scale);

  SyntheticConfig config_;
  WaveformInfo info_;
  std::int64_t next_frame_ = 0;
  std::mt19937_64 rng_;
  std::normal_distribution<double> noise_{0.0, 1.0};
  double max_code_;
  double volts_full_scale_;
  double amps_full_scale_;
  // The profile's value for the current step, cached.
  std::int64_t cached_step_ = -1;
  std::array<std::vector<Component>, kMaxPhases> v_components_{};
  std::array<std::vector<Component>, kMaxPhases> i_components_{};
};

}  // namespace maic::metering
