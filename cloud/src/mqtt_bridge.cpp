#include "maic/cloud/mqtt_bridge.hpp"

#include <fmt/format.h>
#include <mosquitto.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "maic/core/ascii.hpp"
#include "maic/core/device_id.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/quantity.hpp"
#include "maic/core/upload_codec.hpp"
#include "maic/http/query.hpp"

namespace maic::cloud {
namespace {

// --- The URL --------------------------------------------------------------------

constexpr std::string_view kScheme = "mqtt://";
constexpr std::string_view kJsonTopic = "/JSON";
constexpr std::size_t kMaxPinDigits = 10;

// A part of the URL, %XX-decoded ('+' is itself in a URL's userinfo and path).
Result<std::string> percent_decode(std::string_view s, std::string_view what) {
  auto out = http::percent_decode(s, http::Plus::kLiteral);
  if (!out) return make_error(fmt::format("the bridge URL's {}: '%' must start %XX", what));
  return out;
}

// --- The payload ------------------------------------------------------------------

// What the bridge accepts per family: the uplink's ranges (upload_codec.cpp)
// for what both carry, the power factor signed (taken as its magnitude).
struct Range {
  Family family;
  double min;
  double max;
};
constexpr Range kRanges[] = {
    {Family::kVoltage, 0, 1e5},        {Family::kCurrent, 0, 1e6},
    {Family::kPower, 0, 1e9},          {Family::kReversePower, 0, 1e9},
    {Family::kEnergy, 0, 1e15},        {Family::kReverseEnergy, 0, 1e15},
    {Family::kPowerFactor, -1, 1},     {Family::kFrequency, 0, 1000},
    {Family::kTemperature, -100, 300}, {Family::kOutput, 0, 1},
};

const Range& range_of(Family f) {
  for (const Range& r : kRanges) {
    if (r.family == f) return r;
  }
  return kRanges[0];  // every family has a row
}

double PhaseValues::*member_of(Family f) {
  switch (f) {
    case Family::kVoltage:
      return &PhaseValues::volts;
    case Family::kCurrent:
      return &PhaseValues::amps;
    case Family::kPower:
      return &PhaseValues::watts;
    case Family::kReversePower:
      return &PhaseValues::reverse_watts;
    case Family::kEnergy:
      return &PhaseValues::wh;
    case Family::kReverseEnergy:
      return &PhaseValues::rwh;
    case Family::kPowerFactor:
      return &PhaseValues::power_factor;
    case Family::kFrequency:
      return &PhaseValues::hertz;
    case Family::kTemperature:
    case Family::kOutput:
      break;
  }
  return nullptr;
}

// The quantity a key of the JSON topic names in a catalogue of `phases`;
// nullptr for totals and unknown keys. The MQTT topics call the temperature
// `Temp` (compat.md §2), the catalogue `T`.
const Quantity* quantity_of(std::string_view key, int phases) {
  const Quantity* q = find_quantity(key == "Temp" ? "T" : key, phases);
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

// --- libmosquitto -----------------------------------------------------------------

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// stop() may cancel the network thread (mosquitto_loop_stop(force)) when it
// hangs in a blocking reconnect. Our callbacks defer that cancellation: they
// hold locks and write to the store, which must not be torn through
// (as in device/src/mqtt_service.cpp).
class CancelGuard {
 public:
  CancelGuard() { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_); }
  ~CancelGuard() { pthread_setcancelstate(old_, nullptr); }
  CancelGuard(const CancelGuard&) = delete;
  CancelGuard& operator=(const CancelGuard&) = delete;

 private:
  int old_ = PTHREAD_CANCEL_ENABLE;
};

// 64 hex digits nobody knows: 256 bits from the OS.
std::string random_hex64() { return new_pin_salt() + new_pin_salt(); }

}  // namespace

// --- Pure part --------------------------------------------------------------------

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
  if (!o.pin.empty() && (o.pin.size() > kMaxPinDigits || !all_digits(o.pin))) {
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

std::optional<std::string> bridge_device_of(std::string_view topic, std::string_view prefix) {
  if (!topic.starts_with(prefix) || !topic.ends_with(kJsonTopic)) return std::nullopt;
  topic.remove_prefix(prefix.size());
  if (topic.size() < kJsonTopic.size()) return std::nullopt;
  topic.remove_suffix(kJsonTopic.size());
  if (!DeviceId::valid(topic)) return std::nullopt;
  return std::string(topic);
}

Result<Reading> parse_device_json(std::string_view payload, WallTime received) {
  if (payload.size() > kMaxBridgePayload) {
    return make_error(fmt::format("the message is longer than {} bytes", kMaxBridgePayload));
  }
  const nlohmann::json json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return make_error("the message is not JSON");
  if (!json.is_object()) return make_error("the message is not a JSON object");
  Reading r;
  r.wall_end = received;
  r.span = Duration::zero();
  r.phases = phases_of(json);
  if (r.phases == 0) {
    return make_error(
        "the message has no measured value: keys such as V1, W1, Wh1 (three-phase) or V, W, Wh "
        "(single-phase) are required");
  }
  for (const auto& item : json.items()) {
    const Quantity* q = quantity_of(item.key(), r.phases);
    if (q == nullptr) continue;
    const Range& range = range_of(q->family);
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
        r.phase[static_cast<std::size_t>(q->phase - 1)].*member_of(q->family) = d;
        break;
    }
  }
  return r;
}

void BridgeAggregator::resume_after(const MinuteRecord& stored) {
  done_through_ = std::max(done_through_, stored.minute);
  meter_phases_ = stored.phases;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    wh_[p] = stored.phase[p].wh;
    rwh_[p] = stored.phase[p].rwh;
  }
}

