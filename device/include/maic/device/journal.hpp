// The minute journal: the device's record of every minute, kept on its own
// storage until the server has it (manual §11: "data collection interval 1
// minute", "12 days offline").
//
// A ring of fixed 128-byte slots in one file, written one slot per minute
// with one write and one fdatasync. Slot 0 is the file header; the record
// with sequence number `seq` lives in slot 1 + (seq - 1) % capacity, so the
// ring's position follows from the newest seq and a slot's address from
// its seq. Each slot carries a CRC-32C: a slot torn by a power cut, or
// rotted on the medium, fails it and is read as empty. That is the whole
// recovery procedure: there is no log to replay and no state besides the
// slots (docs/storage.md has the format and the crash-safety proof).
//
// Cost: 1,440 writes of 128 bytes and 1,440 fdatasyncs a day, each aligned
// on a 128-byte boundary, so a slot never straddles a 512-byte sector.
//
// Version 3 made the slots 128 bytes to keep each minute's frequency; a
// journal of 64-byte slots (versions 1 and 2) is rewritten once, at open,
// into a new file that replaces the old one by a rename (Journal::open).
//
// Energy is journaled as the device's lifetime counters (never set by the
// user) at the minute's end, modulo 2^40 in 0.01 Wh, so a minute's energy
// is the modular difference of consecutive records: exact (the sum over any
// run of minutes telescopes to the counters' difference) and untouched by
// the user's "initial values" (manual §5), which live in the meter store
// as offsets.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "maic/core/minute_record.hpp"
#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"
#include "maic/core/storage.hpp"

namespace maic::device {

// --- Meter values -----------------------------------------------------------

enum class Flow { kForward, kReverse };  // consumed (Wh) and generated (rWh) energy
inline constexpr std::array<Flow, 2> kFlows{Flow::kForward, Flow::kReverse};

// An energy value per phase and flow in µWh, EnergyRegister's unit: the
// lifetime registers, or the user's offsets to them (which may be negative).
struct MeterValues {
  std::array<std::int64_t, kMaxPhases> forward{};
  std::array<std::int64_t, kMaxPhases> reverse{};

  std::array<std::int64_t, kMaxPhases>& operator[](Flow f) {
    return f == Flow::kForward ? forward : reverse;
  }
  const std::array<std::int64_t, kMaxPhases>& operator[](Flow f) const {
    return f == Flow::kForward ? forward : reverse;
  }
  friend bool operator==(const MeterValues&, const MeterValues&) = default;
};

// --- Records ---------------------------------------------------------------

// The journal's counters: lifetime energy in 0.01 Wh modulo 2^40 (11 GWh,
// 2.7 years of a 2000 A phase at 230 V flat out; residential meters never
// wrap). Differences are taken modulo 2^40 too, so a wrap costs nothing.
inline constexpr std::uint64_t kCounterModulus = std::uint64_t{1} << 40;
inline constexpr std::int64_t kMicroWhPerCount = 10'000;

// A lifetime register (µWh, >= 0) as a journal counter: floored to 0.01 Wh.
std::uint64_t journal_counter(std::int64_t micro_wh);
// The energy between two counters, `later` minus `earlier`, modulo 2^40.
std::uint64_t counter_delta(std::uint64_t earlier, std::uint64_t later);
// The full register value (µWh) that `counter` stands for: the multiple of
// 0.01 Wh congruent to it modulo 2^40 counts that lies nearest to
// `reference` (any recent value of the same register), and not below 0.
std::int64_t unwrap_counter(std::uint64_t counter, std::int64_t reference_micro_wh);

struct JournalPhase {
  double volts = 0;           // mean; stored in 0.01 V, clamped to 0..655.35 V
  double amps = 0;            // mean; stored in units of the file's amps_lsb, clamped
  double power_factor = 0;    // mean; stored in 1/10000, clamped to 0..1
  double hertz = 0;           // mean; stored in 0.01 Hz, clamped to 0..655.35 Hz; 0: unknown
  std::uint64_t forward = 0;  // lifetime consumed energy at the minute's end, 0.01 Wh mod 2^40
  std::uint64_t reverse = 0;  // lifetime generated energy at the minute's end, 0.01 Wh mod 2^40

