#include "maic/device/device.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <utility>

#include "calibration_session.hpp"
#include "maic/core/energy_register.hpp"
#include "maic/device/journal.hpp"
#include "meter_store.hpp"

namespace maic::device {
namespace {

MeterValues micro_wh(const EnergyMeters& meters) {
  MeterValues v;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    v.forward[p] = meters.forward[p].micro_wh();
    v.reverse[p] = meters.reverse[p].micro_wh();
  }
  return v;
}

double wh_of(std::int64_t micro_wh) {
  return static_cast<double>(micro_wh) / EnergyRegister::kUnitsPerWh;
}

// Sets the meters of `r`: the lifetime registers `lifetime` (µWh) and the
// user's meters, lifetime + `offsets`.
void set_meters(Reading& r, const MeterValues& lifetime, const MeterValues& offsets) {
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    r.lifetime[p].wh = wh_of(lifetime.forward[p]);
    r.lifetime[p].rwh = wh_of(lifetime.reverse[p]);
    r.phase[p].wh = wh_of(lifetime.forward[p] + offsets.forward[p]);
    r.phase[p].rwh = wh_of(lifetime.reverse[p] + offsets.reverse[p]);
  }
}

EnergyMeters from_micro_wh(const MeterValues& v) {
  EnergyMeters m;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    m.forward[p] = EnergyRegister(v.forward[p]);
    m.reverse[p] = EnergyRegister(v.reverse[p]);
  }
  return m;
}

}  // namespace

struct Device::State {
  State(DeviceConfig c, std::unique_ptr<metering::MeterSource> s, Journal j, MeterStore m,
        std::unique_ptr<PersistedOutput> o, SteadyTime now)
      : config(std::move(c)),
        source(std::move(s)),
        journal(std::move(j)),
        meters(std::move(m)),
        output(std::move(o)),
        lifetime(from_micro_wh(meters.lifetime())),
        started(now) {}

  // Set by request_reboot() from any thread, acted on by step().
  std::atomic<bool> reboot_requested{false};
  // Set by request_server_check(), acted on by step().
  std::atomic<bool> server_check_requested{false};
  mutable std::mutex mutex;  // guards everything below but `source`
  DeviceConfig config;
  std::unique_ptr<metering::MeterSource> source;  // the metering thread's alone
  Journal journal;
  MeterStore meters;
  std::unique_ptr<PersistedOutput> output;
  EnergyMeters lifetime;  // with sub-µWh remainders; the store keeps µWh
  MinuteAggregator aggregator;
  std::optional<Reading> latest;
  SourceStatus source_status;
  std::string storage_error;
  ServerReport server;
  SteadyTime started;
  int phases = 3;
  // Calibration: whether the source takes a correction (cached: the source
  // is the metering thread's), the one the settings ask for that step()
  // has still to hand to the source, and the last refusal of one.
  bool calibratable = false;
  std::optional<metering::Corrections> pending_correction;
  std::string calibration_error;
  CalibrationSession calibration;

  // `r` as MQTT and /metrics publish it: its meters as of the meter
  // store's last durable save, so that nothing published is ahead of what
  // a restart after a crash resumes from (docs/mqtt.md, "As of the last
  // save"). Caller holds `mutex`.
  Reading as_saved(Reading r) const {
    set_meters(r, meters.saved_lifetime(), meters.offsets());
    return r;
  }

  // Journal records as minute records, in order (caller holds `mutex`).
  std::vector<MinuteRecord> to_minutes(const std::vector<JournalRecord>& records) const {
    std::vector<MinuteRecord> out;
    if (records.empty()) return out;
    out.reserve(records.size());
    // The record before the first gives the first one's energy.
    std::optional<JournalRecord> previous;
    const std::uint32_t first = records.front().seq;
    if (first > journal.oldest_seq()) {
      auto before = journal.records_after(first - 2, 1);
      if (before && !before->empty() && before->front().seq == first - 1) {
        previous = before->front();
      }
    }
    const MeterValues reference = micro_wh(lifetime);
    for (const JournalRecord& r : records) {
      out.push_back(to_minute_record(r, previous ? &*previous : nullptr, meters.offsets_for(r.seq),
                                     reference));
      previous = r;
    }
    return out;
  }
};

