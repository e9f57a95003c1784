#include "maic/core/energy_counter.hpp"

#include <algorithm>
#include <cmath>

namespace maic {
namespace {

double hours(Duration d) { return std::max(0.0, seconds(d)) / 3600; }

}  // namespace

void EnergyCounter::start(Duration at, double wh, double watts) {
  last_ = Point{at, wh, watts};
  candidate_.reset();
  peak_watts_ = watts;
}

bool EnergyCounter::plausible(const Point& from, const Point& to, double peak_watts) const {
  const double step = to.wh - from.wh;
  const double watts = std::max(kPowerMargin * peak_watts, kPhaseWatts);
  return step >= -kSlackWh && step <= watts * hours(to.at - from.at) + kSlackWh;
}

double EnergyCounter::add(Duration at, double wh, double watts) {
  watts = std::isfinite(watts) ? std::max(watts, 0.0) : 0.0;
  peak_watts_ = std::max(peak_watts_, watts);
  if (!std::isfinite(wh)) return 0;  // not reported: not zero either
  const Point now{at, wh, watts};
  if (!last_) {
    start(at, wh, watts);
    return 0;
  }
  double counted = 0;
  if (plausible(*last_, now, peak_watts_)) {
    candidate_.reset();
  } else if (candidate_ && plausible(*candidate_, now, std::max(candidate_->watts, watts))) {
    // Reset, replaced or set anew: the time up to the candidate was
    // measured by no counter; the reported power estimates it.
    counted = (last_->watts + candidate_->watts) / 2 * hours(candidate_->at - last_->at);
    last_ = *candidate_;
    candidate_.reset();
    peak_watts_ = std::max(last_->watts, watts);
  } else {
    candidate_ = now;
    return 0;
  }
  // Only forwards: a reading a little below the last counts 0 and the
  // next step is measured from the higher value.
  if (const double step = now.wh - last_->wh; step > 0) {
    counted += step;
    last_ = now;
    peak_watts_ = watts;
  }
  return counted;
}

std::optional<double> EnergyCounter::counted() const {
  if (!last_) return std::nullopt;
  return last_->wh;
}

}  // namespace maic
