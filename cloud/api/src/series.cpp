#include "series.hpp"

#include <algorithm>

namespace maic::cloud {
namespace {

// Whether a column's values add up when points merge: the energy of
// periods does; power (the minute rows' W) and everything else does not.
bool additive(Period p, const Quantity& q) {
  return p != Period::kMinute && q.rollup == Rollup::kPeriodEnergy;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::size_t periods_starting_in(Period p, std::int64_t from, std::int64_t to, const TimeZone& zone,
                                std::size_t cap) {
  if (from > to) return 0;
  if (p == Period::kMinute) {
    // UTC minutes in every zone (calendar.hpp): counted, not walked.
    const std::int64_t first = floor_div(from + 59, 60);
    const std::int64_t last = floor_div(to, 60);
    const auto n = static_cast<std::uint64_t>(std::max<std::int64_t>(last - first + 1, 0));
    return static_cast<std::size_t>(std::min<std::uint64_t>(n, cap + 1));
  }
  // Walked period by period: local hours, days, months and years differ in
  // length, and the walk stops past the cap.
  PeriodSpan span = period_of(p, from, zone);
  if (span.start < from) span = period_of(p, span.end, zone);
  std::size_t n = 0;
  while (span.start <= to && n <= cap) {
    ++n;
    span = period_of(p, span.end, zone);
  }
  return n;
}

Period auto_period(std::int64_t from, std::int64_t to, std::size_t max_points,
                   const TimeZone& zone) {
  for (Period p : {Period::kMinute, Period::kHour, Period::kDay, Period::kWeek, Period::kMonth}) {
    if (periods_starting_in(p, from, to, zone, max_points) <= max_points) return p;
  }
  return Period::kYear;
}

Series series_of(std::span<const MinuteRecord> minutes, std::span<const Quantity* const> qs) {
  Series s;
  s.period = Period::kMinute;
  s.columns.resize(qs.size());
  for (const MinuteRecord& m : minutes) {
    s.time.push_back(m.minute);
    s.status.push_back(m.status);
    for (std::size_t i = 0; i < qs.size(); ++i) s.columns[i].push_back(value_of(m, *qs[i]));
  }
  return s;
}

Series series_of(Period p, std::span<const std::int64_t> starts, std::span<const PeriodRow> rows,
                 std::span<const Quantity* const> qs) {
  Series s;
  s.period = p;
  s.time.assign(starts.begin(), starts.end());
  s.columns.resize(qs.size());
  for (const PeriodRow& row : rows) {
    s.status.push_back(row.status);
    for (std::size_t i = 0; i < qs.size(); ++i) s.columns[i].push_back(value_of(row, *qs[i]));
  }
  return s;
}

Series downsample(Series s, std::span<const Quantity* const> qs, std::size_t max_points) {
  const std::size_t n = s.time.size();
  max_points = std::max<std::size_t>(max_points, 1);
  if (n <= max_points) return s;
  const std::size_t per_bucket = (n + max_points - 1) / max_points;
  Series out;
  out.period = s.period;
  out.downsampled = true;
  out.columns.resize(s.columns.size());
  for (std::size_t first = 0; first < n; first += per_bucket) {
    const std::size_t last = std::min(n, first + per_bucket);  // exclusive
    out.time.push_back(s.time[first]);
    std::uint8_t status = 0;
    for (std::size_t i = first; i < last && i < s.status.size(); ++i) status |= s.status[i];
    out.status.push_back(status);
    for (std::size_t c = 0; c < s.columns.size(); ++c) {
      const auto& col = s.columns[c];
      double v = 0;
      if (qs[c]->rollup == Rollup::kLast) {
        v = col[last - 1];
      } else {
        for (std::size_t i = first; i < last; ++i) v += col[i];
        if (!additive(s.period, *qs[c])) v /= static_cast<double>(last - first);
      }
      out.columns[c].push_back(v);
    }
  }
  return out;
}

}  // namespace maic::cloud
