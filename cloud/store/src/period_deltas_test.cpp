#include "maic/cloud/period_deltas.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace maic::cloud {
namespace {

// Local midnights, by hand (zdump): 2024-10-27 in Berlin is 25 hours long,
// 2024-03-31 23 hours; Kolkata is UTC+05:30 all year.
constexpr std::int64_t kBerlinOct27 = 1'729'980'000;
constexpr std::int64_t kBerlinOct28 = 1'730'070'000;
constexpr std::int64_t kBerlinMar31 = 1'711'839'600;
constexpr std::int64_t kBerlinApr01 = 1'711'922'400;
constexpr std::int64_t kKolkataJun03 = 1'717'353'000;

TimeZone zone(const char* name) {
  auto z = TimeZone::locate(name);
  EXPECT_TRUE(z.ok());
  return z.ok() ? *z : TimeZone::utc();
}

std::vector<MinuteRecord> minutes(std::int64_t from, std::int64_t to) {
  std::vector<MinuteRecord> out;
  for (std::int64_t t = from; t < to; t += 60) {
    MinuteRecord m;
    m.minute = t;
    m.phases = 1;
    m.phase[0].volts = 230 + static_cast<double>(t % 7);
    m.phase[0].wh_delta = static_cast<double>(t % 11) / 3;
    m.phase[0].wh = static_cast<double>(t - from) / 60;
    out.push_back(m);
  }
  return out;
}

std::vector<const PeriodDelta*> of(const std::vector<PeriodDelta>& deltas, Period p) {
  std::vector<const PeriodDelta*> out;
  for (const auto& d : deltas) {
    if (d.period == p) out.push_back(&d);
  }
  return out;
}

void expect_same(const std::vector<PeriodDelta>& a, const std::vector<PeriodDelta>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].period, b[k].period) << k;
    EXPECT_EQ(a[k].start, b[k].start) << k;
    EXPECT_EQ(a[k].rollup, b[k].rollup) << k;
  }
}

TEST(PeriodDeltas, NothingGivesNothing) { EXPECT_TRUE(period_deltas({}, TimeZone::utc()).empty()); }

TEST(PeriodDeltas, AMinuteLandsOnceInEachPeriodInOrder) {
  const auto berlin = zone("Europe/Berlin");
  const auto one = minutes(kBerlinOct27 + 3 * 3600, kBerlinOct27 + 3 * 3600 + 60);
  const auto deltas = period_deltas(one, berlin);
  ASSERT_EQ(deltas.size(), kRollupPeriods.size());
  for (std::size_t k = 0; k < deltas.size(); ++k) {
    EXPECT_EQ(deltas[k].period, kRollupPeriods[k]);
    EXPECT_EQ(deltas[k].start, period_of(kRollupPeriods[k], one[0].minute, berlin).start);
    EXPECT_EQ(deltas[k].rollup.row().minutes, 1);
  }
  EXPECT_EQ(deltas[1].start, kBerlinOct27);
  EXPECT_EQ(deltas[2].start, kBerlinOct27 - 6 * 86400) << "Monday 2024-10-21";
}

// Each delta is exactly its minutes added one by one, in the period
// period_of gives them, across a DST change, a week's and a month's end.
TEST(PeriodDeltas, EachDeltaIsItsMinutesAdded) {
  const auto berlin = zone("Europe/Berlin");
  const auto all = minutes(kBerlinOct27 - 86400, kBerlinOct28 + 5 * 86400 + 1800);
  const auto deltas = period_deltas(all, berlin);
  for (Period p : kRollupPeriods) {
    std::map<std::int64_t, RollupAccumulator> expected;
    for (const auto& m : all) expected[period_of(p, m.minute, berlin).start].add(m);
    const auto got = of(deltas, p);
    ASSERT_EQ(got.size(), expected.size()) << period_name(p);
    std::size_t k = 0;
    for (const auto& [start, acc] : expected) {
      EXPECT_EQ(got[k]->start, start) << period_name(p);
      EXPECT_EQ(got[k]->rollup, acc) << period_name(p) << " " << start;
      ++k;
    }
  }
}

TEST(PeriodDeltas, TheLongDayHas25HoursAndTheShortOne23) {
  const auto berlin = zone("Europe/Berlin");
  auto autumn = period_deltas(minutes(kBerlinOct27, kBerlinOct28), berlin);
  auto hours = of(autumn, Period::kHour);
  ASSERT_EQ(hours.size(), 25u);
  for (const auto* h : hours) EXPECT_EQ(h->rollup.row().minutes, 60);
  auto days = of(autumn, Period::kDay);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0]->start, kBerlinOct27);
  EXPECT_EQ(days[0]->rollup.row().minutes, 25 * 60);

  auto spring = period_deltas(minutes(kBerlinMar31, kBerlinApr01), berlin);
  EXPECT_EQ(of(spring, Period::kHour).size(), 23u);
  days = of(spring, Period::kDay);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0]->rollup.row().minutes, 23 * 60);
}

TEST(PeriodDeltas, KolkataHoursStartAtHalfPast) {
  const auto deltas =
      period_deltas(minutes(kKolkataJun03, kKolkataJun03 + 86400), zone("Asia/Kolkata"));
  const auto hours = of(deltas, Period::kHour);
  ASSERT_EQ(hours.size(), 24u);
  for (const auto* h : hours) EXPECT_EQ(h->start % 3600, 1800);
  const auto days = of(deltas, Period::kDay);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0]->start, kKolkataJun03);
}

TEST(PeriodDeltas, OrderAndSplittingDoNotMatter) {
  const auto berlin = zone("Europe/Berlin");
  // Three days around the autumn change, across a week's and a month's end.
  auto all = minutes(kBerlinOct27 - 86400, kBerlinOct28 + 5 * 86400);
  const auto whole = period_deltas(all, berlin);

  std::mt19937 rng(3);
  std::shuffle(all.begin(), all.end(), rng);
  expect_same(period_deltas(all, berlin), whole);

  // Live: one minute at a time, merged into what is there.
  std::vector<PeriodDelta> live;
  for (const auto& m : all) merge_deltas(live, period_deltas({&m, 1}, berlin));
  expect_same(live, whole);

  // Backfill in uneven batches.
  std::vector<PeriodDelta> batched;
  for (std::size_t from = 0; from < all.size(); from += 777) {
    const std::size_t n = std::min<std::size_t>(777, all.size() - from);
    merge_deltas(batched, period_deltas(std::span(all).subspan(from, n), berlin));
  }
  expect_same(batched, whole);

  std::int64_t total = 0;
  for (const auto* d : of(whole, Period::kMonth)) total += d->rollup.row().minutes;
  EXPECT_EQ(total, static_cast<std::int64_t>(all.size()));
  EXPECT_EQ(of(whole, Period::kMonth).size(), 2u);
  EXPECT_EQ(of(whole, Period::kWeek).size(), 2u);
}

}  // namespace
}  // namespace maic::cloud
