#include "maic/device/journal.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "maic/core/crc32.hpp"

namespace maic::device {
namespace {

// --- Little-endian fields ---------------------------------------------------

// A field of a slot: its first byte and its width in bytes. The one place
// a field's width is written, so encoding and decoding cannot disagree.
struct Field {
  std::size_t at;
  std::size_t width;
};

void put(std::span<std::byte> slot, Field f, std::uint64_t value) {
  for (std::size_t i = 0; i < f.width; ++i) slot[f.at + i] = std::byte((value >> (8 * i)) & 0xFF);
}

std::uint64_t get(std::span<const std::byte> slot, Field f) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < f.width; ++i) {
    value |= std::to_integer<std::uint64_t>(slot[f.at + i]) << (8 * i);
  }
  return value;
}

// Every slot (and the header) ends in a CRC-32C of the bytes before it.
constexpr Field checksum_of(std::size_t slot_size) { return {slot_size - 4, 4}; }

void seal(std::span<std::byte> slot) {
  const Field checksum = checksum_of(slot.size());
  put(slot, checksum, crc32c(slot.first(checksum.at)));
}

bool sealed(std::span<const std::byte> slot) {
  const Field checksum = checksum_of(slot.size());
  return get(slot, checksum) == crc32c(slot.first(checksum.at));
}

// --- The layout (docs/storage.md) --------------------------------------------

// The header, the first 64 bytes of the file: the magic, then its fields.
constexpr std::string_view kMagic = "MAICJRNL";
constexpr Field kVersion{8, 2}, kSlotLength{10, 2}, kCapacity{12, 4}, kAmpsLsb{16, 4};

// The record slot: the minute's fields, then one block a phase. Bytes
// 0..59 are the same in every version.
constexpr Field kSeq{0, 4}, kMinute{4, 4}, kFlags{8, 1}, kTemperature{9, 1};
constexpr Field kCovered{10, 1};  // seconds; before kSecondsBit, 5-s readings
constexpr Field kReserved{11, 1};
constexpr std::size_t kPhasesAt = 12, kPhaseSize = 16;
// Within a phase's block:
constexpr Field kVolts{0, 2}, kAmps{2, 2}, kPowerFactor{4, 2}, kForward{6, 5}, kReverse{11, 5};
static_assert(kPhasesAt + kMaxPhases * kPhaseSize == checksum_of(kOldSlotSize).at);
static_assert(kReverse.at + kReverse.width == kPhaseSize);
// Version 3 adds, after the phase blocks, a frequency a phase; the rest up
// to the checksum is reserved and must be zero.
constexpr std::size_t kHertzAt = kPhasesAt + kMaxPhases * kPhaseSize, kHertzSize = 2;  // 60
constexpr std::size_t kSpareAt = kHertzAt + kMaxPhases * kHertzSize;                   // 66
static_assert(kSpareAt <= checksum_of(kSlotSize).at);
// Slots on multiples of their size never straddle a 512-byte sector.
static_assert(512 % kSlotSize == 0 && kHeaderSize <= kSlotSize);

// `f` of phase `p`'s block.
constexpr Field of_phase(std::size_t p, Field f) {
  return {kPhasesAt + p * kPhaseSize + f.at, f.width};
}
constexpr Field hertz_of(std::size_t p) { return {kHertzAt + p * kHertzSize, kHertzSize}; }

constexpr std::uint64_t kPhasesMask = 0x03;
constexpr std::uint64_t kOutputBit = 0x04;
// Set in every slot this version writes: byte 10 holds the seconds the
// minute's energy covers. Without it (a version 1 slot) byte 10 counts
// readings of an unknown interval (a 10-s meter's 6 readings are a full
// minute): such a slot reads as a full minute, so its mean power is never
// overstated; its energy is exact either way.
constexpr std::uint64_t kSecondsBit = 0x08;
constexpr int kFullMinuteSeconds = 60;
constexpr double kVoltsUnit = 0.01;
constexpr double kHertzUnit = 0.01;
constexpr double kPowerFactorUnit = 1e-4;
constexpr std::uint64_t kMaxPowerFactor = 10'000;
constexpr std::uint64_t kMaxU16 = 0xFFFF;
constexpr std::int64_t kMaxUnixMinute = std::numeric_limits<std::uint32_t>::max();

