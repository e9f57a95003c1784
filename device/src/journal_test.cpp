#include "maic/device/journal.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "maic/core/crc32.hpp"

namespace maic::device {
namespace {

using Crash = MemoryStorage::Crash;
constexpr Crash kCrashModes[] = {Crash::kDropUnsynced, Crash::kKeepUnsynced};
constexpr std::int64_t kStartMinute = 1'700'000'040;  // a multiple of 60

// The k-th minute of a test run (k >= 1): values vary with k, counters grow
// by a different amount each minute.
JournalRecord sample(std::uint32_t k, std::uint64_t counter_base = 0) {
  JournalRecord r;
  r.minute = kStartMinute + 60 * std::int64_t{k};
  r.phases = 3;
  r.output_on = k % 2 == 0;
  r.temperature_c = static_cast<int>(k % 50) - 10;
  r.covered_s = 60;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    JournalPhase& ph = r.phase[p];
    ph.volts = 229.5 + 0.01 * static_cast<double>(k % 100) + static_cast<double>(p);
    ph.amps = 1.25 + 0.005 * static_cast<double>(k % 300) * static_cast<double>(p + 1);
    ph.power_factor = 0.9 + 0.0001 * static_cast<double>(k % 1000);
    ph.hertz = 49.9 + 0.01 * static_cast<double>(k % 20) + 0.05 * static_cast<double>(p);
    const std::uint64_t growth = std::uint64_t{k} * (k + 1) / 2 * (p + 1);  // strictly rising
    ph.forward = (counter_base + 100 * growth) % kCounterModulus;
    ph.reverse = (counter_base / 2 + 3 * growth) % kCounterModulus;
  }
  return r;
}

// What a reader will see of sample(k) appended as seq k.
JournalRecord stored(std::uint32_t k, std::uint32_t amps_lsb_ua = 5'000) {
  JournalRecord r = sample(k);
  r.seq = k;
  return *decode_record(encode_record(r, amps_lsb_ua), amps_lsb_ua);
}

// What a reader will see of sample(k) written as seq k by version 1 or 2,
// before or after the migration: the same, with no frequency.
JournalRecord stored_old(std::uint32_t k) {
  JournalRecord r = sample(k);
  r.seq = k;
  return *decode_old_record(encode_old_record(r, 5'000), 5'000);
}

// The header in the first bytes of `bytes`.
Result<JournalHeader> header_of(std::span<const std::byte> bytes) {
  return decode_header(bytes.first<kHeaderSize>());
}

Journal open_or_die(Storage& s, const JournalOptions& options = {}) {
  auto j = Journal::open(s, options);
  if (!j) throw std::runtime_error(j.error().message);
  return std::move(*j);
}

std::vector<JournalRecord> all_records(const Journal& j) {
  auto records = j.records_after(0, std::numeric_limits<std::size_t>::max());
  if (!records) throw std::runtime_error(records.error().message);
  return std::move(*records);
}

std::vector<std::uint32_t> seqs_of(const std::vector<JournalRecord>& records) {
  std::vector<std::uint32_t> out;
  for (const auto& r : records) out.push_back(r.seq);
  return out;
}

// Flips bit `bit` of the file at byte `offset`, durably.
void flip_bit(MemoryStorage& memory, const std::string& name, std::uint64_t offset, int bit) {
  auto file = memory.open(name, false);
  ASSERT_TRUE(file.ok());
  std::array<std::byte, 1> b{};
  ASSERT_TRUE((*file)->read_at(offset, b).ok());
  b[0] ^= std::byte(1u << bit);
  ASSERT_TRUE((*file)->write_at(offset, b).ok());
  ASSERT_TRUE((*file)->sync().ok());
}

// --- The format ---------------------------------------------------------------

TEST(JournalFormat, RecordFieldsSitWhereTheTableSays) {
  JournalRecord r;
  r.seq = 0x01020304;
  r.minute = 0x0A0B0C0D * std::int64_t{60};
  r.phases = 3;
  r.output_on = true;
  r.temperature_c = -5;
  r.covered_s = 60;
  r.phase[1].volts = 230.01;      // 23001 = 0x59D9
  r.phase[1].amps = 10.0;         // 2000 × 5 mA = 0x07D0
  r.phase[1].power_factor = 0.5;  // 5000 = 0x1388
  r.phase[1].forward = 0x0102030405;
  r.phase[1].reverse = 0xFFFFFFFFFF;
  r.phase[0].hertz = 49.98;  // 4998 = 0x1386
  r.phase[1].hertz = 50.0;   // 5000 = 0x1388
  r.phase[2].hertz = 60.01;  // 6001 = 0x1771
  const Slot s = encode_record(r, 5'000);
  auto byte = [&](std::size_t i) { return std::to_integer<unsigned>(s[i]); };
  EXPECT_EQ(byte(0), 0x04u);  // seq, little-endian
  EXPECT_EQ(byte(3), 0x01u);
  EXPECT_EQ(byte(4), 0x0Du);  // minute
  EXPECT_EQ(byte(7), 0x0Au);
  EXPECT_EQ(byte(8), 0x0Fu);  // 3 phases | output | byte 10 in seconds
  EXPECT_EQ(byte(9), 0xFBu);  // -5
  EXPECT_EQ(byte(10), 60u);
  EXPECT_EQ(byte(11), 0u);
  const std::size_t p1 = 12 + 16;
  EXPECT_EQ(byte(p1 + 0), 0xD9u);
  EXPECT_EQ(byte(p1 + 1), 0x59u);
  EXPECT_EQ(byte(p1 + 2), 0xD0u);
  EXPECT_EQ(byte(p1 + 3), 0x07u);
  EXPECT_EQ(byte(p1 + 4), 0x88u);
  EXPECT_EQ(byte(p1 + 5), 0x13u);
  EXPECT_EQ(byte(p1 + 6), 0x05u);  // forward, 5 bytes
  EXPECT_EQ(byte(p1 + 10), 0x01u);
  EXPECT_EQ(byte(p1 + 11), 0xFFu);  // reverse
  EXPECT_EQ(byte(p1 + 15), 0xFFu);
  EXPECT_EQ(byte(60), 0x86u);  // phase 0's frequency
  EXPECT_EQ(byte(61), 0x13u);
  EXPECT_EQ(byte(62), 0x88u);  // phase 1's
  EXPECT_EQ(byte(63), 0x13u);
  EXPECT_EQ(byte(64), 0x71u);  // phase 2's
  EXPECT_EQ(byte(65), 0x17u);
  for (std::size_t i = 66; i < 124; ++i) EXPECT_EQ(byte(i), 0u) << i;  // reserved
  const std::uint32_t crc = crc32c(std::span(s).first(124));
  EXPECT_EQ(byte(124), crc & 0xFF);
  EXPECT_EQ(byte(127), crc >> 24);

  const auto back = decode_record(s, 5'000);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seq, r.seq);
  EXPECT_EQ(back->minute, r.minute);
  EXPECT_EQ(back->temperature_c, -5);
  EXPECT_TRUE(back->output_on);
  EXPECT_NEAR(back->phase[1].volts, 230.01, 1e-9);
  EXPECT_NEAR(back->phase[1].amps, 10.0, 1e-9);
  EXPECT_NEAR(back->phase[1].power_factor, 0.5, 1e-12);
  EXPECT_EQ(back->phase[1].forward, 0x0102030405u);
  EXPECT_EQ(back->phase[1].reverse, 0xFFFFFFFFFFu);
  EXPECT_NEAR(back->phase[0].hertz, 49.98, 1e-9);
  EXPECT_NEAR(back->phase[1].hertz, 50.0, 1e-9);
  EXPECT_NEAR(back->phase[2].hertz, 60.01, 1e-9);
  // A reader's view is a fixed point.
  EXPECT_EQ(*decode_record(encode_record(*back, 5'000), 5'000), *back);

  // Bytes 0..59 are those of versions 1 and 2.
  const OldSlot old = encode_old_record(r, 5'000);
  EXPECT_TRUE(std::equal(old.begin(), old.begin() + 60, s.begin()));
  EXPECT_EQ(crc32c(std::span(old).first(60)) & 0xFF, std::to_integer<unsigned>(old[60]));
  JournalRecord without_hertz = *back;
  for (JournalPhase& p : without_hertz.phase) p.hertz = 0;
  EXPECT_EQ(decode_old_record(old, 5'000), without_hertz);
}

// Field fault K4: the device showed 50.00 Hz and uploaded 0.
TEST(JournalFormat, FrequencyRoundTripsPerPhaseIn10mHz) {
  struct Case {
    double hertz;
    double stored;
  };
  const Case cases[] = {{0, 0},           {49.98, 49.98},
                        {50.0, 50.0},     {60.01, 60.01},
                        {50.004, 50.0},   {50.006, 50.01},
                        {655.35, 655.35}, {700, 655.35},
                        {-1, 0},          {std::numeric_limits<double>::quiet_NaN(), 0}};
  for (const Case& c : cases) {
    JournalRecord r = sample(3);
    r.seq = 3;
    r.phase[0].hertz = c.hertz;
    r.phase[1].hertz = 49.98;
    r.phase[2].hertz = 60.01;
    const auto back = decode_record(encode_record(r, 5'000), 5'000);
    ASSERT_TRUE(back) << c.hertz;
    EXPECT_NEAR(back->phase[0].hertz, c.stored, 1e-9) << c.hertz;
    EXPECT_NEAR(back->phase[1].hertz, 49.98, 1e-9) << c.hertz;
    EXPECT_NEAR(back->phase[2].hertz, 60.01, 1e-9) << c.hertz;
  }
}

TEST(JournalFormat, ValuesAreQuantisedAndClamped) {
  JournalRecord r;
  r.seq = 1;
  r.phases = 1;
  r.temperature_c = 300;
  r.covered_s = 1000;
  r.phase[0] = {.volts = 700, .amps = 400, .power_factor = 1.5, .forward = 0, .reverse = 0};
  r.phase[1] = {.volts = -3,
                .amps = std::numeric_limits<double>::quiet_NaN(),
                .power_factor = -0.1,
                .forward = 0,
                .reverse = 0};
  r.phase[2] = {
      .volts = 230.004, .amps = 0.0074, .power_factor = 0.95004, .forward = 0, .reverse = 0};
  const auto back = *decode_record(encode_record(r, 5'000), 5'000);
  EXPECT_EQ(back.phases, 1);
  EXPECT_EQ(back.temperature_c, 127);
  EXPECT_EQ(back.covered_s, 255);
  EXPECT_NEAR(back.phase[0].volts, 655.35, 1e-9);
  EXPECT_NEAR(back.phase[0].amps, 327.675, 1e-9);
  EXPECT_NEAR(back.phase[0].power_factor, 1.0, 1e-12);
  EXPECT_EQ(back.phase[1].volts, 0);
  EXPECT_EQ(back.phase[1].amps, 0);
  EXPECT_EQ(back.phase[1].power_factor, 0);
  EXPECT_NEAR(back.phase[2].volts, 230.0, 1e-9);
  EXPECT_NEAR(back.phase[2].amps, 0.005, 1e-9);
  EXPECT_NEAR(back.phase[2].power_factor, 0.95, 1e-12);
  r.temperature_c = -300;
  EXPECT_EQ(decode_record(encode_record(r, 5'000), 5'000)->temperature_c, -128);
}

TEST(JournalFormat, AmpsLsbChosenAtCreationFitsA2000ADevice) {
  JournalRecord r;
  r.seq = 1;
  r.phase[0].amps = 1999.97;
  const auto back = *decode_record(encode_record(r, 50'000), 50'000);
  EXPECT_NEAR(back.phase[0].amps, 1999.95, 1e-9);  // 0.05 A steps, up to 3276.75 A
}

TEST(JournalFormat, DamagedOrForeignSlotsDecodeAsEmpty) {
  JournalRecord r = sample(7);
  r.seq = 7;
  Slot good = encode_record(r, 5'000);
  ASSERT_TRUE(decode_record(good, 5'000));
  Slot zero{};
  EXPECT_FALSE(decode_record(zero, 5'000));
  Slot bad = good;
  bad[20] ^= std::byte{0x10};
  EXPECT_FALSE(decode_record(bad, 5'000));
  // A sealed slot with something in its reserved bytes is not ours.
  Slot reserved = good;
  reserved[100] = std::byte{1};
  const std::uint32_t crc = crc32c(std::span(reserved).first(124));
  for (std::size_t i = 0; i < 4; ++i) reserved[124 + i] = std::byte((crc >> (8 * i)) & 0xFF);
  EXPECT_FALSE(decode_record(reserved, 5'000));
  r.seq = 0;  // a sealed slot with seq 0 is empty by definition
  EXPECT_FALSE(decode_record(encode_record(r, 5'000), 5'000));
}

TEST(JournalFormat, HeaderRoundTripsAndExplainsWhatIsWrong) {
  const JournalHeader h{17'280, 5'000};
  const std::vector<std::byte> s = encode_header(h);
  ASSERT_EQ(s.size(), kSlotSize);
  auto back = header_of(s);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
  EXPECT_EQ(back->slot_size(), 128u);
  EXPECT_EQ(as_text(std::span(s).first(8)), "MAICJRNL");
  EXPECT_TRUE(std::all_of(s.begin() + 64, s.end(), [](std::byte b) { return b == std::byte{0}; }));

  std::vector<std::byte> damaged = s;
  damaged[13] ^= std::byte{1};
  EXPECT_EQ(header_of(damaged).error().message, "header checksum mismatch (damaged header)");
  const Slot foreign{};
  EXPECT_EQ(header_of(foreign).error().message, "not a maic journal (no MAICJRNL magic)");

  JournalHeader v2 = h;
  v2.version = 2;
  const std::vector<std::byte> old = encode_header(v2);
  ASSERT_EQ(old.size(), 64u);
  EXPECT_EQ(header_of(old)->slot_size(), 64u);
  // A header whose slot size is not its version's is refused.
  std::vector<std::byte> mixed = s;
  mixed[8] = std::byte{2};
  const std::uint32_t crc = crc32c(std::span(mixed).first(60));
  for (std::size_t i = 0; i < 4; ++i) mixed[60 + i] = std::byte((crc >> (8 * i)) & 0xFF);
  EXPECT_EQ(header_of(mixed).error().message, "slot size 128 in a version 2 header, expected 64");
}

TEST(JournalCounters, AreFlooredToCentiWattHoursModulo2To40) {
  EXPECT_EQ(journal_counter(0), 0u);
  EXPECT_EQ(journal_counter(-5), 0u);
  EXPECT_EQ(journal_counter(9'999), 0u);
  EXPECT_EQ(journal_counter(10'000), 1u);
  EXPECT_EQ(journal_counter(static_cast<std::int64_t>(kCounterModulus + 7) * 10'000), 7u);
}

TEST(JournalCounters, DifferencesSurviveTheWrap) {
  EXPECT_EQ(counter_delta(10, 25), 15u);
  EXPECT_EQ(counter_delta(kCounterModulus - 5, 3), 8u);
  EXPECT_EQ(counter_delta(7, 7), 0u);
}

TEST(JournalCounters, UnwrapFindsTheNearestFullValue) {
  const std::int64_t m = static_cast<std::int64_t>(kCounterModulus);
  // No wrap: the counter is the value.
  EXPECT_EQ(unwrap_counter(123, 0), 1'230'000);
  EXPECT_EQ(unwrap_counter(123, 5'000'000), 1'230'000);
  // The reference is three wraps on; the record a little behind it.
  const std::int64_t reference = (3 * m + 50) * 10'000;
  EXPECT_EQ(unwrap_counter(40, reference), (3 * m + 40) * 10'000);
  // ... or a little ahead of it (the journal newer than the store).
  EXPECT_EQ(unwrap_counter(60, reference), (3 * m + 60) * 10'000);
  // Just before the reference's wrap.
  EXPECT_EQ(unwrap_counter(static_cast<std::uint64_t>(m - 2), reference), (3 * m - 2) * 10'000);
}

// --- to_minute_record -----------------------------------------------------------

TEST(JournalToMinuteRecord, EnergyIsTheCounterDifferenceAndMetersIncludeTheOffsets) {
  JournalRecord previous = stored(10);
  JournalRecord r = previous;
  r.seq = 11;
  r.minute += 60;
  r.phase[0].forward = previous.phase[0].forward + 5'000;  // 50 Wh in the minute
  r.phase[0].reverse = previous.phase[0].reverse + 12;     // 0.12 Wh
  MeterValues offsets;
  offsets.forward[0] = 1'000'000'000;  // the user's meter reads 1 kWh more
  offsets.reverse[0] = -20'000;
  MeterValues reference;
  reference.forward[0] = unwrap_counter(r.phase[0].forward, 0) + 123;
  reference.reverse[0] = unwrap_counter(r.phase[0].reverse, 0);

  const MinuteRecord m = to_minute_record(r, &previous, offsets, reference);
  EXPECT_EQ(m.minute, r.minute);
  EXPECT_EQ(m.readings, 12);
  EXPECT_NEAR(m.phase[0].wh_delta, 50.0, 1e-9);
  EXPECT_NEAR(m.phase[0].rwh_delta, 0.12, 1e-9);
  EXPECT_NEAR(m.phase[0].watts, 3000.0, 1e-6);  // 50 Wh in 60 s
  EXPECT_NEAR(m.phase[0].reverse_watts, 7.2, 1e-9);
  EXPECT_NEAR(m.phase[0].wh, static_cast<double>(r.phase[0].forward) / 100 + 1000.0, 1e-6);
  EXPECT_NEAR(m.phase[0].rwh, static_cast<double>(r.phase[0].reverse) / 100 - 0.02, 1e-6);
  EXPECT_DOUBLE_EQ(m.phase[0].volts, r.phase[0].volts);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    EXPECT_DOUBLE_EQ(m.phase[p].hertz, r.phase[p].hertz) << p;
  }

  const MinuteRecord first = to_minute_record(r, nullptr, offsets, reference);
  EXPECT_EQ(first.phase[0].wh_delta, 0);
  EXPECT_EQ(first.phase[0].watts, 0);
  EXPECT_DOUBLE_EQ(first.phase[0].wh, m.phase[0].wh);
}

TEST(JournalToMinuteRecord, ComesFromAMinuteRecordAndTheLifetimeRegisters) {
  MinuteRecord m;
  m.minute = kStartMinute;
  m.phases = 3;
  m.temperature_c = 41.6;
  m.output_on = true;
  m.readings = 12;
  m.phase[2].volts = 231.234;
  m.phase[2].amps = 7.5;
  m.phase[2].power_factor = 0.98;
  m.phase[0].hertz = 49.98;
  m.phase[1].hertz = 50.0;
  m.phase[2].hertz = 60.01;
  MeterValues lifetime;
  lifetime.forward[2] = 123'456'789'012;  // µWh
  lifetime.reverse[2] = 19'999;
  const JournalRecord r = journal_record(m, lifetime);
  EXPECT_EQ(r.minute, kStartMinute);
  EXPECT_EQ(r.temperature_c, 42);
  EXPECT_TRUE(r.output_on);
  EXPECT_EQ(r.phase[2].forward, 12'345'678u);
  EXPECT_EQ(r.phase[2].reverse, 1u);
  EXPECT_DOUBLE_EQ(r.phase[2].volts, 231.234);  // quantised only when stored
  EXPECT_DOUBLE_EQ(r.phase[0].hertz, 49.98);
  EXPECT_DOUBLE_EQ(r.phase[1].hertz, 50.0);
  EXPECT_DOUBLE_EQ(r.phase[2].hertz, 60.01);
}

// Field fault K4 end to end: a minute's mean frequency, from the
// aggregator through the journal's file to the record the uplink sends.
TEST(JournalToMinuteRecord, TheMinutesFrequencyIsJournaledAndReadBack) {
  MinuteAggregator agg;
  for (int t = 5; t <= 60; t += 5) {
    Reading r;
    r.wall_end = from_unix_seconds(kStartMinute + t);
    r.span = std::chrono::seconds(5);
    r.phases = 3;
    r.phase[0].hertz = t <= 30 ? 49.96 : 50.0;  // a mean of 49.98
    r.phase[1].hertz = 50.0;
    r.phase[2].hertz = 60.01;
    (void)agg.add(r);
  }
  const std::optional<MinuteRecord> minute = agg.flush();
  ASSERT_TRUE(minute);
  MemoryStorage memory;
  {
    Journal j = open_or_die(memory);
    ASSERT_TRUE(j.append(journal_record(*minute, MeterValues{})).ok());
  }
  memory.crash();
  const Journal j = open_or_die(memory);
  const auto records = all_records(j);
  ASSERT_EQ(records.size(), 1u);
  const MinuteRecord m = to_minute_record(records[0], nullptr, MeterValues{}, MeterValues{});
  EXPECT_NEAR(m.phase[0].hertz, 49.98, 1e-9);
  EXPECT_NEAR(m.phase[1].hertz, 50.0, 1e-9);
  EXPECT_NEAR(m.phase[2].hertz, 60.01, 1e-9);
  EXPECT_NEAR(value_of(m, *find_quantity("Fr1")), 49.98, 1e-9);
}

// A minute's covered time is kept in whole seconds, rounded up: a sliver of
// a second keeps its energy's power finite and a fraction is never cut off
// (which would overstate the mean power).
TEST(JournalRecordOf, CoveredTimeIsRoundedUpToWholeSeconds) {
  const auto covered_s = [](Duration covered) {
    MinuteRecord m;
    m.covered = covered;
    return journal_record(m, MeterValues{}).covered_s;
  };
  EXPECT_EQ(covered_s(std::chrono::milliseconds(300)), 1);
  EXPECT_EQ(covered_s(std::chrono::milliseconds(1400)), 2);
  EXPECT_EQ(covered_s(std::chrono::seconds(20)), 20);
  EXPECT_EQ(covered_s(std::chrono::seconds(60)), 60);
  EXPECT_EQ(covered_s(Duration::zero()), 0);
  EXPECT_EQ(covered_s(std::chrono::seconds(4000)), kMaxCoveredSeconds);
}

// A minute of a meter read every `interval` s at a constant `watts` on
// phase 1, through MinuteAggregator and the journal's slot, as the uplink
// and the journal CSV read it back; `seconds` of the minute are read.
MinuteRecord journaled_minute(int interval, double watts, int seconds = 60) {
  const std::int64_t micro_wh_before = 5'000'000'000;  // 5 kWh on the lifetime register
  MinuteAggregator agg;
  double energy_wh = 0;
  for (int t = 60 - seconds + interval; t <= 60; t += interval) {
    Reading r;
    r.wall_end = from_unix_seconds(kStartMinute + t);
    r.span = std::chrono::seconds(interval);
    r.phase[0].watts = watts;
    r.phase[0].wh_delta = watts * interval / 3600;
    energy_wh += r.phase[0].wh_delta;
    (void)agg.add(r);
  }
  const std::optional<MinuteRecord> minute = agg.flush();
  EXPECT_TRUE(minute.has_value());
  MeterValues before, after;
  before.forward[0] = micro_wh_before;
  after.forward[0] = micro_wh_before + std::llround(energy_wh * 1e6);
  MinuteRecord earlier;
  earlier.minute = kStartMinute - 60;
  JournalRecord previous = journal_record(earlier, before);
  previous.seq = 1;
  JournalRecord current = journal_record(*minute, after);
  current.seq = 2;
  previous = *decode_record(encode_record(previous, 5'000), 5'000);
  current = *decode_record(encode_record(current, 5'000), 5'000);
  return to_minute_record(current, &previous, MeterValues{}, after);
}

TEST(JournalToMinuteRecord, MeanPowerIsRightWhateverTheReadingInterval) {
  // A Modbus meter read every 10 s at 2,400 W once showed 4,807 W here
  // (six readings taken as 30 s), one read every second 481 W.
  for (const int interval : {1, 5, 10}) {
    const MinuteRecord m = journaled_minute(interval, 2400);
    EXPECT_EQ(m.covered, kFullMinute) << interval;
    EXPECT_NEAR(m.phase[0].watts, 2400, 2400 * 0.002) << interval;
    EXPECT_NEAR(value_of(m, *find_quantity("W")), 2400, 2400 * 0.002) << interval;
  }
}

TEST(JournalToMinuteRecord, APartialMinuteIsTheMeanOverWhatItCovered) {
  const MinuteRecord m = journaled_minute(10, 2400, 20);
  EXPECT_EQ(m.covered, std::chrono::seconds(20));
  EXPECT_NEAR(m.phase[0].wh_delta, 2400.0 * 20 / 3600, 0.01);
  EXPECT_NEAR(m.phase[0].watts, 2400, 2400 * 0.002);
}

// A slot as version 1 wrote it: byte 10 counts 5-s readings, flag bit 3 clear.
OldSlot version1_slot(JournalRecord r, int readings) {
  OldSlot s = encode_old_record(r, 5'000);
  s[8] &= std::byte{0x07};
  s[10] = std::byte(readings);
  const std::uint32_t crc = crc32c(std::span(s).first(60));
  for (std::size_t i = 0; i < 4; ++i) s[60 + i] = std::byte((crc >> (8 * i)) & 0xFF);
  return s;
}

TEST(JournalMigration, AVersion1JournalIsMigratedAsItMeant) {
  MemoryStorage memory;
  {
    auto file = memory.open("journal.bin", true);
    ASSERT_TRUE(file.ok());
    JournalHeader old{17'280, 5'000};
    old.version = 1;
    ASSERT_TRUE((*file)->write_at(0, encode_header(old)).ok());
    for (std::uint32_t k = 1; k <= 2; ++k) {
      JournalRecord r = sample(k);
      r.seq = k;
      ASSERT_TRUE((*file)->write_at(64 * k, version1_slot(r, k == 1 ? 12 : 7)).ok());
    }
    ASSERT_TRUE((*file)->sync().ok());
  }
  Journal j = open_or_die(memory);
  JournalRecord next = sample(3);
  next.covered_s = 42;
  ASSERT_TRUE(j.append(next).ok());
  const std::vector<JournalRecord> records = all_records(j);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].covered_s, 60);  // 12 readings: a full minute
  EXPECT_EQ(records[1].covered_s, 60);  // 7 readings of an unknown interval: a full minute too
  EXPECT_EQ(records[2].covered_s, 42);
  EXPECT_EQ(records[0].phase[0].hertz, 0);  // not kept before version 3
  EXPECT_EQ(records[2].phase[0].hertz, stored(3).phase[0].hertz);
  // The file is version 3 now.
  const auto image = **memory.read_file("journal.bin");
  EXPECT_EQ(header_of(image)->version, 3);
  EXPECT_EQ(image.size(), 128u * 4);
  // The old minute's power is its energy over the whole minute, as it was
  // uploaded before: never overstated.
  const MinuteRecord m = to_minute_record(records[1], &records[0], MeterValues{}, MeterValues{});
  const double wh = m.phase[0].wh_delta;
  EXPECT_GT(wh, 0);
  EXPECT_NEAR(m.phase[0].watts, wh * 60, 1e-6);
}

TEST(JournalFormat, AFutureVersionIsRefused) {
  JournalHeader future{17'280, 5'000};
  future.version = JournalHeader::kVersion + 1;
  EXPECT_EQ(header_of(encode_header(future)).error().message,
            "format version 4, this build reads 1 to 3");
  EXPECT_EQ(header_of(encode_header(JournalHeader{17'280, 5'000}))->version, 3);
}

// --- The journal -------------------------------------------------------------------

TEST(Journal, ANewJournalIsAHeaderOnly) {
  MemoryStorage memory;
  Journal j = open_or_die(memory);
  EXPECT_EQ(j.size(), 0u);
  EXPECT_EQ(j.oldest_seq(), 0u);
  EXPECT_EQ(j.newest_seq(), 0u);
  EXPECT_FALSE(j.newest());
  EXPECT_EQ(j.capacity(), 17'280u);
  auto content = memory.read_file("journal.bin");
  ASSERT_TRUE(content.ok() && content->has_value());
  EXPECT_EQ((*content)->size(), 128u);
  EXPECT_TRUE(all_records(j).empty());
}

TEST(Journal, AppendsAreNumberedAndSurviveAReopen) {
  MemoryStorage memory;
  {
    Journal j = open_or_die(memory);
    for (std::uint32_t k = 1; k <= 5; ++k) {
      auto seq = j.append(sample(k));
      ASSERT_TRUE(seq.ok()) << seq.error().message;
      EXPECT_EQ(*seq, k);
    }
    EXPECT_EQ(j.newest(), stored(5));
  }
  memory.crash();  // everything acknowledged was synced
  Journal j = open_or_die(memory);
  EXPECT_EQ(j.size(), 5u);
  EXPECT_EQ(j.oldest_seq(), 1u);
  EXPECT_EQ(j.newest_seq(), 5u);
  EXPECT_EQ(j.newest(), stored(5));
  const auto records = all_records(j);
  ASSERT_EQ(records.size(), 5u);
  for (std::uint32_t k = 1; k <= 5; ++k) EXPECT_EQ(records[k - 1], stored(k));
  auto seq = j.append(sample(6));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 6u);
}

TEST(Journal, EachAppendIsOneSlotWriteAndOneSync) {
  MemoryStorage memory;
  FaultStorage counting(memory);
  Journal j = open_or_die(counting);
  const auto before = counting.counters();
  for (std::uint32_t k = 1; k <= 10; ++k) ASSERT_TRUE(j.append(sample(k)).ok());
  const auto& after = counting.counters();
  EXPECT_EQ(after.writes - before.writes, 10u);
  EXPECT_EQ(after.bytes_written - before.bytes_written, 1280u);
  EXPECT_EQ(after.syncs - before.syncs, 10u);
  EXPECT_EQ(after.metadata - before.metadata, 0u);
}

TEST(Journal, RecordsAfterPagesOldestFirst) {
  MemoryStorage memory;
  Journal j = open_or_die(memory);
  for (std::uint32_t k = 1; k <= 20; ++k) ASSERT_TRUE(j.append(sample(k)).ok());
  auto page = j.records_after(5, 4);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(seqs_of(*page), (std::vector<std::uint32_t>{6, 7, 8, 9}));
  EXPECT_TRUE(j.records_after(20, 10)->empty());
  EXPECT_TRUE(j.records_after(99, 10)->empty());
  EXPECT_EQ(j.records_after(18, 10)->size(), 2u);
}

TEST(Journal, RecordsBetweenSelectsAHalfOpenRangeOfMinutes) {
  MemoryStorage memory;
  Journal j = open_or_die(memory);
  for (std::uint32_t k = 1; k <= 20; ++k) ASSERT_TRUE(j.append(sample(k)).ok());
  auto range = j.records_between(sample(3).minute, sample(7).minute);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(seqs_of(*range), (std::vector<std::uint32_t>{3, 4, 5, 6}));
  EXPECT_TRUE(j.records_between(0, sample(1).minute)->empty());
  EXPECT_EQ(j.records_between(0, std::numeric_limits<std::int64_t>::max())->size(), 20u);
}

TEST(Journal, AFullRingOverwritesTheOldestFirst) {
  MemoryStorage memory;
  const JournalOptions options{.capacity = 4};
  {
    Journal j = open_or_die(memory, options);
    for (std::uint32_t k = 1; k <= 10; ++k) {
      ASSERT_TRUE(j.append(sample(k)).ok());
      EXPECT_EQ(j.size(), std::min<std::size_t>(k, 4));
      EXPECT_EQ(j.oldest_seq(), k <= 4 ? 1u : k - 3);
    }
    EXPECT_EQ(seqs_of(all_records(j)), (std::vector<std::uint32_t>{7, 8, 9, 10}));
    EXPECT_EQ(seqs_of(*j.records_after(2, 10)), (std::vector<std::uint32_t>{7, 8, 9, 10}));
  }
  EXPECT_EQ((*memory.read_file("journal.bin"))->size(), 128u * 5);
  Journal j = open_or_die(memory, options);
  EXPECT_EQ(seqs_of(all_records(j)), (std::vector<std::uint32_t>{7, 8, 9, 10}));
  EXPECT_EQ(j.oldest_seq(), 7u);
  EXPECT_EQ(all_records(j).back(), stored(10));
}

TEST(Journal, AnotherCapacityIsRefusedWithAClearMessage) {
  MemoryStorage memory;
  ASSERT_TRUE(Journal::open(memory, {.capacity = 100}).ok());
  auto j = Journal::open(memory, {.capacity = 200});
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().message,
            "journal journal.bin: made for 100 records, configured for 200; move the file away "
            "or configure 100");
}

TEST(Journal, AForeignOrDamagedHeaderIsAnErrorAndNothingIsOverwritten) {
  MemoryStorage memory;
  const std::string text(100, 'x');
  ASSERT_TRUE(memory.write_file_atomic("journal.bin", as_bytes(text)).ok());
  auto j = Journal::open(memory);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().message, "journal journal.bin: not a maic journal (no MAICJRNL magic)");
  EXPECT_EQ(as_text(**memory.read_file("journal.bin")), text);

  MemoryStorage other;
  { Journal fresh = open_or_die(other); }
  flip_bit(other, "journal.bin", 14, 3);
  auto damaged = Journal::open(other);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().message.find("damaged header"), std::string::npos);
}

TEST(Journal, TheFileKeepsTheCurrentResolutionItWasMadeWith) {
  MemoryStorage memory;
  {
    Journal j = open_or_die(memory, {.amps_lsb_ua = 50'000});
    JournalRecord r = sample(1);
    r.phase[0].amps = 1500;
    ASSERT_TRUE(j.append(r).ok());
  }
  Journal j = open_or_die(memory);  // default 5,000 µA configured: the file says 50,000
  EXPECT_EQ(j.amps_lsb_ua(), 50'000u);
  EXPECT_NEAR(all_records(j)[0].phase[0].amps, 1500, 1e-9);
}

TEST(Journal, EveryFlippedBitMakesExactlyItsSlotDisappear) {
  const JournalOptions options{.capacity = 8};
  MemoryStorage pristine;
  {
    Journal j = open_or_die(pristine, options);
    for (std::uint32_t k = 1; k <= 11; ++k) ASSERT_TRUE(j.append(sample(k)).ok());
  }
  const auto image = **pristine.read_file("journal.bin");
  // Seq 6 lives in slot (6 - 1) % 8 = 5, at byte 128 × 6.
  const std::uint32_t victim = 6;
  const std::uint64_t at = kSlotSize * (1 + (victim - 1) % 8);
  std::vector<std::uint32_t> expected;
  for (std::uint32_t k = 4; k <= 11; ++k) {
    if (k != victim) expected.push_back(k);
  }
  for (std::uint64_t byte = 0; byte < kSlotSize; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      MemoryStorage memory;
      ASSERT_TRUE(memory.write_file_atomic("journal.bin", image).ok());
      flip_bit(memory, "journal.bin", at + byte, bit);
      Journal j = open_or_die(memory, options);
      ASSERT_EQ(seqs_of(all_records(j)), expected) << "byte " << byte << " bit " << bit;
      EXPECT_EQ(j.size(), 7u);
      EXPECT_EQ(j.newest_seq(), 11u);
    }
  }
}

TEST(Journal, AnIOErrorIsNotAcknowledgedAndTheNextAppendTakesItsPlace) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  Journal j = open_or_die(faulty, {.capacity = 3});
  for (std::uint32_t k = 1; k <= 3; ++k) ASSERT_TRUE(j.append(sample(k)).ok());
  faulty.fail_next(1);  // the sync of the next append fails... or its write
  EXPECT_FALSE(j.append(sample(4)).ok());
  // The failed append was to overwrite seq 1, so seq 1 may be damaged: gone.
  EXPECT_EQ(j.newest_seq(), 3u);
  EXPECT_EQ(j.oldest_seq(), 2u);
  EXPECT_EQ(j.size(), 2u);
  auto seq = j.append(sample(5));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 4u);
  EXPECT_EQ(seqs_of(all_records(j)), (std::vector<std::uint32_t>{2, 3, 4}));
  EXPECT_EQ(all_records(j).back().minute, sample(5).minute);
}

TEST(Journal, ATornTailIsIgnored) {
  MemoryStorage memory;
  {
    Journal j = open_or_die(memory);
    for (std::uint32_t k = 1; k <= 3; ++k) ASSERT_TRUE(j.append(sample(k)).ok());
  }
  auto file = memory.open("journal.bin", false);
  ASSERT_TRUE(file.ok());
  const Slot next = encode_record(stored(4), 5'000);
  ASSERT_TRUE((*file)->write_at(kSlotSize * 4, std::span(next).first(100)).ok());
  ASSERT_TRUE((*file)->sync().ok());
  Journal j = open_or_die(memory);
  EXPECT_EQ(seqs_of(all_records(j)), (std::vector<std::uint32_t>{1, 2, 3}));
  ASSERT_TRUE(j.append(sample(4)).ok());
  EXPECT_EQ(all_records(j).back(), stored(4));
}

TEST(Journal, RefusesMinutesItCannotStore) {
  MemoryStorage memory;
  Journal j = open_or_die(memory);
  JournalRecord r = sample(1);
  r.minute = -60;
  EXPECT_FALSE(j.append(r).ok());
  r.minute = (std::int64_t{1} << 32) * 60;
  EXPECT_FALSE(j.append(r).ok());
  EXPECT_EQ(j.size(), 0u);
}

// Manual §11: 12 days offline. A full default ring and then some, at
// virtual speed; the energy of all minutes telescopes to the counters'
// difference, through a counter wrap.
TEST(Journal, TwelveDaysOfMinutesFitAndTheOldestGoFirst) {
  MemoryStorage memory;
  constexpr std::uint32_t kDays12 = 17'280;
  constexpr std::uint32_t kExtra = 90;
  const std::uint64_t base = kCounterModulus - 5'000'000;  // wraps along the way
  {
    Journal j = open_or_die(memory);
    for (std::uint32_t k = 1; k <= kDays12 + kExtra; ++k) {
      ASSERT_TRUE(j.append(sample(k, base)).ok());
    }
  }
  Journal j = open_or_die(memory);
  EXPECT_EQ(j.size(), kDays12);
  EXPECT_EQ(j.oldest_seq(), kExtra + 1);
  EXPECT_EQ(j.newest_seq(), kDays12 + kExtra);
  const auto records = all_records(j);
  ASSERT_EQ(records.size(), kDays12);
  double energy_wh = 0;
  for (std::size_t i = 1; i < records.size(); ++i) {
    ASSERT_EQ(records[i].seq, records[i - 1].seq + 1);
    energy_wh += to_minute_record(records[i], &records[i - 1], {}, {}).phase[2].wh_delta;
  }
  const double expected_wh = static_cast<double>(counter_delta(records.front().phase[2].forward,
                                                               records.back().phase[2].forward)) /
                             100;
  EXPECT_NEAR(energy_wh, expected_wh, 1e-6 * expected_wh);
  EXPECT_LT(records.back().phase[2].forward, records.front().phase[2].forward);  // wrapped
  EXPECT_EQ(j.records_between(sample(kExtra + 1).minute, sample(kExtra + 61).minute)->size(), 60u);
}

// --- Migration from 64-byte slots (versions 1 and 2) ----------------------------

// A journal as version `version` (1 or 2) leaves it after `appends`
// minutes into a ring of `capacity`: sample(k) as seq k in its slot, the
// later ones over the earlier, synced.
void write_old_journal(MemoryStorage& memory, std::uint32_t capacity, std::uint32_t appends,
                       std::uint16_t version = 2) {
  auto file = memory.open("journal.bin", true);
  ASSERT_TRUE(file.ok());
  JournalHeader header{capacity, 5'000};
  header.version = version;
  ASSERT_TRUE((*file)->write_at(0, encode_header(header)).ok());
  for (std::uint32_t k = 1; k <= appends; ++k) {
    JournalRecord r = sample(k);
    r.seq = k;
    const OldSlot slot = encode_old_record(r, 5'000);
    ASSERT_TRUE((*file)->write_at(kOldSlotSize * (1 + (k - 1) % capacity), slot).ok());
  }
  ASSERT_TRUE((*file)->sync().ok());
}

// The seqs a ring of `capacity` keeps after `appends`.
std::vector<std::uint32_t> kept_seqs(std::uint32_t capacity, std::uint32_t appends) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t k = appends > capacity ? appends - capacity + 1 : 1; k <= appends; ++k) {
    out.push_back(k);
  }
  return out;
}

// Every record of an old journal of `appends` minutes into a ring of
// `capacity` is in `j` once, as it was, with no frequency.
void expect_old_records(const Journal& j, std::uint32_t capacity, std::uint32_t appends,
                        const std::string& where = "") {
  const auto records = all_records(j);
  ASSERT_EQ(seqs_of(records), kept_seqs(capacity, appends)) << where;
  for (const JournalRecord& r : records) {
    ASSERT_EQ(r, stored_old(r.seq)) << where << ": seq " << r.seq;
    ASSERT_EQ(r.phase[0].hertz, 0) << where;
  }
  ASSERT_EQ(j.size(), records.size()) << where;
  ASSERT_EQ(j.newest_seq(), appends) << where;
  if (appends > 0) {
    ASSERT_EQ(j.newest(), stored_old(appends)) << where;
  }
}

TEST(JournalMigration, AVersion2JournalKeepsEveryRecordAndGoesOn) {
  MemoryStorage memory;
  write_old_journal(memory, 100, 30);
  {
    Journal j = open_or_die(memory, {.capacity = 100});
    expect_old_records(j, 100, 30);
    EXPECT_EQ(j.oldest_seq(), 1u);
    EXPECT_EQ(seqs_of(*j.records_between(sample(10).minute, sample(13).minute)),
              (std::vector<std::uint32_t>{10, 11, 12}));
    auto seq = j.append(sample(31));
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, 31u);
  }
  EXPECT_EQ(memory.names(), std::vector<std::string>{"journal.bin"});  // no scratch left
  const auto image = **memory.read_file("journal.bin");
  EXPECT_EQ(header_of(image)->version, 3);
  EXPECT_EQ(image.size(), 128u * 32);
  memory.crash();
  // Once migrated, an open migrates nothing again: it only reads.
  FaultStorage counting(memory);
  Journal j = open_or_die(counting, {.capacity = 100});
  EXPECT_EQ(counting.counters().writes, 0u);
  EXPECT_EQ(counting.counters().metadata, 1u);  // the open that would create it
  const auto records = all_records(j);
  ASSERT_EQ(records.size(), 31u);
  EXPECT_EQ(records.back(), stored(31));  // the new one has its frequency
  EXPECT_NEAR(records.back().phase[1].hertz, sample(31).phase[1].hertz, 0.005);
  EXPECT_EQ(records.front(), stored_old(1));
  // The minutes' energy is as before: the counters came over exactly.
  const MinuteRecord m = to_minute_record(records[30], &records[29], {}, {});
  const MinuteRecord before =
      to_minute_record(stored_old(31), &records[29], MeterValues{}, MeterValues{});
  EXPECT_EQ(m.phase[2].wh_delta, before.phase[2].wh_delta);
}

// A full ring whose seqs have wrapped twice, with a torn slot and a
// rotted one: the valid slots keep their places, the others stay empty.
TEST(JournalMigration, AFullWrappedRingMigratesSlotForSlot) {
  MemoryStorage memory;
  write_old_journal(memory, 7, 20);
  // Seq 16 (slot 1) rots; a torn tail half a slot long follows the file.
  flip_bit(memory, "journal.bin", kOldSlotSize * (1 + (16 - 1) % 7) + 30, 2);
  {
    auto file = memory.open("journal.bin", false);
    const OldSlot torn = encode_old_record(stored_old(21), 5'000);
    ASSERT_TRUE((*file)->write_at(kOldSlotSize * 8, std::span(torn).first(32)).ok());
    ASSERT_TRUE((*file)->sync().ok());
  }
  Journal j = open_or_die(memory, {.capacity = 7});
  EXPECT_EQ(seqs_of(all_records(j)), (std::vector<std::uint32_t>{14, 15, 17, 18, 19, 20}));
  for (const JournalRecord& r : all_records(j)) EXPECT_EQ(r, stored_old(r.seq));
  EXPECT_EQ(j.oldest_seq(), 14u);
  EXPECT_EQ((*memory.read_file("journal.bin"))->size(), 128u * 8);
  auto seq = j.append(sample(21));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 21u);
  EXPECT_EQ(seqs_of(all_records(j)), (std::vector<std::uint32_t>{15, 17, 18, 19, 20, 21}));
}

// 12 days and then some, in many chunks, through a counter wrap.
TEST(JournalMigration, TwelveDaysOfAVersion2JournalMigrate) {
  constexpr std::uint32_t kAppends = 17'280 + 1'500;
  MemoryStorage memory;
  write_old_journal(memory, 17'280, kAppends);
  const Journal j = open_or_die(memory);
  expect_old_records(j, 17'280, kAppends);
  EXPECT_EQ((*memory.read_file("journal.bin"))->size(), 128u * 17'281);
}

TEST(JournalMigration, AnEmptyVersion2JournalKeepsItsResolution) {
  MemoryStorage memory;
  {
    auto file = memory.open("journal.bin", true);
    JournalHeader header{17'280, 50'000};
    header.version = 2;
    ASSERT_TRUE((*file)->write_at(0, encode_header(header)).ok());
    ASSERT_TRUE((*file)->sync().ok());
  }
  const Journal j = open_or_die(memory);
  EXPECT_EQ(j.size(), 0u);
  EXPECT_EQ(j.amps_lsb_ua(), 50'000u);
  EXPECT_EQ(header_of(**memory.read_file("journal.bin"))->version, 3);
}

TEST(JournalMigration, AVersion2JournalOfAnotherCapacityIsRefusedUntouched) {
  MemoryStorage memory;
  write_old_journal(memory, 100, 10);
  const auto image = **memory.read_file("journal.bin");
  auto j = Journal::open(memory, {.capacity = 200});
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find("made for 100 records"), std::string::npos);
  EXPECT_EQ(**memory.read_file("journal.bin"), image);
  EXPECT_EQ(memory.names(), std::vector<std::string>{"journal.bin"});
}

// What a cut migration leaves beside the old journal is overwritten by the
// next one, whatever it holds: here a longer, valid version 3 journal of
// other minutes, which must not leak into the result.
TEST(JournalMigration, AScratchFileLeftByACutMigrationIsHarmless) {
  MemoryStorage other;
  {
    Journal j = open_or_die(other, {.capacity = 7});
    for (std::uint32_t k = 1; k <= 7; ++k) ASSERT_TRUE(j.append(sample(k + 1000)).ok());
  }
  const auto stale = **other.read_file("journal.bin");
  MemoryStorage memory;
  write_old_journal(memory, 7, 5);
  ASSERT_TRUE(memory.write_file_atomic(Journal::migration_name("journal.bin"), stale).ok());
  {
    const Journal j = open_or_die(memory, {.capacity = 7});
    expect_old_records(j, 7, 5);
  }
  EXPECT_EQ(memory.names(), std::vector<std::string>{"journal.bin"});
  EXPECT_EQ((*memory.read_file("journal.bin"))->size(), 128u * 6);

  // Beside a version 3 journal (the old one moved away after a cut), it is
  // removed and the journal is left alone.
  const auto image = **memory.read_file("journal.bin");
  ASSERT_TRUE(memory.write_file_atomic("journal.bin.v3", stale).ok());
  const Journal j = open_or_die(memory, {.capacity = 7});
  expect_old_records(j, 7, 5);
  EXPECT_EQ(memory.names(), std::vector<std::string>{"journal.bin"});
  EXPECT_EQ(**memory.read_file("journal.bin"), image);
}

// A migration that fails on an I/O error leaves the old journal, says
// what failed, and the same process's next open migrates it.
TEST(JournalMigration, AnIOErrorLeavesTheOldJournalAndTheNextOpenMigrates) {
  // Operations 2 to 7: the scratch file's creation, its truncate, the
  // header's write, the slots' write, the sync and the rename.
  for (std::uint64_t failing = 1; failing <= 6; ++failing) {
    MemoryStorage memory;
    write_old_journal(memory, 7, 12);
    const auto old_image = **memory.read_file("journal.bin");
    FaultStorage faulty(memory);
    faulty.cut_power_after_operations(failing);  // every later change fails
    auto failed = Journal::open(faulty, {.capacity = 7});
    ASSERT_FALSE(failed.ok()) << failing;
    EXPECT_EQ(failed.error().message.rfind("journal journal.bin: migrating version 2 to 3: ", 0),
              0u)
        << failed.error().message;
    EXPECT_EQ(**memory.read_file("journal.bin"), old_image) << failing;
    faulty.restore_power();
    auto j = Journal::open(faulty, {.capacity = 7});
    ASSERT_TRUE(j.ok()) << failing << ": " << j.error().message;
    expect_old_records(*j, 7, 12, std::to_string(failing));
    EXPECT_EQ(memory.names(), std::vector<std::string>{"journal.bin"}) << failing;
  }
}

// The journal a clean migration of `appends` minutes into a ring of
// `capacity` makes, byte for byte, and what the migration costs.
struct Migrated {
  std::vector<std::byte> old_image;
  std::vector<std::byte> new_image;
  FaultStorage::Counters cost;
};
Migrated migrate_cleanly(std::uint32_t capacity, std::uint32_t appends) {
  MemoryStorage memory;
  write_old_journal(memory, capacity, appends);
  Migrated out;
  out.old_image = **memory.read_file("journal.bin");
  FaultStorage counting(memory);
  { const Journal j = open_or_die(counting, {.capacity = capacity}); }
  out.cost = counting.counters();
  out.new_image = **memory.read_file("journal.bin");
  return out;
}

// After a power cut during a migration and a crash: the old journal or the
// complete new one, byte for byte; and an open then has every record once.
void check_after_cut_migration(MemoryStorage& memory, const Migrated& clean, std::uint32_t capacity,
                               std::uint32_t appends, const std::string& where, int& old_seen,
                               int& new_seen) {
  const auto image = **memory.read_file("journal.bin");
  if (image == clean.old_image) {
    ++old_seen;
  } else {
    ASSERT_EQ(image, clean.new_image) << where << ": neither the old journal nor the new";
    ++new_seen;
  }
  auto reopened = Journal::open(memory, {.capacity = capacity});
  ASSERT_TRUE(reopened.ok()) << where << ": " << reopened.error().message;
  expect_old_records(*reopened, capacity, appends, where);
  ASSERT_EQ(**memory.read_file("journal.bin"), clean.new_image) << where;
  ASSERT_EQ(memory.names(), std::vector<std::string>{"journal.bin"}) << where;
  auto next = reopened->append(sample(appends + 1));
  ASSERT_TRUE(next.ok()) << where;
  ASSERT_EQ(*next, appends + 1) << where;
}

TEST(JournalMigrationCrash, APowerCutAtEveryOperationLeavesTheOldOrTheNewJournal) {
  constexpr std::uint32_t kCapacity = 5, kAppends = 12;  // a full, wrapped ring
  const Migrated clean = migrate_cleanly(kCapacity, kAppends);
  // open(create) of the journal, open(create) and truncate of the scratch
  // file, the header's and the slots' writes, a sync, the rename.
  ASSERT_EQ(clean.cost.mutations, 7u);
  int old_seen = 0, new_seen = 0;
  for (std::uint64_t cut = 0; cut <= clean.cost.mutations + 1; ++cut) {
    for (Crash mode : kCrashModes) {
      MemoryStorage memory;
      write_old_journal(memory, kCapacity, kAppends);
      FaultStorage faulty(memory);
      faulty.cut_power_after_operations(cut);
      const bool opened = Journal::open(faulty, {.capacity = kCapacity}).ok();
      EXPECT_EQ(opened, cut >= clean.cost.mutations) << cut;
      memory.crash(mode);
      check_after_cut_migration(memory, clean, kCapacity, kAppends,
                                "cut after " + std::to_string(cut) + " operations", old_seen,
                                new_seen);
      if (HasFatalFailure()) return;
    }
  }
  // Before the rename (the 7th) the old journal, from it on the new one.
  EXPECT_EQ(old_seen, 2 * 7);
  EXPECT_EQ(new_seen, 2 * 2);
}

TEST(JournalMigrationCrash, APowerCutAtEveryByteLeavesTheOldOrTheNewJournal) {
  constexpr std::uint32_t kCapacity = 5, kAppends = 12;
  const Migrated clean = migrate_cleanly(kCapacity, kAppends);
  ASSERT_EQ(clean.cost.bytes_written, kSlotSize * (1 + kCapacity));
  int old_seen = 0, new_seen = 0;
  for (std::uint64_t cut = 0; cut <= clean.cost.bytes_written + 1; ++cut) {
    for (Crash mode : kCrashModes) {
      MemoryStorage memory;
      write_old_journal(memory, kCapacity, kAppends);
      FaultStorage faulty(memory);
      faulty.cut_power_after_bytes(cut);
      (void)Journal::open(faulty, {.capacity = kCapacity});
      memory.crash(mode);
      check_after_cut_migration(memory, clean, kCapacity, kAppends,
                                "cut after " + std::to_string(cut) + " bytes, " +
                                    (mode == Crash::kDropUnsynced ? "dropping" : "keeping") +
                                    " unsynced",
                                old_seen, new_seen);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(old_seen, 0);
  // Only once the budget exceeds every byte: with exactly every byte, the
  // sync after the last write fails.
  EXPECT_EQ(new_seen, 2);
}

// --- Crash safety: a power cut at every byte and every operation ---------------

// Opens a journal over `faulty` and appends sample(1..appends) until the
// first error (the power is cut); returns how many were acknowledged.
std::uint32_t run_until_cut(Storage& faulty, const JournalOptions& options, std::uint32_t appends) {
  auto j = Journal::open(faulty, options);
  if (!j) return 0;
  std::uint32_t acknowledged = 0;
  for (std::uint32_t k = 1; k <= appends; ++k) {
    auto seq = j->append(sample(k));
    if (!seq) {
      // Dead: everything after a cut fails, and nothing more is acknowledged.
      EXPECT_FALSE(j->append(sample(k)).ok());
      break;
    }
    EXPECT_EQ(*seq, k);
    acknowledged = k;
  }
  return acknowledged;
}

// After a cut with `acknowledged` appends done, the journal must hold every
// acknowledged record the ring still holds, at most the one in progress
// more (or the oldest, which it was overwriting, less), consecutive, intact.
void check_after_cut(MemoryStorage& memory, const JournalOptions& options,
                     std::uint32_t acknowledged, std::uint32_t appends, const std::string& where) {
  auto reopened = Journal::open(memory, options);
  ASSERT_TRUE(reopened.ok()) << where << ": " << reopened.error().message;
  Journal& j = *reopened;
  const auto records = all_records(j);
  const std::uint32_t capacity = options.capacity;
  const std::uint32_t in_progress = acknowledged < appends ? acknowledged + 1 : 0;
  // Must have: the last `capacity - 1` acknowledged ones (the in-progress
  // append may have torn the one before them).
  const std::uint32_t must_from = acknowledged >= capacity ? acknowledged - capacity + 2 : 1;
  const std::uint32_t may_from = acknowledged >= capacity ? acknowledged - capacity + 1 : 1;
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const JournalRecord& r = records[i];
    ASSERT_TRUE(seen.insert(r.seq).second) << where << ": duplicate " << r.seq;
    if (i > 0) {
      ASSERT_EQ(r.seq, records[i - 1].seq + 1) << where << ": not consecutive";
    }
    const bool allowed = (r.seq >= may_from && r.seq <= acknowledged) || r.seq == in_progress;
    ASSERT_TRUE(allowed) << where << ": unexpected seq " << r.seq;
    ASSERT_EQ(r, stored(r.seq)) << where << ": seq " << r.seq << " damaged";
  }
  for (std::uint32_t s = must_from; s <= acknowledged; ++s) {
    ASSERT_TRUE(seen.contains(s)) << where << ": acknowledged seq " << s << " lost";
  }
  ASSERT_EQ(j.size(), records.size());
  // And it goes on: the next append continues the sequence.
  auto next = j.append(sample(j.newest_seq() + 1));
  ASSERT_TRUE(next.ok()) << where;
  ASSERT_EQ(*next, records.empty() ? 1u : records.back().seq + 1) << where;
}

TEST(JournalCrash, APowerCutAtEveryByteLosesNothingAcknowledged) {
  // 12 appends into a ring of 5: the cut points cover the header, appends
  // into empty slots, and overwrites across two wraps.
  const JournalOptions options{.capacity = 5};
  constexpr std::uint32_t kAppends = 12;
  const std::uint64_t total = kSlotSize * (1 + kAppends);
  int runs = 0;
  // One byte past the end: the run where nothing fails.
  for (std::uint64_t cut = 0; cut <= total + 1; ++cut) {
    for (Crash mode : kCrashModes) {
      MemoryStorage memory;
      FaultStorage faulty(memory);
      faulty.cut_power_after_bytes(cut);
      const std::uint32_t acknowledged = run_until_cut(faulty, options, kAppends);
      // A slot is acknowledged only once all 128 bytes and the sync are in.
      ASSERT_EQ(acknowledged,
                cut <= kSlotSize ? 0 : std::min<std::uint64_t>((cut - 129) / kSlotSize, kAppends));
      memory.crash(mode);
      check_after_cut(memory, options, acknowledged, kAppends,
                      "cut after " + std::to_string(cut) + " bytes, " +
                          (mode == Crash::kDropUnsynced ? "dropping" : "keeping") + " unsynced");
      if (HasFatalFailure()) return;
      ++runs;
    }
  }
  EXPECT_EQ(runs, 2 * (static_cast<int>(total) + 2));
}

TEST(JournalCrash, APowerCutAtEveryOperationLosesNothingAcknowledged) {
  const JournalOptions options{.capacity = 5};
  constexpr std::uint32_t kAppends = 12;
  // open(create) + header write + sync, then a write and a sync per append.
  const std::uint64_t total = 3 + 2 * kAppends;
  for (std::uint64_t cut = 0; cut <= total + 1; ++cut) {
    for (Crash mode : kCrashModes) {
      MemoryStorage memory;
      FaultStorage faulty(memory);
      faulty.cut_power_after_operations(cut);
      const std::uint32_t acknowledged = run_until_cut(faulty, options, kAppends);
      ASSERT_EQ(acknowledged, cut < 3 ? 0 : std::min<std::uint64_t>((cut - 3) / 2, kAppends));
      memory.crash(mode);
      check_after_cut(memory, options, acknowledged, kAppends,
                      "cut after " + std::to_string(cut) + " operations");
      if (HasFatalFailure()) return;
    }
  }
}

// Repeated crashes: every restart resumes where the last acknowledged
// append left off, and the sequence stays gap-free across all of them.
TEST(JournalCrash, ManyCrashesInARowKeepOneUnbrokenSequence) {
  const JournalOptions options{.capacity = 7};
  MemoryStorage memory;
  std::uint32_t acknowledged = 0;
  for (int round = 0; round < 200; ++round) {
    FaultStorage faulty(memory);
    faulty.cut_power_after_bytes(static_cast<std::uint64_t>(round * 37 % 300));
    auto j = Journal::open(faulty, options);
    if (j) {
      for (;;) {
        const std::uint32_t k = j->newest_seq() + 1;
        auto seq = j->append(sample(k));
        if (!seq) break;
        ASSERT_EQ(*seq, k);
        acknowledged = std::max(acknowledged, k);
      }
    }
    memory.crash(round % 2 == 0 ? Crash::kDropUnsynced : Crash::kKeepUnsynced);
    Journal after = open_or_die(memory, options);
    ASSERT_GE(after.newest_seq(), acknowledged) << "round " << round;
    ASSERT_LE(after.newest_seq(), acknowledged + 1) << "round " << round;
    acknowledged = after.newest_seq();  // a kept in-progress record counts from now on
    const auto records = all_records(after);
    for (std::size_t i = 0; i < records.size(); ++i) {
      ASSERT_EQ(records[i], stored(records[i].seq));
      if (i > 0) {
        ASSERT_EQ(records[i].seq, records[i - 1].seq + 1);
      }
    }
  }
  EXPECT_GT(acknowledged, 100u);
}

}  // namespace
}  // namespace maic::device
