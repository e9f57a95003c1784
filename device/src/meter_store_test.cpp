#include "meter_store.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "maic/core/crc32.hpp"

namespace maic::device {
namespace {

using namespace std::chrono_literals;
using Crash = MemoryStorage::Crash;
constexpr Crash kCrashModes[] = {Crash::kDropUnsynced, Crash::kKeepUnsynced};

MeterValues values(std::int64_t base) {
  MeterValues v;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    v.forward[p] = base * static_cast<std::int64_t>(p + 1) + 11;
    v.reverse[p] = base / 3 + static_cast<std::int64_t>(p);
  }
  return v;
}

MeterStore open_or_die(Storage& s, SteadyTime now,
                       const std::optional<JournalRecord>& newest = std::nullopt) {
  auto store = MeterStore::open(s, newest, now);
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

std::string file_text(MemoryStorage& memory) {
  auto content = memory.read_file("meters.json");
  if (!content || !*content) return "<absent>";
  return std::string(as_text(**content));
}

// --- The file format ---------------------------------------------------------

TEST(MeterStateFormat, RoundTrips) {
  MeterState s;
  s.lifetime = values(12'345'678'901'234);
  s.history = {{1, values(-5)}, {900, values(77)}};
  auto back = decode_meter_state(encode_meter_state(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

// About ten years of a few kW on each register, one history entry: the size
// quoted in docs/storage.md.
TEST(MeterStateFormat, ATypicalFileIsAFewHundredBytes) {
  MeterState s;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    s.lifetime.forward[p] = 123'456'789'012'345;  // 123 MWh in µWh
    s.lifetime.reverse[p] = 45'678'901'234;
    s.history.back().offsets.forward[p] = -98'765'432'109;
  }
  const std::string text = encode_meter_state(s);
  EXPECT_LT(text.size(), 400u) << text;
  EXPECT_GT(text.size(), 200u) << text;
}

// Rot anywhere in the file is caught: changing any one byte never yields a
// different valid state.
TEST(MeterStateFormat, EveryChangedByteIsCaught) {
  MeterState s;
  s.lifetime = values(4'000'000'000);
  s.history = {{3, values(-1'000)}};
  const std::string text = encode_meter_state(s);
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (char c : std::string_view("0179\"-,:{}[]ax ")) {
      if (text[i] == c) continue;
      std::string damaged = text;
      damaged[i] = c;
      auto back = decode_meter_state(damaged);
      ASSERT_FALSE(back.ok() && *back != s) << "byte " << i << " -> " << c << ": " << damaged;
    }
  }
}

TEST(MeterStateFormat, ErrorsNameTheBadField) {
  auto error_of = [](MeterState s, auto&& damage) {
    nlohmann::json j = nlohmann::json::parse(encode_meter_state(s));
    j.erase("crc32c");
    damage(j);
    // Re-seal, so that the field check (not the checksum) speaks.
    const std::string body = j.dump();
    j["crc32c"] = crc32c(as_bytes(body));
    auto r = decode_meter_state(j.dump());
    return r.ok() ? std::string("<ok>") : r.error().message;
  };
  const MeterState s;
  EXPECT_EQ(error_of(s, [](auto& j) { j["lifetime"]["reverse"][2] = -1; }),
            "lifetime.reverse[2] must be a non-negative integer (µWh)");
  EXPECT_EQ(error_of(s, [](auto& j) { j["lifetime"]["forward"][0] = 1.5; }),
            "lifetime.forward[0] must be a non-negative integer (µWh)");
  EXPECT_EQ(error_of(s,
                     [](auto& j) {
                       j["lifetime"]["forward"] = {1, 2};
                     }),
            "lifetime.forward must be an array of 3 integers");
  EXPECT_EQ(error_of(s, [](auto& j) { j.erase("lifetime"); }), "lifetime is missing");
  EXPECT_EQ(error_of(s, [](auto& j) { j["history"] = nlohmann::json::array(); }),
            "history must be a non-empty array");
  EXPECT_EQ(error_of(s,
                     [](auto& j) {
                       j["history"].push_back(j["history"][0]);  // from_seq 1 twice
                     }),
            "history[1].from_seq must be greater than history[0].from_seq");
  EXPECT_EQ(error_of(s, [](auto& j) { j["history"][0]["offsets"]["reverse"][1] = "x"; }),
            "history[0].offsets.reverse[1] must be an integer (µWh)");
  EXPECT_EQ(error_of(s, [](auto& j) { j["history"][0]["from_seq"] = 0; }),
            "history[0].from_seq must be an integer in 1..4294967295");
  EXPECT_EQ(error_of(s, [](auto& j) { j["version"] = 2; }),
            "version 2 is not 1, the version this build reads");

  EXPECT_EQ(decode_meter_state("{").error().message, "not valid JSON");
  EXPECT_EQ(decode_meter_state("[]").error().message, "must be a JSON object");
  EXPECT_EQ(decode_meter_state("{\"version\":" + std::string(65'000, '[') + "}").error().message,
            "nested deeper than 32 levels");
  std::string text = encode_meter_state(s);
  const std::string zero = "\"lifetime\":{\"forward\":[0";
  text.replace(text.find(zero), zero.size(), "\"lifetime\":{\"forward\":[1");
  EXPECT_EQ(decode_meter_state(text).error().message,
            "crc32c does not match (the file is damaged)");
}

// --- Opening -----------------------------------------------------------------

TEST(MeterStore, StartsAtZeroWithoutAFile) {
  MemoryStorage memory;
  MeterStore store = open_or_die(memory, SteadyTime{});
  EXPECT_EQ(store.lifetime(), MeterValues{});
  EXPECT_EQ(store.offsets(), MeterValues{});
  EXPECT_EQ(store.state().history.size(), 1u);
  EXPECT_EQ(file_text(memory), "<absent>");
}

TEST(MeterStore, ADamagedFileIsAnErrorNamingTheFile) {
  MemoryStorage memory;
  ASSERT_TRUE(memory.write_file_atomic("meters.json", as_bytes("{\"version\":1}")).ok());
  auto store = MeterStore::open(memory, std::nullopt, SteadyTime{});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message, "meters.json: crc32c must be an unsigned 32-bit integer");
}

TEST(MeterStore, TakesTheLargerOfStoreAndJournalRegisterByRegister) {
  MemoryStorage memory;
  {
    MeterStore store = open_or_die(memory, SteadyTime{});
    MeterValues v;
    v.forward = {5'000'000, 100'000'000, 0};
    v.reverse = {0, 0, 70'000'000};
    ASSERT_TRUE(store.update(v, SteadyTime{} + 30s).ok());
  }
  JournalRecord newest;
  newest.phase[0].forward = 600;    // 6 Wh: ahead of the store's 5 Wh
  newest.phase[1].forward = 9'000;  // 90 Wh: behind the store's 100 Wh
  newest.phase[2].reverse = 7'000;  // 70 Wh: equal
  MeterStore store = open_or_die(memory, SteadyTime{}, newest);
  EXPECT_EQ(store.lifetime().forward, (std::array<std::int64_t, 3>{6'000'000, 100'000'000, 0}));
  EXPECT_EQ(store.lifetime().reverse, (std::array<std::int64_t, 3>{0, 0, 70'000'000}));
}

// --- Saving ------------------------------------------------------------------

TEST(MeterStore, SavesEveryThirtySecondsOfSteadyTimeWhenSomethingChanged) {
  MemoryStorage memory;
  FaultStorage counting(memory);
  const SteadyTime t0{};
  MeterStore store = open_or_die(counting, t0);
  auto saves = [&] { return counting.counters().syncs; };
  ASSERT_TRUE(store.update(values(1'000), t0 + 5s).ok());
  ASSERT_TRUE(store.update(values(2'000), t0 + 29s).ok());
  EXPECT_EQ(saves(), 0u);
  ASSERT_TRUE(store.update(values(3'000), t0 + 30s).ok());
  EXPECT_EQ(saves(), 1u);
  EXPECT_EQ(decode_meter_state(file_text(memory))->lifetime, values(3'000));
  // Nothing changed: nothing written, however long it has been.
  ASSERT_TRUE(store.update(values(3'000), t0 + 300s).ok());
  ASSERT_TRUE(store.update(values(2'000), t0 + 400s).ok());  // backwards: ignored
  EXPECT_EQ(saves(), 1u);
  EXPECT_EQ(store.lifetime(), values(3'000));
  ASSERT_TRUE(store.update(values(4'000), t0 + 401s).ok());  // due since 60 s
  EXPECT_EQ(saves(), 2u);
  ASSERT_TRUE(store.update(values(5'000), t0 + 402s).ok());
  EXPECT_EQ(saves(), 2u);
  ASSERT_TRUE(store.flush(t0 + 403s).ok());  // shutdown
  EXPECT_EQ(saves(), 3u);
  ASSERT_TRUE(store.flush(t0 + 404s).ok());
  EXPECT_EQ(saves(), 3u);
  EXPECT_EQ(decode_meter_state(file_text(memory))->lifetime, values(5'000));
}

// What the device publishes (docs/mqtt.md, "As of the last save"): the
// registers of the last save that succeeded, as opened before the first.
TEST(MeterStore, SavedLifetimeFollowsTheSavesThatSucceeded) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  const SteadyTime t0{};
  JournalRecord newest;
  newest.phase[0].forward = 600;  // 6 Wh: the journal is ahead of the empty store
  MeterStore store = open_or_die(faulty, t0, newest);
  MeterValues opened;
  opened.forward[0] = 6'000'000;
  EXPECT_EQ(store.saved_lifetime(), opened) << "the journal is durable too";
  ASSERT_TRUE(store.update(values(10'000'000), t0 + 29s).ok());
  EXPECT_EQ(store.lifetime(), values(10'000'000));
  EXPECT_EQ(store.saved_lifetime(), opened) << "not saved yet";
  faulty.fail_next(1);
  EXPECT_FALSE(store.update(values(11'000'000), t0 + 30s).ok());
  EXPECT_EQ(store.saved_lifetime(), opened) << "the save failed";
  ASSERT_TRUE(store.update(values(12'000'000), t0 + 35s).ok());
  EXPECT_EQ(store.saved_lifetime(), values(12'000'000));
  ASSERT_TRUE(store.update(values(13'000'000), t0 + 40s).ok());
  EXPECT_EQ(store.saved_lifetime(), values(12'000'000));
  // An initial value is saved at once, with the registers as they stand.
  ASSERT_TRUE(store.set_user_meter(0, Flow::kForward, 1'000'000, 1, t0 + 41s).ok());
  EXPECT_EQ(store.saved_lifetime(), values(13'000'000));
  EXPECT_EQ(store.saved_user_meters().forward[0], 1'000'000);
  EXPECT_EQ(store.saved_user_meters().forward[1], values(13'000'000).forward[1]);
}

TEST(MeterStore, AFailedSaveIsRetriedAtTheNextUpdate) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  const SteadyTime t0{};
  MeterStore store = open_or_die(faulty, t0);
  faulty.fail_next(1);
  EXPECT_FALSE(store.update(values(1'000), t0 + 30s).ok());
  ASSERT_TRUE(store.update(values(1'000), t0 + 35s).ok());
  EXPECT_EQ(decode_meter_state(file_text(memory))->lifetime, values(1'000));
}

// --- The user's meters ----------------------------------------------------------

TEST(MeterStore, AnInitialValueMovesTheOffsetNeverTheLifetime) {
  MemoryStorage memory;
  const SteadyTime t0{};
  MeterStore store = open_or_die(memory, t0);
  ASSERT_TRUE(store.update(values(10'000'000), t0 + 1s).ok());
  const MeterValues lifetime = store.lifetime();
  // Manual §5: the user sets L2's meter to 12,345.6 Wh to match the utility.
  ASSERT_TRUE(store.set_user_meter(1, Flow::kForward, 12'345'600'000, 50, t0 + 2s).ok());
  EXPECT_EQ(store.lifetime(), lifetime);
  EXPECT_EQ(store.user_meters().forward[1], 12'345'600'000);
  EXPECT_EQ(store.user_meters().forward[0], lifetime.forward[0]);
  // Saved at once, without waiting for the 30 s.
  const auto saved = decode_meter_state(file_text(memory));
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->history.size(), 2u);
  EXPECT_EQ(saved->history.back().from_seq, 50u);
  // The meter runs on from there.
  MeterValues later = lifetime;
  later.forward[1] += 1'000'000;
  ASSERT_TRUE(store.update(later, t0 + 3s).ok());
  EXPECT_EQ(store.user_meters().forward[1], 12'346'600'000);
}

TEST(MeterStore, OffsetsForFindTheEntryInForceAndPruneKeepsWhatTheJournalNeeds) {
  MemoryStorage memory;
  const SteadyTime t0{};
  MeterStore store = open_or_die(memory, t0);
  ASSERT_TRUE(store.set_user_meter(0, Flow::kForward, 100, 10, t0).ok());
  ASSERT_TRUE(store.set_user_meter(0, Flow::kForward, 200, 20, t0).ok());
  ASSERT_TRUE(store.set_user_meter(0, Flow::kReverse, 5, 20, t0).ok());  // same minute: one entry
  ASSERT_TRUE(store.set_user_meter(0, Flow::kForward, 300, 30, t0).ok());
  ASSERT_EQ(store.state().history.size(), 4u);
  EXPECT_EQ(store.offsets_for(1).forward[0], 0);
  EXPECT_EQ(store.offsets_for(9).forward[0], 0);
  EXPECT_EQ(store.offsets_for(10).forward[0], 100);
  EXPECT_EQ(store.offsets_for(25).forward[0], 200);
  EXPECT_EQ(store.offsets_for(25).reverse[0], 5);
  EXPECT_EQ(store.offsets_for(1000).forward[0], 300);

  store.prune(15);  // records from 15 on: entries from 10 and later
  EXPECT_EQ(store.state().history.size(), 3u);
  EXPECT_EQ(store.offsets_for(15).forward[0], 100);
  store.prune(20);
  EXPECT_EQ(store.state().history.size(), 2u);
  store.prune(1'000'000);
  ASSERT_EQ(store.state().history.size(), 1u);
  EXPECT_EQ(store.offsets().forward[0], 300);
  ASSERT_TRUE(store.flush(t0).ok());
  EXPECT_EQ(decode_meter_state(file_text(memory))->history.size(), 1u);
}

TEST(MeterStore, BadInitialValuesChangeNothing) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  const SteadyTime t0{};
  MeterStore store = open_or_die(faulty, t0);
  ASSERT_TRUE(store.set_user_meter(0, Flow::kForward, 100, 10, t0).ok());
  const MeterState before = store.state();
  EXPECT_FALSE(store.set_user_meter(3, Flow::kForward, 1, 10, t0).ok());
  EXPECT_FALSE(store.set_user_meter(0, Flow::kForward, -1, 10, t0).ok());
  EXPECT_FALSE(store.set_user_meter(0, Flow::kForward, 1, 9, t0).ok());  // older than in force
  faulty.fail_next(1);
  EXPECT_FALSE(store.set_user_meter(1, Flow::kReverse, 1, 11, t0).ok());  // the save failed
  EXPECT_EQ(store.state(), before);
  EXPECT_EQ(*decode_meter_state(file_text(memory)), before);
}

// --- Crash safety ------------------------------------------------------------

// A save torn at every byte and cut at every operation, under both crash
// models, leaves the old or the new store, and the new one if it said OK.
TEST(MeterStoreCrash, ASaveCutAnywhereLeavesTheOldOrTheNewStore) {
  const SteadyTime t0{};
  const MeterValues old_values = values(1'000'000'000);
  const MeterValues new_values = values(2'000'000'000);
  std::uint64_t save_bytes = 0;
  {
    MemoryStorage memory;
    FaultStorage counting(memory);
    MeterStore store = open_or_die(counting, t0);
    ASSERT_TRUE(store.update(new_values, t0 + 30s).ok());
    save_bytes = counting.counters().bytes_written;
  }
  ASSERT_GT(save_bytes, 100u);
  int outcomes[2] = {0, 0};  // old, new
  for (int by_operations = 0; by_operations < 2; ++by_operations) {
    const std::uint64_t last_cut = by_operations ? 6 : save_bytes + 1;
    for (std::uint64_t cut = 0; cut <= last_cut; ++cut) {
      for (Crash mode : kCrashModes) {
        MemoryStorage memory;
        {
          MeterStore first = open_or_die(memory, t0);
          ASSERT_TRUE(first.update(old_values, t0 + 30s).ok());
        }
        FaultStorage faulty(memory);
        MeterStore store = open_or_die(faulty, t0);
        if (by_operations) {
          faulty.cut_power_after_operations(cut);
        } else {
          faulty.cut_power_after_bytes(cut);
        }
        const bool acknowledged = store.update(new_values, t0 + 30s).ok();
        memory.crash(mode);
        auto after = MeterStore::open(memory, std::nullopt, t0);
        ASSERT_TRUE(after.ok()) << "cut " << cut << ": " << after.error().message;
        const bool is_new = after->lifetime() == new_values;
        ASSERT_TRUE(is_new || (!acknowledged && after->lifetime() == old_values)) << "cut " << cut;
        ++outcomes[is_new ? 1 : 0];
      }
    }
  }
  EXPECT_GT(outcomes[0], 0);
  EXPECT_GT(outcomes[1], 0);
}

// The device, simulated: three phases (one generating), a reading every 5 s,
// the store updated on each, a journal record each minute (at a random
// phase to the saves, so the journal is often ahead of the store), and a
// power cut at a random byte in every one of 300 lives. After each restart
// the meters are never below the last restart's nor the journal's, never
// above what was measured, and at most save_every (+ one reading) behind
// it; and the journal's counters never step back (a step back would read as
// an 11 GWh wrap).
TEST(MeterStoreCrash, MetersNeverGoBackwardsAcrossPowerCuts) {
  // Powers in W, multiples of 36 W so that 5 s of them is a whole µWh count.
  constexpr std::array<std::int64_t, kMaxPhases> kForwardW{1476, 792, 0};
  constexpr std::array<std::int64_t, kMaxPhases> kReverseW{0, 0, 1980};
  constexpr std::int64_t kStepS = 5;
  auto per_step = [&](std::int64_t watts) { return watts * kStepS * 1'000'000 / 3600; };
  const JournalOptions journal_options{.capacity = 30};

  MemoryStorage memory;
  std::mt19937 rng(20240601);
  SteadyTime now{};
  std::int64_t minute = 1'700'000'040;
  MeterValues measured;  // what the device had counted when the power went
  MeterValues last_restored;
  int steps_total = 0;
  for (int life = 0; life < 300; ++life) {
    FaultStorage faulty(memory);
    faulty.cut_power_after_bytes(rng() % 3000);
    now += 1h;  // steady time restarts from anything; only differences count
    auto journal = Journal::open(faulty, journal_options);
    if (!journal) {
      memory.crash();
      continue;
    }
    auto store = MeterStore::open(faulty, journal->newest(), now);
    ASSERT_TRUE(store.ok()) << store.error().message;
    const MeterValues restored = store->lifetime();
    for (Flow f : kFlows) {
      for (std::size_t p = 0; p < kMaxPhases; ++p) {
        const std::int64_t watts = f == Flow::kForward ? kForwardW[p] : kReverseW[p];
        const std::int64_t bound = watts * (30 + kStepS) * 1'000'000 / 3600;
        ASSERT_GE(restored[f][p], last_restored[f][p]) << "life " << life << ": went backwards";
        ASSERT_LE(restored[f][p], measured[f][p]) << "life " << life << ": invented energy";
        ASSERT_GE(restored[f][p], measured[f][p] - bound) << "life " << life << ": lost too much";
      }
    }
    last_restored = restored;
    if (const auto& newest = journal->newest()) {
      for (Flow f : kFlows) {
        for (std::size_t p = 0; p < kMaxPhases; ++p) {
          ASSERT_GE(restored[f][p], unwrap_counter(newest->phase[p].counter(f), restored[f][p]))
              << "life " << life << ": behind the journal";
        }
      }
    }
    auto records = journal->records_after(0, journal_options.capacity);
    ASSERT_TRUE(records.ok());
    for (std::size_t i = 1; i < records->size(); ++i) {
      const JournalRecord& a = (*records)[i - 1];
      const JournalRecord& b = (*records)[i];
      for (Flow f : kFlows) {
        for (std::size_t p = 0; p < kMaxPhases; ++p) {
          // A step back reads as nearly 2^40 counts ahead. Not bounded by a
          // minute or two: when lives in a row are cut before their first
          // append, the energy they metered lands in one later record.
          const auto ever = static_cast<std::uint64_t>(measured[f][p] / kMicroWhPerCount);
          ASSERT_LE(counter_delta(a.phase[p].counter(f), b.phase[p].counter(f)), ever)
              << "life " << life << ": journal seq " << b.seq << " stepped back";
        }
      }
    }

    const auto minute_phase = static_cast<int>(rng() % 12);
    MeterValues live = restored;
    for (int step = 1;; ++step) {
      now += std::chrono::seconds(kStepS);
      for (std::size_t p = 0; p < kMaxPhases; ++p) {
        live.forward[p] += per_step(kForwardW[p]);
        live.reverse[p] += per_step(kReverseW[p]);
      }
      measured = live;
      ++steps_total;
      if (!store->update(live, now).ok()) break;
      if ((step + minute_phase) % 12 == 0) {
        MinuteRecord m;
        m.minute = minute += 60;
        m.readings = 12;
        if (!journal->append(journal_record(m, live)).ok()) break;
        store->prune(journal->oldest_seq());
      }
    }
    memory.crash(life % 2 == 0 ? Crash::kDropUnsynced : Crash::kKeepUnsynced);
  }
  EXPECT_GT(steps_total, 10'000);
  EXPECT_GT(last_restored.forward[0], 0);
}

}  // namespace
}  // namespace maic::device
