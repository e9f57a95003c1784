// For tests: a journal filled directly, as days of a device's life would,
// without metering them (12 days of minutes in a fraction of a second).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

#include "maic/core/storage.hpp"
#include "maic/device/journal.hpp"

namespace maic::device::testing {

// Appends `count` minutes to the journal in `storage` while no device has it
// open, continuing from its newest record (or starting at `first_minute`):
// 230 V, 10 A, PF 1, 50 Hz and 38.33 Wh a minute on each of three phases, each
// minute covering `covered_s` seconds of readings.
inline void append_minutes(Storage& storage, std::uint32_t count, std::int64_t first_minute,
                           int covered_s = 60) {
  auto journal = Journal::open(storage);
  ASSERT_TRUE(journal.ok()) << journal.error().message;
  for (std::uint32_t k = 0; k < count; ++k) {
    JournalRecord r;
    const auto& newest = journal->newest();
    r.minute = newest ? newest->minute + 60 : first_minute;
    r.phases = 3;
    r.covered_s = covered_s;
    r.temperature_c = 31;
    const std::uint64_t seq = journal->newest_seq() + 1;
    for (JournalPhase& p : r.phase) {
      p.volts = 230;
      p.amps = 10;
      p.power_factor = 1;
      p.hertz = 50;
      p.forward = seq * 3833;  // 0.01 Wh
    }
    ASSERT_TRUE(journal->append(r).ok());
  }
}

}  // namespace maic::device::testing