// `value` in `unit`s, rounded, clamped to 0..max; NaN and negatives are 0.
std::uint64_t quantise(double value, double unit, std::uint64_t max) {
  if (!(value > 0)) return 0;
  const double q = std::round(value / unit);
  return q >= static_cast<double>(max) ? max : static_cast<std::uint64_t>(q);
}

double amps_unit(std::uint32_t amps_lsb_ua) { return amps_lsb_ua * 1e-6; }

int clamp_int(double value, int lo, int hi) {
  if (!std::isfinite(value)) return value > 0 ? hi : (value < 0 ? lo : 0);
  return static_cast<int>(std::clamp(std::round(value), double(lo), double(hi)));
}

Error journal_error(const std::string& name, const std::string& what) {
  return make_error("journal " + name + ": " + what);
}

// Slots read per call when scanning or migrating: 128 kB (64 kB of an
// old journal).
constexpr std::size_t kSlotsPerRead = 1024;

// The number of whole record slots in a file of `size` bytes whose slots
// are `slot_size` long, at most `capacity`: a torn tail is empty.
std::size_t record_slots(std::uint64_t size, std::size_t slot_size, std::uint32_t capacity) {
  const std::uint64_t record_bytes = size > slot_size ? size - slot_size : 0;
  return static_cast<std::size_t>(std::min<std::uint64_t>(record_bytes / slot_size, capacity));
}

// Writes into `scratch` (emptied first) the version 3 journal that the
// version 1 or 2 journal `old` holds, and syncs it: every valid slot of
// `old` that sits where its seq says goes to the same slot, anything else
// is an empty (zero) slot. One chunk of each at a time in memory.
Status write_migrated(File& old, File& scratch, const JournalHeader& header) {
  if (auto s = scratch.truncate(0); !s) return s;
  JournalHeader migrated = header;
  migrated.version = JournalHeader::kVersion;
  if (auto s = scratch.write_at(0, encode_header(migrated)); !s) return s;
  auto size = old.size();
  if (!size) return size.error();
  const std::size_t slots = record_slots(*size, kOldSlotSize, header.capacity);
  std::vector<std::byte> in(kSlotsPerRead * kOldSlotSize);
  std::vector<std::byte> out(kSlotsPerRead * kSlotSize);
  for (std::size_t first = 0; first < slots; first += kSlotsPerRead) {
    const std::size_t count = std::min(kSlotsPerRead, slots - first);
    std::fill(in.begin(), in.end(), std::byte{0});
    std::fill(out.begin(), out.end(), std::byte{0});
    auto n = old.read_at(kOldSlotSize * (1 + first), std::span(in).first(count * kOldSlotSize));
    if (!n) return n.error();
    for (std::size_t i = 0; i < count; ++i) {
      const auto r = decode_old_record(
          std::span(in).subspan(i * kOldSlotSize).first<kOldSlotSize>(), header.amps_lsb_ua);
      if (!r || (r->seq - 1) % header.capacity != first + i) continue;
      const Slot slot = encode_record(*r, header.amps_lsb_ua);
      std::copy(slot.begin(), slot.end(), out.begin() + static_cast<std::ptrdiff_t>(i * kSlotSize));
    }
    const auto chunk = std::span(out).first(count * kSlotSize);
    if (auto s = scratch.write_at(kSlotSize * (1 + first), chunk); !s) return s;
  }
  return scratch.sync();
}

