#include "maic/metering/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>

namespace maic::metering {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180.0;

class ConstantProfile final : public LoadProfile {
 public:
  explicit ConstantProfile(const ThreePhaseLoad& load) : load_(load) {}
  ThreePhaseLoad at(double) const override { return load_; }

 private:
  ThreePhaseLoad load_;
};

class StepProfile final : public LoadProfile {
 public:
  explicit StepProfile(std::vector<LoadStep> steps) : steps_(std::move(steps)) {}
  ThreePhaseLoad at(double t) const override {
    auto it = std::upper_bound(steps_.begin(), steps_.end(), t,
                               [](double x, const LoadStep& s) { return x < s.from_s; });
    return it == steps_.begin() ? steps_.front().load : std::prev(it)->load;
  }

 private:
  std::vector<LoadStep> steps_;
};

// SplitMix64: a stateless, well-mixed hash, so that the household's
// appliances are a pure function of (seed, phase, minute).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
double unit(std::uint64_t x) { return static_cast<double>(mix(x) >> 11) * 0x1.0p-53; }

double bump(double hour, double centre, double width) {
  const double d = (hour - centre) / width;
  return std::exp(-d * d);
}

class HouseholdProfile final : public LoadProfile {
 public:
  explicit HouseholdProfile(const HouseholdOptions& o) : o_(o) {}

  ThreePhaseLoad at(double t) const override {
    return household_load(o_.seed, o_.solar_peak_amps, o_.start_local_s + t);
  }

 private:
  HouseholdOptions o_;
};

// ∫_{t0}^{t1} cos(c·t + g) dt
double integral_cos(double c, double g, double t0, double t1) {
  if (std::abs(c) < 1e-12) return std::cos(g) * (t1 - t0);
  return (std::sin(c * t1 + g) - std::sin(c * t0 + g)) / c;
}

}  // namespace

std::shared_ptr<const LoadProfile> constant_profile(const ThreePhaseLoad& load) {
  return std::make_shared<ConstantProfile>(load);
}
std::shared_ptr<const LoadProfile> step_profile(std::vector<LoadStep> steps) {
  return std::make_shared<StepProfile>(std::move(steps));
}
std::shared_ptr<const LoadProfile> household_profile(const HouseholdOptions& options) {
  return std::make_shared<HouseholdProfile>(options);
}

double household_season(double local_s) {
  constexpr double kYearDays = 365.2425;
  constexpr double kMidsummer = 171;  // 21 June, days after 1 January
  const double day = std::fmod(local_s / 86400.0, kYearDays);
  return std::cos(2 * kPi * (day - kMidsummer) / kYearDays);
}

ThreePhaseLoad household_load(std::uint64_t seed, double solar_peak_amps, double local_s) {
  const double hour = std::fmod(local_s, 86400.0) / 3600.0;
  const auto minute = static_cast<std::uint64_t>(std::max(0.0, local_s) / 60.0);
  const double season = household_season(local_s);
  const double winter = (1 - season) / 2;  // 0 at midsummer, 1 at midwinter
  // The sun: up between 13:00 ∓ half_day, peaking at 13:00 (summer time),
  // from 5:00-21:00 at midsummer to 8:30-17:30 at midwinter.
  const double half_day = 6.25 + 1.75 * season;
  const double sun_peak = solar_peak_amps * (0.3 + 0.7 * (1 - winter));
  ThreePhaseLoad out{};
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    // Base load, a morning and an evening bump (larger in winter), and
    // appliances that run for whole minutes with a probability that
    // follows the day.
    const double activity = 0.15 + 0.5 * bump(hour, 7.5, 1.2) +
                            0.9 * (0.7 + 0.6 * winter) * bump(hour, 19.5, 2.0 + 0.5 * winter);
    double amps = 0.8 + 0.6 * winter + 4.0 * activity;
    const std::uint64_t key = seed * 1000003ULL + p * 7919ULL + minute;
    if (unit(key) < 0.25 * activity) amps += 4 + 6 * unit(key ^ 0xabcdefULL);
    std::complex<double> current = std::polar(amps, -25 * kDeg);  // PF ≈ 0.9 inductive
    const double daylight = hour - (13 - half_day);
    if (p == 0 && sun_peak > 0 && daylight > 0 && daylight < 2 * half_day) {
      current -= sun_peak * std::sin(kPi * daylight / (2 * half_day));
    }
    out[p].volts = 230 - 0.08 * amps + 2 * std::sin(2 * kPi * hour / 24);
    out[p].amps = std::abs(current);
    out[p].angle_deg = out[p].amps > 0 ? -std::arg(current) / kDeg : 0;
  }
  return out;
}

