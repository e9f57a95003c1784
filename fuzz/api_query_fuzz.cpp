// Fuzzes the /api query parser: any bytes as a query string. A query that
// parses must describe a sane interval within the period's limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maic/cloud/api_query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = maic::http::parse_query(text);
  if (!query) return 0;
  auto api = maic::cloud::parse_api_query(*query, 1'700'003'723);
  if (!api) {
    if (api.error().message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  if (api->from > api->to || api->from < 0) std::abort();
  if (api->to - api->from > maic::cloud::max_span_seconds(api->period)) std::abort();
  if (api->devid.size() != 10) std::abort();
  return 0;
}