// Replaces the version 1 or 2 journal `name` (open as `old`) by its
// version 3 copy and returns the new file, open. The old journal stays
// untouched until the rename, which is durable when it returns.
Result<std::unique_ptr<File>> migrate(Storage& storage, const std::string& name,
                                      std::unique_ptr<File> old, const JournalHeader& header) {
  const std::string scratch_name = Journal::migration_name(name);
  {
    auto scratch = storage.open(scratch_name, /*create=*/true);
    if (!scratch) return scratch.error();
    if (auto s = write_migrated(*old, **scratch, header); !s) {
      scratch->reset();
      (void)storage.remove(scratch_name);  // only to free the space; the next open starts over
      return s.error();
    }
  }
  old.reset();
  if (auto s = storage.rename(scratch_name, name); !s) return s.error();
  return storage.open(name, /*create=*/false);
}

}  // namespace

// --- Counters ---------------------------------------------------------------

std::uint64_t journal_counter(std::int64_t micro_wh) {
  if (micro_wh <= 0) return 0;
  return static_cast<std::uint64_t>(micro_wh / kMicroWhPerCount) % kCounterModulus;
}

std::uint64_t counter_delta(std::uint64_t earlier, std::uint64_t later) {
  return ((later % kCounterModulus) + kCounterModulus - (earlier % kCounterModulus)) %
         kCounterModulus;
}

std::int64_t unwrap_counter(std::uint64_t counter, std::int64_t reference_micro_wh) {
  const auto reference =
      static_cast<std::uint64_t>(std::max<std::int64_t>(reference_micro_wh, 0) / kMicroWhPerCount);
  const std::uint64_t ahead = counter_delta(reference, counter);
  std::uint64_t full = reference + ahead;  // the nearest at or above the reference
  // ... or the nearest below it, when that is nearer and not negative.
  if (ahead > kCounterModulus / 2 && reference >= kCounterModulus - ahead) {
    full = reference - (kCounterModulus - ahead);
  }
  return static_cast<std::int64_t>(full) * kMicroWhPerCount;
}

// --- Records ----------------------------------------------------------------

JournalRecord journal_record(const MinuteRecord& m, const MeterValues& lifetime) {
  JournalRecord r;
  r.minute = m.minute;
  r.phases = std::clamp(m.phases, 1, kMaxPhases);
  r.output_on = m.output_on;
  r.temperature_c = clamp_int(m.temperature_c, -128, 127);
  // Rounded up: a sliver of a second still covers the energy it holds (a
  // 0 would drop the minute's power, a rounded-down 1.4 s overstate it).
  r.covered_s = clamp_int(std::ceil(seconds(m.covered) - 1e-9), 0, kMaxCoveredSeconds);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseValues& in = m.phase[p];
    r.phase[p] = {.volts = in.volts,
                  .amps = in.amps,
                  .power_factor = in.power_factor,
                  .hertz = in.hertz,
                  .forward = journal_counter(lifetime.forward[p]),
                  .reverse = journal_counter(lifetime.reverse[p])};
  }
  return r;
}

MinuteRecord to_minute_record(const JournalRecord& r, const JournalRecord* previous,
                              const MeterValues& offsets, const MeterValues& reference) {
  MinuteRecord m;
  m.minute = r.minute;
  m.phases = r.phases;
  m.temperature_c = r.temperature_c;
  m.output_on = r.output_on;
  m.covered = std::chrono::seconds(r.covered_s);
  m.readings = clamp_int(static_cast<double>(r.covered_s) / kReadingSeconds, 0, 255);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const JournalPhase& in = r.phase[p];
    PhaseValues& out = m.phase[p];
    out.volts = in.volts;
    out.amps = in.amps;
    out.power_factor = in.power_factor;
    out.hertz = in.hertz;
    for (Flow f : kFlows) {
      const double delta_wh =
          previous == nullptr
              ? 0.0
              : static_cast<double>(counter_delta(previous->phase[p].counter(f), in.counter(f))) *
                    (static_cast<double>(kMicroWhPerCount) / 1e6);
      const std::int64_t lifetime = unwrap_counter(in.counter(f), reference[f][p]);
      const double meter_wh = static_cast<double>(lifetime + offsets[f][p]) / 1e6;
      if (f == Flow::kForward) {
        out.wh_delta = delta_wh;
        out.wh = meter_wh;
      } else {
        out.rwh_delta = delta_wh;
        out.rwh = meter_wh;
      }
    }
  }
  set_mean_powers(m);
  return m;
}

