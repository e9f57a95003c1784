#include "maic/device/notifier_service.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>
#include <vector>

#include "maic/core/calendar.hpp"
#include "maic/core/quantity.hpp"

namespace maic::device {

using notify::Event;
using notify::Notification;

// The detectors of the events that come from readings and the device's
// status. Under NotifierService::mutex_.
struct NotifierService::Watch {
  // Phases: since when each has been below the threshold; whether its
  // "lost" went out.
  std::array<std::optional<SteadyTime>, kMaxPhases> low_since{};
  std::array<bool, kMaxPhases> phase_lost{};
  // The data server: since when it has been unreachable; whether that was told.
  std::optional<SteadyTime> server_down_since;
  bool server_told = false;
  // MQTT: lost only after it was connected.
  bool mqtt_was_connected = false;
  std::optional<SteadyTime> mqtt_down_since;
  bool mqtt_lost = false;
};

namespace {

std::int64_t steady_seconds(SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

notify::DeviceInfo device_info(const std::string& devid, const Settings& s) {
  notify::DeviceInfo d;
  // There is no name setting: the mails name the device by its model and ID.
  d.name = "smart-MAIC " + devid;
  d.devid = devid;
  auto zone = TimeZone::locate(s.timezone);
  d.zone = zone ? *zone : TimeZone::utc();
  return d;
}

// What the notifications depend on; other settings changes leave the
// sender alone.
bool same_for_notify(const Settings& a, const Settings& b) {
  return a.notify == b.notify && a.language == b.language && a.timezone == b.timezone;
}

Notification make(Event e, std::vector<std::pair<std::string, std::string>> values = {}) {
  Notification n;
  n.event = e;
  n.values = std::move(values);
  return n;
}

std::string volts(double v) { return fmt::format("{:.1f} V", v); }

}  // namespace

NotifierService::NotifierService(Storage& storage, const Clock& clock, std::string devid,
                                 StatusSource status, Options options)
    : storage_(storage),
      clock_(clock),
      devid_(std::move(devid)),
      status_(std::move(status)),
      options_(std::move(options)),
      watch_(std::make_unique<Watch>()) {}

NotifierService::~NotifierService() { stop(); }

std::unique_ptr<notify::SmtpSender> NotifierService::make_sender(
    const notify::SmtpSettings& smtp) const {
  if (options_.make_sender) return options_.make_sender(smtp, options_.timeouts);
  return notify::curl_smtp_sender(smtp, options_.timeouts);
}

notify::MailerOptions NotifierService::mailer_options(const Settings& s) const {
  notify::MailerOptions m;
  m.device = device_info(devid_, s);
  m.language = s.language;
  m.sender = s.notify.smtp.sender;
  m.recipients = s.notify.smtp.recipients;
  m.backoff_min = options_.backoff_min;
  m.backoff_max = options_.backoff_max;
  // One send per step: the thread looks at stop() between sends, so a stop
  // waits for one send's timeout at most.
  m.max_per_step = 1;
  return m;
}

Status NotifierService::open_locked() {
  const Settings& s = *settings_;
  if (!s.notify.enabled) return ok_status();
  notify::OutboxOptions o;
  o.capacity = options_.capacity;
  o.reserve = options_.reserve;
  o.rate_limit = std::int64_t{s.notify.rate_limit_min} * 60;
  o.daily_cap = static_cast<std::size_t>(s.notify.daily_cap);
  o.zone = device_info(devid_, s).zone;
  auto outbox = notify::Outbox::open(storage_, o);
  if (!outbox) return outbox.error();
  outbox_ = std::move(outbox).value();
  sender_ = make_sender(s.notify.smtp);
  mailer_ = std::make_unique<notify::Mailer>(*outbox_, *sender_, mailer_options(s));
  failing_ = false;
  last_error_.clear();
  stopping_ = false;
  pending_ = true;  // what the last run left in the queue
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void NotifierService::stop_thread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  stopping_ = false;
  mailer_.reset();
  sender_.reset();
  outbox_.reset();
}

void NotifierService::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    pending_ = false;
    notify::Mailer& mailer = *mailer_;  // replaced only after this thread ends
    const std::int64_t now = steady_seconds(clock_.steady_now());
    lock.unlock();
    const notify::MailerReport report = mailer.step(now);  // no lock while sending
    const std::int64_t wall = unix_seconds(clock_.wall_now());
    lock.lock();
    if (report.sent > 0) last_sent_ = wall;
    const bool was_failing = failing_;
    // The Mailer keeps the last error until a send succeeds, also while it
    // backs off.
    failing_ = !report.last_error.empty();
    if (failing_ && (!was_failing || last_error_ != report.last_error) && options_.log)
      options_.log(fmt::format("notify: {} (the mail stays queued)", report.last_error));
    last_error_ = report.last_error;
    if (report.sent > 0) continue;  // more may be due
    wake_.wait_for(lock, options_.poll, [this] { return stopping_ || pending_; });
  }
}

