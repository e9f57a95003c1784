// The device: the D103's firmware logic, over the interfaces it is handed
// (clock, storage, output relay, sample source). ESPHome's component
// lifecycle is the model: open() sets up, step() is the non-blocking loop,
// shutdown() flushes.
//
// Each step: poll the source; apply each new reading to the energy meters;
// build minute records and append them to the journal; save the meters when
// due; hand the newest reading to the services (service.hpp: MQTT, the
// uplink, ...) with its meters as saved (published()).
// Commands from the web and the services (switch the output, change
// settings, set the meters' starting values, factory reset, reboot) are
// thread-safe and take effect at once. The device owns no service: they
// are peers, wired by the daemon, that the device tells of readings,
// output changes, settings and reboots.
//
// Threads: step() and shutdown() from one thread (the metering loop);
// everything else from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "maic/core/clock.hpp"
#include "maic/core/minute_record.hpp"
#include "maic/core/storage.hpp"
#include "maic/core/upload_codec.hpp"
#include "maic/device/access_control.hpp"
#include "maic/device/calibration.hpp"
#include "maic/device/output.hpp"
#include "maic/device/page_api.hpp"
#include "maic/device/service.hpp"
#include "maic/device/settings_store.hpp"
#include "maic/device/uplink_peer.hpp"
#include "maic/metering/meter_source.hpp"

namespace maic::device {

class Journal;
class MeterStore;

struct DeviceOptions {
  std::string firmware_version;
  std::string web_address;  // where the web server listens, for the status
  // Builds the relay driver for the output settings (GPIO); null: none.
  std::function<Result<std::unique_ptr<Output>>(const OutputSettings&)> relay_driver;
  // The services the device tells of readings, output changes, settings
  // and reboots, and whose states its status reports; null: none. Must
  // outlive the device; the daemon starts and stops them.
  ServiceSet* services = nullptr;
  // The board's temperature where the source does not know it; null: none.
  std::function<std::optional<double>()> temperature;
};

struct SourceStatus {
  std::string description;
  std::string last_error;  // empty when the last poll succeeded
};

struct DeviceStatus {
  Identity identity;
  std::string firmware_version;
  Duration uptime{};
  std::string web_address;
  SourceStatus source;
  bool output_on = false;
  std::string output_driver;
  bool led = true;
  ServiceState mqtt_state = ServiceState::kDisabled;  // the "mqtt" service's
  std::string mqtt_error;
  std::uint64_t mqtt_published = 0;
  std::uint64_t journal_records = 0;
  std::uint64_t journal_newest_seq = 0;
  std::string storage_error;  // the last journal or meter save that failed
  // The data server (uplink.hpp, the "server" service): kDisabled (no
  // server.url), kConnecting, kConnected, kError; kFailed when the service
  // is disabled by a failure.
  ServiceState server_state = ServiceState::kDisabled;
  std::int64_t server_last_success = 0;      // unix s of the last request it answered; 0: never
  std::uint64_t server_backlog = 0;          // journal records it has not acknowledged
  std::string server_error;                  // the last failure; empty after a success
  std::vector<ServiceSet::Report> services;  // every service, in the order they were added
};

class Device final : public UplinkPeer {
 public:
  struct Dependencies {
    const Clock& clock;
    Storage& storage;
    std::unique_ptr<metering::MeterSource> source;
    RandomBytes random;
  };

  // Loads (or creates) identity and settings, the meters and the journal,
  // the output's remembered state. Starts no service.
  static Result<std::unique_ptr<Device>> open(Dependencies deps, DeviceOptions options);
  ~Device() override;

  // One turn of the metering loop: first a reboot asked for by
  // request_reboot(), then the readings. Returns the readings it produced
  // (for the console).
  std::vector<Reading> step();
  // True once a finite source has no more data.
  bool source_exhausted() const;
  // Saves the meters. (The daemon stops the services before.)
  void shutdown();

