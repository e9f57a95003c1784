#include "maic/metering/engine.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "maic/metering/waveform_source.hpp"

namespace maic::metering {
namespace {

// Frames handled per inner-loop call: small enough to notice a missing
// voltage (no zero crossings) within a few milliseconds, large enough that
// the call overhead vanishes.
constexpr std::size_t kChunkFrames = 256;

// Running integer sums of one phase. v and i are ADC codes less the
// configured integer offset; `v_prev_i` pairs each current sample with the
// voltage sample before it (the quadrature term for phase correction).
struct Sums {
  std::int64_t n = 0;           // samples
  std::int64_t v = 0, i = 0;    // Σv, Σi: the DC left after the integer offset
  std::int64_t vv = 0, ii = 0;  // Σv², Σi²: the RMS values
  std::int64_t vi = 0;          // Σv·i: active power
  std::int64_t v_prev_i = 0;    // Σv[k-1]·i[k]: the phase-correction term

  Sums operator-(const Sums& o) const {
    return {n - o.n, v - o.v, i - o.i, vv - o.vv, ii - o.ii, vi - o.vi, v_prev_i - o.v_prev_i};
  }
};

class PhaseAccumulator {
 public:
  PhaseAccumulator(const PhaseCalibration& cal, double sample_rate_hz, double nominal_hz,
                   double no_load_watts)
      : v_offset_(static_cast<std::int32_t>(std::lround(cal.voltage.offset))),
        i_offset_(static_cast<std::int32_t>(std::lround(cal.current.offset))),
        dc_v_(cal.voltage.offset - v_offset_),
        dc_i_(cal.current.offset - i_offset_),
        v_scale_(cal.voltage.scale),
        i_scale_(cal.current.scale),
        phase_rad_(cal.phase_deg * std::numbers::pi / 180.0),
        sample_rate_(sample_rate_hz),
        max_segment_(static_cast<std::int64_t>(sample_rate_hz / 20)),
        no_load_watts_(no_load_watts) {
    update_phase_correction(nominal_hz);
  }

  // New scales and phase correction (the offsets stay): called between
  // windows only, so that every window is metered with one calibration.
  void recalibrate(const PhaseCalibration& cal) {
    v_scale_ = cal.voltage.scale;
    i_scale_ = cal.current.scale;
    phase_rad_ = cal.phase_deg * std::numbers::pi / 180.0;
    update_phase_correction(hertz_);
  }

  // The hot loop: integer multiply-adds and a zero-crossing test per sample.
  void accumulate(const Sample* v_in, const Sample* i_in, std::size_t frames,
                  std::int64_t first_index) {
    Sums s = sums_;
    std::int64_t v_prev = v_prev_;
    bool armed = armed_;
    const std::int32_t v_off = v_offset_;
    const std::int32_t i_off = i_offset_;
    const std::int32_t low = -hysteresis_;
    const std::int64_t base_n = sums_.n;
    for (std::size_t k = 0; k < frames; ++k) {
      // 64-bit products: 16-bit codes less an offset can exceed 2^15.
      const std::int64_t v = v_in[k] - v_off;
      const std::int64_t i = i_in[k] - i_off;
      s.v += v;
      s.i += i;
      s.vv += v * v;
      s.ii += i * i;
      s.vi += v * i;
      s.v_prev_i += v_prev * i;
      if (v < low) {
        armed = true;
      } else if (armed && v >= 0) {  // a rising zero crossing of the voltage
        armed = false;
        s.n = base_n + static_cast<std::int64_t>(k) + 1;
        on_rising_crossing(s, first_index + static_cast<std::int64_t>(k), v_prev, v);
      }
      v_prev = v;
    }
    s.n = base_n + static_cast<std::int64_t>(frames);
    sums_ = s;
    v_prev_ = v_prev;
    armed_ = armed;
    // Without voltage there are no crossings: cut segments by length so
    // energy is still classified by sign at a fine grain.
    if (sums_.n - segment_start_.n >= max_segment_) close_segment(sums_, Cut::kNoCycle);
  }

