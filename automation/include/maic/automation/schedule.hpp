// The output's schedule: weekly on/off times and one-off dated entries, in
// the device's time zone. Pure: the caller hands in the span of unix time
// a pass covers and the zone.
//
// The schedule is edge-triggered: an entry acts at its instant, once; what
// the output does between entries is the business of people and conditions
// (output_arbiter.hpp).
//
// Local times and DST (the zone's rules through maic::TimeZone):
//  - a local time that does not exist (02:30 on the spring-forward day in
//    Europe/Berlin, 2026-03-29) fires once, at the first valid local time
//    after the gap (03:00 CEST, the instant of the change);
//  - a local time that occurs twice (02:30 on the fall-back day,
//    2026-10-25) fires once, at its first occurrence (02:30 CEST).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "maic/core/calendar.hpp"
#include "maic/core/result.hpp"

namespace maic::automation {

inline constexpr std::size_t kMaxWeeklyPerDay = 8;
inline constexpr std::size_t kMaxWeekly = 7 * kMaxWeeklyPerDay;
inline constexpr std::size_t kMaxOneOff = 32;

// Weekly firings older than this before a pass's end are left out of due():
// the newest firing of every weekly entry lies within the last week, so
// they are superseded anyway, and a device that was off for months does
// not walk months of days.
inline constexpr std::int64_t kWeeklyLookbackSeconds = 8 * 86'400;

// Days of the week, ISO order.
enum class Weekday { kMonday, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

struct WeeklyEntry {
  Weekday day = Weekday::kMonday;
  int minute = 0;  // local minute of the day, 0..1439 (07:30 is 450)
  bool on = false;
  friend bool operator==(const WeeklyEntry&, const WeeklyEntry&) = default;
};

struct OneOffEntry {
  int year = 2026;  // local date, 2000..2199
  int month = 1;    // 1..12
  int day = 1;      // 1..31, a day the month has
  int minute = 0;   // local minute of the day, 0..1439
  bool on = false;
  friend bool operator==(const OneOffEntry&, const OneOffEntry&) = default;
};

// One entry's instant.
struct Firing {
  std::int64_t at = 0;  // unix seconds
  bool on = false;
  bool one_off = false;   // which list the entry is in
  std::size_t index = 0;  // its index there
  friend bool operator==(const Firing&, const Firing&) = default;
};

struct Schedule {
  std::vector<WeeklyEntry> weekly;
  std::vector<OneOffEntry> one_off;

  // The firings whose instants fall in (after, up_to], in order of
  // instant; at one instant weekly entries come before one-off ones, and
  // each list in its own order, so the last one is the one that acts
  // (a one-off "off" on a holiday overrides the weekly "on" at the same
  // time). The caller keeps `after` as the previous pass's up_to, so each
  // instant is in exactly one pass. Weekly firings before
  // up_to - kWeeklyLookbackSeconds are left out. Empty when up_to <= after.
  std::vector<Firing> due(std::int64_t after, std::int64_t up_to, const TimeZone& zone) const;

  // The firing that acts on the output after the pass (after, up_to]: the
  // newest of due(). A device that was off for days acts once, on the
  // state the schedule set last, rather than replaying every entry.
  std::optional<Firing> last_due(std::int64_t after, std::int64_t up_to,
                                 const TimeZone& zone) const;

  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// Checks a schedule; the error names the first bad field:
// "schedule.weekly[3].minute: must be 0 to 1439". Rules: at most 56 weekly
// entries, 8 on one day, and 32 one-off; minutes 0..1439; a one-off's date
// exists (no 31 April), years 2000..2199; no two weekly entries at the same
// day and minute, nor two one-off entries at the same date and minute (it
// would be unclear which acts).
//
// The caller names the fields as its own document does: the schedule's
// root and an entry's minute ("automation.schedule.weekly[3].time").
struct ScheduleFieldNames {
  std::string_view root = "schedule";
  std::string_view minute = "minute";
};
Status validate_schedule(const Schedule& schedule, const ScheduleFieldNames& names = {});

// The unix time local date and minute (year, month, day, minute of the
// day) stand for in `zone`: in a gap, the first instant after it; when the
// local time occurs twice, the first. Preconditions: the date exists,
// minute is 0..1439.
std::int64_t local_to_unix(int year, int month, int day, int minute, const TimeZone& zone);

}  // namespace maic::automation
