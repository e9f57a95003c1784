#include "maic/cloud/api_query.hpp"

#include <charconv>

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

Result<std::int64_t> unix_seconds_param(std::string_view name, std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < 0 || v > 253'402'300'799) {
    return make_error(std::string(name) + ": unix seconds expected, not '" + std::string(text) +
                      "'");
  }
  return v;
}

}  // namespace

std::int64_t max_rows(Period p) { return limit_of(p).rows; }

std::int64_t max_span_seconds(Period p) {
  const Limit& l = limit_of(p);
  return l.rows * l.longest_row_s;
}

Result<ApiQuery> parse_api_query(const http::Query& query, std::int64_t now) {
  ApiQuery q;
  const auto devid = query.get("devid");
  if (!devid || devid->size() != 10 ||
      devid->find_first_not_of("0123456789") != std::string::npos) {
    return make_error("devid: the device's 10-digit ID is required");
  }
  q.devid = std::string(*devid);
  const auto apikey = query.get("apikey");
  if (!apikey || apikey->empty() || apikey->size() > 128) {
    return make_error("apikey: the API key from your profile is required");
  }
  q.apikey = std::string(*apikey);
  const auto period = query.get("period");
  if (!period) return make_error("period: minute, hour, day, week, month or year is required");
  auto p = parse_period(*period);
  if (!p) return make_error("period: " + p.error().message);
  q.period = *p;

  const auto date1 = query.get("date1");
  const auto date2 = query.get("date2");
  if (!date1 && !date2) {
    // The last complete hour: its minutes, or its one hour row.
    const std::int64_t hour_end = now - now % 3600;
    q.from = hour_end - 3600;
    q.to = q.period == Period::kMinute ? hour_end - 60 : hour_end - 3600;
    return q;
  }
  std::int64_t to = now;
  if (date2) {
    auto v = unix_seconds_param("date2", *date2);
    if (!v) return v.error();
    to = *v;
  }
  const std::int64_t longest = max_span_seconds(q.period);
  std::int64_t from = to - longest;
  if (date1) {
    auto v = unix_seconds_param("date1", *date1);
    if (!v) return v.error();
    from = *v;
  }
  // A badly given interval: the longest allowed one ending at date2.
  if (from > to || to - from > longest) from = to - longest;
  q.from = std::max<std::int64_t>(0, from);
  q.to = to;
  return q;
}

}  // namespace maic::cloud
