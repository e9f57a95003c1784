// The smart-MAIC server's data API query (compat.md §3):
//
//   GET|POST /api?devid=<ID>&apikey=<KEY>&period=<minute|hour>&date1=<unix>&date2=<unix>
//
// parsed once, at the edge, into a typed query with the original's rules:
//  - minute data: at most 1500 rows (a day); hour data: at most 1080 rows
//    (45 days); maic's extensions day, week, month and year have limits of
//    their own (kMaxRows);
//  - a badly given interval (date1 after date2, or longer than allowed)
//    becomes the longest allowed interval ending at date2;
//  - without date1 and date2 the answer is the last complete hour (maic's
//    extensions: the last complete period of their kind);
//  - dates are unix seconds (GMT).
// Periods are calendar periods in the device's time zone (calendar.hpp), so
// the interval's defaults are resolved only once the device, and with it
// its zone, is known: parse_api_query checks the parameters, api_interval
// turns them into the rows to answer with. Errors name the parameter.
// Pure: "now" and the zone are handed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "maic/core/calendar.hpp"
#include "maic/core/device_id.hpp"
#include "maic/core/result.hpp"
#include "maic/http/query.hpp"

namespace maic::cloud {

struct ApiQuery {
  DeviceId devid;
  std::string apikey;  // as given; checked against the owner's key by the caller
  Period period = Period::kMinute;
  std::optional<std::int64_t> date1;  // unix seconds, as given
  std::optional<std::int64_t> date2;
};

// The rows an /api query answers with: those whose period starts in
// [from, to] (unix seconds, both inclusive).
struct ApiInterval {
  std::int64_t from = 0;
  std::int64_t to = 0;
  friend bool operator==(const ApiInterval&, const ApiInterval&) = default;
};

// The longest interval a query may cover, in rows of its period.
std::int64_t max_rows(Period p);
// That interval in seconds (calendar periods counted at their longest:
// 25-hour days, 31-day months, 366-day years): an upper bound of
// api_interval's to - from.
std::int64_t max_span_seconds(Period p);

Result<ApiQuery> parse_api_query(const http::Query& query);

// The query's interval at `now` in the device's `zone`, in its local
// calendar:
//  - without dates, the last complete local hour: its minutes (minute), or
//    its row (hour); for day, week, month and year the last complete period
//    of that kind (yesterday, last week, ...);
//  - date2 defaults to now, date1 to the earliest start that keeps the
//    interval within max_rows(period) rows; a date1 after date2 or earlier
//    than that earliest start becomes it.
ApiInterval api_interval(const ApiQuery& query, std::int64_t now, const TimeZone& zone);

}  // namespace maic::cloud
