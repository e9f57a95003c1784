#include "synthetic_options.hpp"

namespace maic::apps {

void SyntheticOptions::add_to(CLI::App& app) {
  // Every option of the synthetic source is in one help group, with its default shown.
  const auto add = [&app](const char* name, auto& value, const char* help) {
    return app.add_option(name, value, help)->group("Synthetic source")->capture_default_str();
  };
  add("--sample-rate", sample_rate, "samples per second per channel, 1000..32000");
  add("--phases", phases, "1 or 3")->check(CLI::IsMember({1, 3}));
  add("--frequency", frequency, "grid frequency in Hz, 45..65");
  add("--profile", profile, "household (a day with solar on L1) or constant")
      ->check(CLI::IsMember({"household", "constant"}));
  add("--solar-amps", solar_amps, "household: solar generation on L1 at noon, A")
      ->check(CLI::NonNegativeNumber);
  add("--amps", amps, "constant: current per phase, A")->check(CLI::NonNegativeNumber);
  add("--angle", angle,
      "constant: degrees the current lags the voltage (0: PF 1; 180: generation)");
  add("--noise", noise_lsb, "white noise on every channel, LSB RMS")->check(CLI::NonNegativeNumber);
  add("--seed", seed, "seed of the noise and of the household's appliances");
}

Result<metering::SyntheticConfig> SyntheticOptions::config(WallTime wall_start) const {
  using namespace metering;
  SyntheticConfig c;
  c.sample_rate_hz = sample_rate;
  c.phases = phases;
  c.frequency_hz = frequency;
  c.noise_lsb = noise_lsb;
  c.seed = seed;
  if (profile == "household") {
    c.profile = household_profile({.seed = seed,
                                   .start_local_s = maic::seconds(wall_start.time_since_epoch()),
                                   .solar_peak_amps = solar_amps});
  } else {
    const PhaseLoad load{230, amps, angle};
    c.profile = constant_profile({load, load, load});
  }
  if (Status s = validate(c); !s) return make_error("synthetic source: " + s.error().message);
  return c;
}

}  // namespace maic::apps
