// Fuzzes the replay reader: any bytes as a replay file. A file that opens
// has a calibration the engine accepts, and reading it never fails badly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "maic/metering/engine.hpp"
#include "maic/metering/replay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace maic::metering;
  auto in =
      std::make_unique<std::istringstream>(std::string(reinterpret_cast<const char*>(data), size));
  auto replay = ReplaySource::open(std::move(in), /*loop=*/true);
  if (!replay) return 0;
  const WaveformInfo& info = (*replay)->info();
  EngineConfig config;
  config.sample_rate_hz = info.sample_rate_hz;
  config.phases = info.phases;
  config.calibration = info.calibration;
  config.nominal_hz = 50;
  if (!validate(config)) std::abort();  // what opens can be metered
  Engine engine(config);
  SampleBuffer buffer;
  std::vector<WindowResult> out;
  for (int k = 0; k < 4; ++k) {
    auto n = (*replay)->read(buffer, 257);
    if (!n || *n == 0) break;
    engine.process(buffer.view(), out);
  }
  return 0;
}
