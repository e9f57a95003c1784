#include "meter_store.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "maic/core/crc32.hpp"
#include "maic/http/json.hpp"

namespace maic::device {
namespace {

using nlohmann::json;

constexpr std::string_view flow_key(Flow f) { return f == Flow::kForward ? "forward" : "reverse"; }

json values_json(const MeterValues& v) {
  json out = json::object();
  for (Flow f : kFlows) out[std::string(flow_key(f))] = v[f];
  return out;
}

std::uint32_t checksum_of(const json& body) { return crc32c(as_bytes(body.dump())); }

// Reads {"forward":[3 ints],"reverse":[3 ints]} at `path`.
Result<MeterValues> parse_values(const json& j, const std::string& path, bool non_negative) {
  if (!j.is_object()) return make_error(path + " must be an object");
  MeterValues out;
  for (Flow f : kFlows) {
    const std::string key(flow_key(f));
    const auto it = j.find(key);
    if (it == j.end()) return make_error(path + "." + key + " is missing");
    if (!it->is_array() || it->size() != kMaxPhases) {
      return make_error(path + "." + key + " must be an array of " + std::to_string(kMaxPhases) +
                        " integers");
    }
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      const json& v = (*it)[p];
      const std::string field = path + "." + key + "[" + std::to_string(p) + "]";
      const bool fits = v.is_number_integer() &&
                        (!v.is_number_unsigned() ||
                         v.get<std::uint64_t>() <=
                             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
      if (!fits || (non_negative && v.get<std::int64_t>() < 0)) {
        return make_error(field + " must be a" + (non_negative ? " non-negative" : "n") +
                          " integer (µWh)");
      }
      out[f][p] = v.get<std::int64_t>();
    }
  }
  return out;
}

}  // namespace

std::string encode_meter_state(const MeterState& s) {
  json history = json::array();
  for (const OffsetEntry& e : s.history) {
    history.push_back({{"from_seq", e.from_seq}, {"offsets", values_json(e.offsets)}});
  }
  json body = {{"version", MeterState::kVersion},
               {"lifetime", values_json(s.lifetime)},
               {"history", std::move(history)}};
  const std::uint32_t crc = checksum_of(body);
  body["crc32c"] = crc;
  return body.dump();
}

Result<MeterState> decode_meter_state(std::string_view text) {
  auto document = http::parse_json(text);
  if (!document) return document.error();
  json& j = *document;
  if (!j.is_object()) return make_error("must be a JSON object");

  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) {
    return make_error("version must be an integer");
  }
  if (version->get<std::int64_t>() != MeterState::kVersion) {
    return make_error("version " + version->dump() + " is not " +
                      std::to_string(MeterState::kVersion) + ", the version this build reads");
  }
  const auto crc = j.find("crc32c");
  if (crc == j.end() || !crc->is_number_unsigned() ||
      crc->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
    return make_error("crc32c must be an unsigned 32-bit integer");
  }
  const auto expected = crc->get<std::uint32_t>();
  j.erase("crc32c");
  if (checksum_of(j) != expected) return make_error("crc32c does not match (the file is damaged)");

  MeterState s;
  const auto lifetime = j.find("lifetime");
  if (lifetime == j.end()) return make_error("lifetime is missing");
  auto values = parse_values(*lifetime, "lifetime", /*non_negative=*/true);
  if (!values) return values.error();
  s.lifetime = *values;

  const auto history = j.find("history");
  if (history == j.end() || !history->is_array() || history->empty()) {
    return make_error("history must be a non-empty array");
  }
  s.history.clear();
  for (std::size_t i = 0; i < history->size(); ++i) {
    const json& e = (*history)[i];
    const std::string path = "history[" + std::to_string(i) + "]";
    if (!e.is_object()) return make_error(path + " must be an object");
    const auto from = e.find("from_seq");
    if (from == e.end() || !from->is_number_unsigned() || from->get<std::uint64_t>() == 0 ||
        from->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
      return make_error(path + ".from_seq must be an integer in 1..4294967295");
    }
    OffsetEntry entry;
    entry.from_seq = from->get<std::uint32_t>();
    if (!s.history.empty() && entry.from_seq <= s.history.back().from_seq) {
      return make_error(path + ".from_seq must be greater than history[" + std::to_string(i - 1) +
                        "].from_seq");
    }
    const auto offsets = e.find("offsets");
    if (offsets == e.end()) return make_error(path + ".offsets is missing");
    auto parsed = parse_values(*offsets, path + ".offsets", /*non_negative=*/false);
    if (!parsed) return parsed.error();
    entry.offsets = *parsed;
    s.history.push_back(entry);
  }
  return s;
}

