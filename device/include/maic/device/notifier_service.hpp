// E-mail notifications (issue 12 §3; docs/automation.md, "Notifications")
// as the device's "notify" service (service.hpp).
//
// Events become notify::Notifications offered to a notify::Outbox, the
// queue persisted in the device's storage (notify-outbox.json) with its
// per-event rate limit and daily cap; a sender thread of the service's own
// drains it through a notify::Mailer (oldest first, removed only once the
// SMTP server took it: at least once, with a stable Message-ID).
//
// The events, each sent only while notify.enabled and its toggle are on:
//  - condition_email(): a condition's e-mail action (the automation calls it);
//  - on_output(): the output switched (changed), with its cause;
//  - on_reading(): a phase's voltage below notify.phase_lost_v for longer
//    than notify.phase_filter_s (steady time) is lost; back at or above it,
//    restored (only after a lost);
//  - the first start() of the daemon's life: restarted;
//  - the device's status, looked at on each reading: the data server
//    unreachable (kError or kFailed) for notify.server_unreachable_min
//    minutes, then reachable again; the MQTT broker lost (connected before,
//    in error for longer than Options::mqtt_grace), then restored.
//
// Threads: as for every Service. condition_email(), send_test() and
// notifications() from any thread. The sender thread holds no lock while it
// talks to the server; stop() wakes it and joins it, so it waits at most
// for the send under way (bounded by Options::timeouts).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "maic/core/clock.hpp"
#include "maic/core/reading.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/device.hpp"
#include "maic/device/service.hpp"
#include "maic/notify/mailer.hpp"
#include "maic/notify/outbox.hpp"
#include "maic/notify/smtp.hpp"

namespace maic::device {

// The e-mail queue for the status API and /metrics.
struct NotificationsStatus {
  ServiceState state = ServiceState::kDisabled;
  std::string error;               // the last SMTP error while sends fail
  std::size_t queued = 0;          // waiting in the outbox
  std::uint64_t sent = 0;          // accepted by the server (the outbox's count, persisted)
  std::uint64_t rate_limited = 0;  // refused by the per-event rate limit (persisted)
  std::uint64_t daily_cap = 0;     // refused by the daily cap (persisted)
  std::uint64_t full = 0;          // refused by a full queue (persisted)
  std::int64_t last_sent = 0;      // unix s of the last mail accepted since the start; 0: none
};

class NotifierService final : public Service {
 public:
  // The device's status (Device::status()), read on each reading for the
  // server and MQTT events. Called without any of the service's locks.
  using StatusSource = std::function<DeviceStatus()>;
  // An SMTP client for an account (validated); notify::curl_smtp_sender by default.
  using MakeSender = std::function<std::unique_ptr<notify::SmtpSender>(
      const notify::SmtpSettings&, const notify::SmtpTimeouts&)>;

  struct Options {
    // Of each send (and so of stop()): libcurl's connect and total limits.
    notify::SmtpTimeouts timeouts;
    MakeSender make_sender;
    // MQTT in error for longer than this after being connected is "lost"
    // (a reconnect within it says nothing).
    Duration mqtt_grace = std::chrono::seconds(60);
    // The sender thread's wait between steps, in real time: back-offs end
    // and settings apply this late at most; new entries wake it at once.
    std::chrono::milliseconds poll{1000};
    // The Mailer's back-off after a failure (seconds of the clock).
    std::int64_t backoff_min = 30;
    std::int64_t backoff_max = 3600;
    // The outbox's size and its places kept for high-priority events.
    std::size_t capacity = 200;
    std::size_t reserve = 20;
    std::function<void(std::string_view)> log;  // may be empty
  };

  // `storage` (the device's; must allow calls from the service's threads
  // besides the device's: platform::DirectoryStorage does) and `clock`
  // must outlive the service. `devid` names the device in the mails.
  NotifierService(Storage& storage, const Clock& clock, std::string devid, StatusSource status,
                  Options options);
  ~NotifierService() override;  // stop()
  NotifierService(const NotifierService&) = delete;
  NotifierService& operator=(const NotifierService&) = delete;

  std::string_view name() const override { return "notify"; }
  // When notify.enabled: opens the outbox (an error, e.g. a file that
  // does not parse, disables the service) and starts the sender thread.
  // The first start of the service's life offers "restarted".
  Status start(const Settings& settings) override;
  // Applies new notification, language or time-zone settings (the sender
  // thread is stopped and started again); ignores the rest.
  Status reconfigure(const Settings& settings) override;
  void on_reading(const Reading& r, SteadyTime now) override;
  void on_output(const OutputChange& change) override;
  void stop() override;
  // kDisabled when off; kError with the SMTP error while sends fail (the
  // queue keeps them); else kConnected. sent: mails accepted.
  ServiceStatus report() const override;

  // A condition's e-mail action: condition `index` (0-based, as in the
  // settings; the mail says index + 1) met with the compared `value`.
  void condition_email(std::size_t index, double value, const Reading& r);

  // The API's test button: a kTest mail with `settings`' account, sent at
  // once (not queued, whether notifications are on or not). The error is
  // the validation's ("smtp.host: required") or the server's.
  Status send_test(const Settings& settings);

  NotificationsStatus notifications() const;

 private:
  struct Watch;
  // Offers `n` at wall time `now` when on and its `toggle` is set.
  void offer(bool NotifySettings::*toggle, notify::Notification n, std::int64_t now);
  // Starts the sender thread over the outbox for settings_. Under mutex_.
  Status open_locked();
  // Stops the sender thread (joins it). Not under mutex_.
  void stop_thread();
  void run();
  notify::MailerOptions mailer_options(const Settings& s) const;
  std::unique_ptr<notify::SmtpSender> make_sender(const notify::SmtpSettings& smtp) const;

  Storage& storage_;
  const Clock& clock_;
  const std::string devid_;
  StatusSource status_;
  Options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Settings> settings_;  // as started or reconfigured; none while stopped
  std::unique_ptr<notify::Outbox> outbox_;
  std::unique_ptr<notify::SmtpSender> sender_;
  std::unique_ptr<notify::Mailer> mailer_;
  std::thread thread_;
  bool stopping_ = false;
  bool pending_ = false;  // an entry was offered since the thread last looked
  bool started_once_ = false;
  // The sender's outcome.
  bool failing_ = false;
  std::string last_error_;
  std::int64_t last_sent_ = 0;
  std::unique_ptr<Watch> watch_;  // the events' detectors; on_reading's thread only
  std::uint64_t tests_ = 0;       // test mails, for their ids
};

}  // namespace maic::device
