#include "maic/core/upload_codec.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "maic/core/device_id.hpp"
#include "maic/core/json_depth.hpp"

namespace maic {
namespace {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

// A double that survives the round trip exactly.
std::string num(double v) { return fmt::format("{}", std::isfinite(v) ? v : 0.0); }

// The per-phase fields, as a table: key and member, with the range each
// must be in (the catalogue's family range; the minute's energies their own).
struct PhaseField {
  std::string_view key;
  double PhaseValues::*member;
  double min;
  double max;
};

PhaseField family_field(std::string_view key, Family f) {
  const FamilyInfo& info = family_info(f);
  return {key, phase_member(f), info.min, info.max};
}

const std::array<PhaseField, 8>& phase_fields() {
  static const std::array<PhaseField, 8> fields{
      family_field("v", Family::kVoltage),
      family_field("a", Family::kCurrent),
      family_field("pf", Family::kPowerFactor),
      family_field("hz", Family::kFrequency),
      PhaseField{"wh_d", &PhaseValues::wh_delta, 0, kMaxMinuteEnergyWh},
      PhaseField{"rwh_d", &PhaseValues::rwh_delta, 0, kMaxMinuteEnergyWh},
      family_field("wh", Family::kEnergy),
      family_field("rwh", Family::kReverseEnergy),
  };
  return fields;
}

const FamilyInfo& temperature() { return family_info(Family::kTemperature); }

constexpr std::int64_t kMaxReadings = 10'000;
// 9999-12-31 23:59: the last minute the calendar code handles.
constexpr std::int64_t kMaxMinute = 253'402'300'740;
// "s", the seconds a minute's energies cover: absent means a full minute.
constexpr std::int64_t kMaxCoveredSeconds = 3600;

Error at(const std::string& where, std::string_view what) {
  return make_error(where + ": " + std::string(what));
}

Result<double> number(value v, const std::string& where, double min, double max) {
  double d = 0;
  if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d) || d < min || d > max) {
    return at(where, fmt::format("a number within {}..{} is required", min, max));
  }
  return d;
}

Result<std::int64_t> integer(value v, const std::string& where, std::int64_t min,
                             std::int64_t max) {
  std::int64_t i = 0;
  if (v.get_int64().get(i) != simdjson::SUCCESS || i < min || i > max) {
    return at(where, fmt::format("a whole number within {}..{} is required", min, max));
  }
  return i;
}

// Whether `key` is among `keys` (the message to give if so); adds it if
// not. A JSON object's keys should be unique (RFC 8259 §4); here a repeat is
// refused, so a later value cannot silently replace an earlier one. The
// keys are views into the parser's buffer, valid for the document's life;
// objects have a handful of keys, so a scan is cheap.
std::optional<std::string> repeated(std::vector<std::string_view>& keys, std::string_view key) {
  if (std::find(keys.begin(), keys.end(), key) != keys.end()) return fmt::format("'{}' twice", key);
  keys.push_back(key);
  return std::nullopt;
}

// The lifetime registers, optional per phase: "lwh" and "lrwh", in the
// energy families' ranges.
constexpr std::string_view kLifetimeReverseField = "lrwh";

// Decodes one phase; returns which lifetime fields it carried (bits: 1 lwh,
// 2 lrwh),
// writing them to lifetime's `p`th entries.
Result<int> decode_phase(object o, const std::string& where, PhaseValues& out,
                         LifetimeRegisters& lifetime, std::size_t p) {
  // One bit per field of phase_fields(): a repeated key is refused, so it
  // cannot stand in for a missing one.
  unsigned seen = 0;
  int lifetime_seen = 0;
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return at(where, "a bad key");
    if (key == kLifetimeField || key == kLifetimeReverseField) {
      const bool forward = key == kLifetimeField;
      const FamilyInfo& info = family_info(forward ? Family::kEnergy : Family::kReverseEnergy);
      const int bit = forward ? 1 : 2;
      if ((lifetime_seen & bit) != 0) return at(where, fmt::format("'{}' twice", key));
      lifetime_seen |= bit;
      auto d = number(field.value(), where + "." + std::string(key), info.min, info.max);
      if (!d) return d.error();
      (forward ? lifetime[p].wh : lifetime[p].rwh) = *d;
      continue;
    }
    const auto& fields = phase_fields();
    const auto f = std::find_if(fields.begin(), fields.end(),
                                [&](const PhaseField& candidate) { return candidate.key == key; });
    if (f == fields.end()) return at(where, fmt::format("unknown field '{}'", key));
    const unsigned bit = 1u << static_cast<unsigned>(f - fields.begin());
    if ((seen & bit) != 0) return at(where, fmt::format("'{}' twice", key));
    seen |= bit;
    auto d = number(field.value(), where + "." + std::string(key), f->min, f->max);
    if (!d) return d.error();
    out.*(f->member) = *d;
  }
  if (seen != (1u << phase_fields().size()) - 1 || (lifetime_seen != 0 && lifetime_seen != 3)) {
    return at(where, "needs v, a, pf, hz, wh_d, rwh_d, wh and rwh, each once (and lwh with lrwh)");
  }
  return lifetime_seen;
}