Result<std::unique_ptr<Device>> Device::open(Dependencies deps, DeviceOptions options) {
  auto config = load_or_create(deps.storage, deps.random);
  if (!config) return config.error();
  auto journal = Journal::open(deps.storage);
  if (!journal) return make_error("journal: " + journal.error().message);
  const SteadyTime now = deps.clock.steady_now();
  auto meters = MeterStore::open(deps.storage, journal->newest(), now);
  if (!meters) return make_error("meters: " + meters.error().message);
  std::unique_ptr<Output> driver;
  if (options.relay_driver && !config->settings.output.gpio_chip.empty()) {
    auto d = options.relay_driver(config->settings.output);
    if (!d) return make_error("output: " + d.error().message);
    driver = std::move(*d);
  }
  auto output = PersistedOutput::open(deps.storage, std::move(driver));
  if (!output) return output.error();

  std::unique_ptr<Device> device(
      new Device(deps.clock, deps.storage, deps.random, std::move(options)));
  device->state_ =
      std::make_unique<State>(std::move(*config), std::move(deps.source), std::move(*journal),
                              std::move(*meters), std::move(*output), now);
  State& s = *device->state_;
  s.source_status.description = s.source->describe();
  s.phases = catalogue_phases(s.source->phases());
  // The saved calibration applies from the first window (the metering
  // thread has not started: the source is still ours).
  s.calibratable = s.source->correction().has_value();
  const metering::Corrections& saved = s.config.settings.calibration.phases;
  if (s.calibratable) {
    if (Status set = s.source->set_correction(saved); !set)
      s.calibration_error = set.error().message;
  } else if (s.config.settings.calibration != CalibrationSettings{}) {
    s.calibration_error = s.source->describe() +
                          " cannot be calibrated: the saved calibration "
                          "is not used";
  }
  return device;
}

Device::Device(const Clock& clock, Storage& storage, const RandomBytes& random,
               DeviceOptions options)
    : clock_(clock), storage_(storage), options_(std::move(options)), access_(clock, {}, [random] {
        std::array<std::byte, 16> bytes{};
        random(bytes);
        std::string token;
        for (std::byte b : bytes) token += fmt::format("{:02x}", std::to_integer<unsigned>(b));
        return token;
      }) {}

Device::~Device() { shutdown(); }

std::vector<Reading> Device::step() {
  State& s = *state_;
  if (s.reboot_requested.exchange(false)) restart_services();
  if (s.server_check_requested.exchange(false) && options_.services != nullptr)
    options_.services->restart("server", current_settings());
  const SteadyTime now = clock_.steady_now();
  const WallTime wall = clock_.wall_now();
  std::vector<Reading> readings;
  std::optional<Reading> published;  // the newest, for the services
  std::optional<metering::Corrections> correction;
  {
    std::lock_guard lock(s.mutex);
    correction = std::exchange(s.pending_correction, std::nullopt);
  }
  if (correction) {
    const Status set = s.source->set_correction(*correction);
    std::lock_guard lock(s.mutex);
    s.calibration_error = set ? "" : set.error().message;
  }
  const Status polled = s.source->poll(now, readings);
  {
    std::lock_guard lock(s.mutex);
    s.source_status.last_error = polled ? "" : polled.error().message;
    for (Reading& r : readings) {
      r.wall_end = wall - (now - r.end);
      r.output_on = s.output->is_on();
      if (!s.source->temperature_c() && options_.temperature) {
        r.temperature_c = options_.temperature().value_or(r.temperature_c);
      }
      const MeterValues before = micro_wh(s.lifetime);
      s.lifetime.apply(r);  // r.wh, r.rwh: lifetime
      const MeterValues& offsets = s.meters.offsets();
      for (std::size_t p = 0; p < kMaxPhases; ++p) {
        r.lifetime[p] = {r.phase[p].wh, r.phase[p].rwh};
        r.phase[p].wh += wh_of(offsets.forward[p]);
        r.phase[p].rwh += wh_of(offsets.reverse[p]);
      }
      s.latest = r;
      s.calibration.add(r);
      // A reading of a new minute closes the previous one, whose meters
      // are the lifetime registers before this reading.
      if (auto minute = s.aggregator.add(r)) {
        auto seq = s.journal.append(journal_record(*minute, before));
        if (!seq) {
          s.storage_error = "journal: " + seq.error().message;
        } else {
          s.meters.prune(s.journal.oldest_seq());
        }
      }
    }
    if (Status saved = s.meters.update(micro_wh(s.lifetime), now); !saved) {
      s.storage_error = "meters: " + saved.error().message;
    }
    // After the update, so that a save made in this step goes out with
    // this step's reading.
    if (!readings.empty()) published = s.as_saved(readings.back());
  }
  if (options_.services != nullptr && published) options_.services->on_reading(*published, now);
  return readings;
}