double board_temperature_c(double s) { return 32 + 3 * std::sin(2 * kPi * (s / 86400.0 - 0.25)); }

Status validate(const SyntheticConfig& c) {
  if (Status s = validate_sampling(c.phases, c.sample_rate_hz); !s) return s;
  if (!(c.frequency_hz >= 45 && c.frequency_hz <= 65)) {
    return make_error("frequency must be within 45..65 Hz");
  }
  if (c.adc_bits < 8 || c.adc_bits > 16) return make_error("ADC resolution must be 8..16 bits");
  const int span = 1 << (c.adc_bits - 1);
  if (c.adc_offset - span < -32768 || c.adc_offset + span - 1 > 32767) {
    return make_error("ADC offset puts codes outside 16 bits");
  }
  if (!(c.nominal_volts > 0) || !(c.rated_amps > 0) || !(c.full_scale_ratio > 0)) {
    return make_error("nominal volts, rated amps and full-scale ratio must be positive");
  }
  if (!(c.noise_lsb >= 0)) return make_error("noise must be >= 0 LSB");
  if (!(c.profile_step_s > 0)) return make_error("profile step must be positive");
  for (const auto* list : {&c.voltage_harmonics, &c.current_harmonics}) {
    for (const Harmonic& h : *list) {
      if (h.order < 2 || h.order > 50) return make_error("harmonic order must be 2..50");
      if (h.order * c.frequency_hz >= c.sample_rate_hz / 2) {
        return make_error("harmonic " + std::to_string(h.order) +
                          " is above the Nyquist frequency");
      }
    }
  }
  return ok_status();
}

SyntheticSource::SyntheticSource(SyntheticConfig config)
    : config_(std::move(config)), rng_(config_.seed) {
  if (!config_.profile) config_.profile = constant_profile({});
  max_code_ = static_cast<double>((1 << (config_.adc_bits - 1)) - 1);
  volts_full_scale_ = config_.full_scale_ratio * config_.nominal_volts * std::numbers::sqrt2;
  amps_full_scale_ = config_.full_scale_ratio * config_.rated_amps * std::numbers::sqrt2;
  info_.sample_rate_hz = config_.sample_rate_hz;
  info_.phases = config_.phases;
  info_.nominal_hz = config_.frequency_hz < 55 ? 50 : 60;
  for (auto& pc : info_.calibration) {
    pc.voltage = {static_cast<double>(config_.adc_offset), volts_full_scale_ / max_code_};
    pc.current = {static_cast<double>(config_.adc_offset), amps_full_scale_ / max_code_};
    pc.phase_deg = config_.ct_phase_lead_deg;
  }
}

// Phase p's voltage is shifted by -120°·p; each harmonic h of a signal with
// fundamental phase φ has phase h·φ + its own offset. `measured` adds the
// current sensor's phase lead, which the truth does not have.
void SyntheticSource::components(int phase, const PhaseLoad& load, bool measured,
                                 std::vector<Component>& v, std::vector<Component>& i) const {
  const double shift = -2 * kPi / 3 * phase;
  const double current_shift =
      shift - load.angle_deg * kDeg + (measured ? config_.ct_phase_lead_deg * kDeg : 0);
  v.clear();
  i.clear();
  v.push_back({std::numbers::sqrt2 * load.volts, 1, shift});
  i.push_back({std::numbers::sqrt2 * load.amps, 1, current_shift});
  for (const Harmonic& h : config_.voltage_harmonics) {
    v.push_back({std::numbers::sqrt2 * load.volts * h.ratio, static_cast<double>(h.order),
                 h.order * shift + h.phase_deg * kDeg});
  }
  for (const Harmonic& h : config_.current_harmonics) {
    i.push_back({std::numbers::sqrt2 * load.amps * h.ratio, static_cast<double>(h.order),
                 h.order * current_shift + h.phase_deg * kDeg});
  }
}

std::int16_t SyntheticSource::to_code(double value, double full_scale) {
  double code = value / full_scale * max_code_;
  if (config_.noise_lsb > 0) code += config_.noise_lsb * noise_(rng_);
  code = std::clamp(std::round(code), -max_code_ - 1, max_code_);
  return static_cast<std::int16_t>(code + config_.adc_offset);
}

