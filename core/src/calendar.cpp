#include "maic/core/calendar.hpp"

#include <date/tz.h>

#include <array>

namespace maic {
namespace {

using std::chrono::seconds;
using Seconds = date::sys_seconds;

constexpr std::array<std::pair<Period, std::string_view>, 6> kNames{{
    {Period::kMinute, "minute"},
    {Period::kHour, "hour"},
    {Period::kDay, "day"},
    {Period::kWeek, "week"},
    {Period::kMonth, "month"},
    {Period::kYear, "year"},
}};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

// The calendar arithmetic, a friend of TimeZone.
struct Calendar {
  static std::int64_t midnight(const TimeZone& z, date::local_days day) {
    // earliest: the first of two midnights; for a midnight that does not
    // exist, the instant the gap ends.
    const auto t = z.zone_->to_sys(date::local_seconds(day), date::choose::earliest);
    return t.time_since_epoch().count();
  }

  static date::local_days local_day(const TimeZone& z, std::int64_t t) {
    const auto local = z.zone_->to_local(Seconds(seconds(t)));
    return date::floor<date::days>(local);
  }

  static PeriodSpan of(Period p, std::int64_t t, const TimeZone& z) {
    switch (p) {
      case Period::kMinute: {
        const std::int64_t start = floor_div(t, 60) * 60;
        return {start, start + 60};
      }
      case Period::kHour: {
        // The local hour by the offset in force at t: the two occurrences of
        // a repeated hour have different offsets, so different starts.
        const std::int64_t offset = z.offset_at(t);
        const std::int64_t start = floor_div(t + offset, 3600) * 3600 - offset;
        return {start, start + 3600};
      }
      case Period::kDay: {
        const auto day = local_day(z, t);
        return {midnight(z, day), midnight(z, day + date::days(1))};
      }
      case Period::kWeek: {
        const auto day = local_day(z, t);
        const date::weekday wd(day);
        const auto monday = day - (wd - date::Monday);
        return {midnight(z, monday), midnight(z, monday + date::weeks(1))};
      }
      case Period::kMonth: {
        const date::year_month_day ymd(local_day(z, t));
        const auto first = ymd.year() / ymd.month() / 1;
        const auto next = first + date::months(1);
        return {midnight(z, date::local_days(first)), midnight(z, date::local_days(next))};
      }
      case Period::kYear: {
        const date::year_month_day ymd(local_day(z, t));
        return {midnight(z, date::local_days(ymd.year() / 1 / 1)),
                midnight(z, date::local_days((ymd.year() + date::years(1)) / 1 / 1))};
      }
    }
    return {t, t};
  }
};

std::string_view period_name(Period p) {
  for (const auto& [period, name] : kNames) {
    if (period == p) return name;
  }
  return "";
}

Result<Period> parse_period(std::string_view name) {
  for (const auto& [period, n] : kNames) {
    if (n == name) return period;
  }
  return make_error("period must be minute, hour, day, week, month or year, not '" +
                    std::string(name) + "'");
}

Result<TimeZone> TimeZone::locate(std::string_view name) {
  try {
    return TimeZone(date::locate_zone(name), std::string(name));
  } catch (const std::exception&) {
    return make_error("unknown time zone '" + std::string(name) +
                      "' (an IANA name such as Europe/Berlin)");
  }
}

TimeZone TimeZone::utc() { return *locate("UTC"); }

std::int64_t TimeZone::offset_at(std::int64_t t) const {
  return zone_->get_info(Seconds(seconds(t))).offset.count();
}

PeriodSpan period_of(Period p, std::int64_t t, const TimeZone& zone) {
  return Calendar::of(p, t, zone);
}

}  // namespace maic
