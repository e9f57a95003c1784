// Helpers of the bridge's tests (bridge_decoding_test.cpp,
// mqtt_bridge_test.cpp): unwrapping results, the test's epoch, and the JSON
// an original three-phase smart-MAIC publishes.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"
#include "maic/testing/must.hpp"

namespace maic::cloud::bridge_test {

using maic::testing::must;

// A minute's start (1'700'000'040 = 28'333'334 minutes), 14 minutes into its hour.
constexpr std::int64_t kT0 = 1'700'000'040;

inline WallTime at(std::int64_t unix, Duration plus = {}) { return from_unix_seconds(unix) + plus; }

// The original's JSON for three phases: every phase alike but its voltage.
inline std::string three_phase_json(double v1, double w, double wh1, double rwh1 = 0, int out = 1) {
  return fmt::format(
      R"({{"V1":{},"V2":230.0,"V3":231.0,"A1":2.5,"A2":2.5,"A3":2.5,"W1":{},"W2":{},"W3":{},)"
      R"("rW1":0,"rW2":0,"rW3":0,"Wh1":{},"Wh2":2000,"Wh3":3000,"rWh1":{},"rWh2":0,"rWh3":0,)"
      R"("PF1":0.95,"PF2":0.9,"PF3":1,"Temp":31.5,"OUT":{}}})",
      v1, w, w, w, wh1, rwh1, out);
}

}  // namespace maic::cloud::bridge_test
