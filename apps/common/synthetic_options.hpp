// The synthetic source's command-line options, shared by the programs that
// simulate a D103 (maic-device, maic-record).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "maic/core/clock.hpp"
#include "maic/metering/synthetic.hpp"

namespace maic::apps {

struct SyntheticOptions {
  double sample_rate = 4000;
  int phases = 3;
  double frequency = 50;
  std::string profile = "household";
  double solar_amps = 20;
  double amps = 10;
  double angle = 25;
  double noise_lsb = 1;
  std::uint64_t seed = 1;

  // Adds the options to `app` in a group of their own.
  void add_to(CLI::App& app);

  // The generator's configuration; the household's day and season follow
  // `wall_start`, read as local time (UTC). Validated.
  Result<metering::SyntheticConfig> config(WallTime wall_start) const;
};

}  // namespace maic::apps