std::optional<MinuteRecord> BridgeAggregator::add(Reading r) {
  const std::int64_t minute = minute_of(r.wall_end);
  // A minute handed out is final; an earlier one than the open minute
  // would be handed out after a later one. The meters stay where they
  // were, so the next message of a new minute counts the energy.
  if (minute <= done_through_ || (open_ && minute < *open_)) return std::nullopt;
  if (meter_phases_ == r.phases) {
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      r.phase[p].wh_delta = std::max(0.0, r.phase[p].wh - wh_[p]);
      r.phase[p].rwh_delta = std::max(0.0, r.phase[p].rwh - rwh_[p]);
    }
  }
  meter_phases_ = r.phases;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    wh_[p] = r.phase[p].wh;
    rwh_[p] = r.phase[p].rwh;
  }
  // Equal weights: MinuteAggregator weighs means by the window's length.
  r.span = std::chrono::seconds(1);
  std::optional<MinuteRecord> done;
  if (open_ && minute != *open_) done = finish();
  open_ = minute;
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
  if (m) done_through_ = m->minute;
  return m;
}

// --- I/O part ---------------------------------------------------------------------

struct MqttBridge::Impl {
  struct Device {
    enum class State { kNew, kBridged, kRefused };
    State state = State::kNew;
    bool aggregating = false;  // a message was added: too late to resume_after()
    BridgeAggregator minutes;
    std::vector<UploadRecord> pending;  // completed, not yet stored
  };

  Impl(Store& s, const Clock& c, MqttBridgeOptions o, Log l, Handled h)
      : store(s),
        clock(c),
        options(std::move(o)),
        log(std::move(l)),
        handled(std::move(h)),
        subscription(bridge_subscription(options.prefix)),
        where(fmt::format("{}:{}", options.host, options.port)) {}

  Store& store;
  const Clock& clock;
  const MqttBridgeOptions options;
  const Log log;
  const Handled handled;
  const std::string subscription;
  const std::string where;

  // Serialises start() and stop(). Never taken by the network thread, so
  // holding it while joining that thread cannot deadlock.
  std::mutex lifecycle;
  mosquitto* mosq = nullptr;  // under lifecycle
  bool loop_started = false;  // under lifecycle

