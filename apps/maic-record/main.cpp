// maic-record: writes the synthetic source's samples to a replay file
// (docs/replay-format.md), for `maic-device --source replay:FILE` and for
// tests that need a recording.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>

#include "../common/synthetic_options.hpp"
#include "maic/metering/replay.hpp"

int main(int argc, char** argv) {
  maic::apps::SyntheticOptions synthetic;
  synthetic.profile = "constant";
  std::string out_path;
  double duration_s = 60;
  std::int64_t start_unix = 1'700'000'000;
  CLI::App app{"maic-record — records a synthetic D103's samples to a replay file."};
  app.add_option("--out,-o", out_path, "the replay file to write")->required();
  app.add_option("--seconds", duration_s, "how much signal to record")
      ->check(CLI::Range(0.001, 86400.0 * 31))
      ->capture_default_str();
  app.add_option("--start", start_unix, "household profile: unix time the recording starts at")
      ->capture_default_str();
  synthetic.add_to(app);
  CLI11_PARSE(app, argc, argv);

  auto config = synthetic.config(maic::from_unix_seconds(start_unix));
  if (!config) {
    fmt::print(stderr, "maic-record: {}\n", config.error().message);
    return 2;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) {
    fmt::print(stderr, "maic-record: cannot write '{}'\n", out_path);
    return 1;
  }
  maic::metering::SyntheticSource source(*config);
  maic::metering::ReplayWriter writer(out, source.info());
  const auto total = static_cast<std::int64_t>(duration_s * config->sample_rate_hz);
  maic::metering::SampleBuffer buffer;
  for (std::int64_t done = 0; done < total;) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(total - done, 8192));
    if (auto got = source.read(buffer, n); !got) {
      fmt::print(stderr, "maic-record: {}\n", got.error().message);
      return 1;
    }
    if (auto written = writer.write(buffer.view()); !written) {
      fmt::print(stderr, "maic-record: {}: {}\n", out_path, written.error().message);
      return 1;
    }
    done += static_cast<std::int64_t>(n);
  }
  out.close();
  if (!out) {
    fmt::print(stderr, "maic-record: could not finish writing '{}'\n", out_path);
    return 1;
  }
  fmt::print("wrote {} s of {}-phase samples at {} Hz to {}\n", duration_s, config->phases,
             config->sample_rate_hz, out_path);
  return 0;
}
