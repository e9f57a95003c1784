// The metering engine's cost per sample per channel (Google Benchmark).
// Samples are generated before timing starts; only Engine::process is timed.
//   build/release/bench/maic_dsp_bench
#include <benchmark/benchmark.h>

#include <vector>

#include "maic/metering/engine.hpp"
#include "maic/metering/synthetic.hpp"

namespace maic::metering {
namespace {

SampleBuffer one_second(double rate, int phases) {
  SyntheticConfig c;
  c.sample_rate_hz = rate;
  c.phases = phases;
  c.noise_lsb = 1;
  c.current_harmonics = {{3, 0.1, 0}, {5, 0.1, 180}};
  const PhaseLoad load{230, 40, 25};
  c.profile = constant_profile({load, load, load});
  SyntheticSource source(c);
  SampleBuffer b;
  (void)source.read(b, static_cast<std::size_t>(rate));
  return b;
}

void BM_EngineProcess(benchmark::State& state) {
  const double rate = static_cast<double>(state.range(0));
  const int phases = static_cast<int>(state.range(1));
  const SampleBuffer samples = one_second(rate, phases);
  EngineConfig ec;
  ec.sample_rate_hz = rate;
  ec.phases = phases;
  for (auto& pc : ec.calibration) {
    pc.voltage.scale = 0.19;
    pc.current.scale = 0.08;
    pc.phase_deg = 1.5;
  }
  Engine engine(ec);
  std::vector<WindowResult> out;
  const SampleBlock block = samples.view();
  for (auto _ : state) {
    engine.process(block, out);
    out.clear();
  }
  const double channel_samples = static_cast<double>(block.frames) * 2 * phases;
  state.counters["ns_per_sample_per_channel"] =
      benchmark::Counter(channel_samples * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(block.frames));
}
BENCHMARK(BM_EngineProcess)
    ->ArgNames({"rate", "phases"})
    ->Args({4000, 3})
    ->Args({8000, 3})
    ->Args({32000, 3})
    ->Args({8000, 1})
    ->Unit(benchmark::kMicrosecond);

// The synthetic source, for scale: what accelerated simulation costs.
void BM_SyntheticSource(benchmark::State& state) {
  SyntheticConfig c;
  c.noise_lsb = 1;
  const PhaseLoad load{230, 40, 25};
  c.profile = constant_profile({load, load, load});
  SyntheticSource source(c);
  SampleBuffer b;
  for (auto _ : state) {
    (void)source.read(b, 4000);
    benchmark::DoNotOptimize(b.voltage[0].data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 4000);
}
BENCHMARK(BM_SyntheticSource)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace maic::metering

BENCHMARK_MAIN();
