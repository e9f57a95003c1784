// Reading data: the smart-MAIC `/api` (compat.md §3) and the Dashboard's
// series, totals and CSV export of one device (docs/api.md, "Data").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "api_rows.hpp"
#include "auth.hpp"
#include "context.hpp"
#include "data_views.hpp"
#include "maic/cloud/api_query.hpp"
#include "series.hpp"

namespace maic::cloud {
namespace {

// Minute rows one series or export may read before downsampling: a
// quarter-year; longer ranges ask for a coarser period (or "auto").
constexpr std::size_t kMaxMinuteRows = 130'000;
constexpr std::size_t kMaxCsvRows = 200'000;

int catalogue_phases(const DeviceRow& d) { return maic::catalogue_phases(d.identity.phases); }

struct Range {
  std::int64_t from = 0;
  std::int64_t to = 0;
};

// from/to in unix seconds; without them the last 24 hours.
http::Expected<Range> range_of(const http::Request& r, const Context& ctx) {
  auto from = r.query.get_unix_seconds("from");
  if (!from) return http::Response::error(400, from.error().message);
  auto to = r.query.get_unix_seconds("to");
  if (!to) return http::Response::error(400, to.error().message);
  Range range;
  range.to = to->value_or(ctx.now());
  range.from = from->value_or(range.to - 86'400);
  if (range.from > range.to) return http::Response::error(400, "from: must not be after to");
  return range;
}

http::Expected<std::vector<const Quantity*>> quantities_of(const http::Request& r, int phases) {
  const auto list = r.query.get("q");
  if (!list || list->empty())
    return http::Response::error(400, "q: a comma-separated list of quantities is required");
  std::vector<const Quantity*> qs;
  std::string_view rest = *list;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view key = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const Quantity* q = find_quantity(key, phases);
    if (!q) return http::Response::error(400, "q: unknown quantity '" + std::string(key) + "'");
    qs.push_back(q);
    if (qs.size() > 64) return http::Response::error(400, "q: at most 64 quantities");
  }
  return qs;
}

// Local wall time of `t` in the device's zone, for people reading a CSV.
std::string local_time(std::int64_t t, const TimeZone& zone) {
  const std::time_t local = static_cast<std::time_t>(t + zone.offset_at(t));
  std::tm tm{};
  gmtime_r(&local, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return text;
}

TimeZone zone_of(const DeviceRow& d) {
  auto zone = TimeZone::locate(d.timezone);
  return zone ? *zone : TimeZone::utc();
}

// The rows of a period over [from, to] as a Series, or the refusal.
http::Expected<Series> fetch(Context& ctx, const DeviceRow& d, Period p, const Range& range,
                             std::span<const Quantity* const> qs, std::size_t limit) {
  const std::string& devid = d.identity.devid;
  if (p == Period::kMinute) {
    auto rows = ctx.store.minutes(devid, range.from, range.to, limit + 1);
    if (!rows) return storage_failure(ctx, rows.error());
    if (rows->size() > limit)
      return http::Response::error(
          400,
          fmt::format("the range holds more than {} minutes; ask for a coarser period", limit));
    return series_of(*rows, qs);
  }
  auto rows = ctx.store.periods(devid, p, range.from, range.to, limit + 1);
  if (!rows) return storage_failure(ctx, rows.error());
  if (rows->size() > limit)
    return http::Response::error(400, fmt::format("the range holds more than {} rows", limit));
  std::vector<std::int64_t> starts;
  std::vector<PeriodRow> values;
  for (const PeriodValue& v : *rows) {
    starts.push_back(v.start);
    values.push_back(v.row);
  }
  return series_of(p, starts, values, qs);
}

http::Response compat_api(const http::Request& r, Context& ctx) {
  http::Query query = r.query;
  if (r.method == "POST" && !r.body.empty()) {
    // A POST may carry the parameters as a form body (and still in the URL).
    auto form = http::parse_form(r.body);
    if (!form) return http::Response::error(400, "the body is not a form: " + form.error().message);
    std::vector<http::Query::Param> params = query.params();
    params.insert(params.end(), form->params().begin(), form->params().end());
    query = http::Query(std::move(params));
  }
  // A missing key is an authentication failure like a wrong one (401),
  // checked before the rest of the query is judged.
  if (const auto key = query.get("apikey"); !key || key->empty())
    return http::Response::error(401, "apikey: the API key from your profile is required");
  auto q = parse_api_query(query);
  if (!q) return http::Response::error(400, q.error().message);
  auto user = ctx.store.user_by_api_key(q->apikey);
  if (!user) return storage_failure(ctx, user.error());
  if (!*user) return http::Response::error(401, "apikey: not a valid API key");
  auto device = ctx.store.device(q->devid.str());
  if (!device) return storage_failure(ctx, device.error());
  if (!*device || (*device)->owner != (*user)->id)
    return http::Response::error(404, "devid: no device " + q->devid.str() + " in your account");
  // Only now is the device's zone known, and with it the calendar its
  // periods, and so the interval's defaults, follow.
  const ApiInterval interval = api_interval(*q, ctx.now(), zone_of(**device));
  const auto limit = static_cast<std::size_t>(max_rows(q->period));
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  if (q->period == Period::kMinute) {
    auto minutes = ctx.store.minutes(q->devid.str(), interval.from, interval.to, limit);
    if (!minutes) return storage_failure(ctx, minutes.error());
    for (const MinuteRecord& m : *minutes) rows.push_back(api_row(q->devid.str(), m));
  } else {
    auto periods = ctx.store.periods(q->devid.str(), q->period, interval.from, interval.to, limit);
    if (!periods) return storage_failure(ctx, periods.error());
    for (const PeriodValue& v : *periods) rows.push_back(api_row(q->devid.str(), v.start, v.row));
  }
  return http::Response::json_text(rows.dump());
}

}  // namespace

Result<nlohmann::json> last_values(Context& ctx, const DeviceRow& device) {
  nlohmann::json out = nlohmann::json::object();
  if (device.newest_minute < 0) return out;
  auto rows =
      ctx.store.minutes(device.identity.devid, device.newest_minute, device.newest_minute, 1);
  if (!rows) return rows.error();
  if (rows->empty()) return out;
  out["TIME"] = rows->front().minute;
  for (const Quantity& q : catalogue(catalogue_phases(device)))
    out[q.key] = display_value(q, value_of(rows->front(), q));
  return out;
}

http::Response device_series(const http::Request& r, Context& ctx, const DeviceRow& device) {
  auto qs = quantities_of(r, catalogue_phases(device));
  if (!qs) return qs.error();
  auto range = range_of(r, ctx);
  if (!range) return range.error();
  const auto most_points = static_cast<std::int64_t>(ctx.options.max_series_points);
  const auto asked = r.query.get_int("points", 1, most_points);
  if (!asked) return http::Response::error(400, asked.error().message);
  const auto points = static_cast<std::size_t>(asked->value_or(most_points));
  const Range& rg = *range;
  Period period = auto_period(rg.from, rg.to, points, zone_of(device));
  if (const auto name = r.query.get("period"); name && *name != "auto") {
    auto parsed = parse_period(*name);
    if (!parsed) return http::Response::error(400, "period: " + parsed.error().message);
    period = *parsed;
  }
  const std::vector<const Quantity*>& keys = *qs;
  auto fetched = fetch(ctx, device, period, rg, keys, kMaxMinuteRows);
  if (!fetched) return fetched.error();
  const Series s = downsample(std::move(*fetched), keys, points);
  nlohmann::json columns = nlohmann::json::object();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    nlohmann::json& column = columns[keys[i]->key] = nlohmann::json::array();
    for (double v : s.columns[i]) column.push_back(display_value(*keys[i], v));
  }
  return http::Response::json({{"devid", device.identity.devid},
                               {"period", period_name(s.period)},
                               {"from", rg.from},
                               {"to", rg.to},
                               {"downsampled", s.downsampled},
                               {"time", s.time},
                               {"status", s.status},
                               {"values", columns}});
}

http::Response device_totals(const http::Request& r, Context& ctx, const DeviceRow& device) {
  auto range = range_of(r, ctx);
  if (!range) return range.error();
  const Range& rg = *range;
  const std::string& devid = device.identity.devid;
  // Whole hours from the rollups, the partial hours at the edges from the
  // minutes: a year costs 8,760 rows, not half a million. Both go into one
  // accumulator, so the totals follow the rollups' rules and exactness.
  RollupAccumulator total;
  std::int64_t hours_from = rg.to, hours_to = rg.to;  // [hours_from, hours_to) covered by hours
  if (rg.to - rg.from >= 3600) {
    auto hours = ctx.store.periods(devid, Period::kHour, rg.from, rg.to - 3600, 1'000'000);
    if (!hours) return storage_failure(ctx, hours.error());
    if (!hours->empty()) {
      hours_from = hours->front().start;
      hours_to = hours->back().start + 3600;
    }
    for (const PeriodValue& h : *hours) total.merge(h.rollup);
  }
  const auto add_minutes = [&](std::int64_t from, std::int64_t to) -> std::optional<Error> {
    if (to - from < 60) return std::nullopt;
    auto rows = ctx.store.minutes(devid, from, to - 60, 10'000);
    if (!rows) return rows.error();
    for (const MinuteRecord& m : *rows) total.add(m);
    return std::nullopt;
  };
  const std::int64_t head_end = hours_from < hours_to ? hours_from : rg.to;
  if (auto e = add_minutes(rg.from, head_end)) return storage_failure(ctx, *e);
  if (hours_from < hours_to) {
    if (auto e = add_minutes(hours_to, rg.to)) return storage_failure(ctx, *e);
  }
  const PeriodRow sums = total.row();
  nlohmann::json phases = nlohmann::json::array();
  double wh = 0, rwh = 0;
  for (int i = 0; i < device.identity.phases; ++i) {
    const PhaseRollup& s = sums.phase[static_cast<std::size_t>(i)];
    wh += s.wh_energy;
    rwh += s.rwh_energy;
    phases.push_back({{"phase", i + 1},
                      {"wh", display_value(Family::kEnergy, s.wh_energy)},
                      {"rwh", display_value(Family::kReverseEnergy, s.rwh_energy)},
                      {"peak_w", display_value(Family::kPower, s.max_watts)},
                      {"peak_rw", display_value(Family::kReversePower, s.max_reverse_watts)},
                      {"min_v", display_value(Family::kVoltage, s.min_volts)},
                      {"max_v", display_value(Family::kVoltage, s.max_volts)}});
  }
  return http::Response::json({{"devid", devid},
                               {"from", rg.from},
                               {"to", rg.to},
                               {"minutes", sums.minutes},
                               {"wh", display_value(Family::kEnergy, wh)},
                               {"rwh", display_value(Family::kReverseEnergy, rwh)},
                               {"phases", phases}});
}

http::Response device_csv(const http::Request& r, Context& ctx, const DeviceRow& device) {
  auto range = range_of(r, ctx);
  if (!range) return range.error();
  Period period = Period::kHour;
  if (const auto name = r.query.get("period")) {
    auto parsed = parse_period(*name);
    if (!parsed) return http::Response::error(400, "period: " + parsed.error().message);
    period = *parsed;
  }
  // The columns of an /api row, so a spreadsheet made from one reads the
  // other, and the totals of power and energy.
  std::vector<const Quantity*> keys;
  std::string header = "TIME,local time";
  for (const Quantity& q : catalogue(catalogue_phases(device))) {
    if (!in_api_row(q) && !in_csv_totals(q)) continue;
    keys.push_back(&q);
    header += "," + q.key;
  }
  auto fetched = fetch(ctx, device, period, *range, keys, kMaxCsvRows);
  if (!fetched) return fetched.error();
  const Series& s = *fetched;
  const TimeZone zone = zone_of(device);
  std::string body = header + "\r\n";
  for (std::size_t row = 0; row < s.time.size(); ++row) {
    body += fmt::format("{},{}", s.time[row], local_time(s.time[row], zone));
    for (std::size_t c = 0; c < keys.size(); ++c) {
      const double v = s.columns[c][row];
      body += fmt::format(",{:.{}f}", std::isfinite(v) ? v : 0.0,
                          family_info(keys[c]->family).decimals);
    }
    body += "\r\n";
  }
  http::Response out = http::Response::text(std::move(body));
  out.content_type = "text/csv; charset=utf-8";
  out.headers.set("Content-Disposition", fmt::format("attachment; filename=\"{}-{}.csv\"",
                                                     device.identity.devid, period_name(period)));
  return out;
}

void add_data_routes(http::Router& router, Context& ctx) {
  for (const char* method : {"GET", "POST"})
    router.add(method, "/api", [&ctx](const http::Request& r) { return compat_api(r, ctx); });
}

}  // namespace maic::cloud
