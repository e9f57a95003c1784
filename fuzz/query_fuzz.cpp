// Fuzzes the query-string and percent-decoding parser every request goes
// through: it must never crash, and what it decodes must re-parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maic/http/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = maic::http::parse_query(text);
  auto decoded = maic::http::percent_decode(text, maic::http::Plus::kSpace);
  if (query.ok() != decoded.ok()) {
    // A bad escape fails both; the query splits first, so it may only fail
    // where decoding the whole text fails too.
    if (!decoded.ok() && query.ok()) std::abort();
  }
  return 0;
}