bool Device::source_exhausted() const { return state_->source->exhausted(); }

void Device::shutdown() {
  if (!state_) return;
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  (void)s.meters.update(micro_wh(s.lifetime), clock_.steady_now());
  (void)s.meters.flush(clock_.steady_now());
}

Identity Device::identity() const {
  std::lock_guard lock(state_->mutex);
  return state_->config.identity;
}

std::string Device::firmware_version() const { return options_.firmware_version; }

Settings Device::settings() const {
  std::lock_guard lock(state_->mutex);
  return state_->config.settings;
}

Status Device::update_settings(const SettingsEdit& edit) {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    auto next = edit(s.config.settings);
    if (!next) return next.error();
    // The edge validated it; a settings file the device cannot load again
    // is worth the check.
    if (Status valid = validate(*next); !valid) return valid.error();
    // Conditions name phases: this device's count, not the settings' three.
    if (next->automation != s.config.settings.automation) {
      if (Status valid = validate(next->automation, s.phases); !valid) return valid.error();
    }
    const bool calibration_changed = next->calibration != s.config.settings.calibration;
    // Refused before anything is saved: a refusal changes nothing.
    if (calibration_changed && !s.calibratable && next->calibration != CalibrationSettings{}) {
      return make_error("calibration: " + s.source_status.description +
                        " cannot be calibrated: it measures no waveforms");
    }
    DeviceConfig config{s.config.identity, *next};
    if (Status saved = save(storage_, config); !saved) {
      return make_error("settings not saved: " + saved.error().message);
    }
    if (calibration_changed) {
      // A measurement's means hold for the correction it began with.
      s.calibration.fail("the calibration changed during the measurement");
      if (s.calibratable) s.pending_correction = next->calibration.phases;
    }
    if (next->pin != s.config.settings.pin) access_.revoke_all();
    s.config = std::move(config);
  }
  // Outside the lock: a service's callback may be waiting for it (an MQTT
  // command switching the output) while the service is reconfigured. The
  // services read the settings then (current_settings()): a change saved
  // after this one, and handed on before it, is not undone.
  if (options_.services != nullptr) options_.services->reconfigure(current_settings());
  return ok_status();
}

std::optional<Reading> Device::latest() const {
  std::lock_guard lock(state_->mutex);
  return state_->latest;
}

Reading Device::newest_values() const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  if (s.latest) return *s.latest;
  Reading r;
  r.end = clock_.steady_now();
  r.phases = s.phases;
  r.output_on = s.output->is_on();
  if (const std::optional<JournalRecord>& newest = s.journal.newest()) {
    const MinuteRecord minute = s.to_minutes({*newest}).front();
    r.phase = minute.phase;
    r.temperature_c = minute.temperature_c;
    r.wall_end = from_unix_seconds(minute.minute + 60);
  } else {
    r.wall_end = clock_.wall_now();
    if (options_.temperature) r.temperature_c = options_.temperature().value_or(0);
  }
  // The meters as the next reading will continue them: lifetime plus the
  // user's offsets (step()); no window, so no window energy.
  set_meters(r, micro_wh(s.lifetime), s.meters.offsets());
  for (PhaseValues& v : r.phase) {
    v.wh_delta = 0;
    v.rwh_delta = 0;
  }
  return r;
}

