#include "maic/core/rollup.hpp"

#include <algorithm>
#include <cmath>

namespace maic {
namespace {

std::int64_t fixed(double v, double units) {
  return std::isfinite(v) ? std::llround(v * units) : 0;
}

}  // namespace

void RollupAccumulator::add(const MinuteRecord& m) {
  ++count_;
  phases_ = std::max(phases_, m.phases);
  centi_celsius_ += fixed(m.temperature_c, 100);
  const bool newest = m.minute >= last_minute_;
  if (newest) {
    last_minute_ = m.minute;
    output_at_last_ = m.output_on;
  }
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseMinute& in = m.phase[p];
    PhaseSums& s = sums_[p];
    const std::int64_t mv = fixed(in.volts, 1e3);
    s.millivolts += mv;
    s.milliamps += fixed(in.amps, 1e3);
    s.pf_millionths += fixed(in.power_factor, 1e6);
    s.millihertz += fixed(in.hertz, 1e3);
    s.forward_uwh += fixed(in.wh_delta, 1e6);
    s.reverse_uwh += fixed(in.rwh_delta, 1e6);
    s.min_millivolts = std::min(s.min_millivolts, mv);
    s.max_millivolts = std::max(s.max_millivolts, mv);
    s.max_milliwatts = std::max(s.max_milliwatts, fixed(in.watts, 1e3));
    s.max_reverse_milliwatts = std::max(s.max_reverse_milliwatts, fixed(in.reverse_watts, 1e3));
    if (newest) {
      s.wh_at_last = in.wh;
      s.rwh_at_last = in.rwh;
    }
  }
}

void RollupAccumulator::merge(const RollupAccumulator& o) {
  if (o.count_ == 0) return;
  const bool newest = o.last_minute_ >= last_minute_;
  count_ += o.count_;
  phases_ = std::max(phases_, o.phases_);
  centi_celsius_ += o.centi_celsius_;
  if (newest) {
    last_minute_ = o.last_minute_;
    output_at_last_ = o.output_at_last_;
  }
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    PhaseSums& s = sums_[p];
    const PhaseSums& t = o.sums_[p];
    s.millivolts += t.millivolts;
    s.milliamps += t.milliamps;
    s.pf_millionths += t.pf_millionths;
    s.millihertz += t.millihertz;
    s.forward_uwh += t.forward_uwh;
    s.reverse_uwh += t.reverse_uwh;
    s.min_millivolts = std::min(s.min_millivolts, t.min_millivolts);
    s.max_millivolts = std::max(s.max_millivolts, t.max_millivolts);
    s.max_milliwatts = std::max(s.max_milliwatts, t.max_milliwatts);
    s.max_reverse_milliwatts = std::max(s.max_reverse_milliwatts, t.max_reverse_milliwatts);
    if (newest) {
      s.wh_at_last = t.wh_at_last;
      s.rwh_at_last = t.rwh_at_last;
    }
  }
}

PeriodRow RollupAccumulator::row() const {
  PeriodRow r;
  r.minutes = count_;
  if (count_ == 0) return r;
  r.last_minute = last_minute_;
  r.phases = phases_;
  r.output_on = output_at_last_;
  const auto n = static_cast<double>(count_);
  r.temperature_c = static_cast<double>(centi_celsius_) / 100 / n;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseSums& s = sums_[p];
    PhaseRollup& out = r.phase[p];
    out.volts = static_cast<double>(s.millivolts) / 1e3 / n;
    out.amps = static_cast<double>(s.milliamps) / 1e3 / n;
    out.power_factor = static_cast<double>(s.pf_millionths) / 1e6 / n;
    out.hertz = static_cast<double>(s.millihertz) / 1e3 / n;
    out.wh_energy = static_cast<double>(s.forward_uwh) / 1e6;
    out.rwh_energy = static_cast<double>(s.reverse_uwh) / 1e6;
    out.wh = s.wh_at_last;
    out.rwh = s.rwh_at_last;
    out.min_volts = static_cast<double>(s.min_millivolts) / 1e3;
    out.max_volts = static_cast<double>(s.max_millivolts) / 1e3;
    out.max_watts = static_cast<double>(s.max_milliwatts) / 1e3;
    out.max_reverse_watts = static_cast<double>(s.max_reverse_milliwatts) / 1e3;
  }
  return r;
}

}  // namespace maic
