// Rows of the smart-MAIC `/api` answer (compat.md §3): a JSON array, oldest
// first, each row {"ID", "TIME", "STAT", quantities...}.
//
// The quantities are the catalogue's per-phase V, A, W, rW, Wh, rWh, PF and
// the device's T — three-phase keys V1..V3 ..., single-phase V, A, W, ...
// As the manual's table says, in minute rows W and rW are the minute's mean
// power; in hour (and longer) rows they are the period's energy in Wh; Wh
// and rWh are always the cumulative meter at the row's end; V, A, PF, T are
// means. STAT is 0: the field is kept for clients that read it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "maic/core/minute_record.hpp"
#include "maic/core/rollup.hpp"

namespace maic::cloud {

// The one rule for which quantities an /api row carries (compat.md §3): the
// per-phase V, A, W, rW, Wh, rWh, PF, and T. The Dashboard's CSV export
// carries the same columns, so a spreadsheet made from one reads the other,
// and after them the totals in_csv_totals() names: W and TWh.
bool in_api_row(const Quantity& q);
bool in_csv_totals(const Quantity& q);

nlohmann::ordered_json api_row(std::string_view devid, const MinuteRecord& m);
nlohmann::ordered_json api_row(std::string_view devid, std::int64_t period_start,
                               const PeriodRow& row);

}  // namespace maic::cloud
