#include "maic/cloud/period_deltas.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

namespace maic::cloud {
namespace {

// kRollupPeriods' order, which need not be the enum's.
std::size_t rank(Period p) {
  return static_cast<std::size_t>(std::find(kRollupPeriods.begin(), kRollupPeriods.end(), p) -
                                  kRollupPeriods.begin());
}

bool before(const PeriodDelta& a, const PeriodDelta& b) {
  const std::size_t ra = rank(a.period);
  const std::size_t rb = rank(b.period);
  return ra != rb ? ra < rb : a.start < b.start;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::vector<PeriodDelta> period_deltas(std::span<const MinuteRecord> minutes,
                                       const TimeZone& zone) {
  static_assert(kRollupPeriods[0] == Period::kHour);
  // One ordered map per period; a batch's minutes are mostly in order, so
  // the accumulator of the previous minute's period is tried first.
  std::array<std::map<std::int64_t, RollupAccumulator>, kRollupPeriods.size()> by_period;
  std::array<std::pair<std::int64_t, RollupAccumulator*>, kRollupPeriods.size()> last{};
  // Days, weeks, months and years are from local midnight to local midnight
  // (calendar.hpp), so a minute's period of each is a function of its local
  // date alone: period_of is asked once per local date, not per minute (a
  // third of a batch's cost otherwise). Hours are asked every minute.
  std::int64_t cached_date = std::numeric_limits<std::int64_t>::min();
  std::array<std::int64_t, kRollupPeriods.size()> starts{};
  for (const MinuteRecord& m : minutes) {
    const std::int64_t date = floor_div(m.minute + zone.offset_at(m.minute), 86400);
    if (date != cached_date) {
      cached_date = date;
      for (std::size_t k = 1; k < kRollupPeriods.size(); ++k) {
        starts[k] = period_of(kRollupPeriods[k], m.minute, zone).start;
      }
    }
    starts[0] = period_of(Period::kHour, m.minute, zone).start;
    // The minute's fixed-point conversion once, merged into five periods:
    // merging a one-minute accumulator is exactly adding the minute.
    RollupAccumulator one;
    one.add(m);
    for (std::size_t k = 0; k < kRollupPeriods.size(); ++k) {
      if (last[k].second == nullptr || last[k].first != starts[k]) {
        last[k] = {starts[k], &by_period[k][starts[k]]};  // std::map never moves its values
      }
      last[k].second->merge(one);
    }
  }
  std::vector<PeriodDelta> out;
  for (std::size_t k = 0; k < kRollupPeriods.size(); ++k) {
    for (auto& [start, acc] : by_period[k]) {
      out.push_back(PeriodDelta{kRollupPeriods[k], start, std::move(acc)});
    }
  }
  return out;
}

void merge_deltas(std::vector<PeriodDelta>& into, std::span<const PeriodDelta> more) {
  for (const PeriodDelta& d : more) {
    const auto at = std::lower_bound(into.begin(), into.end(), d, before);
    if (at != into.end() && at->period == d.period && at->start == d.start) {
      at->rollup.merge(d.rollup);
    } else {
      into.insert(at, d);
    }
  }
}

}  // namespace maic::cloud