MeterStore::MeterStore(Storage& storage, MeterStoreOptions options, MeterState state,
                       SteadyTime now)
    : storage_(&storage), options_(std::move(options)), state_(std::move(state)), last_save_(now) {}

Result<MeterStore> MeterStore::open(Storage& storage, const std::optional<JournalRecord>& newest,
                                    SteadyTime now, MeterStoreOptions options) {
  const std::string name = options.file_name;
  auto content = storage.read_file(name);
  if (!content) return content.error();
  MeterState state;
  if (*content) {
    auto decoded = decode_meter_state(as_text(**content));
    if (!decoded) return make_error(name + ": " + decoded.error().message);
    state = std::move(*decoded);
  }
  MeterStore store(storage, std::move(options), std::move(state), now);
  if (newest) {
    // The journal may be up to a minute ahead of the store, or behind it by
    // up to save_every: take whichever is further, register by register.
    for (Flow f : kFlows) {
      for (std::size_t p = 0; p < kMaxPhases; ++p) {
        std::int64_t& stored = store.state_.lifetime[f][p];
        const std::int64_t journaled = unwrap_counter(newest->phase[p].counter(f), stored);
        if (journaled > stored) {
          stored = journaled;
          store.dirty_ = true;
        }
      }
    }
  }
  // Durable either way: a restart takes the larger of the file and the
  // journal again.
  store.saved_lifetime_ = store.state_.lifetime;
  return store;
}

namespace {

MeterValues plus_offsets(const MeterValues& lifetime, const MeterValues& offsets) {
  MeterValues out;
  for (Flow f : kFlows) {
    for (std::size_t p = 0; p < kMaxPhases; ++p) out[f][p] = lifetime[f][p] + offsets[f][p];
  }
  return out;
}

}  // namespace

MeterValues MeterStore::user_meters() const { return plus_offsets(lifetime(), offsets()); }

MeterValues MeterStore::saved_user_meters() const {
  return plus_offsets(saved_lifetime_, offsets());
}

const MeterValues& MeterStore::offsets_for(std::uint32_t seq) const {
  const auto& h = state_.history;
  // The last entry with from_seq <= seq.
  auto it = std::upper_bound(h.begin(), h.end(), seq,
                             [](std::uint32_t s, const OffsetEntry& e) { return s < e.from_seq; });
  return it == h.begin() ? h.front().offsets : std::prev(it)->offsets;
}

Status MeterStore::update(const MeterValues& lifetime, SteadyTime now) {
  for (Flow f : kFlows) {
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      if (lifetime[f][p] > state_.lifetime[f][p]) {
        state_.lifetime[f][p] = lifetime[f][p];
        dirty_ = true;
      }
    }
  }
  if (dirty_ && now - last_save_ >= options_.save_every) return save(now);
  return ok_status();
}

Status MeterStore::set_user_meter(std::size_t phase, Flow flow, std::int64_t micro_wh,
                                  std::uint32_t from_seq, SteadyTime now) {
  if (phase >= kMaxPhases) return make_error("phase must be 0.." + std::to_string(kMaxPhases - 1));
  if (micro_wh < 0) return make_error("a meter's initial value must not be negative");
  if (from_seq == 0 || from_seq < state_.history.back().from_seq) {
    return make_error("from_seq " + std::to_string(from_seq) +
                      " is older than the offsets in force");
  }
  const MeterState before = state_;
  const bool before_dirty = dirty_;
  if (from_seq != state_.history.back().from_seq) {
    state_.history.push_back({from_seq, state_.history.back().offsets});
  }
  state_.history.back().offsets[flow][phase] = micro_wh - state_.lifetime[flow][phase];
  dirty_ = true;
  if (auto s = save(now); !s) {
    state_ = before;
    dirty_ = before_dirty;
    return s;
  }
  return ok_status();
}

void MeterStore::prune(std::uint32_t oldest_seq) {
  auto& h = state_.history;
  std::size_t drop = 0;
  // Entry i serves seqs [from_seq(i), from_seq(i + 1)): unused once the
  // next one starts at or before the oldest record kept.
  while (drop + 1 < h.size() && h[drop + 1].from_seq <= oldest_seq) ++drop;
  if (drop == 0) return;
  h.erase(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(drop));
  dirty_ = true;
}

Status MeterStore::flush(SteadyTime now) { return dirty_ ? save(now) : ok_status(); }

Status MeterStore::save(SteadyTime now) {
  const std::string text = encode_meter_state(state_);
  if (auto s = storage_->write_file_atomic(options_.file_name, as_bytes(text)); !s) return s;
  saved_lifetime_ = state_.lifetime;
  last_save_ = now;
  dirty_ = false;
  return ok_status();
}

}  // namespace maic::device