Result<UploadRecord> decode_record(object o, const std::string& where) {
  UploadRecord r;
  MinuteRecord& m = r.minute;
  std::size_t phases_seen = 0;
  bool have_phases = false;
  LifetimeRegisters lifetime{};
  std::size_t phases_with_lifetime = 0;
  std::vector<std::string_view> keys;  // seen so far: a repeated key is refused
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return at(where, "a bad key");
    if (auto problem = repeated(keys, key)) return at(where, *problem);
    const std::string here = where + "." + std::string(key);
    if (key == "seq") {
      auto i = integer(field.value(), here, 1, 0xffffffff);
      if (!i) return i.error();
      r.seq = static_cast<std::uint32_t>(*i);
    } else if (key == "minute") {
      auto i = integer(field.value(), here, 0, kMaxMinute);
      if (!i) return i.error();
      if (*i % 60 != 0) return at(here, "must be a whole minute (a multiple of 60)");
      m.minute = *i;
    } else if (key == "phases") {
      auto i = integer(field.value(), here, 1, 3);
      if (!i) return i.error();
      m.phases = static_cast<int>(*i);
    } else if (key == "out") {
      auto i = integer(field.value(), here, 0, 1);
      if (!i) return i.error();
      m.output_on = *i == 1;
    } else if (key == "t") {
      auto d = number(field.value(), here, temperature().min, temperature().max);
      if (!d) return d.error();
      m.temperature_c = *d;
    } else if (key == "n") {
      auto i = integer(field.value(), here, 0, kMaxReadings);
      if (!i) return i.error();
      m.readings = static_cast<int>(*i);
    } else if (key == kCoveredField) {
      auto d = number(field.value(), here, 0, static_cast<double>(kMaxCoveredSeconds));
      if (!d) return d.error();
      m.covered = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*d));
    } else if (key == "p") {
      simdjson::ondemand::array phases;
      if (field.value().get_array().get(phases) != simdjson::SUCCESS) {
        return at(here, "an array of phases is required");
      }
      std::size_t p = 0;
      for (auto element : phases) {
        const std::string phase_where = fmt::format("{}[{}]", here, p);
        if (p >= kMaxPhases) return at(here, "at most 3 phases");
        object po;
        if (element.get_object().get(po) != simdjson::SUCCESS) {
          return at(phase_where, "an object is required");
        }
        auto lifetime_fields = decode_phase(po, phase_where, m.phase[p], lifetime, p);
        if (!lifetime_fields) return lifetime_fields.error();
        if (*lifetime_fields != 0) ++phases_with_lifetime;
        ++p;
      }
      have_phases = true;
      phases_seen = p;
    } else {
      return at(where, fmt::format("unknown field '{}'", key));
    }
  }
  if (r.seq == 0) return at(where, "seq is required");
  if (!have_phases) return at(where, "p is required");
  // Checked after the loop: "phases" may come after "p".
  if (static_cast<int>(phases_seen) != m.phases)
    return at(where + ".p", "needs one entry per phase");
  if (phases_with_lifetime != 0) {
    if (phases_with_lifetime != phases_seen) return at(where + ".p", "lwh in every phase or none");
    r.lifetime = lifetime;
  }
  set_mean_powers(m);
  return r;
}

}  // namespace

void fit_to_upload(MinuteRecord& m) {
  const auto fit = [](double& v, double lo, double hi) {
    v = std::isfinite(v) ? std::clamp(v, lo, hi) : lo;
  };
  fit(m.temperature_c, temperature().min, temperature().max);
  m.readings = std::clamp(m.readings, 0, static_cast<int>(kMaxReadings));
  m.covered =
      std::clamp<Duration>(m.covered, Duration::zero(), std::chrono::seconds(kMaxCoveredSeconds));
  for (PhaseValues& p : m.phase) {
    for (const PhaseField& f : phase_fields()) fit(p.*(f.member), f.min, f.max);
  }
}