// --- The format -------------------------------------------------------------

std::vector<std::byte> encode_header(const JournalHeader& h) {
  std::vector<std::byte> slot(h.slot_size());
  const auto header = std::span(slot).first<kHeaderSize>();
  std::memcpy(header.data(), kMagic.data(), kMagic.size());
  put(header, kVersion, h.version);
  put(header, kSlotLength, h.slot_size());
  put(header, kCapacity, h.capacity);
  put(header, kAmpsLsb, h.amps_lsb_ua);
  seal(header);
  return slot;
}

Result<JournalHeader> decode_header(std::span<const std::byte, kHeaderSize> bytes) {
  if (std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    return make_error("not a maic journal (no MAICJRNL magic)");
  }
  if (!sealed(bytes)) return make_error("header checksum mismatch (damaged header)");
  const auto version = get(bytes, kVersion);
  if (version < JournalHeader::kOldestVersion || version > JournalHeader::kVersion) {
    return make_error("format version " + std::to_string(version) + ", this build reads " +
                      std::to_string(JournalHeader::kOldestVersion) + " to " +
                      std::to_string(JournalHeader::kVersion));
  }
  JournalHeader h;
  h.version = static_cast<std::uint16_t>(version);
  if (const auto size = get(bytes, kSlotLength); size != h.slot_size()) {
    return make_error("slot size " + std::to_string(size) + " in a version " +
                      std::to_string(version) + " header, expected " +
                      std::to_string(h.slot_size()));
  }
  h.capacity = static_cast<std::uint32_t>(get(bytes, kCapacity));
  h.amps_lsb_ua = static_cast<std::uint32_t>(get(bytes, kAmpsLsb));
  if (h.capacity == 0) return make_error("capacity 0 in header");
  if (h.amps_lsb_ua == 0) return make_error("amps_lsb 0 in header");
  return h;
}

namespace {

// Bytes 0..59 of a record slot, common to every version.
void encode_common(std::span<std::byte> slot, const JournalRecord& r, std::uint32_t amps_lsb_ua) {
  put(slot, kSeq, r.seq);
  put(slot, kMinute, static_cast<std::uint64_t>(r.minute / 60));
  const auto phases = static_cast<std::uint64_t>(std::clamp(r.phases, 1, kMaxPhases));
  put(slot, kFlags, phases | (r.output_on ? kOutputBit : 0) | kSecondsBit);
  put(slot, kTemperature,
      static_cast<std::uint8_t>(static_cast<std::int8_t>(std::clamp(r.temperature_c, -128, 127))));
  put(slot, kCovered, static_cast<std::uint64_t>(std::clamp(r.covered_s, 0, kMaxCoveredSeconds)));
  put(slot, kReserved, 0);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const JournalPhase& in = r.phase[p];
    put(slot, of_phase(p, kVolts), quantise(in.volts, kVoltsUnit, kMaxU16));
    put(slot, of_phase(p, kAmps), quantise(in.amps, amps_unit(amps_lsb_ua), kMaxU16));
    put(slot, of_phase(p, kPowerFactor),
        quantise(in.power_factor, kPowerFactorUnit, kMaxPowerFactor));
    put(slot, of_phase(p, kForward), in.forward % kCounterModulus);
    put(slot, of_phase(p, kReverse), in.reverse % kCounterModulus);
  }
}