  // Closes the window: computes its values and starts the next one.
  PhaseValues close_window() {
    close_segment(sums_, Cut::kWindowEnd);
    const Sums& w = sums_;
    PhaseValues out;
    if (w.n > 0) {
      const double n = static_cast<double>(w.n);
      const double mean_v = static_cast<double>(w.v) / n;
      const double mean_i = static_cast<double>(w.i) / n;
      const double var_v = std::max(0.0, static_cast<double>(w.vv) / n - mean_v * mean_v);
      const double var_i = std::max(0.0, static_cast<double>(w.ii) / n - mean_i * mean_i);
      const double cov = static_cast<double>(w.vi) / n - mean_v * mean_i;
      const double cov_prev = static_cast<double>(w.v_prev_i) / n - mean_v * mean_i;
      const double power = (c0_ * cov + c1_ * cov_prev) * v_scale_ * i_scale_;
      const double seconds_in_window = n / sample_rate_;

      out.volts = std::sqrt(var_v) * v_scale_;
      out.amps = std::sqrt(var_i) * i_scale_;
      if (std::abs(power) < no_load_watts_) {
        forward_joules_ = 0;
        reverse_joules_ = 0;
      }
      // A register left below zero by a fragment against the flow reports
      // nothing and carries the deficit into the next window, so the
      // windows still add up to the whole.
      const double forward = std::max(0.0, forward_joules_);
      const double reverse = std::max(0.0, reverse_joules_);
      out.wh_delta = forward / 3600.0;
      out.rwh_delta = reverse / 3600.0;
      out.watts = forward / seconds_in_window;
      out.reverse_watts = reverse / seconds_in_window;
      const double apparent = out.volts * out.amps;
      out.power_factor = apparent > 1e-9 && std::abs(power) >= no_load_watts_
                             ? std::min(1.0, std::abs(power) / apparent)
                             : 0.0;
      if (crossings_ >= 2 && last_crossing_ > first_crossing_) {
        out.hertz = (crossings_ - 1) * sample_rate_ / (last_crossing_ - first_crossing_);
      }

      // What this window learnt serves the next: the DC offsets for segment
      // energies, the frequency for phase correction, the signal level for
      // the zero-crossing hysteresis (5 % of the peak, at least 4 codes).
      dc_v_ = mean_v;
      dc_i_ = mean_i;
      if (out.hertz > 0) update_phase_correction(out.hertz);
      hysteresis_ = std::max(4, static_cast<std::int32_t>(0.05 * std::sqrt(2.0 * var_v)));
    }
    sums_ = Sums{};
    segment_start_ = Sums{};
    forward_joules_ = std::min(0.0, forward_joules_);
    reverse_joules_ = std::min(0.0, reverse_joules_);
    crossings_ = 0;
    return out;
  }

 private:
  void on_rising_crossing(const Sums& s, std::int64_t index, std::int64_t v_prev, std::int64_t v) {
    // Linear interpolation between the last negative and first non-negative
    // sample places the crossing to a small fraction of a sample.
    const double t = static_cast<double>(index - 1) +
                     static_cast<double>(-v_prev) / static_cast<double>(v - v_prev);
    if (crossings_ == 0) first_crossing_ = t;
    last_crossing_ = t;
    ++crossings_;
    close_segment(s, Cut::kCrossing);
  }

  enum class Cut {
    kCrossing,   // a rising zero crossing of the voltage
    kWindowEnd,  // the window ended
    kNoCycle,    // no crossing for too long (no voltage)
  };

  // Moves the energy of the samples since the last segment boundary to the
  // forward or reverse register. A whole cycle (crossing to crossing) goes
  // by its own sign. A fragment of a cycle goes by the sign of the last
  // whole cycle: instantaneous power swings through both signs within a
  // cycle whenever PF < 1, so a fragment's own sign says nothing about the
  // direction of flow.
  void close_segment(const Sums& s, Cut cut) {
    const Sums seg = s - segment_start_;
    segment_start_ = s;
    if (seg.n == 0) return;
    const double n = static_cast<double>(seg.n);
    const double dc = n * dc_v_ * dc_i_;
    const double sum_vi = static_cast<double>(seg.vi) - dc_v_ * static_cast<double>(seg.i) -
                          dc_i_ * static_cast<double>(seg.v) + dc;
    const double sum_prev = static_cast<double>(seg.v_prev_i) - dc_v_ * static_cast<double>(seg.i) -
                            dc_i_ * static_cast<double>(seg.v) + dc;
    const double joules = (c0_ * sum_vi + c1_ * sum_prev) * v_scale_ * i_scale_ / sample_rate_;
    bool forward = joules >= 0;
    if (cut == Cut::kCrossing && segment_from_crossing_) {
      last_cycle_forward_ = forward;
      have_cycle_ = true;
    } else if (cut == Cut::kNoCycle) {
      have_cycle_ = false;
    } else if (have_cycle_) {
      forward = last_cycle_forward_;
    }
    segment_from_crossing_ = cut == Cut::kCrossing;
    (forward ? forward_joules_ : reverse_joules_) += forward ? joules : -joules;
  }

  // With v = V sin(wn), i = I sin(wn - θ): Σv[n]i[n] ∝ cos θ and
  // Σv[n-1]i[n] ∝ cos(θ - w), w = 2πf/fs. The power with the current moved
  // back by the sensor's lead δ is ∝ cos(θ + δ) = c0·Σv[n]i[n] + c1·Σv[n-1]i[n].
  void update_phase_correction(double hertz) {
    hertz_ = hertz;
    const double w = 2 * std::numbers::pi * hertz / sample_rate_;
    const double sin_w = std::sin(w);
    c0_ = std::cos(phase_rad_) + std::sin(phase_rad_) * std::cos(w) / sin_w;
    c1_ = -std::sin(phase_rad_) / sin_w;
  }