std::optional<Reading> Device::published() const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  if (!s.latest) return std::nullopt;
  return s.as_saved(*s.latest);
}

Status Device::set_output(OutputChange change) {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    const bool was = s.output->is_on();
    if (Status st = s.output->set(change.on); !st) return st;
    change.changed = was != change.on;
    if (s.latest) s.latest->output_on = change.on;
  }
  if (options_.services != nullptr) options_.services->on_output(change);
  return ok_status();
}

bool Device::output_on() const {
  std::lock_guard lock(state_->mutex);
  return state_->output->is_on();
}

Status Device::set_initial_values(std::span<const InitialValue> values) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  const SteadyTime now = clock_.steady_now();
  // All checked before any is set: a refused request changes nothing.
  for (const InitialValue& v : values) {
    if (v.phase < 1 || v.phase > kMaxPhases) return make_error("initial value: phase must be 1..3");
    if (!(v.wh >= 0 && v.wh <= kMaxInitialWh)) {
      return make_error(fmt::format("initial value: must be 0..{:.0f} Wh", kMaxInitialWh));
    }
  }
  for (const InitialValue& v : values) {
    const auto micro = static_cast<std::int64_t>(std::llround(v.wh * EnergyRegister::kUnitsPerWh));
    const Flow flow = v.family == Family::kReverseEnergy ? Flow::kReverse : Flow::kForward;
    if (Status st = s.meters.set_user_meter(static_cast<std::size_t>(v.phase - 1), flow, micro,
                                            s.journal.newest_seq() + 1, now);
        !st) {
      return make_error("initial value not saved: " + st.error().message);
    }
  }
  return ok_status();
}

DeviceStatus Device::status() const {
  const State& s = *state_;
  DeviceStatus out;
  {
    std::lock_guard lock(s.mutex);
    out.identity = s.config.identity;
    out.led = s.config.settings.led;
    out.source = s.source_status;
    out.output_on = s.output->is_on();
    out.output_driver = s.output->describe();
    out.journal_records = s.journal.size();
    out.journal_newest_seq = s.journal.newest_seq();
    out.storage_error = s.storage_error;
    out.server_state = s.server.state;
    out.server_last_success = s.server.last_success;
    out.server_error = s.server.last_error;
    if (s.server.state != ServiceState::kDisabled && s.journal.size() > 0) {
      // Seqs are consecutive but for slots lost to rot: close enough.
      const std::uint32_t sent = std::max(s.server.acked_seq, s.journal.oldest_seq() - 1);
      out.server_backlog = s.journal.newest_seq() > sent ? s.journal.newest_seq() - sent : 0;
    }
  }
  out.firmware_version = options_.firmware_version;
  out.web_address = options_.web_address;
  out.uptime = clock_.steady_now() - s.started;
  if (options_.services != nullptr) out.services = options_.services->status();
  for (const ServiceSet::Report& r : out.services) {
    if (r.name == "mqtt") {
      out.mqtt_state = r.status.state;
      out.mqtt_error = r.status.error;
      out.mqtt_published = r.status.sent;
    } else if (r.name == "server" && r.status.state == ServiceState::kFailed) {
      // The uplink reports the rest itself (report_server).
      out.server_state = r.status.state;
      out.server_error = r.status.error;
    }
  }
  return out;
}

std::vector<MinuteRecord> Device::minutes(std::int64_t from, std::int64_t to) const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  const std::int64_t end = to == std::numeric_limits<std::int64_t>::max() ? to : to + 1;
  auto records = s.journal.records_between(from, end);
  if (!records) return {};
  return s.to_minutes(*records);
}