  std::uint64_t counter(Flow f) const { return f == Flow::kForward ? forward : reverse; }
  friend bool operator==(const JournalPhase&, const JournalPhase&) = default;
};

// One minute as the journal keeps it. Records read back hold the stored,
// quantised values (encode_record quantises; decode_record(encode_record(r))
// is what a reader will see of r).
struct JournalRecord {
  std::uint32_t seq = 0;    // 1-based, +1 per record; assigned by Journal::append
  std::int64_t minute = 0;  // unix seconds of the minute's start, a multiple of 60, >= 0
  int phases = 3;           // 1..3
  bool output_on = false;   // at the minute's end
  int temperature_c = 0;    // rounded, clamped to -128..127
  // The seconds the minute's energy covers (MinuteRecord::covered),
  // rounded up, clamped to 0..kMaxCoveredSeconds. A slot written by
  // version 1 kept a count of readings instead and reads back as a full
  // minute (60).
  int covered_s = 0;
  std::array<JournalPhase, kMaxPhases> phase{};

  friend bool operator==(const JournalRecord&, const JournalRecord&) = default;
};

// The journal record of a finished minute: its means, and the lifetime
// registers (µWh) at its end. seq is left 0 for Journal::append to assign.
JournalRecord journal_record(const MinuteRecord& m, const MeterValues& lifetime);

// The most seconds a record says its minute covered: byte 10 of a slot.
inline constexpr int kMaxCoveredSeconds = 255;

// Seconds of one of the D103's readings (manual §11, "data refresh interval
// 5 s"): a minute record's `readings` read from the journal is its covered
// time in such readings, whatever the meter's interval was.
inline constexpr int kReadingSeconds = 5;

// A journal record as a core minute record, for the uplink and the API.
//  - wh_delta / rwh_delta: the counters' difference to `previous` (the
//    record before it; nullptr when unknown, e.g. the oldest one kept: then
//    0). Energy between non-consecutive records (a slot lost to rot) goes
//    to the later one: nothing is lost or counted twice.
//  - covered: covered_s; watts / reverse_watts: mean_power_w() of that
//    energy over it; 0 when nothing was covered. readings: covered_s / 5 s.
//  - wh / rwh: the user's meters, lifetime + `offsets` (the ones in force
//    for this record: MeterStore::offsets_for(seq)), the lifetime being the
//    record's counters unwrapped near `reference` (the current lifetime).
//  - hertz: the record's mean frequency (0 for a minute journaled before
//    version 3, which did not keep it).
MinuteRecord to_minute_record(const JournalRecord& r, const JournalRecord* previous,
                              const MeterValues& offsets, const MeterValues& reference);

// --- The format -------------------------------------------------------------
// Exposed for tests and fuzzing; the Journal is the only writer.

inline constexpr std::size_t kSlotSize = 128;
using Slot = std::array<std::byte, kSlotSize>;
// Versions 1 and 2 had 64-byte slots; they are still read, to migrate them.
inline constexpr std::size_t kOldSlotSize = 64;
using OldSlot = std::array<std::byte, kOldSlotSize>;
// The header is the file's first 64 bytes in every version (in version 3
// the rest of slot 0 is reserved zeros), so it can be read before the
// slot size is known.
inline constexpr std::size_t kHeaderSize = 64;

// The header: magic "MAICJRNL", u16 version, u16 slot size, u32 capacity,
// u32 amps_lsb in µA, zeros, u32 CRC-32C of bytes 0..59.
//  - Version 1: 64-byte slots whose byte 10 counted 5-s readings.
//  - Version 2: 64-byte slots with the seconds a minute covered (flag bit
//    3); a version 1 file was appended to as it was, so its slots mix both.
//  - Version 3: 128-byte slots that add each phase's frequency. Journal::open
//    migrates a version 1 or 2 file to it. A build that reads only versions
//    1 and 2 refuses a version 3 file rather than skipping its slots.
struct JournalHeader {
  static constexpr std::uint16_t kVersion = 3;
  static constexpr std::uint16_t kOldestVersion = 1;  // still read, to migrate it
  std::uint32_t capacity = 0;
  std::uint32_t amps_lsb_ua = 0;
  std::uint16_t version = kVersion;  // as found in a file; encode_header writes it
  // The slot size of `version`: 64 bytes before version 3, 128 since.
  std::size_t slot_size() const { return version < 3 ? kOldSlotSize : kSlotSize; }
  friend bool operator==(const JournalHeader&, const JournalHeader&) = default;
};
// The header as a whole slot of its version (slot 0): the 64 header bytes,
// then zeros up to slot_size().
std::vector<std::byte> encode_header(const JournalHeader& h);
// The header from the file's first kHeaderSize bytes; the slot size it
// names must be its version's.
Result<JournalHeader> decode_header(std::span<const std::byte, kHeaderSize> bytes);

// A record slot of version 3, little-endian (docs/storage.md has the table):
//   0 u32 seq | 4 u32 minute (unix s / 60) | 8 u8 flags (bits 0-1 phases,
//   bit 2 output, bit 3 set: byte 10 is seconds) | 9 i8 °C | 10 u8 seconds
//   covered (bit 3 clear, version 1: 5-s readings) | 11 u8 0 |
//   12 + 16·p: u16 0.01 V, u16 amps/amps_lsb, u16 PF/10000, u40 forward,
//   u40 reverse (0.01 Wh) | 60 + 2·p: u16 0.01 Hz | 66..123 zeros (reserved)
//   | 124 u32 CRC-32C of bytes 0..123.
// Bytes 0..59 are laid out as in versions 1 and 2.
// Precondition for encode: r.minute >= 0 and r.minute / 60 < 2^32.
Slot encode_record(const JournalRecord& r, std::uint32_t amps_lsb_ua);
// nullopt for an empty or damaged slot: bad CRC, seq 0, or fields out of
// range (reserved bytes not zero among them).
std::optional<JournalRecord> decode_record(std::span<const std::byte, kSlotSize> slot,
                                           std::uint32_t amps_lsb_ua);

// A record slot of versions 1 and 2: bytes 0..59 as above, then a u32
// CRC-32C of them at 60. It has no frequency: decoding gives hertz 0, and
// encoding (for tests of the migration) drops it and writes flag bit 3.
OldSlot encode_old_record(const JournalRecord& r, std::uint32_t amps_lsb_ua);
std::optional<JournalRecord> decode_old_record(std::span<const std::byte, kOldSlotSize> slot,
                                               std::uint32_t amps_lsb_ua);

// --- The journal ------------------------------------------------------------

struct JournalOptions {
  std::string file_name = "journal.bin";
  // Records kept: 17,280 is 12 days of minutes. The file is 128 × (capacity
  // + 1) bytes once full (2.2 MB). An existing file made for another
  // capacity is refused with an error rather than resized: the operator
  // moves it away (nothing is deleted behind anyone's back). The change of
  // slot size from version 2 keeps the capacity.
  std::uint32_t capacity = 17'280;
  // The current resolution in µA, used when the file is created: 5000 µA
  // (up to 327 A) fits the D103's 5-120 A transformers; a 2000 A device
  // wants 50,000. An existing file keeps the resolution it was made with
  // (see Journal::amps_lsb_ua()).
  std::uint32_t amps_lsb_ua = 5'000;
};

// Not thread-safe: one thread (the device's storage thread) owns it.
class Journal {
 public:
  // Opens the journal in `storage`, creating it when missing, and scans every
  // slot: valid ones are kept, torn or damaged ones count as empty. Fails
  // on I/O errors and on a header that is not this format or not this
  // capacity (the message says which). `storage` need not outlive the
  // journal: it keeps only the open file.
  //
  // A version 1 or 2 file (64-byte slots) is first migrated: every valid
  // slot is copied, in chunks, to the same slot of a version 3 file named
  // migration_name(file_name), which is synced and then renamed over the
  // journal. A power cut before the rename leaves the old journal, and the
  // next open migrates it again, overwriting the scratch file; after the
  // rename, the complete new one. Needs room for both files meanwhile
  // (1.1 MB + 2.2 MB for 12 days).
  static Result<Journal> open(Storage& storage, const JournalOptions& options = {});