// Bytes 0..59 of a sealed record slot; nullopt when they are not ours.
std::optional<JournalRecord> decode_common(std::span<const std::byte> slot,
                                           std::uint32_t amps_lsb_ua) {
  JournalRecord r;
  r.seq = static_cast<std::uint32_t>(get(slot, kSeq));
  const std::uint64_t flags = get(slot, kFlags);
  r.phases = static_cast<int>(flags & kPhasesMask);
  // A valid checksum over fields no writer produces is not ours either.
  if (r.seq == 0 || r.phases == 0 || (flags & ~(kPhasesMask | kOutputBit | kSecondsBit)) != 0 ||
      get(slot, kReserved) != 0) {
    return std::nullopt;
  }
  r.minute = static_cast<std::int64_t>(get(slot, kMinute)) * 60;
  r.output_on = (flags & kOutputBit) != 0;
  r.temperature_c = static_cast<std::int8_t>(get(slot, kTemperature));
  const auto covered = static_cast<int>(get(slot, kCovered));
  r.covered_s = (flags & kSecondsBit) != 0 ? covered : kFullMinuteSeconds;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    JournalPhase& out = r.phase[p];
    const std::uint64_t pf = get(slot, of_phase(p, kPowerFactor));
    if (pf > kMaxPowerFactor) return std::nullopt;
    out.volts = static_cast<double>(get(slot, of_phase(p, kVolts))) * kVoltsUnit;
    out.amps = static_cast<double>(get(slot, of_phase(p, kAmps))) * amps_unit(amps_lsb_ua);
    out.power_factor = static_cast<double>(pf) * kPowerFactorUnit;
    out.forward = get(slot, of_phase(p, kForward));
    out.reverse = get(slot, of_phase(p, kReverse));
  }
  return r;
}

}  // namespace

Slot encode_record(const JournalRecord& r, std::uint32_t amps_lsb_ua) {
  Slot slot{};
  encode_common(slot, r, amps_lsb_ua);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    put(slot, hertz_of(p), quantise(r.phase[p].hertz, kHertzUnit, kMaxU16));
  }
  seal(slot);
  return slot;
}

std::optional<JournalRecord> decode_record(std::span<const std::byte, kSlotSize> slot,
                                           std::uint32_t amps_lsb_ua) {
  if (!sealed(slot)) return std::nullopt;
  const auto spare = slot.subspan(kSpareAt, checksum_of(kSlotSize).at - kSpareAt);
  if (std::any_of(spare.begin(), spare.end(), [](std::byte b) { return b != std::byte{0}; })) {
    return std::nullopt;
  }
  auto r = decode_common(slot, amps_lsb_ua);
  if (!r) return std::nullopt;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    r->phase[p].hertz = static_cast<double>(get(slot, hertz_of(p))) * kHertzUnit;
  }
  return r;
}

OldSlot encode_old_record(const JournalRecord& r, std::uint32_t amps_lsb_ua) {
  OldSlot slot{};
  encode_common(slot, r, amps_lsb_ua);
  seal(slot);
  return slot;
}

std::optional<JournalRecord> decode_old_record(std::span<const std::byte, kOldSlotSize> slot,
                                               std::uint32_t amps_lsb_ua) {
  if (!sealed(slot)) return std::nullopt;
  return decode_common(slot, amps_lsb_ua);
}

// --- The journal ------------------------------------------------------------

Journal::Journal(std::unique_ptr<File> file, std::string name, std::uint32_t capacity,
                 std::uint32_t amps_lsb_ua)
    : file_(std::move(file)),
      name_(std::move(name)),
      capacity_(capacity),
      amps_lsb_ua_(amps_lsb_ua),
      index_(capacity) {}

std::string Journal::migration_name(const std::string& file_name) { return file_name + ".v3"; }