Result<std::vector<UploadRecord>> Device::records_after(std::uint32_t seq, std::size_t max) const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  auto records = s.journal.records_after(seq, max);
  if (!records) return make_error("journal: " + records.error().message);
  const std::vector<MinuteRecord> minutes = s.to_minutes(*records);
  const MeterValues reference = micro_wh(s.lifetime);
  std::vector<UploadRecord> out;
  out.reserve(minutes.size());
  for (std::size_t k = 0; k < minutes.size(); ++k) {
    const JournalRecord& r = (*records)[k];
    UploadRecord& u = out.emplace_back(r.seq, minutes[k]);
    // The lifetime registers at the record's end: the server books from
    // them what no record it has covers (a journal that overwrote records
    // it never got, docs/uplink.md).
    LifetimeRegisters lifetime{};
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      const auto wh = [&](Flow f) {
        return wh_of(unwrap_counter(r.phase[p].counter(f), reference[f][p]));
      };
      lifetime[p] = {.wh = wh(Flow::kForward), .rwh = wh(Flow::kReverse)};
    }
    u.lifetime = lifetime;
  }
  return out;
}

JournalSpan Device::journal_span() const {
  std::lock_guard lock(state_->mutex);
  return {state_->journal.oldest_seq(), state_->journal.newest_seq()};
}

int Device::phases() const { return state_->phases; }

void Device::report_server(const ServerReport& report) {
  std::lock_guard lock(state_->mutex);
  state_->server = report;
}

ServerReport Device::server_report() const {
  std::lock_guard lock(state_->mutex);
  return state_->server;
}

Result<std::optional<std::string>> Device::read_state_file(std::string_view name) const {
  std::lock_guard lock(state_->mutex);
  auto content = storage_.read_file(name);
  if (!content) return content.error();
  if (!*content) return std::optional<std::string>();
  return std::optional<std::string>(std::string(as_text(**content)));
}

Status Device::write_state_file(std::string_view name, std::string_view text) {
  std::lock_guard lock(state_->mutex);
  return storage_.write_file_atomic(name, as_bytes(text));
}

Status Device::factory_reset() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    // The calibration stays: it describes the hardware, not the user's choices.
    Settings fresh;
    fresh.calibration = s.config.settings.calibration;
    DeviceConfig config{s.config.identity, fresh};
    if (Status saved = save(storage_, config); !saved) {
      return make_error("settings not saved: " + saved.error().message);
    }
    s.config = std::move(config);
  }
  access_.revoke_all();
  if (options_.services != nullptr) options_.services->reconfigure(current_settings());
  return ok_status();
}

bool Device::calibratable() const { return state_->calibratable; }

Status Device::start_calibration(const CalibrationRequest& request) {
  State& s = *state_;
  std::lock_guard lock(s.mutex);
  if (!s.calibratable) {
    return make_error(s.source_status.description +
                      " cannot be calibrated: it measures no waveforms");
  }
  // Measured with the correction in force once the one pending reaches the
  // source, which the skipped first reading covers.
  return s.calibration.start(request, s.config.settings.calibration.phases, s.phases);
}

CalibrationStatus Device::calibration() const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  CalibrationStatus out = s.calibration.status();
  out.current = s.config.settings.calibration.phases;
  out.calibratable = s.calibratable;
  if (out.error.empty()) out.error = s.calibration_error;
  return out;
}

Status Device::apply_calibration() {
  State& s = *state_;
  const Status saved = update_settings([&s](Settings current) -> Result<Settings> {
    // update_settings runs this under the device's lock.
    const std::optional<metering::Corrections> proposal = s.calibration.proposal();
    if (!proposal) return make_error("no calibration to apply: measure first");
    if (current.calibration.phases != s.calibration.in_force())
      return make_error("the calibration changed since the measurement: measure again");
    current.calibration.phases = *proposal;
    return current;
  });
  if (!saved) return saved;
  std::lock_guard lock(s.mutex);
  s.calibration.mark_applied();
  return ok_status();
}

void Device::cancel_calibration() {
  std::lock_guard lock(state_->mutex);
  state_->calibration.cancel();
}

void Device::start_services() {
  if (options_.services != nullptr) options_.services->start_all(current_settings());
}

void Device::restart_services() {
  if (options_.services != nullptr) options_.services->restart_all(current_settings());
}

void Device::request_reboot() { state_->reboot_requested = true; }

void Device::request_server_check() { state_->server_check_requested = true; }

ServiceSet::CurrentSettings Device::current_settings() const {
  return [this] { return settings(); };
}

}  // namespace maic::device
