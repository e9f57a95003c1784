// The device's services (MQTT, the uplink to the data server, and next
// conditions, schedule, notifier) as peers with one life cycle, after
// ESPHome's component model (esphome/core/component.h): start() sets up,
// on_reading()/on_output() are the steps, reconfigure() applies new
// settings, restart() is the manual's "reboot", stop() shuts down.
//
// A service that fails to start, or reports a permanent error, is disabled
// — that service, not the device: the others keep running, and the state
// (kFailed) and the reason show in the status API and /metrics. Transient
// errors (a broker or server away) are the service's own business: it
// keeps retrying with back-off and reports kError meanwhile. Reconfiguring
// or a reboot re-enables a disabled service (it is started again).
//
// Adding a service: write a class that implements Service, and add() it
// in apps/maic-device before start_all().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/clock.hpp"
#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"
#include "maic/device/output.hpp"
#include "maic/device/settings.hpp"

namespace maic::device {

enum class ServiceState {
  kDisabled,    // off by its settings, or stopped
  kConnecting,  // the first attempt since (re)configuring is under way
  kConnected,   // working
  kError,       // a transient error (see the error); the service retries with back-off
  kFailed,      // disabled by a failed set-up or a permanent error, until reconfigured or rebooted
};
// "disabled", "connecting", "connected", "error", "failed": for the JSON
// and metrics edge only.
std::string_view to_string(ServiceState s);

struct ServiceStatus {
  ServiceState state = ServiceState::kDisabled;
  std::string error;  // the reason of kError or kFailed; may outlive a recovery until reconfigured
  std::uint64_t sent = 0;  // messages or records handed on so far (a counter; 0 where none)
};

// One service. Threads: start(), reconfigure(), restart() and stop() are
// called by a ServiceSet, one at a time, from any thread but never from
// the service's own callbacks; on_reading() from the metering thread;
// on_output() and report() from any thread, also during the others.
class Service {
 public:
  virtual ~Service() = default;

  // A short lower-case name ("mqtt", "server"), for logs and reports.
  virtual std::string_view name() const = 0;

  // Sets up with `settings` (validated) and begins working, in the
  // background where it waits for the network. An error disables the
  // service (kFailed with that reason). Must not block for long.
  virtual Status start(const Settings& settings) = 0;

  // New settings (validated), also ones that do not concern the service
  // (it ignores those). An error disables the service.
  virtual Status reconfigure(const Settings& settings) = 0;

  // The manual's "reboot": end what the service is doing and begin anew
  // with `settings` (a connection is made again). By default stop() and
  // start().
  virtual Status restart(const Settings& settings) {
    stop();
    return start(settings);
  }

  // A new reading; `now` is the device's steady time (normally r.end).
  // Must not block.
  virtual void on_reading(const Reading& r, SteadyTime now) {
    (void)r;
    (void)now;
  }

  // A command to the output was carried out (by anyone: `change.cause`),
  // whether it changed the state or not (`change.changed`). Must not block.
  virtual void on_output(const OutputChange& change) { (void)change; }

  // Ends the service's work within a bounded time. Idempotent.
  virtual void stop() = 0;

  // A snapshot. A service that meets a permanent error after start()
  // reports kFailed itself; the set then starts it again when reconfigured.
  virtual ServiceStatus report() const = 0;
};

// The device's services, in the order they were added: started in that
// order, stopped in reverse. Steps reach only the services that are not
// disabled by a failure.
//
// Threads: add() before start_all(), from one thread. Afterwards every
// method is thread-safe. The life-cycle calls (start_all, reconfigure,
// restart_all, stop_all) are serialised, and no lock is held while a
// service runs, so a service's callback may call on_output() (the MQTT
// command that switches the output) while another thread reconfigures it.
class ServiceSet {
 public:
  using Log = std::function<void(std::string_view line)>;
  // The device's settings as saved now (Device::settings()). The life-cycle
  // calls read them under their own serialisation, so that of two settings
  // changes racing each other the services always end with the newer one,
  // whatever order the two calls arrive in.
  using CurrentSettings = std::function<Settings()>;
  explicit ServiceSet(Log log = {});
  ~ServiceSet();  // stop_all()
  ServiceSet(const ServiceSet&) = delete;
  ServiceSet& operator=(const ServiceSet&) = delete;

  void add(std::unique_ptr<Service> service);

  // Starts each service; one that fails is disabled and logged, and the
  // others start all the same.
  void start_all(const CurrentSettings& current);
  // Hands each service the current settings (after a change); a disabled
  // one is started again.
  void reconfigure(const CurrentSettings& current);
  // Restarts each service (a disabled one: starts it).
  void restart_all(const CurrentSettings& current);
  // Restarts the service called `name` alone (the site's "check
  // connection" of the data server); false: no such service.
  bool restart(std::string_view name, const CurrentSettings& current);
  // Stops each service, the last added first. Idempotent.
  void stop_all();

  void on_reading(const Reading& r, SteadyTime now);
  void on_output(const OutputChange& change);

  struct Report {
    std::string name;
    ServiceStatus status;
  };
  std::vector<Report> status() const;
  // The status of the service called `name`; nullopt: no such service.
  std::optional<ServiceStatus> status_of(std::string_view name) const;

 private:
  struct Entry;
  // `call` on each running service, start() on each disabled one.
  // `only`: that service alone; empty: all.
  void renew(const CurrentSettings& current, Status (Service::*call)(const Settings&),
             std::string_view what, std::string_view only = {});
  // Started, and not failed since: neither by a life-cycle call nor by its
  // own report (kFailed).
  static bool takes_steps(const Entry& e);
  // Records the outcome of a life-cycle call of `e`.
  void record(Entry& e, const Status& outcome, std::string_view what);

  Log log_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::mutex lifecycle_;      // serialises the life-cycle calls
  mutable std::mutex mutex_;  // guards the entries' failures; never held across a service call
  bool running_ = false;      // under lifecycle_
};

}  // namespace maic::device
