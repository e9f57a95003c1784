// A MeterSource that meters waveforms itself: it pulls samples from a
// WaveformSource as time passes and runs them through the engine.
#pragma once

#include <memory>
#include <string>

#include "maic/metering/engine.hpp"
#include "maic/metering/meter_source.hpp"
#include "maic/metering/waveform_source.hpp"

namespace maic::metering {

class WaveformMeter final : public MeterSource {
 public:
  // Sample n of the source is taken to occur at start + n / sample rate.
  // Fails when the source's description is not one the engine accepts.
  static Result<std::unique_ptr<WaveformMeter>> create(std::unique_ptr<WaveformSource> source,
                                                       SteadyTime start, std::string name,
                                                       double window_seconds = 5);

  std::string describe() const override;
  int phases() const override;
  // Reads and meters every sample due by `now`, in bounded chunks.
  Status poll(SteadyTime now, std::vector<Reading>& out) override;
  std::optional<double> temperature_c() const override { return source_->temperature_c(); }
  bool exhausted() const override { return exhausted_; }
  // Taken on at the next window's start (Engine::set_correction).
  std::optional<Corrections> correction() const override { return engine_.correction(); }
  Status set_correction(const Corrections& correction) override;

  const Engine& engine() const { return engine_; }

 private:
  WaveformMeter(std::unique_ptr<WaveformSource> source, SteadyTime start, std::string name,
                const EngineConfig& config);
  Duration at_sample(std::int64_t n) const;

  std::unique_ptr<WaveformSource> source_;
  SteadyTime start_;
  std::string name_;
  Engine engine_;
  std::int64_t rate_;  // whole Hz
  SampleBuffer buffer_;
  std::vector<WindowResult> windows_;
  bool exhausted_ = false;
};

}  // namespace maic::metering
