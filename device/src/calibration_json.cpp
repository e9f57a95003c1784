#include "calibration_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string>

namespace maic::device {
namespace {

using nlohmann::json;

Result<metering::PhaseReference> reference_from_json(const json& j, ReferencePhase& out,
                                                     const std::string& where) {
  if (!j.is_object()) return make_error(where + ": an object is expected");
  static constexpr const char* kKnown[] = {"phase", "volts", "amps", "watts", "power_factor"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown))
      return make_error(fmt::format("{}.{}: no such field", where, key));
    if (!value.is_number())
      return make_error(fmt::format("{}.{}: a number is expected", where, key));
  }
  for (const char* required : {"phase", "volts", "power_factor"}) {
    if (!j.contains(required))
      return make_error(fmt::format("{}.{}: a number is required", where, required));
  }
  if (!j["phase"].is_number_integer())
    return make_error(where + ".phase: a whole number is expected");
  out.phase = static_cast<int>(std::clamp<std::int64_t>(j["phase"].get<std::int64_t>(), -1, 99));
  metering::PhaseReference r;
  r.volts = j["volts"].get<double>();
  r.power_factor = j["power_factor"].get<double>();
  if (j.contains("amps")) r.amps = j["amps"].get<double>();
  if (j.contains("watts")) r.watts = j["watts"].get<double>();
  return r;
}

json measurement_json(const metering::PhaseMeasurement& m) {
  return {
      {"volts", m.volts}, {"amps", m.amps}, {"watts", m.watts}, {"power_factor", m.power_factor}};
}

json errors_json(const metering::CalibrationErrors& e) {
  return {{"volts_pct", e.volts_pct},
          {"amps_pct", e.amps_pct},
          {"watts_pct", e.watts_pct},
          {"power_factor", e.power_factor}};
}

json correction_json(const metering::CalibrationCorrection& c) {
  return {{"voltage_gain", c.voltage_gain},
          {"current_gain", c.current_gain},
          {"phase_deg", c.phase_deg}};
}

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

Result<CalibrationRequest> calibration_request_from_json(const json& j) {
  if (!j.is_object()) return make_error("a JSON object {\"seconds\", \"reference\"} is expected");
  CalibrationRequest out;
  for (const auto& [key, value] : j.items()) {
    if (key != "seconds" && key != "reference") return make_error(key + ": no such field");
  }
  if (j.contains("seconds")) {
    if (!j["seconds"].is_number_integer())
      return make_error("seconds: a whole number of seconds is expected");
    out.seconds = static_cast<int>(std::clamp<std::int64_t>(j["seconds"].get<std::int64_t>(), 0,
                                                            std::numeric_limits<int>::max()));
  }
  if (!j.contains("reference") || !j["reference"].is_array())
    return make_error("reference: an array of phases is required");
  const json& list = j["reference"];
  if (list.size() > kMaxPhases) return make_error("reference: at most 3 phases");
  for (std::size_t k = 0; k < list.size(); ++k) {
    ReferencePhase phase;
    auto r = reference_from_json(list[k], phase, fmt::format("reference[{}]", k));
    if (!r) return r.error();
    phase.reference = *r;
    out.reference.push_back(phase);
  }
  return out;
}

json calibration_to_json(const CalibrationStatus& s, int phases) {
  json list = json::array();
  for (const CalibrationPhaseReport& p : s.phases) {
    const metering::PhaseReference& r = p.reference;
    json phase = {{"phase", p.phase},
                  {"reference",
                   {{"volts", r.volts},
                    {"amps", optional_json(r.amps)},
                    {"watts", optional_json(r.watts)},
                    {"power_factor", r.power_factor}}},
                  {"measured", measurement_json(p.measured)},
                  {"proposal", nullptr},
                  {"error_before", nullptr},
                  {"error_after", nullptr}};
    if (p.proposal) {
      phase["proposal"] = correction_json(p.proposal->correction);
      phase["proposal"]["phase_determined"] = p.proposal->phase_determined;
      phase["error_before"] = errors_json(p.proposal->before);
      phase["error_after"] = errors_json(p.proposal->after);
    }
    list.push_back(std::move(phase));
  }
  json current = json::array();
  for (int p = 0; p < phases; ++p) {
    json c = correction_json(s.current[static_cast<std::size_t>(p)]);
    c["phase"] = p + 1;
    current.push_back(std::move(c));
  }
  return {{"state", to_string(s.state)},
          {"error", s.error},
          {"calibratable", s.calibratable},
          {"applied", s.applied},
          {"progress",
           {{"readings", s.readings}, {"needed", s.readings_needed}, {"seconds", s.seconds}}},
          {"phases", std::move(list)},
          {"current", std::move(current)}};
}

}  // namespace maic::device
