#include "maic/metering/waveform_meter.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace maic::metering {
namespace {
constexpr std::int64_t kChunkFrames = 8192;
}

Result<std::unique_ptr<WaveformMeter>> WaveformMeter::create(std::unique_ptr<WaveformSource> source,
                                                             SteadyTime start, std::string name,
                                                             double window_seconds) {
  const WaveformInfo& info = source->info();
  EngineConfig config;
  config.sample_rate_hz = info.sample_rate_hz;
  config.phases = info.phases;
  config.nominal_hz = info.nominal_hz;
  config.window_seconds = window_seconds;
  config.calibration = info.calibration;
  if (Status s = validate(config); !s) return s.error();
  return std::unique_ptr<WaveformMeter>(
      new WaveformMeter(std::move(source), start, std::move(name), config));
}

WaveformMeter::WaveformMeter(std::unique_ptr<WaveformSource> source, SteadyTime start,
                             std::string name, const EngineConfig& config)
    : source_(std::move(source)),
      start_(start),
      name_(std::move(name)),
      engine_(config),
      rate_(static_cast<std::int64_t>(config.sample_rate_hz)) {}

std::string WaveformMeter::describe() const {
  return fmt::format("{} ({}-phase, {} Hz sampling)", name_, engine_.config().phases, rate_);
}

Status WaveformMeter::set_correction(const Corrections& correction) {
  const EngineConfig& config = engine_.config();
  for (int p = 0; p < config.phases; ++p) {
    const std::size_t i = static_cast<std::size_t>(p);
    if (Status s = validate(correction[i], fmt::format("calibration.phase{}", p + 1)); !s) return s;
  }
  // The source's own phase correction and the correction's add up: the
  // engine's range applies to the sum.
  if (Status s = validate(corrected(config.calibration, correction), config.phases); !s) return s;
  engine_.set_correction(correction);
  return ok_status();
}

int WaveformMeter::phases() const { return engine_.config().phases; }

// Exact for any sample count: whole seconds and the rest apart.
Duration WaveformMeter::at_sample(std::int64_t n) const {
  return std::chrono::seconds(n / rate_) + Duration((n % rate_) * 1'000'000'000 / rate_);
}

Status WaveformMeter::poll(SteadyTime now, std::vector<Reading>& out) {
  if (now <= start_ || exhausted_) return ok_status();
  const Duration elapsed = now - start_;
  const std::int64_t due =
      std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() * rate_ +
      (elapsed % std::chrono::seconds(1)).count() * rate_ / 1'000'000'000;
  while (engine_.samples_processed() < due) {
    const auto want =
        static_cast<std::size_t>(std::min(kChunkFrames, due - engine_.samples_processed()));
    Result<std::size_t> got = source_->read(buffer_, want);
    if (!got) return got.error();
    if (*got == 0) {
      exhausted_ = true;
      break;
    }
    buffer_.frames = *got;
    windows_.clear();
    engine_.process(buffer_.view(), windows_);
    for (const WindowResult& w : windows_) {
      Reading r;
      r.end = start_ + at_sample(w.first_sample + w.samples);
      r.span = at_sample(w.samples);
      r.phases = w.phases;
      r.phase = w.phase;
      if (auto t = source_->temperature_c()) r.temperature_c = *t;
      out.push_back(r);
    }
  }
  return ok_status();
}

}  // namespace maic::metering
