// For the tests: meter a waveform source through the engine, as the
// daemon's WaveformMeter does, and return the closed windows.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "maic/metering/engine.hpp"
#include "maic/metering/waveform_source.hpp"

namespace maic::metering::testing {

// Reads `block` frames at a time until `windows` windows closed or the
// source ended. The engine takes the source's rate, phases, nominal
// frequency and calibration (or `calibration` instead).
inline std::vector<WindowResult> meter_windows(WaveformSource& source, std::size_t windows,
                                               std::size_t block = 1000,
                                               std::optional<Calibration> calibration = {}) {
  const WaveformInfo& info = source.info();
  EngineConfig config;
  config.sample_rate_hz = info.sample_rate_hz;
  config.phases = info.phases;
  config.nominal_hz = info.nominal_hz;
  config.calibration = calibration.value_or(info.calibration);
  Engine engine(config);
  SampleBuffer buffer;
  std::vector<WindowResult> out;
  while (out.size() < windows) {
    Result<std::size_t> n = source.read(buffer, block);
    EXPECT_TRUE(n.ok());
    if (!n.ok() || *n == 0) break;
    engine.process(buffer.view(), out);
  }
  return out;
}

}  // namespace maic::metering::testing
