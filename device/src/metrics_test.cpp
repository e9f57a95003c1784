#include "maic/device/metrics.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace maic::device {
namespace {

TEST(Metrics, EveryLineIsValidExposition) {
  Reading r;
  r.phase[0].volts = 230.5;
  r.phase[1].reverse_watts = 1200;
  r.phase[2].rwh = 5000.25;
  const Gauge gauges[] = {{"maic_output_on", "Output state", 1},
                          {"maic_uptime_seconds", "Seconds since start", 12, "counter"}};
  const std::string text = metrics_text(r, "1828719372", gauges);
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\} [-+0-9.eENa]+$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("#")) {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
    } else {
      EXPECT_TRUE(std::regex_match(line, sample)) << line;
      ++samples;
    }
  }
  EXPECT_EQ(samples, 8 * 3 + 2 + 2);
  EXPECT_NE(text.find("maic_voltage_volts{devid=\"1828719372\",phase=\"1\"} 230.5\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("maic_power_watts{devid=\"1828719372\",phase=\"2\",direction=\"reverse\"} 1200\n"),
      std::string::npos);
  EXPECT_NE(text.find("maic_energy_watt_hours_total{devid=\"1828719372\",phase=\"3\",direction="
                      "\"reverse\"} 5000.25\n"),
            std::string::npos);
  // One HELP per metric even where two families share it.
  EXPECT_EQ(text.find("# HELP maic_power_watts"), text.rfind("# HELP maic_power_watts"));
}

TEST(Metrics, WithoutAReadingOnlyTheGauges) {
  const Gauge gauges[] = {{"maic_output_on", "Output state", 0}};
  EXPECT_EQ(metrics_text(std::nullopt, "1", gauges),
            "# HELP maic_output_on Output state\n# TYPE maic_output_on gauge\n"
            "maic_output_on{devid=\"1\"} 0\n");
}

}  // namespace
}  // namespace maic::device
