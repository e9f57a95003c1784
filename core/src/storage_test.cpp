#include "maic/core/storage.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "maic/testing/storage_contract.hpp"

namespace maic {
namespace {

using contract::read_all;
using contract::read_text;
using Crash = MemoryStorage::Crash;
constexpr Crash kCrashModes[] = {Crash::kDropUnsynced, Crash::kKeepUnsynced};

// --- The shared contract, over memory and over an idle fault injector -----

struct MemoryFixture {
  Storage& storage() { return memory; }
  MemoryStorage memory;
};

struct IdleFaultFixture {
  Storage& storage() { return faulty; }
  MemoryStorage memory;
  FaultStorage faulty{memory};
};

}  // namespace

namespace contract {
using CoreFixtures = ::testing::Types<MemoryFixture, IdleFaultFixture>;
INSTANTIATE_TYPED_TEST_SUITE_P(Core, StorageContract, CoreFixtures);
}  // namespace contract

namespace {

// --- MemoryStorage's durability model -------------------------------------

TEST(MemoryStorage, ACrashDropsWhatWasNotSynced) {
  MemoryStorage memory;
  auto file = memory.open("f", true);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->write_at(0, as_bytes("synced")).ok());
  ASSERT_TRUE((*file)->sync().ok());
  ASSERT_TRUE((*file)->write_at(0, as_bytes("SYN")).ok());
  ASSERT_TRUE((*file)->write_at(6, as_bytes("+tail")).ok());
  EXPECT_EQ(read_text(memory, "f"), "SYNced+tail");
  memory.crash(Crash::kDropUnsynced);
  EXPECT_EQ(read_text(memory, "f"), "synced");
}

TEST(MemoryStorage, ACrashMayKeepWhatWasNotSynced) {
  MemoryStorage memory;
  auto file = memory.open("f", true);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->write_at(0, as_bytes("abc")).ok());
  memory.crash(Crash::kKeepUnsynced);
  EXPECT_EQ(read_text(memory, "f"), "abc");
}

TEST(MemoryStorage, AnUnsyncedTruncateIsUndoneByACrash) {
  MemoryStorage memory;
  auto file = memory.open("f", true);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->write_at(0, as_bytes("abcdef")).ok());
  ASSERT_TRUE((*file)->sync().ok());
  ASSERT_TRUE((*file)->truncate(2).ok());
  ASSERT_TRUE((*file)->write_at(4, as_bytes("X")).ok());
  EXPECT_EQ(read_all(**file), std::string("ab\0\0X", 5));
  memory.crash();
  EXPECT_EQ(read_text(memory, "f"), "abcdef");
}

TEST(MemoryStorage, SyncAfterShrinkAndRegrowKeepsNoStaleBytes) {
  MemoryStorage memory;
  auto file = memory.open("f", true);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->write_at(0, as_bytes("abcdef")).ok());
  ASSERT_TRUE((*file)->sync().ok());
  ASSERT_TRUE((*file)->truncate(1).ok());
  ASSERT_TRUE((*file)->truncate(6).ok());
  ASSERT_TRUE((*file)->sync().ok());
  memory.crash();
  EXPECT_EQ(read_text(memory, "f"), std::string("a\0\0\0\0\0", 6));
}

TEST(MemoryStorage, CreatedFilesSurviveACrashEmpty) {
  MemoryStorage memory;
  auto file = memory.open("new", true);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->write_at(0, as_bytes("unsynced")).ok());
  memory.crash();
  EXPECT_EQ(read_text(memory, "new"), "");
}

TEST(MemoryStorage, HandlesFromBeforeACrashAreDead) {
  MemoryStorage memory;
  auto file = memory.open("f", true);
  ASSERT_TRUE(file.ok());
  memory.crash();
  EXPECT_FALSE((*file)->write_at(0, as_bytes("x")).ok());
  EXPECT_FALSE((*file)->sync().ok());
  EXPECT_FALSE((*file)->size().ok());
  auto again = memory.open("f", false);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->write_at(0, as_bytes("x")).ok());
}

// The model must punish the classic mistake, or it proves nothing: renaming
// data over a file before syncing it loses both versions at a crash.
TEST(MemoryStorage, RenamingUnsyncedDataLosesItAtACrash) {
  MemoryStorage memory;
  ASSERT_TRUE(memory.write_file_atomic("store", as_bytes("old")).ok());
  auto temp = memory.open("store.tmp", true);
  ASSERT_TRUE(temp.ok());
  ASSERT_TRUE((*temp)->write_at(0, as_bytes("new")).ok());
  ASSERT_TRUE(memory.rename("store.tmp", "store").ok());  // no sync: wrong
  memory.crash();
  EXPECT_EQ(read_text(memory, "store"), "");
}

// --- FaultStorage ----------------------------------------------------------

TEST(FaultStorage, ABudgetTearsTheWriteThatCrossesIt) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  auto file = faulty.open("f", true);
  ASSERT_TRUE(file.ok());
  faulty.cut_power_after_bytes(7);
  EXPECT_TRUE((*file)->write_at(0, as_bytes("abcd")).ok());
  EXPECT_FALSE((*file)->write_at(4, as_bytes("efghij")).ok());
  EXPECT_TRUE(faulty.power_cut());
  EXPECT_EQ(read_text(memory, "f"), "abcdefg");
  EXPECT_FALSE((*file)->sync().ok());
  EXPECT_FALSE((*file)->write_at(0, as_bytes("z")).ok());
  EXPECT_FALSE(faulty.rename("f", "g").ok());
  EXPECT_FALSE(faulty.remove("f").ok());
  EXPECT_FALSE(faulty.open("h", true).ok());
  EXPECT_EQ(read_text(faulty, "f"), "abcdefg");  // reads still work
  EXPECT_EQ(faulty.counters().bytes_written, 7u);
}

