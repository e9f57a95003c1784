// Fuzzes the /api query parser: any bytes as a query string. A query that
// parses must describe a sane interval within the period's limit, in a
// whole-hour and a quarter-hour zone alike.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maic/cloud/api_query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = maic::http::parse_query(text);
  if (!query) return 0;
  auto api = maic::cloud::parse_api_query(*query);
  if (!api) {
    if (api.error().message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  if (api->devid.str().size() != 10) std::abort();
  static const maic::TimeZone kZones[] = {maic::TimeZone::utc(),
                                          *maic::TimeZone::locate("Asia/Kathmandu")};
  for (const maic::TimeZone& zone : kZones) {
    const auto interval = maic::cloud::api_interval(*api, 1'700'003'723, zone);
    if (interval.from > interval.to || interval.from < 0) std::abort();
    if (interval.to - interval.from > maic::cloud::max_span_seconds(api->period)) std::abort();
  }
  return 0;
}