Status NotifierService::start(const Settings& settings) {
  stop_thread();  // a start after a failed one
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    settings_ = settings;
    *watch_ = Watch{};
    if (Status opened = open_locked(); !opened) {
      settings_.reset();
      return opened;
    }
    first = !started_once_;
    started_once_ = true;
  }
  if (first)
    offer(&NotifySettings::on_restart, make(Event::kRestarted), unix_seconds(clock_.wall_now()));
  return ok_status();
}

Status NotifierService::reconfigure(const Settings& settings) {
  {
    std::lock_guard lock(mutex_);
    if (settings_ && same_for_notify(*settings_, settings)) {
      settings_ = settings;
      return ok_status();
    }
  }
  stop_thread();
  std::lock_guard lock(mutex_);
  settings_ = settings;
  if (Status opened = open_locked(); !opened) {
    settings_.reset();
    return opened;
  }
  return ok_status();
}

void NotifierService::stop() {
  stop_thread();
  std::lock_guard lock(mutex_);
  settings_.reset();
}

void NotifierService::offer(bool NotifySettings::*toggle, Notification n, std::int64_t now) {
  std::lock_guard lock(mutex_);
  if (!settings_ || !settings_->notify.enabled || !(settings_->notify.*toggle) || !outbox_) return;
  const std::string event(notify::event_name(n.event));
  auto admitted = outbox_->offer(std::move(n), now);
  if (!admitted) {
    if (options_.log) options_.log(fmt::format("notify: {}: {}", event, admitted.error().message));
    return;
  }
  if (*admitted != notify::Admission::kQueued) {
    if (options_.log)
      options_.log(
          fmt::format("notify: {} not queued: {}", event, notify::admission_name(*admitted)));
    return;
  }
  pending_ = true;
  wake_.notify_all();
}

void NotifierService::condition_email(std::size_t index, double value, const Reading& r) {
  // The mail names the condition as written ("V > 260 V") with the value
  // it compared, rounded as the catalogue shows its family.
  std::string what = "value";
  std::string shown = fmt::format("{:g}", value);
  {
    std::lock_guard lock(mutex_);
    if (settings_ && index < settings_->automation.conditions.size()) {
      const automation::Condition& c = settings_->automation.conditions[index];
      if (!c.operand.is_constant) {
        const FamilyInfo& f = family_info(c.operand.family);
        const std::string_view space = f.unit.empty() ? "" : " ";
        what = fmt::format("{} {} {:g}{}{}", automation::operand_key(c.operand),
                           c.comparison == automation::Comparison::kGreater ? ">" : "<", c.value,
                           space, f.unit);
        shown = fmt::format("{}{}{}", display_value(c.operand.family, value), space, f.unit);
      }
    }
  }
  Notification n = make(Event::kCondition, {{what, shown}});
  n.condition = static_cast<int>(index) + 1;
  offer(&NotifySettings::on_condition, std::move(n), unix_seconds(r.wall_end));
}

void NotifierService::on_output(const OutputChange& change) {
  if (!change.changed) return;
  Notification n = make(Event::kOutputSwitched, {{"state", change.on ? "on" : "off"},
                                                 {"cause", std::string(to_string(change.cause))}});
  n.condition = change.condition;
  offer(&NotifySettings::on_output, std::move(n), unix_seconds(clock_.wall_now()));
}

