// Calendar periods in a device's time zone: the hours, days, ISO weeks,
// months and years that minute records roll up into (manual §5's table;
// design brief: "days, weeks (ISO, Monday first), months and years are in
// the device's time zone, correct on the 23- and 25-hour days of DST changes
// and in zones with half- or quarter-hour offsets").
//
// Times are unix seconds. A period is [start, end): its start and the next
// period's start, in UTC seconds, so a DST day is 23 or 25 hours long and a
// Kolkata hour starts at :30 UTC. Pure functions over the tz database the
// system has (/usr/share/zoneinfo, through Howard Hinnant's date/tz).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "maic/core/result.hpp"

namespace date {
class time_zone;
}

namespace maic {

enum class Period { kMinute, kHour, kDay, kWeek, kMonth, kYear };

// "minute", "hour", "day", "week", "month", "year".
std::string_view period_name(Period p);
Result<Period> parse_period(std::string_view name);

// An IANA time zone ("Europe/Berlin", "Asia/Kathmandu", "UTC"). Cheap to
// copy; the zone data lives as long as the process. Thread-safe.
class TimeZone {
 public:
  static Result<TimeZone> locate(std::string_view name);
  static TimeZone utc();

  const std::string& name() const { return name_; }
  // Seconds east of UTC at unix time `t` (e.g. 19800 for Kolkata).
  std::int64_t offset_at(std::int64_t t) const;

 private:
  friend struct Calendar;
  TimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
  const date::time_zone* zone_;
  std::string name_;
};

struct PeriodSpan {
  std::int64_t start;  // unix seconds, inclusive
  std::int64_t end;    // unix seconds, exclusive: the next period's start
  friend bool operator==(const PeriodSpan&, const PeriodSpan&) = default;
};

// The period of kind `p` that contains unix time `t` in `zone`.
//  - minute: UTC minutes (every zone's offset is a whole number of minutes);
//  - hour: the local hour; in the repeated hour of a DST change each
//    occurrence is its own period;
//  - day, week (ISO: Monday to Sunday), month, year: from local midnight to
//    local midnight. Where midnight does not exist (a DST change at 00:00),
//    the day starts at the first instant after the gap.
PeriodSpan period_of(Period p, std::int64_t t, const TimeZone& zone);

}  // namespace maic
