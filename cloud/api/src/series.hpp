// Series for the Dashboard: the values of any quantities of the catalogue
// over a range, by minute or by calendar period, downsampled on the server
// when a range would return more points than a chart can show.
//
// Pure: rows in, columns out (uPlot's layout: one time column, one column
// per quantity).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "maic/core/calendar.hpp"
#include "maic/core/minute_record.hpp"
#include "maic/core/quantity.hpp"
#include "maic/core/rollup.hpp"

namespace maic::cloud {

struct Series {
  Period period = Period::kMinute;
  std::vector<std::int64_t> time;            // unix seconds of each point's start
  std::vector<std::vector<double>> columns;  // one per quantity, each time.size() long
  // Per point, MinuteRecord::status bits of what it covers, OR'd: a
  // corrected clock, a gap's energy (docs/api.md).
  std::vector<std::uint8_t> status;
  bool downsampled = false;
};

// The finest period whose rows over [from, to] (those that start in it)
// number at most `max_points`, counted in `zone`'s local calendar: a week
// from one Tuesday noon to the next holds seven day rows, a DST day 23 or 25
// hour rows. Year when none fits.
Period auto_period(std::int64_t from, std::int64_t to, std::size_t max_points,
                   const TimeZone& zone);

// How many periods of kind `p` start in [from, to] in `zone`, counted up to
// `cap` + 1 (more is reported as cap + 1).
std::size_t periods_starting_in(Period p, std::int64_t from, std::int64_t to, const TimeZone& zone,
                                std::size_t cap);

Series series_of(std::span<const MinuteRecord> minutes, std::span<const Quantity* const> qs);
Series series_of(Period p, std::span<const std::int64_t> starts, std::span<const PeriodRow> rows,
                 std::span<const Quantity* const> qs);

// Merges consecutive points into at most `max_points` buckets (max_points
// >= 1), each stamped with its first point's time: means stay means, the
// energy of periods adds up, meters and states take the bucket's last value.
Series downsample(Series s, std::span<const Quantity* const> qs, std::size_t max_points);

}  // namespace maic::cloud
