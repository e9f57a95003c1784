#include "maic/core/upload_codec.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>

#include "maic/core/device_id.hpp"

namespace maic {
namespace {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

// A double that survives the round trip exactly.
std::string num(double v) { return fmt::format("{}", std::isfinite(v) ? v : 0.0); }

// The per-phase fields, as a table: key and member, with the range each
// must be in.
struct PhaseField {
  std::string_view key;
  double PhaseMinute::*member;
  double min;
  double max;
};
constexpr PhaseField kPhaseFields[] = {
    {"v", &PhaseMinute::volts, 0, 1e5},       {"a", &PhaseMinute::amps, 0, 1e6},
    {"pf", &PhaseMinute::power_factor, 0, 1}, {"hz", &PhaseMinute::hertz, 0, 1000},
    {"wh_d", &PhaseMinute::wh_delta, 0, 1e9}, {"rwh_d", &PhaseMinute::rwh_delta, 0, 1e9},
    {"wh", &PhaseMinute::wh, 0, 1e15},        {"rwh", &PhaseMinute::rwh, 0, 1e15},
};

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

Status decode_phase(object o, const std::string& where, PhaseMinute& out) {
  std::size_t seen = 0;
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return at(where, "a bad key");
    const PhaseField* f = nullptr;
    for (const PhaseField& candidate : kPhaseFields) {
      if (candidate.key == key) f = &candidate;
    }
    if (!f) return at(where, fmt::format("unknown field '{}'", key));
    auto d = number(field.value(), where + "." + std::string(key), f->min, f->max);
    if (!d) return d.error();
    out.*(f->member) = *d;
    ++seen;
  }
  if (seen != std::size(kPhaseFields)) {
    return at(where, "needs v, a, pf, hz, wh_d, rwh_d, wh and rwh, each once");
  }
  out.watts = out.wh_delta * 60;  // Wh in a minute -> mean W
  out.reverse_watts = out.rwh_delta * 60;
  return ok_status();
}

Result<UploadRecord> decode_record(object o, const std::string& where) {
  UploadRecord r;
  MinuteRecord& m = r.minute;
  std::size_t phases_seen = 0;
  bool have_phases = false;
  for (auto field : o) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return at(where, "a bad key");
    const std::string here = where + "." + std::string(key);
    if (key == "seq") {
      auto i = integer(field.value(), here, 1, 0xffffffff);
      if (!i) return i.error();
      r.seq = static_cast<std::uint32_t>(*i);
    } else if (key == "minute") {
      auto i = integer(field.value(), here, 0, 253'402'300'740);
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
      auto d = number(field.value(), here, -100, 200);
      if (!d) return d.error();
      m.temperature_c = *d;
    } else if (key == "n") {
      auto i = integer(field.value(), here, 0, 10'000);
      if (!i) return i.error();
      m.readings = static_cast<int>(*i);
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
        if (Status s = decode_phase(po, phase_where, m.phase[p]); !s) return s.error();
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
  return r;
}

}  // namespace

std::string encode_upload(const UploadBatch& batch) {
  std::string out = fmt::format("{{\"devid\":\"{}\",\"records\":[", batch.devid);
  for (std::size_t k = 0; k < batch.records.size(); ++k) {
    const UploadRecord& r = batch.records[k];
    const MinuteRecord& m = r.minute;
    out += fmt::format(
        "{}{{\"seq\":{},\"minute\":{},\"phases\":{},\"out\":{},\"t\":{},\"n\":{},\"p\":[",
        k ? "," : "", r.seq, m.minute, m.phases, m.output_on ? 1 : 0, num(m.temperature_c),
        m.readings);
    for (int p = 0; p < m.phases; ++p) {
      const PhaseMinute& ph = m.phase[static_cast<std::size_t>(p)];
      out += p ? ",{" : "{";
      bool first = true;
      for (const PhaseField& f : kPhaseFields) {
        out += fmt::format("{}\"{}\":{}", first ? "" : ",", f.key, num(ph.*(f.member)));
        first = false;
      }
      out += "}";
    }
    out += "]}";
  }
  return out + "]}";
}

Result<UploadBatch> decode_upload(std::string_view json) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return make_error("not JSON");
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS)
    return make_error("a JSON object is required");
  UploadBatch batch;
  bool have_records = false;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return make_error("a bad key");
    if (key == "devid") {
      std::string_view id;
      if (field.value().get_string().get(id) != simdjson::SUCCESS || !DeviceId::valid(id)) {
        return make_error("devid: a 10-digit device ID is required");
      }
      batch.devid = std::string(id);
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
