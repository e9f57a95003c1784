// Where a waiting command poll looks first: every pending output command
// any maic-cloud process on the same database has queued, learnt with one
// query per refresh for all waiting devices together (Store::commands_after)
// rather than one per device per check.
//
// The board is a hint, the store the truth: a poll that finds a command for
// its device here confirms it with Store::pending_commands before handing
// it out, so a command acknowledged through another process is not sent
// twice (and were it, the device's acknowledgement is idempotent).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"

namespace maic::cloud {

class Store;

class CommandBoard {
 public:
  CommandBoard(Store& store, const Clock& clock, Duration refresh_interval);

  // True when a command newer than the device's last confirmed one may be
  // pending. Refreshes from the store when the last refresh is older than
  // the interval (one caller refreshes; the others use what it found).
  bool may_have_command(const std::string& devid);
  // Records a command queued by this process, so its own polls see it at once.
  void note(const std::string& devid, std::int64_t command_id);
  // The device's commands up to `command_id` are dealt with.
  void settle(const std::string& devid, std::int64_t command_id);

 private:
  void refresh_if_due();

  Store& store_;
  const Clock& clock_;
  const Duration interval_;
  std::mutex mutex_;
  bool refreshed_ = false;
  SteadyTime last_refresh_{};
  std::int64_t seen_id_ = 0;                    // the newest command id learnt
  std::map<std::string, std::int64_t> newest_;  // devid -> newest pending id known
};

}  // namespace maic::cloud