  // What stop() waits for, bounded: the end of the connection.
  std::atomic<bool> socket_connected{false};
  std::mutex wait_mutex;
  std::condition_variable wait_cv;
  bool closed = false;

  // The devices: taken by the network thread for a whole message, held
  // across store calls so that a device's minutes reach the store in order.
  // Taken before `mutex`, never after it.
  std::mutex data_mutex;
  std::map<std::string, Device, std::less<>> devices;
  std::int64_t swept_minute = std::numeric_limits<std::int64_t>::min();

  // The status. Never held across a libmosquitto call, a store call or a
  // callback of the caller's.
  mutable std::mutex mutex;
  MqttBridgeStatus counters;

  void say(std::string_view line) const {
    if (log) log(line);
  }

  template <typename F>
  void update(F f) {
    std::lock_guard lock(mutex);
    f(counters);
  }

  // A failure worth a log line and status().last_error (a store's too).
  void error(std::string message) {
    update([&](MqttBridgeStatus& s) { s.last_error = message; });
    say("mqtt bridge: " + message);
  }

  // A failed connection attempt or a lost connection: retried by the loop.
  void failed(std::string message) {
    update([](MqttBridgeStatus& s) { s.connected = false; });
    error(std::move(message));
  }

  // Refused and ignored messages are counted; the first few of each kind
  // and then every 1000th are logged, so a misbehaving publisher cannot
  // flood the log.
  void malformed(std::string_view what) {
    count_and_say(&MqttBridgeStatus::malformed, "malformed", what);
  }
  void ignore(std::string_view what) { count_and_say(&MqttBridgeStatus::ignored, "ignored", what); }
  void count_and_say(std::uint64_t MqttBridgeStatus::*counter, std::string_view kind,
                     std::string_view what) {
    std::uint64_t n = 0;
    update([&](MqttBridgeStatus& s) { n = ++(s.*counter); });
    if (n <= 10 || n % 1000 == 0) {
      say(fmt::format("mqtt bridge: ignored a message ({} {} so far): {}", n, kind, what));
    }
  }

  // --- callbacks (the network thread) --------------------------------------

  void handle_connect(int rc) {
    const CancelGuard no_cancel;
    if (rc != 0) {
      failed(fmt::format("connection to {} refused: {}", where, mosquitto_connack_string(rc)));
      return;
    }
    {
      std::lock_guard wait(wait_mutex);
      closed = false;
    }
    socket_connected = true;
    // QoS 1 at most: the original publishes with QoS 0 anyway.
    if (const int sub = mosquitto_subscribe(mosq, nullptr, subscription.c_str(), 1);
        sub != MOSQ_ERR_SUCCESS) {
      failed(fmt::format("cannot subscribe to {}: {}", subscription, mosquitto_strerror(sub)));
    }
  }

  void handle_subscribe() {
    const CancelGuard no_cancel;
    update([](MqttBridgeStatus& s) { s.connected = true; });
    say(fmt::format("mqtt bridge: connected to {}, subscribed to {}", where, subscription));
  }

  void handle_disconnect(int rc) {
    const CancelGuard no_cancel;
    const bool was_connected = socket_connected.exchange(false);
    {
      std::lock_guard wait(wait_mutex);
      closed = true;
    }
    wait_cv.notify_all();
    update([](MqttBridgeStatus& s) { s.connected = false; });
    if (rc == MOSQ_ERR_SUCCESS) return;  // we asked for it (stop)
    failed(was_connected
               ? fmt::format("connection to {} lost: {}", where, mosquitto_strerror(rc))
               : fmt::format("connection to {} failed: {}", where, mosquitto_strerror(rc)));
  }

  void handle_library_log(int level, const char* text) {
    const CancelGuard no_cancel;
    if (level == MOSQ_LOG_ERR) error(fmt::format("libmosquitto: {}", text));
  }

