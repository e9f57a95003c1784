// Fuzzes the bounded JSON parser every request body, file and message goes
// through (maic/http/json.hpp): any bytes. Whatever parses must be within
// the depth bound, and dump and parse again to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maic/http/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // A small bound, so that short inputs reach it.
  constexpr std::size_t kDepth = 4;
  auto value = maic::http::parse_json(text, kDepth);
  if (!value) {
    if (value.error().message.empty()) std::abort();
    return 0;
  }
  const std::string again = value->dump();
  if (!maic::json_within_depth(again, kDepth)) std::abort();
  auto reparsed = maic::http::parse_json(again, kDepth);
  if (!reparsed || *reparsed != *value) std::abort();
  return 0;
}
