// /metrics in the Prometheus text exposition format (version 0.0.4).
//
// Readings become one metric family per quantity family, generated from the
// catalogue, with a `phase` label (and `direction` for power and energy), so
// a PromQL sum() over phases never double-counts a total. Service states are
// plain gauges the device hands in.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "maic/core/reading.hpp"

namespace maic::device {

struct Gauge {
  std::string name;  // maic_*, [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  double value;
  std::string type = "gauge";  // or "counter"
  // More labels after devid, e.g. condition="2"; gauges of one name with
  // different labels follow each other and share one HELP and TYPE.
  std::string labels = {};
};

// `reading`: Device::published(), the meters as of the last save; none
// before the first reading (only the gauges then).
std::string metrics_text(const std::optional<Reading>& reading, std::string_view devid,
                         std::span<const Gauge> gauges);

}  // namespace maic::device