  void handle_message(const mosquitto_message& m) {
    const CancelGuard no_cancel;
    const WallTime received = clock.wall_now();
    const std::string_view topic = m.topic != nullptr ? m.topic : "";
    const std::string_view payload(static_cast<const char*>(m.payload),
                                   static_cast<std::size_t>(std::max(0, m.payloadlen)));
    update([](MqttBridgeStatus& s) { ++s.messages; });
    handle(topic, payload, m.retain, received);
    if (handled) handled(topic);
  }

  void handle(std::string_view topic, std::string_view payload, bool retain, WallTime received) {
    // A retained message is a snapshot of unknown age: stamping it with the
    // time of receipt would put it in the wrong minute.
    if (retain) {
      ignore(fmt::format("{}: retained (a snapshot of unknown age)", topic));
      return;
    }
    const std::optional<std::string> id = bridge_device_of(topic, options.prefix);
    if (!id) {
      // The subscription also covers topics of a prefix with an unfinished
      // level ("maic-" covers "other/JSON"): not ours, not malformed.
      if (topic.starts_with(options.prefix)) {
        malformed(fmt::format("{}: the device ID must be 10 digits", topic));
      } else {
        update([](MqttBridgeStatus& s) { ++s.ignored; });
      }
      return;
    }
    Result<Reading> reading = parse_device_json(payload, received);
    if (!reading) {
      malformed(fmt::format("{}: {}", topic, reading.error().message));
      return;
    }
    std::lock_guard data(data_mutex);
    auto it = devices.find(*id);
    if (it == devices.end()) {
      if (devices.size() >= options.max_devices) {
        ignore(fmt::format("{}: {} devices are bridged already", topic, options.max_devices));
        return;
      }
      it = devices.emplace(*id, Device{}).first;
    }
    Device& d = it->second;
    if (d.state == Device::State::kNew) enroll(*id, d, *reading, received);
    if (d.state == Device::State::kRefused) {
      update([](MqttBridgeStatus& s) { ++s.ignored; });
      return;
    }
    d.aggregating = true;
    if (std::optional<MinuteRecord> m = d.minutes.add(std::move(*reading))) {
      complete(d, *m);
      store_pending(*id, d, received);
    }
    sweep(received);
  }

  // --- devices and minutes (under data_mutex) ------------------------------

  // Registers the device on its first message: in the store, unless its ID
  // belongs to a device of the HTTP uplink. A store failure leaves it new
  // (tried again with the next message); its minutes wait meanwhile.
  void enroll(const std::string& id, Device& d, const Reading& first, WallTime received) {
    auto row = store.device(id);
    if (!row) {
      error(fmt::format("device {}: {}", id, row.error().message));
      return;
    }
    if (*row && (*row)->identity.devtype != kBridgeDevtype) {
      d.state = Device::State::kRefused;
      say(
          fmt::format("mqtt bridge: device {} is a {} of the HTTP uplink; its MQTT messages are "
                      "ignored",
                      id, (*row)->identity.devtype));
      return;
    }
    DeviceIdentity identity;
    identity.devid = id;
    identity.devtype = std::string(kBridgeDevtype);
    identity.phases = first.phases;
    // The hash of a secret nobody holds: the device never authenticates.
    identity.secret_hash = secret_hash(random_hex64());
    identity.pin_salt = new_pin_salt();
    if (options.pin.empty()) {
      // A digest of no PIN at all: nothing a person types matches it.
      identity.pin_hash = random_hex64();
    } else {
      auto digest = pin_digest(identity.pin_salt, options.pin);
      if (!digest) {
        error(fmt::format("device {}: {}", id, digest.error().message));
        return;
      }
      identity.pin_hash = std::move(*digest);
    }
    if (Status s = store.upsert_device(identity, unix_seconds(received)); !s) {
      error(fmt::format("device {}: {}", id, s.error().message));
      return;
    }
    // Continue the device's stored meters: no energy is lost across a
    // restart of the bridge, and a stored minute is not sent again.
    if (*row && (*row)->newest_minute >= 0 && !d.aggregating) {
      const std::int64_t newest = (*row)->newest_minute;
      auto last = store.minutes(id, newest, newest, 1);
      if (last && !last->empty()) d.minutes.resume_after(last->front());
    }
    d.state = Device::State::kBridged;
    update([](MqttBridgeStatus& s) { ++s.devices; });
    say(fmt::format("mqtt bridge: bridging device {} ({}, {} phase{}){}", id,
                    *row ? "known" : "new", first.phases, first.phases == 1 ? "" : "s",
                    options.pin.empty() ? "" : "; it may be added with the configured PIN"));
  }

