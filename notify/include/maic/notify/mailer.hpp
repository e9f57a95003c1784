// Drains an Outbox through an SmtpSender: the oldest entry first, removed
// only once the server accepted it, with back-off while the server fails.
// The loop belongs to the caller, as a component's loop() does: call
// step(now) periodically (every few seconds) with the monotonic time in
// seconds; it sends what is due and returns at once when nothing is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/notify/notification.hpp"
#include "maic/notify/outbox.hpp"
#include "maic/notify/smtp.hpp"

namespace maic::notify {

struct MailerOptions {
  DeviceInfo device;
  std::string language = "en";  // a BCP 47 tag or the manual's code (mail_language())
  std::string sender;
  std::vector<std::string> recipients;
  // After a failure the next try waits backoff_min, doubling per failure
  // up to backoff_max (seconds); a success resets it.
  std::int64_t backoff_min = 30;
  std::int64_t backoff_max = 3600;
  std::size_t max_per_step = 10;  // sends per step(), so a step stays bounded
};

struct MailerReport {
  std::size_t sent = 0;       // in this step
  bool failed = false;        // the step ended on a failure
  std::string last_error;     // of the last failure (kept until a success)
  std::int64_t retry_at = 0;  // when a failed send is tried again (monotonic s); 0: no back-off
};

// Not thread-safe: one thread calls step() and reconfigure(). The Outbox may
// be offered to from others meanwhile.
class Mailer {
 public:
  // `outbox` and `sender` must outlive the Mailer.
  Mailer(Outbox& outbox, SmtpSender& sender, MailerOptions options);

  // Sends due entries (at most max_per_step) unless backing off at `now`
  // (monotonic seconds). Blocks while the sender talks to the server.
  MailerReport step(std::int64_t now);

  // New device name, language or addresses; ends a back-off (the settings
  // may have been the problem).
  void reconfigure(MailerOptions options);

 private:
  Outbox& outbox_;
  SmtpSender& sender_;
  MailerOptions options_;
  std::int64_t retry_at_ = 0;
  std::int64_t backoff_ = 0;  // the current back-off; 0: none
  std::string last_error_;
};

}  // namespace maic::notify
