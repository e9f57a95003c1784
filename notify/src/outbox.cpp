#include "maic/notify/outbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace maic::notify {

using nlohmann::json;

struct Outbox::State {
  std::uint64_t next_seq = 1;
  std::int64_t day_start = 0;  // unix s of the local day day_count counts
  std::uint64_t day_count = 0;
  std::map<std::string, std::int64_t> last;  // rate key -> when one was last accepted
  OutboxCounters counters;
  std::vector<OutboxEntry> entries;  // oldest first
};

namespace {

// The file's format; a change that old code cannot read bumps it.
constexpr int kVersion = 1;

std::string rate_key(const Notification& n) {
  std::string key(event_name(n.event));
  if (n.event == Event::kCondition) key += fmt::format(":{}", n.condition);
  if (n.event == Event::kPhaseLost || n.event == Event::kPhaseRestored) {
    key += ":" + std::string(n.value("phase").value_or(""));
  }
  return key;
}

json encode(const Outbox::State& s) {
  json entries = json::array();
  for (const OutboxEntry& e : s.entries) {
    json values = json::array();
    for (const auto& [k, v] : e.notification.values) values.push_back({k, v});
    entries.push_back({{"id", e.notification.id},
                       {"event", event_name(e.notification.event)},
                       {"created", e.notification.created},
                       {"condition", e.notification.condition},
                       {"values", values},
                       {"attempts", e.attempts},
                       {"last_error", e.last_error}});
  }
  const OutboxCounters& c = s.counters;
  return {{"version", kVersion},
          {"next_seq", s.next_seq},
          {"day_start", s.day_start},
          {"day_count", s.day_count},
          {"last", s.last},
          {"counters",
           {{"queued", c.queued},
            {"sent", c.sent},
            {"rate_limited", c.rate_limited},
            {"daily_cap", c.daily_cap},
            {"full", c.full}}},
          {"entries", entries}};
}

// nlohmann's exceptions (type errors, missing keys) are the parse errors
// of a damaged file; they stop here.
Result<Outbox::State> decode(std::string_view text) {
  try {
    const json doc = json::parse(text);
    if (doc.at("version").get<int>() != kVersion) {
      return make_error(fmt::format("version: {} is required", kVersion));
    }
    Outbox::State s;
    s.next_seq = doc.at("next_seq").get<std::uint64_t>();
    s.day_start = doc.at("day_start").get<std::int64_t>();
    s.day_count = doc.at("day_count").get<std::uint64_t>();
    s.last = doc.at("last").get<std::map<std::string, std::int64_t>>();
    const json& c = doc.at("counters");
    s.counters = {c.at("queued").get<std::uint64_t>(), c.at("sent").get<std::uint64_t>(),
                  c.at("rate_limited").get<std::uint64_t>(), c.at("daily_cap").get<std::uint64_t>(),
                  c.at("full").get<std::uint64_t>()};
    for (const json& e : doc.at("entries")) {
      OutboxEntry entry;
      Notification& n = entry.notification;
      n.id = e.at("id").get<std::string>();
      Result<Event> event = parse_event(e.at("event").get<std::string>());
      if (!event) return make_error("entries: " + event.error().message);
      n.event = *event;
      n.created = e.at("created").get<std::int64_t>();
      n.condition = e.at("condition").get<int>();
      for (const json& kv : e.at("values")) {
        n.values.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
      }
      entry.attempts = e.at("attempts").get<int>();
      entry.last_error = e.at("last_error").get<std::string>();
      s.entries.push_back(std::move(entry));
    }
    return s;
  } catch (const json::exception& e) {
    return make_error(e.what());
  }
}

}  // namespace

std::string_view admission_name(Admission a) {
  constexpr std::string_view kNames[] = {"queued", "rate_limited", "daily_cap", "full"};
  return kNames[static_cast<std::size_t>(a)];
}

bool high_priority(Event e) {
  return e == Event::kCondition || e == Event::kOutputSwitched || e == Event::kPhaseLost ||
         e == Event::kPhaseRestored;
}

Outbox::Outbox(Storage& storage, OutboxOptions options, std::unique_ptr<State> state)
    : storage_(storage), options_(options), state_(std::move(state)) {}

Outbox::~Outbox() = default;