Result<Journal> Journal::open(Storage& storage, const JournalOptions& options) {
  const std::string& name = options.file_name;
  if (options.capacity == 0) return journal_error(name, "capacity must be at least 1");
  if (options.amps_lsb_ua == 0) return journal_error(name, "amps_lsb_ua must be at least 1");
  auto file = storage.open(name, /*create=*/true);
  if (!file) return file.error();
  auto size = (*file)->size();
  if (!size) return size.error();

  JournalHeader header{options.capacity, options.amps_lsb_ua};
  if (*size < kHeaderSize) {
    // New, or its creation was cut short: the header is the first thing
    // ever written, so a file shorter than it holds no records.
    if (auto s = (*file)->write_at(0, encode_header(header)); !s) return s.error();
    if (auto s = (*file)->sync(); !s) return s.error();
  } else {
    std::array<std::byte, kHeaderSize> bytes{};
    auto n = (*file)->read_at(0, bytes);
    if (!n) return n.error();
    auto found = decode_header(bytes);
    if (!found) return journal_error(name, found.error().message);
    if (found->capacity != options.capacity) {
      return journal_error(
          name, "made for " + std::to_string(found->capacity) + " records, configured for " +
                    std::to_string(options.capacity) + "; move the file away or configure " +
                    std::to_string(found->capacity));
    }
    header = *found;
    if (header.version < JournalHeader::kVersion) {
      auto migrated = migrate(storage, name, std::move(*file), header);
      if (!migrated) {
        return journal_error(name, "migrating version " + std::to_string(header.version) + " to " +
                                       std::to_string(JournalHeader::kVersion) + ": " +
                                       migrated.error().message);
      }
      file = std::move(migrated);
    }
  }
  // A scratch file beside a version 3 journal is what a cut migration left
  // if the old journal was then moved away: nothing reads it.
  if (auto stray = storage.exists(migration_name(name)); stray && *stray) {
    (void)storage.remove(migration_name(name));
  }
  Journal journal(std::move(*file), name, header.capacity, header.amps_lsb_ua);
  if (auto s = journal.scan(); !s) return s.error();
  return journal;
}

Status Journal::scan() {
  auto size = file_->size();
  if (!size) return size.error();
  const std::size_t slots = record_slots(*size, kSlotSize, capacity_);
  std::vector<std::byte> buffer(kSlotsPerRead * kSlotSize);
  for (std::size_t first = 0; first < slots; first += kSlotsPerRead) {
    const std::size_t count = std::min(kSlotsPerRead, slots - first);
    const auto chunk = std::span(buffer).first(count * kSlotSize);
    auto n = file_->read_at(offset_of(first), chunk);
    if (!n) return n.error();
    for (std::size_t i = 0; i < count; ++i) {
      const auto bytes = chunk.subspan(i * kSlotSize).first<kSlotSize>();
      const auto r = decode_record(bytes, amps_lsb_ua_);
      // A valid slot must also sit where its seq says.
      if (!r || slot_of(r->seq) != first + i) continue;
      index_[first + i] = {r->seq, static_cast<std::uint32_t>(r->minute / 60)};
      if (r->seq > newest_) {
        newest_ = r->seq;
        newest_record_ = r;
      }
    }
  }
  // Keep what the ring can hold below the newest: a valid slot older than
  // that would have been overwritten, so it cannot be a current record.
  count_ = 0;
  oldest_ = newest_;
  for (auto& entry : index_) {
    if (entry.seq == 0) continue;
    if (newest_ - entry.seq >= capacity_) {
      entry = {};
      continue;
    }
    ++count_;
    oldest_ = std::min(oldest_, entry.seq);
  }
  return ok_status();
}

void Journal::forget(std::size_t slot) {
  if (index_[slot].seq == 0) return;
  index_[slot] = {};
  --count_;
  advance_oldest();
}

void Journal::advance_oldest() {
  if (count_ == 0) {
    oldest_ = 0;
    return;
  }
  // Amortised O(1): oldest_ only moves forward, and a kept record lies at
  // or before newest_.
  while (oldest_ < newest_ && index_[slot_of(oldest_)].seq != oldest_) ++oldest_;
}

