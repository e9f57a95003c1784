#include "maic/automation/schedule.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace maic::automation {
namespace {

std::int64_t utc(int y, int mo, int d, int h, int mi) {
  const date::sys_days day = date::year(y) / static_cast<unsigned>(mo) / static_cast<unsigned>(d);
  return day.time_since_epoch().count() * 86'400 + h * 3600 + mi * 60;
}

TimeZone berlin() { return TimeZone::locate("Europe/Berlin").value(); }

// The firings of `s` over [from, to] seen by passes every `step` seconds,
// the caller keeping `after` as the previous pass's time.
std::vector<Firing> run(const Schedule& s, std::int64_t from, std::int64_t to, std::int64_t step,
                        const TimeZone& zone) {
  std::vector<Firing> out;
  for (std::int64_t after = from; after < to; after += step) {
    for (const Firing& f : s.due(after, after + step, zone)) out.push_back(f);
  }
  return out;
}

TEST(Schedule, WeeklyEntryFiresOnItsDay) {
  Schedule s;
  s.weekly = {{Weekday::kMonday, 7 * 60, true}, {Weekday::kMonday, 22 * 60, false}};
  // Monday 2026-06-01, CEST (UTC+2).
  const std::vector<Firing> fs = run(s, utc(2026, 5, 31, 0, 0), utc(2026, 6, 8, 0, 0), 5, berlin());
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0], (Firing{utc(2026, 6, 1, 5, 0), true, false, 0}));
  EXPECT_EQ(fs[1], (Firing{utc(2026, 6, 1, 20, 0), false, false, 1}));
}

TEST(Schedule, HalfOpenSpan) {
  Schedule s;
  s.weekly = {{Weekday::kMonday, 7 * 60, true}};
  const std::int64_t t = utc(2026, 6, 1, 5, 0);
  EXPECT_EQ(s.due(t - 1, t, berlin()).size(), 1u);
  EXPECT_EQ(s.due(t, t + 1, berlin()).size(), 0u);
  EXPECT_EQ(s.due(t, t, berlin()).size(), 0u);
  EXPECT_EQ(s.due(t + 10, t, berlin()).size(), 0u);
}

// Spring forward, Europe/Berlin 2026-03-29 02:00 CET -> 03:00 CEST: 02:30
// does not exist; the entry fires once, at 03:00 CEST (01:00 UTC).
TEST(Schedule, SpringForwardGapFiresOnceAfterTheGap) {
  Schedule s;
  s.weekly = {{Weekday::kSunday, 2 * 60 + 30, true}, {Weekday::kSunday, 3 * 60 + 30, false}};
  s.one_off = {{2026, 3, 29, 2 * 60 + 15, false}};
  const std::vector<Firing> fs =
      run(s, utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 0, 0), 5, berlin());
  ASSERT_EQ(fs.size(), 3u);
  EXPECT_EQ(fs[0], (Firing{utc(2026, 3, 29, 1, 0), true, false, 0}));
  EXPECT_EQ(fs[1], (Firing{utc(2026, 3, 29, 1, 0), false, true, 0}));  // one-off after weekly
  EXPECT_EQ(fs[2], (Firing{utc(2026, 3, 29, 1, 30), false, false, 1}));
  EXPECT_EQ(local_to_unix(2026, 3, 29, 2 * 60, berlin()), utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(local_to_unix(2026, 3, 29, 3 * 60, berlin()), utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(local_to_unix(2026, 3, 29, 60 + 59, berlin()), utc(2026, 3, 29, 0, 59));
}

// Fall back, 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 happens twice; the
// entry fires once, at the first (02:30 CEST, 00:30 UTC).
TEST(Schedule, FallBackFiresOnceAtTheFirstOccurrence) {
  Schedule s;
  s.weekly = {{Weekday::kSunday, 2 * 60 + 30, true}};
  s.one_off = {{2026, 10, 25, 2 * 60 + 45, false}};
  const std::vector<Firing> fs =
      run(s, utc(2026, 10, 24, 12, 0), utc(2026, 10, 26, 0, 0), 5, berlin());
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0], (Firing{utc(2026, 10, 25, 0, 30), true, false, 0}));
  EXPECT_EQ(fs[1], (Firing{utc(2026, 10, 25, 0, 45), false, true, 0}));
  // Around the change the offsets are right on both sides.
  EXPECT_EQ(local_to_unix(2026, 10, 25, 60 + 59, berlin()), utc(2026, 10, 24, 23, 59));
  EXPECT_EQ(local_to_unix(2026, 10, 25, 3 * 60, berlin()), utc(2026, 10, 25, 2, 0));
}