  // The scratch file of a migration: "<file_name>.v3".
  static std::string migration_name(const std::string& file_name);

  // Appends `r` (its seq is ignored) as seq newest_seq() + 1, overwriting
  // the oldest record when the ring is full; returns the seq. On OK the
  // record is durable (written and synced). On error nothing is
  // acknowledged: the journal stays where it was, so the next append (a
  // retry, or the next minute) reuses the seq and the slot, and the slot's
  // previous record counts as gone. Fails if r.minute is negative or beyond
  // u32 minutes.
  //
  // Seqs never repeat across crashes, because a crash can only tear the
  // record being appended, which nobody has seen. (If the newest slot rots
  // on the medium, its seq is handed out again: rot is not a crash.)
  Result<std::uint32_t> append(const JournalRecord& r);

  // Up to `max` records with seq > `seq`, oldest first (what the uplink
  // sends after the server acknowledged `seq`). Slots damaged since open()
  // are skipped.
  Result<std::vector<JournalRecord>> records_after(std::uint32_t seq, std::size_t max) const;

  // The records whose minute lies in [from_minute, to_minute) (unix
  // seconds), in seq order. Seq order is time order unless the wall clock
  // was set back.
  Result<std::vector<JournalRecord>> records_between(std::int64_t from_minute,
                                                     std::int64_t to_minute) const;

