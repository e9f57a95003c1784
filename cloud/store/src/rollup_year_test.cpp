// A whole year of minutes rolled up the ways a store does it, against the
// contract's independent reference (date/tz and doubles, store_contract.hpp):
//  - live: one minute at a time, each minute's deltas merged into stored
//    blobs (decode, merge, encode), as ingest does for a device online;
//  - batch: batches of 2,000 (the uplink's largest), as a backfill does;
//  - all at once, as set_device_timezone's rebuild does.
// The three must agree to the bit, and every period must match the
// reference. Europe/Berlin has a 23- and a 25-hour day; Asia/Kathmandu is
// UTC+05:45, so its hours start at a quarter past in UTC.
//
// Every minute of 2024 in an optimised build (about 527,000 per zone);
// under the sanitizers every 5th minute, to keep the run short.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "maic/cloud/period_deltas.hpp"
#include "testing/store_contract.hpp"

namespace maic::cloud {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::int64_t kStride = 5 * 60;
#else
constexpr std::int64_t kStride = 60;
#endif

struct YearCase {
  const char* zone;
  std::int64_t from;  // local 2024-01-01 00:00, unix seconds
  std::int64_t to;    // local 2025-01-01 00:00
};

void PrintTo(const YearCase& c, std::ostream* os) { *os << c.zone; }

std::vector<MinuteRecord> year_of(const YearCase& c) {
  std::vector<MinuteRecord> out;
  out.reserve(static_cast<std::size_t>((c.to - c.from) / kStride));
  for (std::int64_t t = c.from; t < c.to; t += kStride) {
    // A three-phase device that was a one-phase one until March (phases
    // roll up as the most any minute had).
    out.push_back(contract::sample_minute(t, t < c.from + 60 * 86400 ? 1 : 3));
  }
  return out;
}

std::vector<PeriodDelta> live(std::span<const MinuteRecord> minutes, const TimeZone& zone) {
  std::map<std::pair<Period, std::int64_t>, std::string> stored;
  for (const MinuteRecord& m : minutes) {
    for (const PeriodDelta& d : period_deltas({&m, 1}, zone)) {
      std::string& blob = stored[{d.period, d.start}];
      RollupAccumulator acc;
      if (!blob.empty()) {
        auto decoded = RollupAccumulator::decode(blob);
        EXPECT_TRUE(decoded.ok());
        if (decoded) acc = *decoded;
      }
      acc.merge(d.rollup);
      blob = acc.encode();
    }
  }
  std::vector<PeriodDelta> out;
  for (Period p : kRollupPeriods) {
    for (const auto& [key, blob] : stored) {
      if (key.first == p)
        out.push_back(PeriodDelta{p, key.second, *RollupAccumulator::decode(blob)});
    }
  }
  return out;
}

std::vector<PeriodDelta> batched(std::span<const MinuteRecord> minutes, const TimeZone& zone) {
  std::vector<PeriodDelta> out;
  for (std::size_t from = 0; from < minutes.size(); from += kMaxUploadRecords) {
    const std::size_t n = std::min(kMaxUploadRecords, minutes.size() - from);
    merge_deltas(out, period_deltas(minutes.subspan(from, n), zone));
  }
  return out;
}

void expect_identical(const std::vector<PeriodDelta>& a, const std::vector<PeriodDelta>& b,
                      const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].period, b[k].period) << what << " " << k;
    ASSERT_EQ(a[k].start, b[k].start) << what << " " << k;
    EXPECT_EQ(a[k].rollup, b[k].rollup)
        << what << " " << period_name(a[k].period) << " " << a[k].start;
  }
}

std::size_t count(const std::vector<PeriodDelta>& deltas, Period p) {
  return static_cast<std::size_t>(std::count_if(
      deltas.begin(), deltas.end(), [p](const PeriodDelta& d) { return d.period == p; }));
}

class RollupYear : public ::testing::TestWithParam<YearCase> {};

