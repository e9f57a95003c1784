// Fuzzes the board schema (cloud/boards), the check every PUT of a board
// goes through and the store's schema 5 upgrade runs over stored boards:
// it must never crash; a board it accepts must be accepted again after a
// round trip through text; and whatever a stored document is, its upgrade
// is a valid board (or, for a layout not ours, none).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maic/cloud/board_schema.hpp"
#include "maic/http/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int phases = 1 + data[0] % 3;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  if (auto board = maic::http::parse_json(text)) {
    if (!maic::cloud::board_problem(*board)) {
      const auto again = maic::http::parse_json(board->dump());
      if (!again || maic::cloud::board_problem(*again)) std::abort();
    }
  }
  for (const std::string_view layout : {"pc", "mobile"}) {
    const auto upgraded = maic::cloud::upgraded_board(layout, text, phases);
    if (!upgraded) std::abort();  // a layout of ours always keeps a board
    const auto parsed = maic::http::parse_json(*upgraded);
    if (!parsed || maic::cloud::board_problem(*parsed)) std::abort();
  }
  if (maic::cloud::upgraded_board("watch", text, phases)) std::abort();
  return 0;
}
