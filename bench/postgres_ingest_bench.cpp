// The PostgreSQL store's ingest throughput (Google Benchmark) beside raw
// baselines measured in the same run on the same server: the same rows
// (devid, minute, seq, minute blob) written into a bare table of the same
// shape and primary key, one transaction per batch, by COPY and by one plain
// INSERT ... SELECT FROM unnest() of binary arrays (the store's own way of
// sending a batch). Ingest does more: it locks the device row, skips
// minutes already stored, folds the new ones into the five rollup periods
// and updates the device. Batches of 2,000 three-phase minutes of one
// device (the uplink's largest), each new, as cloud_ingest_bench.cpp does
// for SQLite.
//
// Needs PostgreSQL 15: it starts its own server, as the tests do
// (testing/include/maic/testing/postgres_server.hpp; fsync off, so neither side waits
// for the disk).
//   build/release/bench/maic_postgres_ingest_bench
#include <benchmark/benchmark.h>

#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

#include "busy_minute.hpp"
#include "maic/cloud/postgres_store.hpp"
#include "maic/core/minute_blob.hpp"
#include "maic/testing/postgres_server.hpp"
#include "postgres_arrays.hpp"

namespace maic::cloud {
namespace {

constexpr std::int64_t kBatch = 2000;
constexpr std::int64_t kStart = 1'704'067'200;  // 2024-01-01T00:00Z
constexpr std::int64_t kNow = 1'800'000'000;
const std::string kDevid = "1828719372";

// Batch number `b`: kBatch minutes from kStart + b * kBatch minutes.
std::vector<UploadRecord> batch(std::int64_t b) {
  std::vector<UploadRecord> out;
  for (std::int64_t k = 0; k < kBatch; ++k) {
    const std::int64_t n = b * kBatch + k;
    out.push_back(bench::busy_minute(static_cast<std::uint32_t>(n + 1), kStart + 60 * n, k, n));
  }
  return out;
}

std::string fresh_database() {
  auto server = testing::PostgresServer::shared();
  if (!server) throw std::runtime_error(server.error().message);
  auto uri = (*server)->create_database();
  if (!uri) throw std::runtime_error(uri.error().message);
  return *uri;
}

// A connection to a fresh database with the baselines' table.
std::unique_ptr<pqxx::connection> raw_database() {
  auto conn = std::make_unique<pqxx::connection>(fresh_database());
  pqxx::work tx(*conn);
  tx.exec0(
      "CREATE TABLE minutes (devid TEXT NOT NULL, stamp BIGINT NOT NULL, seq BIGINT NOT NULL, "
      "minute BIGINT NOT NULL, blob BYTEA NOT NULL, PRIMARY KEY (devid, stamp, seq))");
  tx.exec0("CREATE INDEX minutes_by_time ON minutes (devid, minute, seq)");
  tx.commit();
  return conn;
}

// Runs `write(batch)` once per iteration on a new batch, made untimed.
template <typename Write>
void run(benchmark::State& state, Write write) {
  std::int64_t b = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::vector<UploadRecord> records = batch(b++);
    state.ResumeTiming();
    if (!write(records)) {
      state.SkipWithError("write failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_Ingest(benchmark::State& state) {
  auto store = PostgresStore::open(fresh_database(), 1);
  if (!store) throw std::runtime_error(store.error().message);
  DeviceIdentity id;
  id.devid = kDevid;
  id.devtype = "D103";
  if (!(*store)->upsert_device(id, kNow).ok()) throw std::runtime_error("upsert_device");
  run(state, [&](const std::vector<UploadRecord>& records) {
    auto r = (*store)->ingest(kDevid, records, kNow);
    return r.ok() && r->inserted == records.size();
  });
}
BENCHMARK(BM_Ingest)->Unit(benchmark::kMillisecond)->UseRealTime();

// COPY, the blob as bytea's hex text.
void BM_RawCopy(benchmark::State& state) {
  auto conn = raw_database();
  const std::vector<std::string> columns{"devid", "stamp", "seq", "minute", "blob"};
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  run(state, [&](const std::vector<UploadRecord>& records) {
    pqxx::work tx(*conn);
    pqxx::stream_to copy(tx, "minutes", columns);
    std::string hex;
    for (const UploadRecord& r : records) {
      const std::string blob = encode_minute_blob(r.minute);
      hex = "\\x";
      for (char c : blob) {
        const auto byte = static_cast<unsigned char>(c);
        hex.push_back(kHexDigits[byte >> 4]);
        hex.push_back(kHexDigits[byte & 15]);
      }
      copy << std::make_tuple(kDevid, r.minute.minute, static_cast<std::int64_t>(r.seq),
                              r.minute.minute, hex);
    }
    copy.complete();
    tx.commit();
    return true;
  });
}
BENCHMARK(BM_RawCopy)->Unit(benchmark::kMillisecond)->UseRealTime();

// One INSERT of three binary arrays, no duplicate check.
void BM_RawUnnest(benchmark::State& state) {
  auto conn = raw_database();
  conn->prepare("insert",
                "INSERT INTO minutes (devid, stamp, seq, minute, blob) SELECT $1, m, s, m, b "
                "FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS t (m, s, b)");
  run(state, [&](const std::vector<UploadRecord>& records) {
    BinaryArray minutes(BinaryArray::kInt8, records.size());
    BinaryArray seqs(BinaryArray::kInt8, records.size());
    BinaryArray blobs(BinaryArray::kBytea, records.size());
    for (const UploadRecord& r : records) {
      minutes.i64(r.minute.minute);
      seqs.i64(r.seq);
      blobs.bytes(encode_minute_blob(r.minute));
    }
    pqxx::work tx(*conn);
    tx.exec_prepared0("insert", kDevid, minutes.param(), seqs.param(), blobs.param());
    tx.commit();
    return true;
  });
}
BENCHMARK(BM_RawUnnest)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace maic::cloud

BENCHMARK_MAIN();
