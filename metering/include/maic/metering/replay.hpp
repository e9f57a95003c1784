// Recorded samples played back, and the recorder that makes such files.
//
// The format (docs/replay-format.md): one ASCII header line
//   maic-replay/1 rate=4000 phases=3 nominal_hz=50 v_offset=a,b,c v_scale=a,b,c
//                 i_offset=a,b,c i_scale=a,b,c phase_deg=a,b,c
// (one line, values per phase, separated by single spaces), then frames of
// little-endian signed 16-bit codes, each frame V1 I1 V2 I2 V3 I3 for the
// phases present.
#pragma once

#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "maic/metering/waveform_source.hpp"

namespace maic::metering {

std::string format_replay_header(const WaveformInfo& info);
Result<WaveformInfo> parse_replay_header(const std::string& line);

// Writes a header, then blocks of samples. The stream is the caller's.
class ReplayWriter {
 public:
  ReplayWriter(std::ostream& out, const WaveformInfo& info);
  Status write(const SampleBlock& block);

 private:
  std::ostream& out_;
  int phases_;
  std::string frame_bytes_;
};

class ReplaySource final : public WaveformSource {
 public:
  // Reads the header; with `loop`, playback starts again at the first frame
  // when the data ends (the stream must be seekable).
  static Result<std::unique_ptr<ReplaySource>> open(std::unique_ptr<std::istream> in, bool loop);

  const WaveformInfo& info() const override { return info_; }
  Result<std::size_t> read(SampleBuffer& buffer, std::size_t frames) override;

 private:
  ReplaySource(std::unique_ptr<std::istream> in, WaveformInfo info, bool loop);

  std::unique_ptr<std::istream> in_;
  WaveformInfo info_;
  bool loop_;
  std::streampos data_start_;
  std::string bytes_;
};

}  // namespace maic::metering
