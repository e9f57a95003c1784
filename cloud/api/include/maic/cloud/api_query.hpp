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
//  - without date1 and date2 the answer is the last complete hour;
//  - dates are unix seconds (GMT).
// Errors name the parameter. Pure: "now" is handed in.
#pragma once

#include <cstdint>
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
  std::int64_t from = 0;  // unix seconds, inclusive: rows whose period starts at or after
  std::int64_t to = 0;    // unix seconds, inclusive: rows whose period starts at or before
};

// The longest interval a query may cover, in rows of its period.
std::int64_t max_rows(Period p);
// That interval in seconds (calendar periods counted at their longest:
// 25-hour days, 31-day months, 366-day years).
std::int64_t max_span_seconds(Period p);

Result<ApiQuery> parse_api_query(const http::Query& query, std::int64_t now);

}  // namespace maic::cloud
