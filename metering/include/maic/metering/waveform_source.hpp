// Where samples come from: an ADC, a synthetic generator, a recording.
#pragma once

#include <cstddef>
#include <optional>

#include "maic/core/result.hpp"
#include "maic/metering/calibration.hpp"
#include "maic/metering/sample_block.hpp"

namespace maic::metering {

struct WaveformInfo {
  double sample_rate_hz = 4000;  // 1,000..32,000, whole Hz
  int phases = 3;                // 1..3
  double nominal_hz = 50;        // the grid's nominal frequency, a first guess for the engine
  Calibration calibration{};
};

// The sampling every waveform path takes: 1 to 3 phases and a whole number
// of samples per second per channel from 1,000 to 32,000 (what the engine's
// filters are designed for). The error names the rule that failed.
Status validate_sampling(int phases, double sample_rate_hz);

// Not thread-safe: one reader.
class WaveformSource {
 public:
  virtual ~WaveformSource() = default;

  virtual const WaveformInfo& info() const = 0;

  // Reads the next `frames` frames (fewer at the end of the data) into
  // `buffer`, which it resizes. Returns the number read; 0 means no more data.
  virtual Result<std::size_t> read(SampleBuffer& buffer, std::size_t frames) = 0;

  // The device's temperature at the last frame read, where the source models
  // or records it.
  virtual std::optional<double> temperature_c() const { return std::nullopt; }
};

}  // namespace maic::metering
