// The meter store: the device's energy meters across restarts and power
// cuts (design brief: "energy counters only move forward, survive power
// cuts with a bounded, documented loss, and survive a factory reset").
//
// Two kinds of value, kept apart on purpose:
//  - the lifetime registers, per phase and flow, in µWh: what the device
//    has measured since it was made. Only measurement moves them, only
//    forward; the user cannot set them.
//  - the user's offsets: the manual's "initial values" (§5) set the meter a
//    user sees to match a utility meter. user meter = lifetime + offset, so
//    setting an initial value changes the offset, never the lifetime.
// An offset history [{from_seq, offsets}] says which offsets were in force
// for which journal records, so a record's user meter can be rebuilt later
// (to_minute_record in journal.hpp).
//
// One small JSON file (`meters.json`, ~230 bytes), replaced with
// write_file_atomic: after a power cut it holds the old or the new state,
// never a mixture; a CRC-32C over its canonical form catches rot.
//
// Policy and bounds (docs/storage.md):
//  - update() saves when at least `save_every` (30 s) of steady time passed
//    since the last save and a value changed; flush() saves at shutdown.
//    A power cut loses at most the energy of the last `save_every` (while
//    saves succeed): at most 2,880 atomic writes a day, plus the journal's
//    1,440 slot writes.
//  - open() takes the larger of the stored registers and the journal's
//    newest record, register by register, so the meters never go backwards
//    even when the journal is newer than the store.
//  - A factory reset must leave this file alone (settings are elsewhere).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/journal.hpp"

namespace maic::device {

struct OffsetEntry {
  std::uint32_t from_seq = 1;  // the first journal record these offsets apply to
  MeterValues offsets;         // µWh, added to the lifetime registers
  friend bool operator==(const OffsetEntry&, const OffsetEntry&) = default;
};

// What the file holds.
struct MeterState {
  static constexpr int kVersion = 1;
  MeterValues lifetime;  // µWh, >= 0
  // Ascending, distinct from_seq; never empty; back() is in force now.
  std::vector<OffsetEntry> history{OffsetEntry{}};
  friend bool operator==(const MeterState&, const MeterState&) = default;
};

// The file's text: {"crc32c":…,"history":[{"from_seq":1,"offsets":{"forward":
// [3 ints],"reverse":[…]}}],"lifetime":{"forward":[…],"reverse":[…]},
// "version":1}; the checksum covers the same object without "crc32c",
// printed compactly with sorted keys (nlohmann's canonical form).
std::string encode_meter_state(const MeterState& s);
// Validates everything; the error names the bad field ("lifetime.reverse[2]
// must be a non-negative integer").
Result<MeterState> decode_meter_state(std::string_view text);

struct MeterStoreOptions {
  std::string file_name = "meters.json";
  Duration save_every = std::chrono::seconds(30);
};

// Not thread-safe: one thread (the device's storage thread) owns it.
// `storage` must outlive it.
class MeterStore {
 public:
  // Loads the store (a missing file: all zeros, no offsets) and raises each
  // lifetime register to the journal's newest record (`newest`:
  // Journal::newest()) where that is ahead. A damaged or invalid file is an
  // error naming the file and the field; the caller decides (the daemon
  // refuses to start rather than reset anybody's meters).
  static Result<MeterStore> open(Storage& storage, const std::optional<JournalRecord>& newest,
                                 SteadyTime now, MeterStoreOptions options = {});

  const MeterValues& lifetime() const { return state_.lifetime; }
  const MeterValues& offsets() const { return state_.history.back().offsets; }
  MeterValues user_meters() const;  // lifetime + offsets
  // The lifetime registers as of the last durable save: what a restart
  // after a crash resumes from at the least (the file, or the journal's
  // newest record where that is ahead: open() took both). They lag
  // lifetime() by up to `save_every` and never decrease, also across
  // restarts; what the device publishes for others to count on (MQTT,
  // /metrics: docs/mqtt.md, "As of the last save").
  const MeterValues& saved_lifetime() const { return saved_lifetime_; }
  // saved_lifetime() + offsets: the user's meters as saved. The offsets in
  // force are always saved (set_user_meter() saves at once), so these
  // change by the user's act or by a save, never back by a crash.
  MeterValues saved_user_meters() const;
  const MeterState& state() const { return state_; }

  // The offsets in force for journal record `seq` (the first entry's for a
  // seq older than the history kept).
  const MeterValues& offsets_for(std::uint32_t seq) const;

  // Takes the lifetime registers as measured now (µWh); a register below
  // the stored one is ignored, so the meters never go backwards. Saves when
  // due (see the top); the error is the save's. A failed save is retried at
  // the next update.
  Status update(const MeterValues& lifetime, SteadyTime now);

  // Sets the user's meter of `phase` (0-based) and `flow` to `micro_wh`
  // (>= 0) from journal record `from_seq` on (Journal::newest_seq() + 1: the
  // minute in progress), by changing its offset. A user action: saved at
  // once, and on error nothing has changed. from_seq may not be older than
  // the offsets in force.
  Status set_user_meter(std::size_t phase, Flow flow, std::int64_t micro_wh, std::uint32_t from_seq,
                        SteadyTime now);

  // Forgets history entries that no journal record from `oldest_seq` on
  // uses (Journal::oldest_seq()), keeping the one in force. Saved with the
  // next save.
  void prune(std::uint32_t oldest_seq);

  // Saves if anything changed since the last save (at shutdown).
  Status flush(SteadyTime now);

 private:
  MeterStore(Storage& storage, MeterStoreOptions options, MeterState state, SteadyTime now);
  Status save(SteadyTime now);

  Storage* storage_;
  MeterStoreOptions options_;
  MeterState state_;
  MeterValues saved_lifetime_;  // state_.lifetime when last saved, or as opened
  SteadyTime last_save_;
  bool dirty_ = false;
};

}  // namespace maic::device