Result<std::unique_ptr<Outbox>> Outbox::open(Storage& storage, OutboxOptions options) {
  options.capacity = std::max<std::size_t>(options.capacity, 1);
  options.reserve = std::min(options.reserve, options.capacity - 1);
  auto state = std::make_unique<State>();
  auto bytes = storage.read_file(kOutboxFile);
  if (!bytes) return make_error(fmt::format("{}: {}", kOutboxFile, bytes.error().message));
  if (*bytes) {
    Result<State> decoded = decode(as_text(**bytes));
    if (!decoded) return make_error(fmt::format("{}: {}", kOutboxFile, decoded.error().message));
    *state = std::move(decoded).value();
  }
  return std::unique_ptr<Outbox>(new Outbox(storage, options, std::move(state)));
}

Status Outbox::save(const State& state) {
  const std::string text = encode(state).dump(1) + "\n";
  if (Status s = storage_.write_file_atomic(kOutboxFile, as_bytes(text)); !s) {
    return make_error(fmt::format("{}: {}", kOutboxFile, s.error().message));
  }
  return ok_status();
}

Result<Admission> Outbox::offer(Notification n, std::int64_t now) {
  std::lock_guard lock(mutex_);
  // Refusals are counted in memory and saved with the next change: a flood
  // of refused events must not become a flood of flash writes.
  const std::string key = rate_key(n);
  if (options_.rate_limit > 0 && n.event != Event::kTest) {
    const auto last = state_->last.find(key);
    // A clock set back (now < last) does not silence the event for as long.
    if (last != state_->last.end() && now >= last->second &&
        now - last->second < options_.rate_limit) {
      ++state_->counters.rate_limited;
      return Admission::kRateLimited;
    }
  }
  const std::int64_t day = period_of(Period::kDay, now, options_.zone).start;
  const std::uint64_t today = day == state_->day_start ? state_->day_count : 0;
  if (options_.daily_cap > 0 && today >= options_.daily_cap) {
    ++state_->counters.daily_cap;
    return Admission::kDailyCap;
  }
  const std::size_t room =
      high_priority(n.event) ? options_.capacity : options_.capacity - options_.reserve;
  if (state_->entries.size() >= room) {
    ++state_->counters.full;
    return Admission::kFull;
  }

  State next = *state_;
  if (n.created == 0) n.created = now;
  n.id = fmt::format("{}.{}", next.next_seq++, n.created);
  next.entries.push_back({std::move(n), 0, {}});
  next.day_start = day;
  next.day_count = today + 1;
  next.last[key] = now;
  // Keys whose limit has passed need no memory.
  std::erase_if(next.last, [&](const auto& kv) {
    return kv.first != key && now - kv.second >= options_.rate_limit;
  });
  ++next.counters.queued;
  if (Status s = save(next); !s) return s.error();
  *state_ = std::move(next);
  return Admission::kQueued;
}

std::optional<OutboxEntry> Outbox::front() const {
  std::lock_guard lock(mutex_);
  if (state_->entries.empty()) return std::nullopt;
  return state_->entries.front();
}

Status Outbox::mark_sent(const std::string& id) {
  std::lock_guard lock(mutex_);
  State next = *state_;
  const auto erased =
      std::erase_if(next.entries, [&](const OutboxEntry& e) { return e.notification.id == id; });
  if (erased == 0) return ok_status();
  ++next.counters.sent;
  if (Status s = save(next); !s) return s;
  *state_ = std::move(next);
  return ok_status();
}

Status Outbox::mark_failed(const std::string& id, const std::string& error) {
  std::lock_guard lock(mutex_);
  State next = *state_;
  for (OutboxEntry& e : next.entries) {
    if (e.notification.id == id) {
      ++e.attempts;
      e.last_error = error;
      if (Status s = save(next); !s) return s;
      *state_ = std::move(next);
      break;
    }
  }
  return ok_status();
}

std::vector<OutboxEntry> Outbox::entries() const {
  std::lock_guard lock(mutex_);
  return state_->entries;
}

std::size_t Outbox::size() const {
  std::lock_guard lock(mutex_);
  return state_->entries.size();
}

OutboxCounters Outbox::counters() const {
  std::lock_guard lock(mutex_);
  return state_->counters;
}

}  // namespace maic::notify