Result<std::uint32_t> Journal::append(const JournalRecord& r) {
  if (newest_ == std::numeric_limits<std::uint32_t>::max()) {
    return journal_error(name_, "sequence numbers exhausted");
  }
  if (r.minute < 0 || r.minute / 60 > kMaxUnixMinute) {
    return journal_error(name_, "minute " + std::to_string(r.minute) + " out of range");
  }
  JournalRecord record = r;
  record.seq = newest_ + 1;
  const Slot slot = encode_record(record, amps_lsb_ua_);
  const std::size_t at = slot_of(record.seq);
  // One write of one aligned slot, then one sync. If either fails the slot
  // may hold anything, including half of its old record: forget it.
  Status status = file_->write_at(offset_of(at), slot);
  if (status) status = file_->sync();
  if (!status) {
    forget(at);
    return status.error();
  }
  if (index_[at].seq != 0) --count_;  // the oldest, overwritten
  index_[at] = {record.seq, static_cast<std::uint32_t>(record.minute / 60)};
  ++count_;
  newest_ = record.seq;
  if (count_ == 1) oldest_ = record.seq;
  advance_oldest();
  newest_record_ = decode_record(slot, amps_lsb_ua_);
  return record.seq;
}

Result<std::vector<JournalRecord>> Journal::read_records(
    const std::vector<std::uint32_t>& seqs) const {
  std::vector<JournalRecord> out;
  out.reserve(seqs.size());
  std::vector<std::byte> buffer;
  for (std::size_t i = 0; i < seqs.size();) {
    // One read per run of adjacent slots: a 12-day backlog is 17 reads, not
    // 17,280.
    std::size_t end = i + 1;
    while (end < seqs.size() && end - i < kSlotsPerRead && seqs[end] == seqs[end - 1] + 1 &&
           slot_of(seqs[end]) == slot_of(seqs[end - 1]) + 1) {
      ++end;
    }
    buffer.assign((end - i) * kSlotSize, std::byte{0});  // past the end reads as empty
    auto n = file_->read_at(offset_of(slot_of(seqs[i])), buffer);
    if (!n) return n.error();
    for (std::size_t k = i; k < end; ++k) {
      const auto bytes = std::span(buffer).subspan((k - i) * kSlotSize).first<kSlotSize>();
      // A slot damaged since open() is skipped.
      if (auto r = decode_record(bytes, amps_lsb_ua_); r && r->seq == seqs[k]) {
        out.push_back(*r);
      }
    }
    i = end;
  }
  return out;
}

Result<std::vector<JournalRecord>> Journal::records_after(std::uint32_t seq,
                                                          std::size_t max) const {
  std::vector<std::uint32_t> seqs;
  // 64-bit, so that the loop ends when newest_ is the largest u32.
  for (std::uint64_t s = std::max<std::uint64_t>(std::uint64_t{seq} + 1, oldest_);
       count_ > 0 && s <= newest_ && seqs.size() < max; ++s) {
    const auto seq_s = static_cast<std::uint32_t>(s);
    if (index_[slot_of(seq_s)].seq == seq_s) seqs.push_back(seq_s);
  }
  return read_records(seqs);
}

Result<std::vector<JournalRecord>> Journal::records_between(std::int64_t from_minute,
                                                            std::int64_t to_minute) const {
  std::vector<std::uint32_t> seqs;
  for (std::uint64_t s = oldest_; count_ > 0 && s <= newest_; ++s) {
    const auto seq_s = static_cast<std::uint32_t>(s);
    const SlotIndex& entry = index_[slot_of(seq_s)];
    const std::int64_t minute = std::int64_t{entry.unix_minute} * 60;
    if (entry.seq == seq_s && minute >= from_minute && minute < to_minute) seqs.push_back(seq_s);
  }
  return read_records(seqs);
}

}  // namespace maic::device
