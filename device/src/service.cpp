#include "maic/device/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <iterator>

namespace maic::device {

// In the enum's order.
constexpr std::string_view kStateNames[] = {"disabled", "connecting", "connected", "error",
                                            "failed"};
static_assert(std::size(kStateNames) == static_cast<std::size_t>(ServiceState::kFailed) + 1);

std::string_view to_string(ServiceState s) { return kStateNames[static_cast<std::size_t>(s)]; }

struct ServiceSet::Entry {
  explicit Entry(std::unique_ptr<Service> s) : service(std::move(s)) {}
  std::unique_ptr<Service> service;
  // Set while the service may take steps: started and not failed. Read by
  // the steps without a lock.
  std::atomic<bool> running{false};
  std::optional<std::string> failure;  // under mutex_: why it is disabled
};

ServiceSet::ServiceSet(Log log) : log_(std::move(log)) {}

ServiceSet::~ServiceSet() { stop_all(); }

void ServiceSet::add(std::unique_ptr<Service> service) {
  entries_.push_back(std::make_unique<Entry>(std::move(service)));
}

void ServiceSet::record(Entry& e, const Status& outcome, std::string_view what) {
  {
    std::lock_guard lock(mutex_);
    if (outcome) {
      e.failure.reset();
    } else {
      e.failure = outcome.error().message;
    }
  }
  e.running = outcome.ok();
  if (!outcome && log_) {
    log_(fmt::format("{}: {} failed, the service is disabled: {}", e.service->name(), what,
                     outcome.error().message));
  }
}

void ServiceSet::start_all(const CurrentSettings& current) {
  std::lock_guard life(lifecycle_);
  running_ = true;
  const Settings settings = current();
  for (auto& e : entries_) record(*e, e->service->start(settings), "start");
}

void ServiceSet::reconfigure(const CurrentSettings& current) {
  renew(current, &Service::reconfigure, "reconfiguring");
}

void ServiceSet::restart_all(const CurrentSettings& current) {
  renew(current, &Service::restart, "restart");
}

bool ServiceSet::restart(std::string_view name, const CurrentSettings& current) {
  const bool known =
      std::ranges::any_of(entries_, [&](const auto& e) { return e->service->name() == name; });
  if (known) renew(current, &Service::restart, "restart", name);
  return known;
}

void ServiceSet::renew(const CurrentSettings& current, Status (Service::*call)(const Settings&),
                       std::string_view what, std::string_view only) {
  std::lock_guard life(lifecycle_);
  if (!running_) return;
  // Read under lifecycle_: a change saved before this call took the lock is
  // in it, and one saved after is handed on by its own call, which follows.
  const Settings settings = current();
  for (auto& e : entries_) {
    if (!only.empty() && e->service->name() != only) continue;
    if (takes_steps(*e)) {
      record(*e, (e->service.get()->*call)(settings), what);
    } else {
      // Disabled by a failure: new settings, or a reboot, may be what it lacked.
      e->service->stop();
      record(*e, e->service->start(settings), "start");
    }
  }
}

void ServiceSet::stop_all() {
  std::lock_guard life(lifecycle_);
  running_ = false;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    (*it)->running = false;
    (*it)->service->stop();
  }
}

// Disabled by a failure: a failed life-cycle call (running is false), or
// a permanent error the service met since and reports itself (kFailed).
bool ServiceSet::takes_steps(const Entry& e) {
  return e.running && e.service->report().state != ServiceState::kFailed;
}

void ServiceSet::on_reading(const Reading& r, SteadyTime now) {
  for (auto& e : entries_) {
    if (takes_steps(*e)) e->service->on_reading(r, now);
  }
}

void ServiceSet::on_output(const OutputChange& change) {
  for (auto& e : entries_) {
    if (takes_steps(*e)) e->service->on_output(change);
  }
}

std::vector<ServiceSet::Report> ServiceSet::status() const {
  std::vector<Report> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) {
    Report r{std::string(e->service->name()), e->service->report()};
    {
      std::lock_guard lock(mutex_);
      if (e->failure) {
        r.status.state = ServiceState::kFailed;
        r.status.error = *e->failure;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<ServiceStatus> ServiceSet::status_of(std::string_view name) const {
  for (Report& r : status()) {
    if (r.name == name) return std::move(r.status);
  }
  return std::nullopt;
}

}  // namespace maic::device