// A whole year of passes: each weekly entry fires once a week, DST or not.
TEST(Schedule, OnceAWeekThroughTheYear) {
  Schedule s;
  s.weekly = {{Weekday::kSunday, 2 * 60 + 30, true}, {Weekday::kSaturday, 23 * 60 + 59, false}};
  const std::vector<Firing> fs =
      run(s, utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0), 3600, berlin());
  std::size_t sundays = 0;
  std::size_t saturdays = 0;
  for (const Firing& f : fs) (f.index == 0 ? sundays : saturdays) += 1;
  EXPECT_EQ(sundays, 52u);
  EXPECT_EQ(saturdays, 52u);
  for (std::size_t i = 1; i < fs.size(); ++i) EXPECT_LT(fs[i - 1].at, fs[i].at);
}

// Entries either side of local midnight, with a pass that spans it.
TEST(Schedule, AcrossMidnight) {
  Schedule s;
  s.weekly = {{Weekday::kSunday, 23 * 60 + 59, false}, {Weekday::kMonday, 0, true}};
  // Sunday 2026-06-07 23:59 CEST is 21:59 UTC.
  const std::int64_t sunday_2359 = utc(2026, 6, 7, 21, 59);
  const std::vector<Firing> fs = s.due(sunday_2359 - 30, sunday_2359 + 90, berlin());
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0], (Firing{sunday_2359, false, false, 0}));
  EXPECT_EQ(fs[1], (Firing{sunday_2359 + 60, true, false, 1}));
  EXPECT_EQ(s.last_due(sunday_2359 - 30, sunday_2359 + 90, berlin()), fs[1]);
  // In UTC the same entries fall on the UTC days.
  const TimeZone z = TimeZone::utc();
  EXPECT_EQ(s.due(utc(2026, 6, 7, 23, 0), utc(2026, 6, 8, 1, 0), z).size(), 2u);
}

// A device that was off for weeks: only the last week's weekly firings are
// listed, and the newest one is what acts.
TEST(Schedule, LongGapActsOnceOnTheNewest) {
  Schedule s;
  s.weekly = {{Weekday::kMonday, 7 * 60, true}, {Weekday::kFriday, 18 * 60, false}};
  s.one_off = {{2026, 5, 1, 12 * 60, true}};
  const std::int64_t after = utc(2026, 4, 20, 0, 0);
  const std::int64_t up_to = utc(2026, 6, 3, 12, 0);  // a Wednesday
  const std::vector<Firing> fs = s.due(after, up_to, berlin());
  ASSERT_EQ(fs.size(), 3u);  // the old one-off, Friday 29 May, Monday 1 June
  EXPECT_TRUE(fs[0].one_off);
  EXPECT_EQ(fs[1].at, utc(2026, 5, 29, 16, 0));
  EXPECT_EQ(fs[2].at, utc(2026, 6, 1, 5, 0));
  EXPECT_EQ(s.last_due(after, up_to, berlin()), fs[2]);
  EXPECT_EQ(s.last_due(up_to, up_to + 60, berlin()), std::nullopt);
}

TEST(Schedule, OneOffOverridesWeeklyAtTheSameInstant) {
  Schedule s;
  s.weekly = {{Weekday::kFriday, 7 * 60, true}};
  s.one_off = {{2026, 12, 25, 7 * 60, false}};  // a Friday
  const std::int64_t t = utc(2026, 12, 25, 6, 0);
  const std::vector<Firing> fs = s.due(t - 60, t, berlin());
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(s.last_due(t - 60, t, berlin())->on, false);
}

