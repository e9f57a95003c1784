#include "command_board.hpp"

#include "maic/cloud/store.hpp"

namespace maic::cloud {

CommandBoard::CommandBoard(Store& store, const Clock& clock, Duration refresh_interval)
    : store_(store), clock_(clock), interval_(refresh_interval) {}

bool CommandBoard::may_have_command(const std::string& devid) {
  refresh_if_due();
  std::lock_guard lock(mutex_);
  return newest_.contains(devid);
}

void CommandBoard::note(const std::string& devid, std::int64_t command_id) {
  std::lock_guard lock(mutex_);
  auto& newest = newest_[devid];
  newest = std::max(newest, command_id);
}

void CommandBoard::settle(const std::string& devid, std::int64_t command_id) {
  std::lock_guard lock(mutex_);
  const auto it = newest_.find(devid);
  if (it != newest_.end() && it->second <= command_id) newest_.erase(it);
}

void CommandBoard::refresh_if_due() {
  std::int64_t after = 0;
  {
    std::lock_guard lock(mutex_);
    const SteadyTime now = clock_.steady_now();
    if (refreshed_ && now - last_refresh_ < interval_) return;
    refreshed_ = true;
    last_refresh_ = now;
    after = seen_id_;
  }
  // Bounded pages: a burst of commands is learnt over a few refreshes.
  constexpr std::size_t kPage = 10'000;
  auto found = store_.commands_after(after, kPage);
  if (!found) return;  // the next refresh tries again; polls still time out normally
  std::lock_guard lock(mutex_);
  for (const Command& c : *found) {
    seen_id_ = std::max(seen_id_, c.id);
    auto& newest = newest_[c.devid];
    newest = std::max(newest, c.id);
  }
}

}  // namespace maic::cloud