TEST_P(RollupYear, LiveBatchAndRebuildAgreeAndMatchTheReference) {
  const YearCase& c = GetParam();
  auto zone = TimeZone::locate(c.zone);
  ASSERT_TRUE(zone.ok());
  const std::vector<MinuteRecord> minutes = year_of(c);

  const auto whole = period_deltas(minutes, *zone);
  expect_identical(batched(minutes, *zone), whole, "batches");
  expect_identical(live(minutes, *zone), whole, "live");

  // 2024 is a leap year that starts on a Monday: 366 days, 52 weeks and
  // two days, and as many local hours as 366 x 24 (Berlin's short and long
  // days cancel out).
  EXPECT_EQ(count(whole, Period::kHour), 366u * 24);
  EXPECT_EQ(count(whole, Period::kDay), 366u);
  EXPECT_EQ(count(whole, Period::kWeek), 53u);
  EXPECT_EQ(count(whole, Period::kMonth), 12u);
  ASSERT_EQ(count(whole, Period::kYear), 1u);
  EXPECT_EQ(whole.back().start, c.from);
  EXPECT_EQ(whole.back().rollup.row().minutes, static_cast<std::int64_t>(minutes.size()));

  const contract::ReferenceRollups reference = contract::reference_rollups(minutes, c.zone);
  ASSERT_EQ(reference.size(), whole.size());
  for (const PeriodDelta& d : whole) {
    const std::string where = std::string(c.zone) + " " + std::string(period_name(d.period)) + " " +
                              std::to_string(d.start);
    const auto it = reference.find({d.period, d.start});
    if (it == reference.end()) {
      ADD_FAILURE() << where << ": not a period of the reference";
      continue;
    }
    contract::expect_matches(d.rollup.row(), it->second, where);
    if (::testing::Test::HasFailure()) break;  // one period's report is enough
  }
}

INSTANTIATE_TEST_SUITE_P(Zones, RollupYear,
                         ::testing::Values(YearCase{"Europe/Berlin", 1'704'063'600, 1'735'686'000},
                                           YearCase{"Asia/Kathmandu", 1'704'046'500,
                                                    1'735'668'900}),
                         [](const ::testing::TestParamInfo<YearCase>& p) {
                           std::string name = p.param.zone;
                           std::replace(name.begin(), name.end(), '/', '_');
                           return name;
                         });

TEST(RollupChangeDays, BerlinsAre23And25HoursAndKathmandusHoursStartAtAQuarterPast) {
  const YearCase berlin{"Europe/Berlin", 1'704'063'600, 1'735'686'000};
  auto zone = TimeZone::locate(berlin.zone);
  ASSERT_TRUE(zone.ok());
  std::vector<MinuteRecord> minutes;
  // Only the two change days, every minute of them.
  for (std::int64_t t = contract::kBerlinMar31; t < contract::kBerlinApr01; t += 60) {
    minutes.push_back(contract::sample_minute(t));
  }
  for (std::int64_t t = contract::kBerlinOct27; t < contract::kBerlinOct28; t += 60) {
    minutes.push_back(contract::sample_minute(t));
  }
  const auto deltas = period_deltas(minutes, *zone);
  std::vector<std::int64_t> day_minutes;
  for (const auto& d : deltas) {
    if (d.period == Period::kDay) day_minutes.push_back(d.rollup.row().minutes);
  }
  EXPECT_EQ(day_minutes, (std::vector<std::int64_t>{23 * 60, 25 * 60}));
  EXPECT_EQ(count(deltas, Period::kHour), 48u);

  auto kathmandu = TimeZone::locate("Asia/Kathmandu");
  ASSERT_TRUE(kathmandu.ok());
  const MinuteRecord m = contract::sample_minute(1'704'046'500 + 7 * 3600 + 600);
  for (const auto& d : period_deltas({&m, 1}, *kathmandu)) {
    if (d.period == Period::kHour) {
      EXPECT_EQ(d.start % 3600, 15 * 60) << "a quarter past in UTC";
    }
  }
}

}  // namespace
}  // namespace maic::cloud
