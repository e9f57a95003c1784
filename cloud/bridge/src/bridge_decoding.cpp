#include "maic/cloud/bridge_decoding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "maic/core/device_id.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/json_depth.hpp"
#include "maic/core/quantity.hpp"
#include "maic/http/query.hpp"

namespace maic::cloud {
namespace {

// --- The URL --------------------------------------------------------------------

constexpr std::string_view kScheme = "mqtt://";
constexpr std::string_view kJsonTopic = "/JSON";

// A part of the URL, %XX-decoded ('+' is itself in a URL's userinfo and path).
Result<std::string> percent_decode(std::string_view s, std::string_view what) {
  auto out = http::percent_decode(s, http::Plus::kLiteral);
  if (!out) return make_error(fmt::format("the bridge URL's {}: '%' must start %XX", what));
  return out;
}

// --- The payload ------------------------------------------------------------------

// What the bridge accepts of a family: the catalogue's range, the power
// factor also signed (taken as its magnitude).
struct Range {
  double min;
  double max;
};

Range range_of(Family f) {
  const FamilyInfo& info = family_info(f);
  if (f == Family::kPowerFactor) return {-info.max, info.max};
  // An original set to °F publishes `Temp` in °F (nothing says so): the
  // catalogue's °C range as °F, so such a message is not refused whole.
  if (f == Family::kTemperature) return {info.min, info.max * 9 / 5 + 32};
  return {info.min, info.max};
}

// The quantity a key of the JSON topic names in a catalogue of `phases`;
// nullptr for totals and unknown keys. The MQTT topics call the temperature
// `Temp` (compat.md §2), the catalogue `T`.
const Quantity* quantity_of(std::string_view key, int phases) {
  const Quantity* q = find_quantity(key_of_mqtt_key(key), phases);
  return q != nullptr && !q->is_total ? q : nullptr;
}

// Three-phase when any key names a phase's quantity there (V1, Wh3, ...),
// single-phase when one does in the single-phase catalogue (V, Wh, ...).
// In the three-phase catalogue A and W are totals, so the single-phase
// names cannot be mistaken for it.
int phases_of(const nlohmann::json& object) {
  for (const int phases : {3, 1}) {
    for (const auto& item : object.items()) {
      const Quantity* q = quantity_of(item.key(), phases);
      if (q != nullptr && q->phase >= 1) return phases;
    }
  }
  return 0;
}

}  // namespace

Result<MqttBridgeOptions> parse_bridge_url(std::string_view url) {
  if (!url.starts_with(kScheme)) {
    return make_error("the bridge URL must start with mqtt:// (the original speaks no TLS)");
  }
  if (url.find('?') != std::string_view::npos) {
    return make_error("the bridge URL takes no query (?...)");
  }
  MqttBridgeOptions o;
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    auto prefix = percent_decode(rest.substr(slash + 1), "prefix");
    if (!prefix) return prefix.error();
    o.prefix = std::move(*prefix);
  }
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon), "user name");
    if (!user) return user.error();
    if (user->empty()) return make_error("the bridge URL has a password but no user name");
    o.username = std::move(*user);
    if (colon != std::string_view::npos) {
      auto password = percent_decode(userinfo.substr(colon + 1), "password");
      if (!password) return password.error();
      o.password = std::move(*password);
    }
  }
  std::optional<std::string_view> port;  // present: ":" was there
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return make_error("the bridge URL's host lacks its ']'");
    o.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return make_error("the bridge URL's host must be followed by :PORT or /");
    }
    if (!after.empty()) port = after.substr(1);
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    o.host = std::string(authority.substr(0, colon));
    port = authority.substr(colon + 1);
    if (o.host.find(':') != std::string::npos) {
      return make_error("an IPv6 host goes in brackets: mqtt://[::1]:1883/");
    }
  } else {
    o.host = std::string(authority);
  }
  if (o.host.empty()) return make_error("the bridge URL names no host");
  if (port) {
    // 0 is read here and refused by validate(), with the options' words.
    auto n = http::parse_int("port", *port, 0, 65535);
    if (!n) return make_error("the bridge URL's port must be a number within 1..65535");
    o.port = static_cast<int>(*n);
  }
  if (Status s = validate(o); !s) return s.error();
  return o;
}

std::string describe(const MqttBridgeOptions& o) {
  const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  const std::string user = o.username.empty() ? "" : o.username + "@";
  return fmt::format("mqtt://{}{}:{}/{}", user, host, o.port, o.prefix);
}

Status validate(const MqttBridgeOptions& o) {
  if (o.host.empty()) return make_error("the bridge's broker host is empty");
  if (o.port < 1 || o.port > 65535) return make_error("the bridge's port must be within 1..65535");
  if (o.username.empty() && !o.password.empty()) {
    return make_error("the bridge has a password but no user name");
  }
  if (o.prefix.find_first_of(std::string_view("+#\0", 3)) != std::string::npos) {
    return make_error(fmt::format("the bridge's prefix \"{}\" may not contain + or #", o.prefix));
  }
  if (o.prefix.size() > 256) return make_error("the bridge's prefix is longer than 256 bytes");
  if (!o.pin.empty() && !valid_pin(o.pin)) {
    return make_error("the bridge's PIN must be 1 to 10 digits");
  }
  if (o.keepalive < std::chrono::seconds(5)) {
    return make_error("the bridge's keepalive must be at least 5 s");
  }
  if (o.reconnect_min < std::chrono::seconds(1) || o.reconnect_max < o.reconnect_min) {
    return make_error("the bridge's reconnect delays must be 1 s <= min <= max");
  }
  if (o.max_devices == 0) return make_error("the bridge must track at least one device");
  return ok_status();
}

