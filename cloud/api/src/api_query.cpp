#include "maic/cloud/api_query.hpp"

#include <algorithm>

#include "maic/core/device_id.hpp"

namespace maic::cloud {
namespace {

// Rows per answer: the original's for minute and hour; for the extensions,
// about three years of days, ten years of weeks, twenty of months, fifty of
// years.
struct Limit {
  Period period;
  std::int64_t rows;
  std::int64_t longest_row_s;
};
constexpr Limit kLimits[] = {
    {Period::kMinute, 1500, 60},
    {Period::kHour, 1080, 3600},
    {Period::kDay, 1100, 25 * 3600},
    {Period::kWeek, 520, 7 * 24 * 3600 + 3600},
    {Period::kMonth, 240, 31 * 86400 + 3600},
    {Period::kYear, 50, 366 * 86400 + 3600},
};

const Limit& limit_of(Period p) {
  for (const Limit& l : kLimits) {
    if (l.period == p) return l;
  }
  return kLimits[0];
}

}  // namespace

std::int64_t max_rows(Period p) { return limit_of(p).rows; }

std::int64_t max_span_seconds(Period p) {
  const Limit& l = limit_of(p);
  return l.rows * l.longest_row_s;
}

Result<ApiQuery> parse_api_query(const http::Query& query) {
  const auto given_devid = query.get("devid");
  std::optional<DeviceId> devid = given_devid ? DeviceId::parse(*given_devid) : std::nullopt;
  if (!devid) return make_error("devid: the device's 10-digit ID is required");
  const auto apikey = query.get("apikey");
  if (!apikey || apikey->empty() || apikey->size() > 128) {
    return make_error("apikey: the API key from your profile is required");
  }
  const auto period = query.get("period");
  if (!period) return make_error("period: minute, hour, day, week, month or year is required");
  auto p = parse_period(*period);
  if (!p) return make_error("period: " + p.error().message);
  ApiQuery q{std::move(*devid), std::string(*apikey), *p, std::nullopt, std::nullopt};
  const auto date2 = query.get_unix_seconds("date2");
  if (!date2) return date2.error();
  const auto date1 = query.get_unix_seconds("date1");
  if (!date1) return date1.error();
  q.date1 = *date1;
  q.date2 = *date2;
  return q;
}

ApiInterval api_interval(const ApiQuery& q, std::int64_t now, const TimeZone& zone) {
  if (!q.date1 && !q.date2) {
    if (q.period == Period::kMinute) {
      // The last complete local hour's minutes (in a half-hour zone the
      // hour starts at :30 UTC).
      const PeriodSpan hour =
          period_of(Period::kHour, period_of(Period::kHour, now, zone).start - 1, zone);
      return {hour.start, hour.end - 60};
    }
    // The row of the last complete period: the one before the period now is in.
    const std::int64_t start =
        period_of(q.period, period_of(q.period, now, zone).start - 1, zone).start;
    return {start, start};
  }
  const std::int64_t to = q.date2.value_or(now);
  // The earliest start of max_rows rows ending with the period `to` is in:
  // counted in the local calendar, where days, months and years differ in
  // length.
  const std::int64_t rows = max_rows(q.period);
  std::int64_t earliest = period_of(q.period, to, zone).start;
  if (q.period == Period::kMinute) {
    earliest -= (rows - 1) * 60;
  } else {
    for (std::int64_t k = 1; k < rows && earliest > 0; ++k)
      earliest = period_of(q.period, earliest - 1, zone).start;
  }
  earliest = std::max<std::int64_t>(0, earliest);
  std::int64_t from = q.date1.value_or(earliest);
  // A badly given interval: the longest allowed one ending at date2.
  if (from > to || from < earliest) from = earliest;
  return {from, to};
}

}  // namespace maic::cloud