// Other zones: the southern hemisphere's spring (Sydney, 2026-10-04 02:00
// AEST -> 03:00 AEDT), a half-hour change (Lord Howe, 02:00 -> 02:30) and a
// zone without DST (Kolkata, +05:30).
TEST(Schedule, OtherZones) {
  const TimeZone sydney = TimeZone::locate("Australia/Sydney").value();
  EXPECT_EQ(local_to_unix(2026, 10, 4, 2 * 60 + 30, sydney), utc(2026, 10, 3, 16, 0));
  EXPECT_EQ(local_to_unix(2026, 10, 4, 3 * 60, sydney), utc(2026, 10, 3, 16, 0));
  EXPECT_EQ(local_to_unix(2026, 10, 4, 60 + 59, sydney), utc(2026, 10, 3, 15, 59));
  const TimeZone lord_howe = TimeZone::locate("Australia/Lord_Howe").value();
  EXPECT_EQ(local_to_unix(2026, 10, 4, 2 * 60 + 15, lord_howe), utc(2026, 10, 3, 15, 30));
  EXPECT_EQ(local_to_unix(2026, 10, 4, 2 * 60 + 30, lord_howe), utc(2026, 10, 3, 15, 30));
  const TimeZone kolkata = TimeZone::locate("Asia/Kolkata").value();
  EXPECT_EQ(local_to_unix(2026, 3, 29, 2 * 60 + 30, kolkata), utc(2026, 3, 28, 21, 0));
}

std::string error_of(const Schedule& s) {
  const Status st = validate_schedule(s);
  return st ? "" : st.error().message;
}

TEST(Schedule, Validation) {
  Schedule s;
  s.weekly = {{Weekday::kMonday, 0, true}, {Weekday::kMonday, 1439, false}};
  s.one_off = {{2028, 2, 29, 600, true}};
  EXPECT_EQ(error_of(s), "");
  s.weekly[1].minute = 1440;
  EXPECT_EQ(error_of(s), "schedule.weekly[1].minute: must be 0 to 1439");
  s.weekly[1].minute = 0;
  EXPECT_EQ(error_of(s), "schedule.weekly[1].minute: the same day and time as weekly[0]");
  // Named as the caller's document names them.
  EXPECT_EQ(validate_schedule(s, {"automation.schedule", "time"}).error().message,
            "automation.schedule.weekly[1].time: the same day and time as weekly[0]");
  s.weekly[1].day = static_cast<Weekday>(7);
  EXPECT_EQ(error_of(s), "schedule.weekly[1].day: must be Monday to Sunday");
  s.weekly.clear();
  for (int i = 0; i < 9; ++i) s.weekly.push_back({Weekday::kTuesday, i, true});
  EXPECT_EQ(error_of(s), "schedule.weekly[8].day: at most 8 entries a day");
  s.weekly.clear();
  for (int i = 0; i < 57; ++i) s.weekly.push_back({static_cast<Weekday>(i % 7), i, true});
  EXPECT_EQ(error_of(s), "schedule.weekly: at most 56 entries");
  s.weekly.clear();
  s.one_off = {{2026, 2, 29, 600, true}};
  EXPECT_EQ(error_of(s), "schedule.one_off[0].date: not a date between 2000 and 2199");
  s.one_off = {{2026, 4, 31, 600, true}};
  EXPECT_EQ(error_of(s), "schedule.one_off[0].date: not a date between 2000 and 2199");
  s.one_off = {{2026, 4, 30, -1, true}};
  EXPECT_EQ(error_of(s), "schedule.one_off[0].minute: must be 0 to 1439");
  s.one_off = {{2026, 4, 30, 60, true}, {2026, 4, 30, 60, false}};
  EXPECT_EQ(error_of(s), "schedule.one_off[1].minute: the same date and time as one_off[0]");
  s.one_off.assign(33, {2026, 4, 30, 60, true});
  EXPECT_EQ(error_of(s), "schedule.one_off: at most 32 entries");
}

}  // namespace
}  // namespace maic::automation