  // Calibration.
  std::int32_t v_offset_;
  std::int32_t i_offset_;
  double dc_v_;  // residual DC in codes after the integer offset
  double dc_i_;
  double v_scale_;
  double i_scale_;
  double phase_rad_;
  double sample_rate_;
  std::int64_t max_segment_;
  double no_load_watts_;
  double c0_ = 1;
  double c1_ = 0;
  double hertz_ = 50;  // the frequency c0_ and c1_ are for

  // Window state.
  Sums sums_{};
  Sums segment_start_{};
  std::int64_t v_prev_ = 0;
  bool armed_ = false;
  std::int32_t hysteresis_ = 4;
  int crossings_ = 0;
  double first_crossing_ = 0;  // in samples since the engine started
  double last_crossing_ = 0;
  bool segment_from_crossing_ = false;
  bool have_cycle_ = false;
  bool last_cycle_forward_ = true;
  double forward_joules_ = 0;  // may briefly go below 0 by a fragment against the flow
  double reverse_joules_ = 0;
};

}  // namespace

struct Engine::State {
  EngineConfig config;
  std::vector<PhaseAccumulator> phases;
  std::int64_t window_samples = 0;
  std::int64_t in_window = 0;
  std::int64_t processed = 0;
  std::int64_t window_first = 0;
  Corrections correction{};
  bool correction_pending = false;  // taken on at the next window boundary

  void take_correction() {
    const Calibration cal = corrected(config.calibration, correction);
    for (std::size_t p = 0; p < phases.size(); ++p) phases[p].recalibrate(cal[p]);
    correction_pending = false;
  }
};

Status validate_sampling(int phases, double sample_rate_hz) {
  if (phases < 1 || phases > kMaxPhases) return make_error("phases must be 1, 2 or 3");
  if (!(sample_rate_hz >= 1000 && sample_rate_hz <= 32000) ||
      sample_rate_hz != std::floor(sample_rate_hz)) {
    return make_error("sample rate must be a whole number of Hz from 1000 to 32000");
  }
  return ok_status();
}

Status validate(const EngineConfig& c) {
  if (Status s = validate_sampling(c.phases, c.sample_rate_hz); !s) return s;
  if (!(c.nominal_hz >= 40 && c.nominal_hz <= 70)) {
    return make_error("nominal frequency must be within 40..70 Hz");
  }
  if (!(c.no_load_watts >= 0)) return make_error("no-load threshold must be >= 0 W");
  if (!(c.window_seconds >= 0.1 && c.window_seconds <= 60)) {
    return make_error("window must be 0.1..60 s");
  }
  return validate(c.calibration, c.phases);
}

Engine::Engine(const EngineConfig& config) : state_(std::make_unique<State>()) {
  state_->config = config;
  for (int p = 0; p < config.phases; ++p) {
    state_->phases.emplace_back(config.calibration[static_cast<std::size_t>(p)],
                                config.sample_rate_hz, config.nominal_hz, config.no_load_watts);
  }
  state_->window_samples =
      static_cast<std::int64_t>(std::llround(config.window_seconds * config.sample_rate_hz));
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

const EngineConfig& Engine::config() const { return state_->config; }
std::int64_t Engine::samples_processed() const { return state_->processed; }
const Corrections& Engine::correction() const { return state_->correction; }

void Engine::set_correction(const Corrections& correction) {
  State& s = *state_;
  s.correction = correction;
  s.correction_pending = true;
  // Between windows (before the first sample, too) it applies at once.
  if (s.in_window == 0) s.take_correction();
}

void Engine::process(const SampleBlock& block, std::vector<WindowResult>& out) {
  State& s = *state_;
  std::size_t pos = 0;
  while (pos < block.frames) {
    const std::size_t n = std::min<std::size_t>(
        {block.frames - pos, static_cast<std::size_t>(s.window_samples - s.in_window),
         kChunkFrames});
    for (std::size_t p = 0; p < s.phases.size(); ++p) {
      s.phases[p].accumulate(block.voltage[p].data() + pos, block.current[p].data() + pos, n,
                             s.processed);
    }
    pos += n;
    s.processed += static_cast<std::int64_t>(n);
    s.in_window += static_cast<std::int64_t>(n);
    if (s.in_window == s.window_samples) {
      WindowResult w;
      w.first_sample = s.window_first;
      w.samples = s.window_samples;
      w.phases = s.config.phases;
      for (std::size_t p = 0; p < s.phases.size(); ++p) w.phase[p] = s.phases[p].close_window();
      out.push_back(w);
      if (s.correction_pending) s.take_correction();
      s.window_first = s.processed;
      s.in_window = 0;
    }
  }
}

}  // namespace maic::metering
