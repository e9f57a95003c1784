// Simultaneous voltage and current samples of up to three phases.
//
// Codes are signed 16-bit integers (ADCs of up to 16 bits); the engine
// accumulates them in 64-bit integers, so a 5-s window at 32 kHz cannot
// overflow. Layout is planar: one contiguous array per channel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "maic/core/reading.hpp"

namespace maic::metering {

using Sample = std::int16_t;

// A view of `frames` frames; channels of phases that are not in use are empty.
struct SampleBlock {
  std::size_t frames = 0;
  std::array<std::span<const Sample>, kMaxPhases> voltage{};
  std::array<std::span<const Sample>, kMaxPhases> current{};
};

// Owning storage for a block, reused between reads.
struct SampleBuffer {
  std::size_t frames = 0;
  std::array<std::vector<Sample>, kMaxPhases> voltage{};
  std::array<std::vector<Sample>, kMaxPhases> current{};

  void resize(int phases, std::size_t n) {
    frames = n;
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      const std::size_t size = p < static_cast<std::size_t>(phases) ? n : 0;
      voltage[p].resize(size);
      current[p].resize(size);
    }
  }

  SampleBlock view() const {
    SampleBlock b;
    b.frames = frames;
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      b.voltage[p] = std::span<const Sample>(voltage[p].data(), voltage[p].empty() ? 0 : frames);
      b.current[p] = std::span<const Sample>(current[p].data(), current[p].empty() ? 0 : frames);
    }
    return b;
  }
};

}  // namespace maic::metering
