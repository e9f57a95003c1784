#include "maic/automation/schedule.hpp"

#include <date/date.h>

#include <algorithm>
#include <string>
#include <tuple>

namespace maic::automation {
namespace {

constexpr std::int64_t kDay = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Unix time of local seconds `local` (seconds since 1970-01-01 00:00 local).
std::int64_t local_seconds_to_unix(std::int64_t local, const TimeZone& zone) {
  // The offsets a day either side: at most one change between them in any
  // real zone, so a local time maps to these two candidates.
  const std::int64_t before = zone.offset_at(local - kDay);
  const std::int64_t after = zone.offset_at(local + kDay);
  const std::int64_t t1 = local - before;
  const std::int64_t t2 = local - after;
  const bool ok1 = zone.offset_at(t1) == before;
  const bool ok2 = zone.offset_at(t2) == after;
  if (ok1 && ok2) return std::min(t1, t2);  // repeated: the first occurrence
  if (ok1) return t1;
  if (ok2) return t2;
  if (after <= before) return t1;  // not a gap; cannot happen with one change a day
  // In the gap: the first valid local time after it is the change itself,
  // the first instant in [t2, t1] with the later offset.
  std::int64_t lo = t2;  // offset `before`
  std::int64_t hi = t1;  // offset `after`
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (zone.offset_at(mid) == after ? hi : lo) = mid;
  }
  return hi;
}

std::int64_t local_day_of(std::int64_t t, const TimeZone& zone) {
  return floor_div(t + zone.offset_at(t), kDay);
}

std::string entry_field(std::string_view root, std::string_view list, std::size_t i,
                        std::string_view name) {
  return std::string(root) + "." + std::string(list) + "[" + std::to_string(i) + "]." +
         std::string(name) + ": ";
}

bool date_exists(const OneOffEntry& e) {
  if (e.year < 2000 || e.year > 2199 || e.month < 1 || e.month > 12 || e.day < 1 || e.day > 31) {
    return false;
  }
  const date::year_month_day ymd{date::year(e.year), date::month(static_cast<unsigned>(e.month)),
                                 date::day(static_cast<unsigned>(e.day))};
  return ymd.ok();
}

std::int64_t days_of(int year, int month, int day) {
  const date::sys_days d =
      date::year_month_day{date::year(year), date::month(static_cast<unsigned>(month)),
                           date::day(static_cast<unsigned>(day))};
  return d.time_since_epoch().count();
}

bool valid_minute(int m) { return m >= 0 && m < 1440; }

}  // namespace

std::int64_t local_to_unix(int year, int month, int day, int minute, const TimeZone& zone) {
  return local_seconds_to_unix(days_of(year, month, day) * kDay + std::int64_t{minute} * 60, zone);
}

std::vector<Firing> Schedule::due(std::int64_t after, std::int64_t up_to,
                                  const TimeZone& zone) const {
  struct Ordered {
    Firing firing;
    int minute;
  };
  std::vector<Ordered> out;
  if (up_to <= after) return {};
  const std::int64_t weekly_after = std::max(after, up_to - kWeeklyLookbackSeconds);
  if (!weekly.empty() && weekly_after < up_to) {
    // A local day either side covers every offset (at most ±26 h).
    const std::int64_t first = local_day_of(weekly_after, zone) - 1;
    const std::int64_t last = local_day_of(up_to, zone) + 1;
    for (std::int64_t d = first; d <= last; ++d) {
      const date::weekday wd{date::sys_days(date::days(d))};
      const auto iso = static_cast<int>(wd.iso_encoding()) - 1;  // Monday 0
      for (std::size_t i = 0; i < weekly.size(); ++i) {
        const WeeklyEntry& e = weekly[i];
        if (static_cast<int>(e.day) != iso) continue;
        const std::int64_t at = local_seconds_to_unix(d * kDay + std::int64_t{e.minute} * 60, zone);
        if (at > weekly_after && at <= up_to) out.push_back({{at, e.on, false, i}, e.minute});
      }
    }
  }
  for (std::size_t i = 0; i < one_off.size(); ++i) {
    const OneOffEntry& e = one_off[i];
    const std::int64_t at = local_to_unix(e.year, e.month, e.day, e.minute, zone);
    if (at > after && at <= up_to) out.push_back({{at, e.on, true, i}, e.minute});
  }
  // At one instant (entries in a DST gap share the instant after it):
  // weekly before one-off, then by local time, then list order.
  std::sort(out.begin(), out.end(), [](const Ordered& a, const Ordered& b) {
    return std::tie(a.firing.at, a.firing.one_off, a.minute, a.firing.index) <
           std::tie(b.firing.at, b.firing.one_off, b.minute, b.firing.index);
  });
  std::vector<Firing> firings;
  firings.reserve(out.size());
  for (const Ordered& o : out) firings.push_back(o.firing);
  return firings;
}

std::optional<Firing> Schedule::last_due(std::int64_t after, std::int64_t up_to,
                                         const TimeZone& zone) const {
  std::vector<Firing> all = due(after, up_to, zone);
  if (all.empty()) return std::nullopt;
  return all.back();
}

Status validate_schedule(const Schedule& schedule, const ScheduleFieldNames& names) {
  const std::string root(names.root);
  const auto weekly_field = [&](std::size_t i, std::string_view name) {
    return entry_field(root, "weekly", i, name == "minute" ? names.minute : name);
  };
  const auto one_off_field = [&](std::size_t i, std::string_view name) {
    return entry_field(root, "one_off", i, name == "minute" ? names.minute : name);
  };
  if (schedule.weekly.size() > kMaxWeekly) {
    return make_error(root + ".weekly: at most " + std::to_string(kMaxWeekly) + " entries");
  }
  if (schedule.one_off.size() > kMaxOneOff) {
    return make_error(root + ".one_off: at most " + std::to_string(kMaxOneOff) + " entries");
  }
  for (std::size_t i = 0; i < schedule.weekly.size(); ++i) {
    const WeeklyEntry& e = schedule.weekly[i];
    const int day = static_cast<int>(e.day);
    if (day < 0 || day > 6) return make_error(weekly_field(i, "day") + "must be Monday to Sunday");
    if (!valid_minute(e.minute)) return make_error(weekly_field(i, "minute") + "must be 0 to 1439");
    std::size_t same_day = 0;
    for (std::size_t j = 0; j < i; ++j) {
      const WeeklyEntry& o = schedule.weekly[j];
      if (o.day != e.day) continue;
      ++same_day;
      if (o.minute == e.minute) {
        return make_error(weekly_field(i, "minute") + "the same day and time as weekly[" +
                          std::to_string(j) + "]");
      }
    }
    if (same_day >= kMaxWeeklyPerDay) {
      return make_error(weekly_field(i, "day") + "at most " + std::to_string(kMaxWeeklyPerDay) +
                        " entries a day");
    }
  }
  for (std::size_t i = 0; i < schedule.one_off.size(); ++i) {
    const OneOffEntry& e = schedule.one_off[i];
    if (!date_exists(e)) {
      return make_error(one_off_field(i, "date") + "not a date between 2000 and 2199");
    }
    if (!valid_minute(e.minute))
      return make_error(one_off_field(i, "minute") + "must be 0 to 1439");
    for (std::size_t j = 0; j < i; ++j) {
      const OneOffEntry& o = schedule.one_off[j];
      if (o.year == e.year && o.month == e.month && o.day == e.day && o.minute == e.minute) {
        return make_error(one_off_field(i, "minute") + "the same date and time as one_off[" +
                          std::to_string(j) + "]");
      }
    }
  }
  return ok_status();
}

}  // namespace maic::automation