Result<std::size_t> SyntheticSource::read(SampleBuffer& buffer, std::size_t frames) {
  buffer.resize(config_.phases, frames);
  const double fs = config_.sample_rate_hz;
  const double cycles_per_sample = config_.frequency_hz / fs;
  for (std::size_t k = 0; k < frames; ++k) {
    const std::int64_t n = next_frame_ + static_cast<std::int64_t>(k);
    const double t = static_cast<double>(n) / fs;
    const auto step = static_cast<std::int64_t>(std::floor(t / config_.profile_step_s));
    if (step != cached_step_) {
      cached_step_ = step;
      const ThreePhaseLoad load =
          config_.profile->at(static_cast<double>(step) * config_.profile_step_s);
      for (int p = 0; p < config_.phases; ++p) {
        const auto up = static_cast<std::size_t>(p);
        components(p, load[up], true, v_components_[up], i_components_[up]);
      }
    }
    // The fundamental's phase, reduced to one cycle before it is multiplied,
    // keeps full precision over days of samples.
    const double cycles = static_cast<double>(n) * cycles_per_sample;
    const double theta = 2 * kPi * (cycles - std::floor(cycles));
    for (std::size_t p = 0; p < static_cast<std::size_t>(config_.phases); ++p) {
      double v = 0;
      double i = 0;
      for (const Component& c : v_components_[p])
        v += c.amplitude * std::sin(c.multiple * theta + c.phase);
      for (const Component& c : i_components_[p])
        i += c.amplitude * std::sin(c.multiple * theta + c.phase);
      buffer.voltage[p][k] = to_code(v, volts_full_scale_);
      buffer.current[p][k] = to_code(i, amps_full_scale_);
    }
  }
  next_frame_ += static_cast<std::int64_t>(frames);
  return frames;
}

std::optional<double> SyntheticSource::temperature_c() const {
  // The enclosure warms a little in the afternoon.
  return board_temperature_c(static_cast<double>(next_frame_) / config_.sample_rate_hz);
}

Truth SyntheticSource::truth(double t0, double t1) const {
  const double w = 2 * kPi * config_.frequency_hz;
  Truth out;
  std::array<double, kMaxPhases> vv{}, ii{}, vi{};
  std::vector<Component> v;
  std::vector<Component> i;
  // ∫ x·y over [a, b) for sums of sinusoids, by sin A sin B = ½[cos(A−B) − cos(A+B)].
  auto integral = [w](const std::vector<Component>& x, const std::vector<Component>& y, double a,
                      double b) {
    double sum = 0;
    for (const Component& p : x) {
      for (const Component& q : y) {
        sum += 0.5 * p.amplitude * q.amplitude *
               (integral_cos((p.multiple - q.multiple) * w, p.phase - q.phase, a, b) -
                integral_cos((p.multiple + q.multiple) * w, p.phase + q.phase, a, b));
      }
    }
    return sum;
  };
  const double step = config_.profile_step_s;
  for (double a = t0; a < t1;) {
    const double k = std::floor(a / step + 1e-12);
    const double b = std::min(t1, (k + 1) * step);
    const ThreePhaseLoad load = config_.profile->at(k * step);
    for (int p = 0; p < config_.phases; ++p) {
      const auto up = static_cast<std::size_t>(p);
      components(p, load[up], false, v, i);
      vv[up] += integral(v, v, a, b);
      ii[up] += integral(i, i, a, b);
      const double joules = integral(v, i, a, b);
      vi[up] += joules;
      (joules >= 0 ? out.phase[up].forward_wh : out.phase[up].reverse_wh) +=
          std::abs(joules) / 3600;
    }
    a = b;
  }
  const double span = t1 - t0;
  for (std::size_t p = 0; p < static_cast<std::size_t>(config_.phases); ++p) {
    PhaseTruth& pt = out.phase[p];
    pt.volts = std::sqrt(vv[p] / span);
    pt.amps = std::sqrt(ii[p] / span);
    pt.watts = vi[p] / span;
    const double s = pt.volts * pt.amps;
    pt.power_factor = s > 0 ? std::abs(pt.watts) / s : 0;
    pt.hertz = config_.frequency_hz;
  }
  return out;
}

}  // namespace maic::metering
