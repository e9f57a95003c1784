#include "maic/http/json.hpp"

#include <string>

namespace maic::http {

Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth) {
  if (!json_within_depth(text, max_depth)) {
    return make_error("nested deeper than " + std::to_string(max_depth) + " levels");
  }
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return make_error("not valid JSON");
  return value;
}

}  // namespace maic::http