TEST(FaultStorage, AWriteEndingOnTheBudgetSucceedsAndTheNextOperationFails) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  auto file = faulty.open("f", true);
  ASSERT_TRUE(file.ok());
  faulty.cut_power_after_bytes(3);
  EXPECT_TRUE((*file)->write_at(0, as_bytes("abc")).ok());
  EXPECT_FALSE((*file)->sync().ok());
  memory.crash();
  EXPECT_EQ(read_text(memory, "f"), "");
}

TEST(FaultStorage, AZeroBudgetCutsAtOnce) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  faulty.cut_power_after_bytes(0);
  EXPECT_FALSE(faulty.open("f", true).ok());
  faulty.restore_power();
  EXPECT_TRUE(faulty.open("f", true).ok());
}

TEST(FaultStorage, AnOperationBudgetCutsBetweenOperations) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  faulty.cut_power_after_operations(2);
  auto file = faulty.open("f", true);  // 1
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE((*file)->write_at(0, as_bytes("abc")).ok());  // 2
  EXPECT_FALSE((*file)->sync().ok());
  EXPECT_TRUE(faulty.power_cut());
  EXPECT_EQ(faulty.counters().mutations, 3u);
}

TEST(FaultStorage, FailNextIsTransientAndCoversReads) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  ASSERT_TRUE(faulty.write_file_atomic("f", as_bytes("x")).ok());
  faulty.fail_next(2);
  EXPECT_FALSE(faulty.read_file("f").ok());
  EXPECT_FALSE(faulty.exists("f").ok());
  EXPECT_TRUE(faulty.read_file("f").ok());
  EXPECT_FALSE(faulty.power_cut());
}

TEST(FaultStorage, CountsWhatReachesTheBase) {
  MemoryStorage memory;
  FaultStorage faulty(memory);
  ASSERT_TRUE(faulty.write_file_atomic("f", as_bytes("12345")).ok());
  const auto& c = faulty.counters();
  EXPECT_EQ(c.writes, 1u);
  EXPECT_EQ(c.bytes_written, 5u);
  EXPECT_EQ(c.syncs, 1u);
  EXPECT_EQ(c.metadata, 3u);  // create the temporary, truncate it, rename it
  EXPECT_EQ(c.mutations, 5u);
}

// --- write_file_atomic across a power cut at every point ------------------

// Replaces "old" by "new" content through `replace` with the power cut at
// every byte (and, separately, every operation) and under both crash models;
// returns how many cut points left neither version (0 for a correct
// `replace`). The cut points run past the end, where nothing fails.
using Replace = std::function<Status(Storage&, std::string_view)>;

int broken_outcomes(const Replace& replace) {
  const std::string old_content(100, 'o');
  const std::string new_content = std::string(150, 'N') + "!";
  int broken = 0;
  for (int by_operations = 0; by_operations < 2; ++by_operations) {
    for (std::uint64_t cut = 0; cut <= new_content.size() + 2; ++cut) {
      for (Crash mode : kCrashModes) {
        MemoryStorage memory;
        EXPECT_TRUE(memory.write_file_atomic("store", as_bytes(old_content)).ok());
        FaultStorage faulty(memory);
        if (by_operations) {
          faulty.cut_power_after_operations(cut);
        } else {
          faulty.cut_power_after_bytes(cut);
        }
        const bool acknowledged = replace(faulty, new_content).ok();
        memory.crash(mode);
        const std::string after = read_text(memory, "store");
        const bool good = after == new_content || (!acknowledged && after == old_content);
        if (!good) ++broken;
      }
    }
  }
  return broken;
}

TEST(FaultStorage, WriteFileAtomicLeavesTheOldOrTheNewContentAtEveryCutPoint) {
  EXPECT_EQ(broken_outcomes([](Storage& s, std::string_view text) {
              return s.write_file_atomic("store", as_bytes(text));
            }),
            0);
}

// The harness has teeth: rewriting the file in place, or renaming before
// syncing, is caught.
TEST(FaultStorage, TheHarnessCatchesAnInPlaceRewrite) {
  EXPECT_GT(broken_outcomes([](Storage& s, std::string_view text) -> Status {
              auto file = s.open("store", true);
              if (!file) return file.error();
              if (auto st = (*file)->truncate(0); !st) return st;
              if (auto st = (*file)->write_at(0, as_bytes(text)); !st) return st;
              return (*file)->sync();
            }),
            0);
}

TEST(FaultStorage, TheHarnessCatchesARenameBeforeSync) {
  EXPECT_GT(broken_outcomes([](Storage& s, std::string_view text) -> Status {
              auto file = s.open("store.tmp", true);
              if (!file) return file.error();
              if (auto st = (*file)->write_at(0, as_bytes(text)); !st) return st;
              if (auto st = s.rename("store.tmp", "store"); !st) return st;
              return (*file)->sync();
            }),
            0);
}

}  // namespace
}  // namespace maic