void NotifierService::on_reading(const Reading& r, SteadyTime now) {
  // Before any lock: the device's status asks every service's report().
  const std::optional<DeviceStatus> status =
      status_ ? std::optional<DeviceStatus>(status_()) : std::nullopt;
  std::vector<std::pair<bool NotifySettings::*, Notification>> events;
  {
    std::lock_guard lock(mutex_);
    if (!settings_ || !settings_->notify.enabled) return;
    const NotifySettings& ns = settings_->notify;
    Watch& w = *watch_;

    const Duration filter = std::chrono::seconds(ns.phase_filter_s);
    for (int p = 0; p < r.phases && p < kMaxPhases; ++p) {
      const double v = r.phase[p].volts;
      const std::string phase = std::to_string(p + 1);
      if (v < ns.phase_lost_v) {
        if (!w.low_since[p]) w.low_since[p] = now;
        if (!w.phase_lost[p] && now - *w.low_since[p] > filter) {
          w.phase_lost[p] = true;
          events.emplace_back(
              &NotifySettings::on_phase,
              make(Event::kPhaseLost, {{"phase", phase},
                                       {"u", volts(v)},
                                       {"threshold", volts(ns.phase_lost_v)},
                                       {"filter", fmt::format("{} s", ns.phase_filter_s)}}));
        }
      } else {
        w.low_since[p].reset();
        if (w.phase_lost[p]) {
          w.phase_lost[p] = false;
          events.emplace_back(&NotifySettings::on_phase,
                              make(Event::kPhaseRestored, {{"phase", phase}, {"u", volts(v)}}));
        }
      }
    }

    if (status) {
      switch (status->server_state) {
        case ServiceState::kDisabled:  // no server: nothing to miss
          w.server_down_since.reset();
          w.server_told = false;
          break;
        case ServiceState::kConnecting:  // the first attempt: neither
          break;
        case ServiceState::kConnected:
          w.server_down_since.reset();
          if (w.server_told) {
            w.server_told = false;
            events.emplace_back(&NotifySettings::on_server, make(Event::kServerReachable));
          }
          break;
        case ServiceState::kError:
        case ServiceState::kFailed:
          if (!w.server_down_since) w.server_down_since = now;
          if (!w.server_told &&
              now - *w.server_down_since >= std::chrono::minutes(ns.server_unreachable_min)) {
            w.server_told = true;
            events.emplace_back(&NotifySettings::on_server,
                                make(Event::kServerUnreachable,
                                     {{"minutes", std::to_string(ns.server_unreachable_min)},
                                      {"error", status->server_error}}));
          }
          break;
      }

      if (status->mqtt_state == ServiceState::kDisabled) {
        w.mqtt_was_connected = false;
        w.mqtt_down_since.reset();
        w.mqtt_lost = false;
      } else if (status->mqtt_state == ServiceState::kConnected) {
        w.mqtt_was_connected = true;
        w.mqtt_down_since.reset();
        if (w.mqtt_lost) {
          w.mqtt_lost = false;
          events.emplace_back(&NotifySettings::on_mqtt, make(Event::kMqttRestored));
        }
      } else if (w.mqtt_was_connected) {
        if (!w.mqtt_down_since) w.mqtt_down_since = now;
        if (!w.mqtt_lost && now - *w.mqtt_down_since > options_.mqtt_grace) {
          w.mqtt_lost = true;
          events.emplace_back(&NotifySettings::on_mqtt,
                              make(Event::kMqttLost, {{"error", status->mqtt_error}}));
        }
      }
    }
  }
  for (auto& [toggle, n] : events) offer(toggle, std::move(n), unix_seconds(r.wall_end));
}

ServiceStatus NotifierService::report() const {
  const NotificationsStatus n = notifications();
  return {n.state, n.error, n.sent};
}

NotificationsStatus NotifierService::notifications() const {
  std::lock_guard lock(mutex_);
  NotificationsStatus out;
  out.last_sent = last_sent_;
  if (!settings_ || !settings_->notify.enabled || !outbox_) return out;
  out.state = failing_ ? ServiceState::kError : ServiceState::kConnected;
  if (failing_) out.error = last_error_;
  out.queued = outbox_->size();
  const notify::OutboxCounters c = outbox_->counters();
  out.sent = c.sent;
  out.rate_limited = c.rate_limited;
  out.daily_cap = c.daily_cap;
  out.full = c.full;
  return out;
}

Status NotifierService::send_test(const Settings& settings) {
  if (Status valid = notify::validate(settings.notify.smtp); !valid) return valid;
  Notification n = make(Event::kTest);
  n.created = unix_seconds(clock_.wall_now());
  {
    std::lock_guard lock(mutex_);
    // Not the outbox's "<seq>.<created>": a test never enters it.
    n.id = fmt::format("test{}.{}", ++tests_, n.created);
  }
  const notify::SmtpSettings& smtp = settings.notify.smtp;
  const notify::Mail mail = notify::compose(n, device_info(devid_, settings), settings.language,
                                            smtp.sender, smtp.recipients);
  return make_sender(smtp)->send(mail);
}

}  // namespace maic::device
