// The minute journal's costs (Google Benchmark): appending a record,
// opening a full 12-day ring (17,280 records), in memory and on disk, and
// migrating a full ring of 64-byte slots (format 2) once.
//   build/release/bench/maic_journal_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "maic/core/storage.hpp"
#include "maic/device/journal.hpp"
#include "maic/platform/directory_storage.hpp"
#include "maic/testing/temp_dir.hpp"

namespace maic::device {
namespace {

JournalRecord record(std::int64_t minute) {
  JournalRecord r;
  r.minute = minute;
  r.covered_s = 60;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    r.phase[p].volts = 230.1;
    r.phase[p].amps = 12.345;
    r.phase[p].power_factor = 0.95;
    r.phase[p].hertz = 50.01;
    r.phase[p].forward = static_cast<std::uint64_t>(minute) * 4;
  }
  return r;
}

// The storage a benchmark runs on: memory (argument 0) or a fresh
// temporary directory (argument 1), removed afterwards.
class BenchStorage {
 public:
  explicit BenchStorage(const benchmark::State& state) : disk_(state.range(0) == 1) {
    if (!disk_) return;
    dir_.emplace("maic-bench");
    directory_ = std::move(platform::DirectoryStorage::open_directory(dir_->path())).value();
  }
  ~BenchStorage() { directory_.reset(); }
  Storage& get() { return disk_ ? static_cast<Storage&>(*directory_) : memory_; }
  bool disk() const { return disk_; }

 private:
  bool disk_;
  std::optional<testing::TempDir> dir_;
  MemoryStorage memory_;
  std::unique_ptr<platform::DirectoryStorage> directory_;
};

void fill(Journal& j, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) (void)j.append(record(k * 60));
}

// One append: encode, one 128-byte write, one sync.
void BM_JournalAppend(benchmark::State& state) {
  BenchStorage storage_of(state);
  Storage& storage = storage_of.get();
  auto journal = Journal::open(storage);
  std::int64_t minute = 0;
  for (auto _ : state) {
    auto seq = journal->append(record(minute += 60));
    benchmark::DoNotOptimize(seq);
  }
  state.SetLabel(storage_of.disk() ? "directory (fdatasync)" : "memory");
}
BENCHMARK(BM_JournalAppend)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// Opening scans every slot: what a restart after a power cut costs.
void BM_JournalOpenFullRing(benchmark::State& state) {
  BenchStorage storage_of(state);
  Storage& storage = storage_of.get();
  {
    auto journal = Journal::open(storage);
    fill(*journal, 17'280 + 100);
  }
  for (auto _ : state) {
    auto journal = Journal::open(storage);
    benchmark::DoNotOptimize(journal->newest_seq());
  }
  state.SetLabel(storage_of.disk() ? "directory (page cache warm)" : "memory");
}
BENCHMARK(BM_JournalOpenFullRing)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The first start of a build with format 3 on a full 12-day journal of
// format 2: read 64-byte slots, write 128-byte ones, sync, rename, then
// the ordinary open's scan.
void BM_JournalMigrateFullRing(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto storage_of = std::make_unique<BenchStorage>(state);
    Storage& storage = storage_of->get();
    {
      auto file = std::move(storage.open("journal.bin", true)).value();
      JournalHeader header{17'280, 5'000};
      header.version = 2;
      (void)file->write_at(0, encode_header(header));
      std::vector<std::byte> slots;
      slots.reserve(17'280 * kOldSlotSize);
      for (std::uint32_t k = 1; k <= 17'280; ++k) {
        JournalRecord r = record(std::int64_t{k} * 60);
        r.seq = k;
        const OldSlot slot = encode_old_record(r, 5'000);
        slots.insert(slots.end(), slot.begin(), slot.end());
      }
      (void)file->write_at(kOldSlotSize, slots);
      (void)file->sync();
    }
    state.ResumeTiming();
    {
      auto journal = Journal::open(storage);
      benchmark::DoNotOptimize(journal->newest_seq());
    }
    state.PauseTiming();
    storage_of.reset();
    state.ResumeTiming();
  }
  state.SetLabel(state.range(0) == 1 ? "directory (fdatasync, rename)" : "memory");
}
BENCHMARK(BM_JournalMigrateFullRing)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// What the uplink will do: read 12 days after an outage.
void BM_JournalReadAll(benchmark::State& state) {
  MemoryStorage storage;
  auto journal = Journal::open(storage);
  fill(*journal, 17'280);
  for (auto _ : state) {
    auto records = journal->records_after(0, 17'280);
    benchmark::DoNotOptimize(records->size());
  }
}
BENCHMARK(BM_JournalReadAll)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace maic::device

BENCHMARK_MAIN();