  void complete(Device& d, const MinuteRecord& m) {
    // seq: the minute number; unix minutes fit 32 bits for 8,000 years.
    d.pending.push_back({static_cast<std::uint32_t>(m.minute / 60), m});
    if (d.pending.size() > kMaxUploadRecords) {
      d.pending.erase(d.pending.begin());
      update([](MqttBridgeStatus& s) { ++s.minutes_dropped; });
    }
  }

  void store_pending(const std::string& id, Device& d, WallTime now) {
    if (d.state != Device::State::kBridged || d.pending.empty()) return;
    auto stored = store.ingest(id, d.pending, unix_seconds(now));
    if (!stored) {
      error(fmt::format("device {}: storing {} minute(s): {}", id, d.pending.size(),
                        stored.error().message));
      return;
    }
    d.pending.clear();
    update([&](MqttBridgeStatus& s) { s.minutes_stored += stored->inserted; });
  }

  // Once per minute of `now`: completes the minutes that are over (of
  // devices that said nothing since) and stores what waits.
  void sweep(WallTime now, bool force = false) {
    const std::int64_t minute = minute_of(now);
    if (!force && minute <= swept_minute) return;
    swept_minute = std::max(swept_minute, minute);
    for (auto& [id, d] : devices) {
      if (std::optional<MinuteRecord> m = d.minutes.finish_ended(now)) complete(d, *m);
      store_pending(id, d, now);
    }
  }

  void flush_all(WallTime now) {
    std::lock_guard data(data_mutex);
    for (auto& [id, d] : devices) {
      if (std::optional<MinuteRecord> m = d.minutes.flush()) complete(d, *m);
      store_pending(id, d, now);
    }
  }

  // --- lifecycle (under `lifecycle`) ---------------------------------------

