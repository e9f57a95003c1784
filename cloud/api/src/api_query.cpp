#include "maic/cloud/api_query.hpp"

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

Result<ApiQuery> parse_api_query(const http::Query& query, std::int64_t now) {
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
  ApiQuery q{std::move(*devid), std::string(*apikey), *p, 0, 0};

  const auto date1 = query.get("date1");
  const auto date2 = query.get("date2");
  if (!date1 && !date2) {
    // The last complete hour: its minutes, or its one hour row.
    const std::int64_t hour_end = now - now % 3600;
    q.from = hour_end - 3600;
    q.to = q.period == Period::kMinute ? hour_end - 60 : hour_end - 3600;
    return q;
  }
  const auto given_to = query.get_unix_seconds("date2");
  if (!given_to) return given_to.error();
  const std::int64_t to = given_to->value_or(now);
  const std::int64_t longest = max_span_seconds(q.period);
  const auto given_from = query.get_unix_seconds("date1");
  if (!given_from) return given_from.error();
  std::int64_t from = given_from->value_or(to - longest);
  // A badly given interval: the longest allowed one ending at date2.
  if (from > to || to - from > longest) from = to - longest;
  q.from = std::max<std::int64_t>(0, from);
  q.to = to;
  return q;
}

}  // namespace maic::cloud
