// The notifications waiting to be mailed: a bounded queue persisted in one
// file over maic::Storage (replaced atomically on every change), with the
// anti-flood rules applied when a notification is offered.
//
// Guarantees:
//  - Nothing accepted is lost: an entry leaves the queue only through
//    mark_sent(), which the Mailer calls after the SMTP server accepted the
//    message. A crash anywhere (mid-send included) leaves it in the file,
//    and it is sent again after the restart with the same Notification::id,
//    hence the same Message-ID: delivery is at least once, and a duplicate
//    is recognisable.
//  - Never floods: per-event rate limit, a daily cap in the device's local
//    day, a bounded queue. What these refuse is counted, not queued.
//
// Admission, in this order:
//  1. Rate limit: at most one notification per key per `rate_limit` seconds.
//     The key is the event, plus the condition's index for condition
//     e-mails and the phase for phase events (phase 1 lost does not silence
//     phase 2). The test button's notifications are exempt.
//  2. Daily cap: at most `daily_cap` accepted per local calendar day (the
//     device's zone, so a DST day is still one day).
//  3. Bounds: the queue holds at most `capacity` entries; the last
//     `reserve` places are for the high-priority events (conditions,
//     output switched, phase lost and restored), so a dead SMTP server and
//     chattering connectivity events cannot crowd out what matters. When
//     no place is left the new notification is refused; queued ones are
//     never dropped to make room.
// The rate limit's and the cap's state are persisted with the queue, so a
// crash loop cannot flood either ("restarted" at every boot).
//
// Time is handed in (unix seconds); there is no clock inside. Thread-safe:
// one mutex around every method, so events may be offered from any thread
// while the Mailer sends (it holds no lock while talking to the server).
// Storage is only called under that mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "maic/core/calendar.hpp"
#include "maic/core/result.hpp"
#include "maic/core/storage.hpp"
#include "maic/notify/notification.hpp"

namespace maic::notify {

inline constexpr std::string_view kOutboxFile = "notify-outbox.json";

struct OutboxOptions {
  std::size_t capacity = 200;       // entries; at least 1
  std::size_t reserve = 20;         // of capacity, for high-priority events; < capacity
  std::int64_t rate_limit = 900;    // seconds per key (15 minutes); 0: no limit
  std::size_t daily_cap = 50;       // accepted per local day; 0: no cap
  TimeZone zone = TimeZone::utc();  // whose day the cap counts
};

enum class Admission {
  kQueued,
  kRateLimited,  // refused: one with the same key within rate_limit
  kDailyCap,     // refused: daily_cap reached today
  kFull,         // refused: no place left for this priority
};
std::string_view admission_name(Admission a);  // "queued", "rate_limited", "daily_cap", "full"

// Whether `e` may use the reserved places.
bool high_priority(Event e);

struct OutboxEntry {
  Notification notification;
  int attempts = 0;        // sends tried and failed so far
  std::string last_error;  // of the last failed try
};

// Counts since the file was created (persisted).
struct OutboxCounters {
  std::uint64_t queued = 0;
  std::uint64_t sent = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t daily_cap = 0;
  std::uint64_t full = 0;
};

class Outbox {
 public:
  // Opens the queue in `storage` (kOutboxFile), which must outlive it. A
  // missing file is an empty queue. Errors: the storage's, or a file that
  // does not parse ("notify-outbox.json: ..."): the caller decides whether
  // to remove it, nothing is thrown away here.
  static Result<std::unique_ptr<Outbox>> open(Storage& storage, OutboxOptions options = {});

  // Applies the admission rules to `n` at `now` and queues it: assigns
  // n.id (any id given is replaced) and n.created = now when 0. Returns
  // what happened; an error only when the file could not be written, in
  // which case nothing changed (the notification is not queued).
  Result<Admission> offer(Notification n, std::int64_t now);

  // The oldest entry, the next to send; nullopt when empty.
  std::optional<OutboxEntry> front() const;

  // The server accepted the entry `id`: it leaves the queue. Unknown ids
  // are OK (already removed). An error when the file could not be
  // written: the entry stays and will be sent again (at least once).
  Status mark_sent(const std::string& id);
  // Sending `id` failed with `error`: counted and kept in place.
  Status mark_failed(const std::string& id, const std::string& error);

  std::vector<OutboxEntry> entries() const;
  std::size_t size() const;
  OutboxCounters counters() const;

  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  struct State;

 private:
  Outbox(Storage& storage, OutboxOptions options, std::unique_ptr<State> state);
  Status save(const State& state);

  Storage& storage_;
  OutboxOptions options_;
  mutable std::mutex mutex_;
  std::unique_ptr<State> state_;
};

}  // namespace maic::notify
