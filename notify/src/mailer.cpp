#include "maic/notify/mailer.hpp"

#include <algorithm>

namespace maic::notify {

Mailer::Mailer(Outbox& outbox, SmtpSender& sender, MailerOptions options)
    : outbox_(outbox), sender_(sender), options_(std::move(options)) {}

void Mailer::reconfigure(MailerOptions options) {
  options_ = std::move(options);
  retry_at_ = 0;
  backoff_ = 0;
}

MailerReport Mailer::step(std::int64_t now) {
  MailerReport report;
  if (backoff_ > 0 && now < retry_at_) {
    report.last_error = last_error_;
    report.retry_at = retry_at_;
    return report;
  }
  while (report.sent < options_.max_per_step) {
    const std::optional<OutboxEntry> entry = outbox_.front();
    if (!entry) break;
    const Notification& n = entry->notification;
    const Mail mail =
        compose(n, options_.device, options_.language, options_.sender, options_.recipients);
    // No lock is held here: events are offered meanwhile.
    if (Status sent = sender_.send(mail); !sent) {
      last_error_ = sent.error().message;
      // The failure itself is worth recording; a storage error here only
      // loses the count.
      (void)outbox_.mark_failed(n.id, last_error_);
      backoff_ =
          backoff_ == 0 ? options_.backoff_min : std::min(backoff_ * 2, options_.backoff_max);
      retry_at_ = now + backoff_;
      report.failed = true;
      break;
    }
    backoff_ = 0;
    retry_at_ = 0;
    last_error_.clear();
    if (Status removed = outbox_.mark_sent(n.id); !removed) {
      // Still queued: it will go again with the same Message-ID (at least
      // once). Back off like a failed send so a broken storage cannot make
      // the same mail go out in a tight loop.
      last_error_ = removed.error().message;
      backoff_ = options_.backoff_min;
      retry_at_ = now + backoff_;
      report.failed = true;
      break;
    }
    ++report.sent;
  }
  report.last_error = last_error_;
  report.retry_at = backoff_ > 0 ? retry_at_ : 0;
  return report;
}

}  // namespace maic::notify
