#include "metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <string_view>

namespace maic::device {
namespace {

// The exposition format's grammar for the lines maic writes: a metric name,
// labels in braces, a space and a number; or "# HELP|TYPE name text".
bool is_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

bool is_sample(std::string_view line) {
  const auto brace = line.find('{');
  const auto close = line.find("} ");
  if (brace == std::string_view::npos || close == std::string_view::npos || close < brace) {
    return false;
  }
  const std::string value(line.substr(close + 2));
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  return is_name(line.substr(0, brace)) && !value.empty() && *end == '\0';
}

bool is_comment(std::string_view line) {
  if (!line.starts_with("# HELP ") && !line.starts_with("# TYPE ")) return false;
  const std::string_view rest = line.substr(7);
  const auto space = rest.find(' ');
  return space != std::string_view::npos && is_name(rest.substr(0, space)) &&
         space + 1 < rest.size();
}

TEST(Metrics, EveryLineIsValidExposition) {
  Reading r;
  r.phase[0].volts = 230.5;
  r.phase[1].reverse_watts = 1200;
  r.phase[2].rwh = 5000.25;
  r.lifetime[2].rwh = 4000.5;
  const Gauge gauges[] = {{"maic_output_on", "Output state", 1},
                          {"maic_uptime_seconds", "Seconds since start", 12, "counter"}};
  const std::string text = metrics_text(r, "1828719372", gauges);
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("#")) {
      EXPECT_TRUE(is_comment(line)) << line;
    } else {
      EXPECT_TRUE(is_sample(line)) << line;
      ++samples;
    }
  }
  EXPECT_EQ(samples, 10 * 3 + 2 + 2);
  EXPECT_NE(text.find("maic_voltage_volts{devid=\"1828719372\",phase=\"1\"} 230.5\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("maic_power_watts{devid=\"1828719372\",phase=\"2\",direction=\"reverse\"} 1200\n"),
      std::string::npos);
  // The counter is the lifetime register; the user's meter is a gauge.
  EXPECT_NE(text.find("maic_energy_watt_hours_total{devid=\"1828719372\",phase=\"3\",direction="
                      "\"reverse\"} 4000.5\n"),
            std::string::npos);
  EXPECT_NE(text.find("maic_energy_meter_watt_hours{devid=\"1828719372\",phase=\"3\",direction="
                      "\"reverse\"} 5000.25\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE maic_energy_watt_hours_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE maic_energy_meter_watt_hours gauge\n"), std::string::npos);
  // One HELP per metric even where two families share it.
  EXPECT_EQ(text.find("# HELP maic_power_watts"), text.rfind("# HELP maic_power_watts"));
  EXPECT_EQ(text.find("# HELP maic_energy_meter_watt_hours"),
            text.rfind("# HELP maic_energy_meter_watt_hours"));
}

TEST(Metrics, WithoutAReadingOnlyTheGauges) {
  const Gauge gauges[] = {{"maic_output_on", "Output state", 0}};
  EXPECT_EQ(metrics_text(std::nullopt, "1", gauges),
            "# HELP maic_output_on Output state\n# TYPE maic_output_on gauge\n"
            "maic_output_on{devid=\"1\"} 0\n");
}

}  // namespace
}  // namespace maic::device