std::string bridge_subscription(std::string_view prefix) {
  // `+` must fill a whole level: the prefix's unfinished last level belongs
  // to the ID's level.
  const std::size_t level = prefix.rfind('/');
  const std::string_view whole = level == std::string_view::npos ? "" : prefix.substr(0, level + 1);
  return fmt::format("{}+{}", whole, kJsonTopic);
}

std::optional<DeviceId> bridge_device_of(std::string_view topic, std::string_view prefix) {
  if (!topic.starts_with(prefix) || !topic.ends_with(kJsonTopic)) return std::nullopt;
  topic.remove_prefix(prefix.size());
  if (topic.size() < kJsonTopic.size()) return std::nullopt;
  topic.remove_suffix(kJsonTopic.size());
  return DeviceId::parse(topic);
}

Result<Reading> parse_device_json(std::string_view payload, WallTime received) {
  if (payload.size() > kMaxBridgePayload) {
    return make_error(fmt::format("the message is longer than {} bytes", kMaxBridgePayload));
  }
  if (!json_within_depth(payload)) {
    return make_error(fmt::format("the message is nested deeper than {} levels", kMaxJsonDepth));
  }
  const nlohmann::json json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return make_error("the message is not JSON");
  if (!json.is_object()) return make_error("the message is not a JSON object");
  Reading r;
  r.wall_end = received;
  r.span = Duration::zero();
  r.phases = phases_of(json);
  // A meter the message does not carry is not 0: NaN until a key sets it.
  for (PhaseValues& p : r.phase) p.wh = p.rwh = NAN;
  if (r.phases == 0) {
    return make_error(
        "the message has no measured value: keys such as V1, W1, Wh1 (three-phase) or V, W, Wh "
        "(single-phase) are required");
  }
  for (const auto& item : json.items()) {
    const Quantity* q = quantity_of(item.key(), r.phases);
    if (q == nullptr) continue;
    const Range range = range_of(q->family);
    const nlohmann::json& v = item.value();
    const double d = v.is_number() ? v.get<double>() : NAN;
    if (!std::isfinite(d) || d < range.min || d > range.max) {
      return make_error(fmt::format("{}: a number within {:g}..{:g} is required", item.key(),
                                    range.min, range.max));
    }
    switch (q->family) {
      case Family::kTemperature:
        r.temperature_c = d;
        break;
      case Family::kOutput:
        if (d != 0 && d != 1) return make_error(item.key() + ": 0 or 1 is required");
        r.output_on = d == 1;
        break;
      case Family::kPowerFactor:
        r.phase[static_cast<std::size_t>(q->phase - 1)].power_factor = std::abs(d);
        break;
      default:
        r.phase[static_cast<std::size_t>(q->phase - 1)].*phase_member(q->family) = d;
        break;
    }
  }
  return r;
}

void BridgeAggregator::resume_after(const MinuteRecord& stored) {
  done_through_ = std::max(done_through_, stored.minute);
  meter_phases_ = stored.phases;
  // Its meters were read at about its end.
  meters_at_ = from_unix_seconds(stored.minute) + kFullMinute;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseValues& s = stored.phase[p];
    imported_[p].start(meters_at_.time_since_epoch(), s.wh, s.watts);
    exported_[p].start(meters_at_.time_since_epoch(), s.rwh, s.reverse_watts);
  }
}

std::optional<MinuteRecord> BridgeAggregator::add(Reading r) {
  const std::int64_t minute = minute_of(r.wall_end);
  // A minute handed out is final; an earlier one than the open minute
  // would be handed out after a later one. The meters stay where they
  // were, so the next message of a new minute counts the energy.
  if (minute <= done_through_ || (open_ && minute < *open_)) return std::nullopt;
  // The time this message's energy was measured over: since the meters it
  // differs from.
  Duration step = Duration::zero();
  if (meter_phases_ == r.phases) {
    step = std::max(Duration::zero(), r.wall_end - meters_at_);
  } else {
    imported_ = {};  // other meters: nothing to differ from
    exported_ = {};
  }
  meter_phases_ = r.phases;
  meters_at_ = r.wall_end;
  const Duration at = r.wall_end.time_since_epoch();
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    PhaseValues& ph = r.phase[p];
    ph.wh_delta = imported_[p].add(at, ph.wh, ph.watts);
    ph.rwh_delta = exported_[p].add(at, ph.rwh, ph.reverse_watts);
    // An absent meter reads where it was.
    if (std::isnan(ph.wh)) ph.wh = imported_[p].counted().value_or(0);
    if (std::isnan(ph.rwh)) ph.rwh = exported_[p].counted().value_or(0);
  }
  // Equal weights: MinuteAggregator weighs means by the window's length.
  r.span = std::chrono::seconds(1);
  std::optional<MinuteRecord> done;
  if (open_ && minute != *open_) done = finish();
  open_ = minute;
  covered_ += step;
  minutes_.add(r);  // never closes a minute: finish() flushed the last one
  return done;
}

std::optional<MinuteRecord> BridgeAggregator::finish_ended(WallTime now) {
  if (open_ && minute_of(now) > *open_) return finish();
  return std::nullopt;
}

std::optional<MinuteRecord> BridgeAggregator::flush() { return finish(); }

std::optional<MinuteRecord> BridgeAggregator::finish() {
  open_.reset();
  std::optional<MinuteRecord> m = minutes_.flush();
  if (m) {
    done_through_ = m->minute;
    m->covered = covered_;
    set_mean_powers(*m);
  }
  covered_ = Duration::zero();
  return m;
}

}  // namespace maic::cloud
