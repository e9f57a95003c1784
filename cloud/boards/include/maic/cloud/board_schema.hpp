// The Dashboard's boards (docs/api.md, "Boards"): the schema every stored
// board follows, checked once where a board comes in (PUT …/boards/<layout>),
// and the pre-configured board of each layout (POST …/preset). The store's
// schema 5 migration brings older boards here with upgraded_board().
//
// Pure functions of their arguments: no I/O, no clock; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace maic::cloud {

// The board schema's version: a board's "version" field. Bump it (and add a
// store migration) when a stored board would no longer pass.
inline constexpr int kBoardVersion = 2;

// A device has one board per layout.
enum class BoardLayout { kPc, kMobile };

// "pc", "mobile"; nullopt for any other name.
std::optional<BoardLayout> board_layout(std::string_view name);
std::string_view layout_name(BoardLayout layout);

// nullopt when `board` is a valid board of kBoardVersion; otherwise its
// first problem as "<field path>: <what is wrong>", the way the API answers
// it: "widgets[3].w: must be 1..4 (the board has 4 columns)". Fields the
// schema does not name are problems too.
std::optional<std::string> board_problem(const nlohmann::json& board);

// The pre-configured boards for a device with `phases` phases (1..3): a grid
// of four columns for a PC, one column with large tiles for a phone. The
// per-phase view is only on boards of three-phase devices. Both pass
// board_problem().
nlohmann::json pc_preset(int phases);
nlohmann::json mobile_preset(int phases);
nlohmann::json preset_board(BoardLayout layout, int phases);

// What a stored board of `layout` becomes under this schema (the store's
// migration to schema 5): `document` itself when it is a valid board, else
// the layout's preset for the device's `phases` (nothing of the old document
// is kept). nullopt: `layout` is none of ours, the board goes.
std::optional<std::string> upgraded_board(std::string_view layout, std::string_view document,
                                          int phases);

}  // namespace maic::cloud
