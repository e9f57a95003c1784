#include "calibration_session.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>

namespace maic::device {
namespace {

// Until the first reading says otherwise: the engine's window (engine.hpp).
constexpr double kAssumedWindowSeconds = 5;

int readings_for(int seconds, double window_seconds) {
  return std::max(1, static_cast<int>(std::ceil(seconds / window_seconds - 1e-9)));
}

}  // namespace

std::string_view to_string(CalibrationState s) {
  switch (s) {
    case CalibrationState::kIdle:
      return "idle";
    case CalibrationState::kMeasuring:
      return "measuring";
    case CalibrationState::kDone:
      return "done";
    case CalibrationState::kFailed:
      return "failed";
  }
  return "idle";
}

Status CalibrationSession::start(const CalibrationRequest& request,
                                 const metering::Corrections& in_force, int phases) {
  if (request.seconds < kMinCalibrationSeconds || request.seconds > kMaxCalibrationSeconds) {
    return make_error(
        fmt::format("seconds: must be {}..{}", kMinCalibrationSeconds, kMaxCalibrationSeconds));
  }
  if (request.reference.empty() || request.reference.size() > static_cast<std::size_t>(phases))
    return make_error(fmt::format("reference: 1 to {} phases are needed", phases));
  std::vector<CalibrationPhaseReport> reports;
  for (std::size_t k = 0; k < request.reference.size(); ++k) {
    const ReferencePhase& r = request.reference[k];
    const std::string where = fmt::format("reference[{}]", k);
    if (r.phase < 1 || r.phase > phases)
      return make_error(fmt::format("{}.phase: must be 1..{}", where, phases));
    for (std::size_t j = 0; j < k; ++j) {
      if (request.reference[j].phase == r.phase)
        return make_error(fmt::format("{}.phase: phase {} is named twice", where, r.phase));
    }
    if (auto complete = metering::complete_reference(r.reference, where); !complete)
      return complete.error();
    reports.push_back({r.phase, r.reference, {}, std::nullopt});
  }
  *this = CalibrationSession{};
  state_ = CalibrationState::kMeasuring;
  request_ = request;
  in_force_ = in_force;
  reports_ = std::move(reports);
  skip_next_ = true;
  needed_ = readings_for(request.seconds, kAssumedWindowSeconds);
  return ok_status();
}

void CalibrationSession::add(const Reading& r) {
  if (state_ != CalibrationState::kMeasuring) return;
  if (skip_next_) {
    skip_next_ = false;
    return;
  }
  if (readings_ == 0 && r.span > Duration::zero()) {
    needed_ = readings_for(request_.seconds, std::chrono::duration<double>(r.span).count());
  }
  for (CalibrationPhaseReport& report : reports_) {
    const PhaseValues& v = r.phase[static_cast<std::size_t>(report.phase - 1)];
    metering::PhaseMeasurement& s = sums_[static_cast<std::size_t>(report.phase - 1)];
    s.volts += v.volts;
    s.amps += v.amps;
    s.watts += v.watts - v.reverse_watts;
    s.power_factor += v.power_factor;
  }
  ++readings_;
  if (readings_ >= needed_) finish();
}

metering::PhaseMeasurement CalibrationSession::mean(int phase) const {
  if (readings_ == 0) return {};
  const metering::PhaseMeasurement& s = sums_[static_cast<std::size_t>(phase - 1)];
  const double n = readings_;
  return {s.volts / n, s.amps / n, s.watts / n, s.power_factor / n};
}

void CalibrationSession::finish() {
  std::vector<std::string> problems;
  for (std::size_t k = 0; k < reports_.size(); ++k) {
    CalibrationPhaseReport& report = reports_[k];
    const auto p = static_cast<std::size_t>(report.phase - 1);
    report.measured = mean(report.phase);
    auto proposal = metering::propose_correction(report.measured, report.reference, in_force_[p],
                                                 fmt::format("reference[{}]", k));
    if (!proposal) {
      problems.push_back(proposal.error().message);
      continue;
    }
    report.reference = proposal->reference;
    report.proposal = std::move(*proposal);
  }
  if (problems.empty()) {
    state_ = CalibrationState::kDone;
    return;
  }
  state_ = CalibrationState::kFailed;
  error_ = fmt::format("{}", fmt::join(problems, "; "));
}

void CalibrationSession::fail(std::string why) {
  if (state_ != CalibrationState::kMeasuring) return;
  state_ = CalibrationState::kFailed;
  error_ = std::move(why);
}

void CalibrationSession::cancel() { *this = CalibrationSession{}; }

void CalibrationSession::mark_applied() { applied_ = true; }

CalibrationStatus CalibrationSession::status() const {
  CalibrationStatus out;
  out.state = state_;
  out.error = error_;
  out.seconds = request_.seconds;
  out.readings = readings_;
  out.readings_needed = needed_;
  out.applied = applied_;
  out.phases = reports_;
  for (CalibrationPhaseReport& report : out.phases) report.measured = mean(report.phase);
  return out;
}

std::optional<metering::Corrections> CalibrationSession::proposal() const {
  if (state_ != CalibrationState::kDone) return std::nullopt;
  metering::Corrections out = in_force_;
  for (const CalibrationPhaseReport& report : reports_) {
    out[static_cast<std::size_t>(report.phase - 1)] = report.proposal->correction;
  }
  return out;
}

}  // namespace maic::device
