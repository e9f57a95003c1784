#include "maic/core/minute_record.hpp"

#include <algorithm>

namespace maic {
namespace {

// The per-phase values a minute takes as the window-weighted mean of its
// readings. Power is not among them: it follows from the minute's energy.
constexpr std::array kMeanMembers{&PhaseValues::volts, &PhaseValues::amps,
                                  &PhaseValues::power_factor, &PhaseValues::hertz};

}  // namespace

double value_of(const MinuteRecord& m, const Quantity& q) { return catalogue_value(m, q); }

double mean_power_w(double energy_wh, Duration covered) {
  const double s = seconds(covered);
  // × (3600 / s): a full minute is exactly × 60, as the wire always had it.
  return s > 0 ? energy_wh * (3600 / s) : 0;
}

void set_mean_powers(MinuteRecord& m) {
  for (PhaseValues& p : m.phase) {
    p.watts = mean_power_w(p.wh_delta, m.covered);
    p.reverse_watts = mean_power_w(p.rwh_delta, m.covered);
  }
}

void merge_same_minute(MinuteRecord& earlier, const MinuteRecord& later) {
  // A gap's covered time is the outage's: it carries energy, not means.
  const auto weight = [](const MinuteRecord& m) {
    return (m.status & kStatusGap) != 0 ? 0.0 : seconds(m.covered);
  };
  const double a = weight(earlier);
  const double b = weight(later);
  const auto mean = [&](double x, double y) { return a + b > 0 ? (x * a + y * b) / (a + b) : y; };
  earlier.temperature_c = mean(earlier.temperature_c, later.temperature_c);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    PhaseValues& into = earlier.phase[p];
    const PhaseValues& from = later.phase[p];
    for (auto member : kMeanMembers) into.*member = mean(into.*member, from.*member);
    into.wh_delta += from.wh_delta;
    into.rwh_delta += from.rwh_delta;
    into.wh = from.wh;
    into.rwh = from.rwh;
  }
  earlier.phases = std::max(earlier.phases, later.phases);
  earlier.output_on = later.output_on;
  earlier.readings += later.readings;
  earlier.covered += later.covered;
  earlier.status |= later.status;
  set_mean_powers(earlier);
}

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
    current_.covered = Duration::zero();
    weight_ = 0;
    weighted_ = {};
    weighted_temperature_ = 0;
  }
  const double w = seconds(r.span);
  weight_ += w;
  weighted_temperature_ += w * r.temperature_c;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseValues& in = r.phase[p];
    PhaseValues& acc = weighted_[p];
    for (auto member : kMeanMembers) acc.*member += w * in.*member;
    PhaseValues& out = current_.phase[p];
    out.wh_delta += in.wh_delta;
    out.rwh_delta += in.rwh_delta;
    out.wh = in.wh;
    out.rwh = in.rwh;
  }
  current_.output_on = r.output_on;
  current_.covered += r.span;
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
  set_mean_powers(m);
  if (weight_ <= 0) return m;
  m.temperature_c = weighted_temperature_ / weight_;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    for (auto member : kMeanMembers) m.phase[p].*member = weighted_[p].*member / weight_;
  }
  return m;
}

}  // namespace maic
