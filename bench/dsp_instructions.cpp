// Counts the instructions the metering engine spends per sample per channel,
// under callgrind (instruction counts do not depend on machine load):
//   scripts/bench-instructions.sh
// Only Engine::process is instrumented; the samples are made before.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "maic/metering/engine.hpp"
#include "maic/metering/synthetic.hpp"

int main(int argc, char** argv) {
  using namespace maic::metering;
  const double rate = argc > 1 ? std::atof(argv[1]) : 8000;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  SyntheticConfig c;
  c.sample_rate_hz = rate;
  c.noise_lsb = 1;
  const PhaseLoad load{230, 40, 25};
  c.profile = constant_profile({load, load, load});
  SyntheticSource source(c);
  SampleBuffer samples;
  (void)source.read(samples, static_cast<std::size_t>(rate) * static_cast<std::size_t>(seconds));

  EngineConfig ec;
  ec.sample_rate_hz = rate;
  ec.calibration = source.info().calibration;
  for (auto& pc : ec.calibration) pc.phase_deg = 1.5;
  Engine engine(ec);
  std::vector<WindowResult> out;
  out.reserve(64);
  CALLGRIND_ZERO_STATS;
  CALLGRIND_START_INSTRUMENTATION;
  engine.process(samples.view(), out);
  CALLGRIND_STOP_INSTRUMENTATION;
  CALLGRIND_DUMP_STATS_AT("engine");
  const double channel_samples = static_cast<double>(samples.frames) * 6;
  std::printf("channel_samples %.0f windows %zu\n", channel_samples, out.size());
  return 0;
}
