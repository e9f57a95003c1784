// The uplink codec's throughput (Google Benchmark): decoding a batch of
// 1000 three-phase minute records, the server's ingest hot path, beside
// encoding it and beside nlohmann::json parsing the same text (a baseline
// measured in the same run).
//   build/release/bench/maic_upload_bench
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "maic/core/upload_codec.hpp"

namespace maic {
namespace {

UploadBatch batch() {
  UploadBatch b;
  b.devid = "1828719372";
  for (int k = 0; k < 1000; ++k) {
    UploadRecord r;
    r.seq = static_cast<std::uint32_t>(k + 1);
    r.minute.minute = 1'700'000'040 + 60 * k;
    r.minute.temperature_c = 31.25;
    r.minute.readings = 12;
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      PhaseValues& ph = r.minute.phase[p];
      ph.volts = 230.137 + static_cast<double>(p);
      ph.amps = 12.4567;
      ph.power_factor = 0.9531;
      ph.hertz = 50.013;
      ph.wh_delta = 47.3125 + k * 0.001;
      ph.wh = 123456.789 + k * 47.3125;
      ph.rwh = 17.5;
    }
    b.records.push_back(r);
  }
  return b;
}

void BM_DecodeUpload(benchmark::State& state) {
  const std::string text = encode_upload(batch());
  for (auto _ : state) {
    auto decoded = decode_upload(text);
    benchmark::DoNotOptimize(decoded.ok());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_DecodeUpload)->Unit(benchmark::kMicrosecond);

void BM_EncodeUpload(benchmark::State& state) {
  const UploadBatch b = batch();
  for (auto _ : state) benchmark::DoNotOptimize(encode_upload(b).size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_EncodeUpload)->Unit(benchmark::kMicrosecond);

// Baseline: a DOM parse of the same text with nlohmann::json, no checks.
void BM_NlohmannParseBaseline(benchmark::State& state) {
  const std::string text = encode_upload(batch());
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(text).size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_NlohmannParseBaseline)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace maic

BENCHMARK_MAIN();
