#include "maic/core/rollup.hpp"

#include <algorithm>
#include <cmath>

#include "maic/core/minute_blob.hpp"

namespace maic {
namespace {

std::int64_t fixed(double v, double units) {
  return std::isfinite(v) ? std::llround(v * units) : 0;
}

// Version 2: u8 version, i64 count, i64 last minute, u8 phases, u8 output at
// the last minute, i64 centi-degrees; then per phase (kMaxPhases of them)
// the ten integer sums of kIntegerSums and the two meters (f64); then i64
// gaps and u8 status. Version 1 ends before gaps.
constexpr std::uint8_t kRollupBlobVersion = 2;
constexpr std::size_t kRollupBlobBytesV1 = 1 + 8 + 8 + 1 + 1 + 8 + kMaxPhases * (10 * 8 + 2 * 8);
constexpr std::size_t kRollupBlobBytes = kRollupBlobBytesV1 + 8 + 1;

}  // namespace

void RollupAccumulator::add_energy(const MinuteRecord& m, bool newest) {
  status_ |= m.status;
  phases_ = std::max(phases_, m.phases);
  if (newest) {
    last_minute_ = m.minute;
    output_at_last_ = m.output_on;
  }
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseValues& in = m.phase[p];
    PhaseSums& s = sums_[p];
    s.forward_uwh += fixed(in.wh_delta, 1e6);
    s.reverse_uwh += fixed(in.rwh_delta, 1e6);
    if (newest) {
      s.wh_at_last = in.wh;
      s.rwh_at_last = in.rwh;
    }
  }
}

void RollupAccumulator::add(const MinuteRecord& m) {
  add_energy(m, m.minute >= last_minute_);
  if ((m.status & kStatusGap) != 0) {
    ++gaps_;
    return;
  }
  ++count_;
  centi_celsius_ += fixed(m.temperature_c, 100);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseValues& in = m.phase[p];
    PhaseSums& s = sums_[p];
    const std::int64_t mv = fixed(in.volts, 1e3);
    s.millivolts += mv;
    s.milliamps += fixed(in.amps, 1e3);
    s.pf_millionths += fixed(in.power_factor, 1e6);
    s.millihertz += fixed(in.hertz, 1e3);
    s.min_millivolts = std::min(s.min_millivolts, mv);
    s.max_millivolts = std::max(s.max_millivolts, mv);
    s.max_milliwatts = std::max(s.max_milliwatts, fixed(in.watts, 1e3));
    s.max_reverse_milliwatts = std::max(s.max_reverse_milliwatts, fixed(in.reverse_watts, 1e3));
  }
}

void RollupAccumulator::merge(const RollupAccumulator& o) {
  if (o.empty()) return;
  const bool newest = o.last_minute_ >= last_minute_;
  count_ += o.count_;
  gaps_ += o.gaps_;
  status_ |= o.status_;
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

std::string RollupAccumulator::encode() const {
  std::string out;
  out.reserve(kRollupBlobBytes);
  blob::Writer w(out);
  w.u8(kRollupBlobVersion);
  w.i64(count_);
  w.i64(last_minute_);
  w.u8(static_cast<std::uint8_t>(phases_));
  w.u8(output_at_last_ ? 1 : 0);
  w.i64(centi_celsius_);
  for (const PhaseSums& s : sums_) {
    for (auto field : kIntegerSums) w.i64(s.*field);
    w.f64(s.wh_at_last);
    w.f64(s.rwh_at_last);
  }
  w.i64(gaps_);
  w.u8(status_);
  return out;
}

Result<RollupAccumulator> RollupAccumulator::decode(std::string_view bytes) {
  if (bytes.empty()) return make_error("rollup blob: empty");
  const auto version = static_cast<std::uint8_t>(bytes[0]);
  if (version != kRollupBlobVersion && version != 1) {
    return make_error("rollup blob: unknown version " + std::to_string(version));
  }
  if (bytes.size() != (version == 1 ? kRollupBlobBytesV1 : kRollupBlobBytes)) {
    return make_error("rollup blob: wrong length");
  }
  blob::Reader r(bytes);
  r.u8();
  RollupAccumulator a;
  a.count_ = r.i64();
  a.last_minute_ = r.i64();
  a.phases_ = r.u8();
  const std::uint8_t output = r.u8();
  a.centi_celsius_ = r.i64();
  for (PhaseSums& s : a.sums_) {
    for (auto field : kIntegerSums) s.*field = r.i64();
    s.wh_at_last = r.f64();
    s.rwh_at_last = r.f64();
  }
  if (version != 1) {
    a.gaps_ = r.i64();
    a.status_ = r.u8();
  }
  if (a.count_ < 0 || a.gaps_ < 0 || a.phases_ < 1 || a.phases_ > kMaxPhases || output > 1) {
    return make_error("rollup blob: impossible fields");
  }
  a.output_at_last_ = output == 1;
  return a;
}

PeriodRow RollupAccumulator::row() const {
  PeriodRow r;
  r.minutes = count_;
  r.gaps = gaps_;
  r.status = status_;
  if (empty()) return r;
  r.last_minute = last_minute_;
  r.phases = phases_;
  r.output_on = output_at_last_;
  // A period of nothing but a gap has energy and meters, and no means.
  const bool measured = count_ > 0;
  const auto n = static_cast<double>(std::max<std::int64_t>(count_, 1));
  r.temperature_c = static_cast<double>(centi_celsius_) / 100 / n;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseSums& s = sums_[p];
    PhaseRollup& out = r.phase[p];
    out.wh_energy = static_cast<double>(s.forward_uwh) / 1e6;
    out.rwh_energy = static_cast<double>(s.reverse_uwh) / 1e6;
    out.wh = s.wh_at_last;
    out.rwh = s.rwh_at_last;
    if (!measured) continue;
    out.volts = static_cast<double>(s.millivolts) / 1e3 / n;
    out.amps = static_cast<double>(s.milliamps) / 1e3 / n;
    out.power_factor = static_cast<double>(s.pf_millionths) / 1e6 / n;
    out.hertz = static_cast<double>(s.millihertz) / 1e3 / n;
    out.min_volts = static_cast<double>(s.min_millivolts) / 1e3;
    out.max_volts = static_cast<double>(s.max_millivolts) / 1e3;
    out.max_watts = static_cast<double>(s.max_milliwatts) / 1e3;
    out.max_reverse_watts = static_cast<double>(s.max_reverse_milliwatts) / 1e3;
  }
  return r;
}

double phase_value(const PhaseRollup& p, Family f) {
  // W and rW of a period row are its energy, the manual's rule for hour to
  // year rows; every other family reads as it does in a minute.
  if (f == Family::kPower) return p.wh_energy;
  if (f == Family::kReversePower) return p.rwh_energy;
  const PhaseValues as_minute{.volts = p.volts,
                              .amps = p.amps,
                              .power_factor = p.power_factor,
                              .hertz = p.hertz,
                              .wh = p.wh,
                              .rwh = p.rwh};
  return phase_value(as_minute, f);
}

}  // namespace maic