  Identity identity() const override;
  std::string firmware_version() const override;
  Settings settings() const override;
  // Applies a settings change (settings.hpp; a JSON patch: json_patch()):
  // the result validated, saved, then handed to the services (which may
  // block for a few seconds: MQTT reconnects). On error nothing changes.
  Status update_settings(const SettingsEdit& edit);
  // The newest reading; none before the first (the source's first window
  // takes 5 s, a Modbus meter's first interval) or while a source has been
  // down since the start.
  std::optional<Reading> latest() const;
  // latest() as MQTT and /metrics publish it (and as the services get each
  // reading): its meters, the user's and the lifetime registers, as of the
  // meter store's last durable save, so that no restart, after a crash
  // too, resumes below a value once published. They lag the live meters
  // of latest() (the page API, the JSON API, the site) by up to the
  // store's save interval, 30 s (docs/mqtt.md, "As of the last save").
  std::optional<Reading> published() const;
  // The newest values known, for answers that may not wait for a reading
  // (the page API, compat.md §1): latest() when there is one; else the
  // last journaled minute (its means; its end as wall_end) with the meters
  // as they stand, or with an empty journal the meters alone, zeros for
  // the rest, the board's temperature and the wall clock's now. `span` is 0
  // when no reading stands behind the values.
  Reading newest_values() const;
  // Switches the output (a command from `change.cause`) and tells the
  // services, also when it was in that state already (MQTT republishes
  // it); OutputChange::changed says whether it switched.
  Status set_output(OutputChange change);
  // A command from the data server (UplinkPeer).
  Status set_output(bool on) override { return set_output(OutputChange{on, OutputCause::kServer}); }
  bool output_on() const override;
  // The manual's initial values: the user's meters start from these.
  Status set_initial_values(std::span<const InitialValue> values);
  DeviceStatus status() const;
  // Minute records whose minute starts in [from, to] (unix seconds),
  // oldest first.
  std::vector<MinuteRecord> minutes(std::int64_t from, std::int64_t to) const;
  // For the uplink: up to `max` journal records with seq > `seq`, oldest
  // first, as the server takes them (each one's energy is the difference
  // to the record before it, 0 for the oldest kept). The error is the
  // journal's (a failed read).
  Result<std::vector<UploadRecord>> records_after(std::uint32_t seq,
                                                  std::size_t max) const override;
  JournalSpan journal_span() const override;
  // Phases the source measures: 1 or 3.
  int phases() const override;
  // The uplink's state: the data server's status for status(), and the
  // acknowledged position (from which status() counts the backlog).
  void report_server(const ServerReport& report) override;
  // The last report_server(), for the uplink's service report.
  ServerReport server_report() const;
  // Small files of other components in the device's storage (the uplink's
  // uplink.json), read and replaced atomically under the device's lock, as
  // a Storage need not be thread-safe. nullopt: no such file.
  Result<std::optional<std::string>> read_state_file(std::string_view name) const override;
  Status write_state_file(std::string_view name, std::string_view text) override;
  // Default settings, identity kept; meters and journal untouched (manual §6).
  // The calibration is kept too: it belongs to the hardware.
  Status factory_reset();

  // Guided calibration (calibration.hpp; docs/metering.md). Whether the
  // source can be calibrated at all (a waveform source; not a Modbus meter).
  bool calibratable() const;
  // Starts averaging the readings to come for the reference's phases,
  // for request.seconds of readings (the first, begun before, is
  // skipped); replaces a measurement in progress or done. Refused when
  // the source cannot be calibrated, or with the request's field.
  Status start_calibration(const CalibrationRequest& request);
  CalibrationStatus calibration() const;
  // Saves the measurement's proposal in the settings (the measured phases;
  // the others keep theirs), which applies it from the source's next
  // window. Refused unless a measurement is done.
  Status apply_calibration();
  // Back to idle; the correction in force stays.
  void cancel_calibration();
  // Starts every service with the current settings (ServiceSet::start_all).
  void start_services();
  // The manual's "reboot": restarts every service with the current
  // settings (MQTT connects anew, the uplink says hello again), also one
  // disabled by a failure. Blocks while the services stop and start (MQTT:
  // up to its stop timeout, and name resolution). Not from a service's
  // callback.
  void restart_services();
  // Asks for the reboot without waiting for it: the next step() restarts
  // the services, on the metering thread (as SIGHUP does). For requests that
  // must be answered at once (POST /api/v1/reboot). Any thread; requests
  // before that step make one reboot.
  void request_reboot();
  // The same for the data server's service alone: it says hello again at
  // once, whatever its back-off (the site's "check connection"); the
  // outcome shows in status().
  void request_server_check();

  AccessControl& access() { return access_; }

 private:
  struct State;
  Device(const Clock& clock, Storage& storage, const RandomBytes& random, DeviceOptions options);
  // settings(), for the services to read when they take the settings on.
  ServiceSet::CurrentSettings current_settings() const;

  const Clock& clock_;
  Storage& storage_;
  DeviceOptions options_;
  AccessControl access_;
  std::unique_ptr<State> state_;
};

}  // namespace maic::device
