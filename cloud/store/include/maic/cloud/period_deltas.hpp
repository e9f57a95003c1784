// What a batch of minute records adds to the rollups: one accumulator per
// (period, start) the minutes fall into, for hours, days, ISO weeks, months
// and years in the device's time zone (calendar.hpp's period_of).
//
// Pure and shared by every Store: on ingest a store merges the deltas of the
// minutes that were new into its stored accumulators (read, merge, write, in
// the ingest's transaction). Since accumulators hold exact integer sums, a
// period comes out bit-identical however its minutes arrived: live one by
// one, in a backfilled batch, shuffled, or rebuilt after a time-zone change.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "maic/core/calendar.hpp"
#include "maic/core/minute_record.hpp"
#include "maic/core/rollup.hpp"

namespace maic::cloud {

// The periods a store keeps rollups of (every Period but kMinute).
inline constexpr std::array<Period, 5> kRollupPeriods{Period::kHour, Period::kDay, Period::kWeek,
                                                      Period::kMonth, Period::kYear};

struct PeriodDelta {
  Period period = Period::kHour;
  std::int64_t start = 0;  // unix seconds of the period's start
  RollupAccumulator rollup;
};

// The minutes' contributions, ordered by (period in kRollupPeriods order,
// start); none is empty. Each minute is added to exactly one delta of each
// period; duplicates are the caller's to remove (a store adds only the
// minutes it inserted).
std::vector<PeriodDelta> period_deltas(std::span<const MinuteRecord> minutes, const TimeZone& zone);

// Merges `more` into `into`, both ordered as period_deltas returns them, so
// that `into` stays ordered: what a store does to its stored rows, in memory.
void merge_deltas(std::vector<PeriodDelta>& into, std::span<const PeriodDelta> more);

}  // namespace maic::cloud
