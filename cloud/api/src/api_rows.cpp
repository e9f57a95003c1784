#include "api_rows.hpp"

#include <cmath>

namespace maic::cloud {
namespace {

// V, A, PF and T mean the same in every row; W and rW are the minute's
// mean power or the period's energy, as value_of() reads each kind of row.
template <typename Record>
nlohmann::ordered_json row(std::string_view devid, std::int64_t time, const Record& r) {
  // STAT: the status bits of what the row covers (docs/api.md): 0 as
  // measured; 1 a stamp the server corrected; 2 energy of a lost span.
  nlohmann::ordered_json out = {{"ID", devid}, {"TIME", time}, {"STAT", r.status}};
  for (const Quantity& q : catalogue(catalogue_phases(r.phases))) {
    if (in_api_row(q)) out[q.key] = display_value(q, value_of(r, q));
  }
  return out;
}

}  // namespace

bool in_api_row(const Quantity& q) {
  switch (q.family) {
    case Family::kVoltage:
    case Family::kCurrent:
    case Family::kPower:
    case Family::kReversePower:
    case Family::kEnergy:
    case Family::kReverseEnergy:
    case Family::kPowerFactor:
      return !q.is_total;
    case Family::kTemperature:
      return true;
    case Family::kFrequency:
    case Family::kOutput:
      return false;
  }
  return false;
}

bool in_csv_totals(const Quantity& q) {
  return q.is_total && (q.family == Family::kPower || q.family == Family::kEnergy);
}

nlohmann::ordered_json api_row(std::string_view devid, const MinuteRecord& m) {
  return row(devid, m.minute, m);
}

nlohmann::ordered_json api_row(std::string_view devid, std::int64_t period_start,
                               const PeriodRow& r) {
  return row(devid, period_start, r);
}

}  // namespace maic::cloud
