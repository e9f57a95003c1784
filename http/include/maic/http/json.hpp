// Parsing JSON that comes from outside (a request body, a file, a message)
// with its nesting bounded first (maic/core/json_depth.hpp): nlohmann's
// parser recurses on depth, so deep input is refused before it runs.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "maic/core/json_depth.hpp"
#include "maic/core/result.hpp"

namespace maic::http {

// The JSON value of `text`, or an error: "nested deeper than N levels" or
// "not valid JSON". Never throws for bad input.
Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

}  // namespace maic::http