std::string encode_upload(const UploadBatch& batch) {
  std::string out = fmt::format("{{\"devid\":\"{}\",", batch.devid);
  if (batch.device_clock) out += fmt::format("\"{}\":{},", kDeviceClockField, *batch.device_clock);
  out += "\"records\":[";
  for (std::size_t k = 0; k < batch.records.size(); ++k) {
    const UploadRecord& r = batch.records[k];
    const MinuteRecord& m = r.minute;
    out += fmt::format("{}{{\"seq\":{},\"minute\":{},\"phases\":{},\"out\":{},\"t\":{},\"n\":{},",
                       k ? "," : "", r.seq, m.minute, m.phases, m.output_on ? 1 : 0,
                       num(m.temperature_c), m.readings);
    // Only a partial minute says how much it covered, and only to a server
    // that reads it: a full one encodes as before "s" existed, which servers
    // of any version read.
    if (batch.send_covered && m.covered != kFullMinute) {
      out += fmt::format("\"{}\":{},", kCoveredField, num(seconds(m.covered)));
    }
    out += "\"p\":[";
    for (int p = 0; p < m.phases; ++p) {
      const PhaseValues& ph = m.phase[static_cast<std::size_t>(p)];
      out += p ? ",{" : "{";
      bool first = true;
      for (const PhaseField& f : phase_fields()) {
        out += fmt::format("{}\"{}\":{}", first ? "" : ",", f.key, num(ph.*(f.member)));
        first = false;
      }
      if (batch.send_lifetime && r.lifetime) {
        const auto at_p = static_cast<std::size_t>(p);
        out += fmt::format(",\"{}\":{},\"{}\":{}", kLifetimeField, num((*r.lifetime)[at_p].wh),
                           kLifetimeReverseField, num((*r.lifetime)[at_p].rwh));
      }
      out += "}";
    }
    out += "]}";
  }
  return out + "]}";
}

Result<UploadBatch> decode_upload(std::string_view json) {
  // A batch nests 4 deep; simdjson's own bound (1024 by default) is set to
  // maic's, and the scan gives the same answer as every other JSON reader.
  if (!json_within_depth(json)) {
    return make_error(fmt::format("nested deeper than {} levels", kMaxJsonDepth));
  }
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(json);
  if (parser.allocate(padded.size(), kMaxJsonDepth) != simdjson::SUCCESS) {
    return make_error("out of memory");
  }
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return make_error("not JSON");
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS)
    return make_error("a JSON object is required");
  UploadBatch batch;
  bool have_records = false;
  std::vector<std::string_view> keys;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return make_error("a bad key");
    if (auto problem = repeated(keys, key)) return make_error(*problem);
    if (key == "devid") {
      std::string_view id;
      if (field.value().get_string().get(id) != simdjson::SUCCESS || !DeviceId::valid(id)) {
        return make_error("devid: a 10-digit device ID is required");
      }
      batch.devid = std::string(id);
    } else if (key == kDeviceClockField) {
      auto i = integer(field.value(), "now", 0, kMaxMinute);
      if (!i) return i.error();
      batch.device_clock = *i;
    } else if (key == "records") {
      simdjson::ondemand::array records;
      if (field.value().get_array().get(records) != simdjson::SUCCESS) {
        return make_error("records: an array is required");
      }
      for (auto element : records) {
        const std::string where = fmt::format("records[{}]", batch.records.size());
        if (batch.records.size() >= kMaxUploadRecords) {
          return make_error(fmt::format("records: at most {} in one batch", kMaxUploadRecords));
        }
        object o;
        if (element.get_object().get(o) != simdjson::SUCCESS)
          return at(where, "an object is required");
        auto r = decode_record(o, where);
        if (!r) return r.error();
        batch.records.push_back(std::move(*r));
      }
      have_records = true;
    } else {
      return make_error(fmt::format("unknown field '{}'", key));
    }
  }
  if (batch.devid.empty()) return make_error("devid: a 10-digit device ID is required");
  if (!have_records) return make_error("records: an array is required");
  // On Demand stops after the first value: anything after it is refused
  // (the iteration must have reached the end of the input).
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return make_error("trailing content after the JSON object");
  }
  return batch;
}

}  // namespace maic
