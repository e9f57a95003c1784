// The SQLite store's ingest throughput (Google Benchmark): batches of 2,000
// three-phase minute records of one device, one transaction (and one
// fsync, synchronous=FULL) per batch, as the uplink delivers them. The goal
// is >= 100,000 records/s on a 2-core machine.
//   build/release/bench/maic_cloud_ingest_bench
// The database lives under $TMPDIR (default /tmp): point it at the disk the
// server would use, since the commit's fsync is part of the cost.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "busy_minute.hpp"
#include "maic/cloud/period_deltas.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/testing/temp_dir.hpp"

namespace maic::cloud {
namespace {

constexpr std::size_t kBatch = 2000;
constexpr std::int64_t kStart = 1'704'067'200;  // 2024-01-01T00:00Z

std::vector<UploadRecord> batch(std::int64_t first_minute) {
  std::vector<UploadRecord> out;
  for (std::size_t k = 0; k < kBatch; ++k) {
    const std::int64_t t = first_minute + 60 * static_cast<std::int64_t>(k);
    out.push_back(bench::busy_minute(static_cast<std::uint32_t>(t / 60), t,
                                     static_cast<std::int64_t>(k), (t - kStart) / 60));
  }
  return out;
}

struct Fixture {
  maic::testing::TempDir dir{"maic-ingest-bench"};
  std::unique_ptr<SqliteStore> store;
  bool ok = false;

  explicit Fixture(benchmark::State& state) {
    auto s = SqliteStore::open((dir.path() / "maic.db").string());
    if (!s) {
      state.SkipWithError(s.error().message.c_str());
      return;
    }
    store = std::move(*s);
    if (!store->upsert_device(DeviceIdentity{"1828719372", "D103", "0.4.0", 3, "a", "b", "c"},
                              kStart)) {
      state.SkipWithError("upsert_device failed");
      return;
    }
    ok = true;
  }
};

// New minutes, each batch the next 2,000 (33 hours): inserts and rollups.
void BM_SqliteIngestNew(benchmark::State& state) {
  Fixture f(state);
  if (!f.ok) return;
  std::int64_t next = kStart;
  for (auto _ : state) {
    state.PauseTiming();
    const auto records = batch(next);
    next += 60 * static_cast<std::int64_t>(kBatch);
    state.ResumeTiming();
    auto r = f.store->ingest("1828719372", records, next);
    if (!r || r->inserted != kBatch) {
      state.SkipWithError(r ? "not all inserted" : r.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_SqliteIngestNew)->Unit(benchmark::kMillisecond)->UseRealTime();

// A re-sent batch: every record a duplicate, the rollups untouched.
void BM_SqliteIngestDuplicates(benchmark::State& state) {
  Fixture f(state);
  if (!f.ok) return;
  const auto records = batch(kStart);
  if (!f.store->ingest("1828719372", records, kStart)) return;
  for (auto _ : state) {
    auto r = f.store->ingest("1828719372", records, kStart);
    if (!r || r->duplicates != kBatch) {
      state.SkipWithError("not all duplicates");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_SqliteIngestDuplicates)->Unit(benchmark::kMillisecond)->UseRealTime();

// The pure part: a batch's period deltas in a DST zone.
void BM_PeriodDeltas(benchmark::State& state) {
  const auto records = batch(kStart);
  std::vector<MinuteRecord> minutes;
  for (const auto& r : records) minutes.push_back(r.minute);
  const TimeZone berlin = *TimeZone::locate("Europe/Berlin");
  for (auto _ : state) benchmark::DoNotOptimize(period_deltas(minutes, berlin).size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_PeriodDeltas)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace maic::cloud

BENCHMARK_MAIN();
