#include "maic/core/minute_record.hpp"

namespace maic {
double value_of(const MinuteRecord& m, const Quantity& q) { return catalogue_value(m, q); }

std::int64_t minute_of(WallTime window_end) {
  const auto ns = (window_end - Duration(1)).time_since_epoch();
  return std::chrono::floor<std::chrono::minutes>(ns).count() * 60;
}

std::optional<MinuteRecord> MinuteAggregator::add(const Reading& r) {
  std::optional<MinuteRecord> done;
  const std::int64_t minute = minute_of(r.wall_end);
  if (open_ && minute != current_.minute) done = flush();
  if (!open_) {
    open_ = true;
    current_ = MinuteRecord{};
    current_.minute = minute;
    current_.phases = r.phases;
    weight_ = 0;
    weighted_ = {};
    weighted_temperature_ = 0;
  }
  const double w = seconds(r.span);
  weight_ += w;
  weighted_temperature_ += w * r.temperature_c;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseValues& in = r.phase[p];
    PhaseMinute& acc = weighted_[p];
    acc.volts += w * in.volts;
    acc.amps += w * in.amps;
    acc.power_factor += w * in.power_factor;
    acc.watts += w * in.watts;
    acc.reverse_watts += w * in.reverse_watts;
    acc.hertz += w * in.hertz;
    PhaseMinute& out = current_.phase[p];
    out.wh_delta += in.wh_delta;
    out.rwh_delta += in.rwh_delta;
    out.wh = in.wh;
    out.rwh = in.rwh;
  }
  current_.output_on = r.output_on;
  ++current_.readings;
  return done;
}

std::optional<MinuteRecord> MinuteAggregator::flush() {
  if (!open_) return std::nullopt;
  open_ = false;
  return finish();
}

MinuteRecord MinuteAggregator::finish() const {
  MinuteRecord m = current_;
  if (weight_ <= 0) return m;
  m.temperature_c = weighted_temperature_ / weight_;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseMinute& acc = weighted_[p];
    PhaseMinute& out = m.phase[p];
    out.volts = acc.volts / weight_;
    out.amps = acc.amps / weight_;
    out.power_factor = acc.power_factor / weight_;
    out.watts = acc.watts / weight_;
    out.reverse_watts = acc.reverse_watts / weight_;
    out.hertz = acc.hertz / weight_;
  }
  return m;
}

}  // namespace maic