  Status make_client() {
    init_library();
    // No client id of ours: libmosquitto picks a random one, so two
    // processes bridging the same broker do not take over each other.
    mosq = mosquitto_new(nullptr, /*clean_session=*/true, this);
    if (mosq == nullptr) return make_error("cannot create the MQTT client");
    auto check = [](int rc, std::string_view what) -> Status {
      if (rc == MOSQ_ERR_SUCCESS) return ok_status();
      return make_error(fmt::format("{}: {}", what, mosquitto_strerror(rc)));
    };
    if (!options.username.empty()) {
      const char* password = options.password.empty() ? nullptr : options.password.c_str();
      if (Status s = check(mosquitto_username_pw_set(mosq, options.username.c_str(), password),
                           "user name");
          !s) {
        return s;
      }
    }
    if (Status s = check(mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY"); !s) {
      return s;
    }
    if (Status s = check(mosquitto_reconnect_delay_set(
                             mosq, static_cast<unsigned>(options.reconnect_min.count()),
                             static_cast<unsigned>(options.reconnect_max.count()),
                             /*exponential=*/true),
                         "reconnect delay");
        !s) {
      return s;
    }
    mosquitto_log_callback_set(mosq, [](mosquitto*, void* user, int level, const char* text) {
      static_cast<Impl*>(user)->handle_library_log(level, text);
    });
    mosquitto_connect_callback_set(
        mosq, [](mosquitto*, void* user, int rc) { static_cast<Impl*>(user)->handle_connect(rc); });
    mosquitto_subscribe_callback_set(mosq, [](mosquitto*, void* user, int, int, const int*) {
      static_cast<Impl*>(user)->handle_subscribe();
    });
    mosquitto_disconnect_callback_set(mosq, [](mosquitto*, void* user, int rc) {
      static_cast<Impl*>(user)->handle_disconnect(rc);
    });
    mosquitto_message_callback_set(mosq, [](mosquitto*, void* user, const mosquitto_message* m) {
      static_cast<Impl*>(user)->handle_message(*m);
    });
    return ok_status();
  }

  void destroy_client() {
    if (mosq != nullptr) mosquitto_destroy(mosq);
    mosq = nullptr;
  }

  // Disconnects and joins the network thread within options.stop_timeout.
  void shut_down() {
    if (!loop_started) return;
    const auto deadline = std::chrono::steady_clock::now() + options.stop_timeout;
    bool clean = false;
    if (socket_connected && mosquitto_disconnect(mosq) == MOSQ_ERR_SUCCESS) {
      std::unique_lock wait(wait_mutex);
      clean = wait_cv.wait_until(wait, deadline, [&] { return closed; });
    } else {
      // Not connected: the thread waits before a retry, which this ends, or
      // is in a (blocking) connect, which only cancellation ends.
      mosquitto_disconnect(mosq);
    }
    mosquitto_loop_stop(mosq, /*force=*/!clean);
    loop_started = false;
  }
};

MqttBridge::MqttBridge(Store& store, const Clock& clock, MqttBridgeOptions options, Log log,
                       Handled handled)
    : impl_(std::make_unique<Impl>(store, clock, std::move(options), std::move(log),
                                   std::move(handled))) {}

MqttBridge::~MqttBridge() { stop(); }

Status MqttBridge::start() {
  std::lock_guard life(impl_->lifecycle);
  if (impl_->mosq != nullptr) return ok_status();
  if (Status s = validate(impl_->options); !s) return s;
  if (Status s = impl_->make_client(); !s) {
    impl_->destroy_client();
    return s;
  }
  // The loop first: if the first connect fails at once (name resolution),
  // the running loop retries it; started after a failure it would not.
  if (const int rc = mosquitto_loop_start(impl_->mosq); rc != MOSQ_ERR_SUCCESS) {
    impl_->destroy_client();
    return make_error(fmt::format("cannot start the network thread: {}", mosquitto_strerror(rc)));
  }
  impl_->loop_started = true;
  impl_->update([](MqttBridgeStatus& s) {
    s.running = true;
    s.last_error.clear();
  });
  impl_->say(fmt::format("mqtt bridge: connecting to {} for {}", describe(impl_->options),
                         impl_->subscription));
  const int rc =
      mosquitto_connect_async(impl_->mosq, impl_->options.host.c_str(), impl_->options.port,
                              static_cast<int>(impl_->options.keepalive.count()));
  if (rc != MOSQ_ERR_SUCCESS) {
    impl_->failed(fmt::format("connection to {} failed: {}", impl_->where, mosquitto_strerror(rc)));
  }
  return ok_status();
}

void MqttBridge::stop() {
  std::lock_guard life(impl_->lifecycle);
  if (impl_->mosq == nullptr) return;
  impl_->shut_down();
  impl_->destroy_client();
  impl_->socket_connected = false;
  impl_->flush_all(impl_->clock.wall_now());
  MqttBridgeStatus s;
  impl_->update([&](MqttBridgeStatus& c) {
    c.running = false;
    c.connected = false;
    s = c;
  });
  impl_->say(fmt::format(
      "mqtt bridge: stopped ({} messages, {} malformed, {} ignored, {} devices, {} minutes stored)",
      s.messages, s.malformed, s.ignored, s.devices, s.minutes_stored));
}

void MqttBridge::store_ended_minutes() {
  std::lock_guard data(impl_->data_mutex);
  impl_->sweep(impl_->clock.wall_now(), /*force=*/true);
}

MqttBridgeStatus MqttBridge::status() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace maic::cloud