  std::uint32_t oldest_seq() const { return oldest_; }  // 0 when empty
  std::uint32_t newest_seq() const { return newest_; }  // 0 when empty
  std::size_t size() const { return count_; }           // records kept
  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t amps_lsb_ua() const { return amps_lsb_ua_; }
  // The newest record as stored; nullopt when empty.
  const std::optional<JournalRecord>& newest() const { return newest_record_; }

 private:
  // What the journal remembers of each slot: enough to answer the queries
  // without reading the file (8 bytes × capacity: 138 kB for 12 days).
  struct SlotIndex {
    std::uint32_t seq = 0;  // 0: empty
    std::uint32_t unix_minute = 0;
  };

  Journal(std::unique_ptr<File> file, std::string name, std::uint32_t capacity,
          std::uint32_t amps_lsb_ua);

  std::size_t slot_of(std::uint32_t seq) const { return (seq - 1) % capacity_; }
  std::uint64_t offset_of(std::size_t slot) const { return kSlotSize * (1 + slot); }
  Status scan();
  void forget(std::size_t slot);
  void advance_oldest();
  // Reads the records of `seqs` (ascending, each in the index).
  Result<std::vector<JournalRecord>> read_records(const std::vector<std::uint32_t>& seqs) const;

  std::unique_ptr<File> file_;
  std::string name_;
  std::uint32_t capacity_;
  std::uint32_t amps_lsb_ua_;
  std::vector<SlotIndex> index_;
  std::uint32_t oldest_ = 0;
  std::uint32_t newest_ = 0;
  std::size_t count_ = 0;
  std::optional<JournalRecord> newest_record_;
};

}  // namespace maic::device
