#include "maic/cloud/board_schema.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace maic::cloud {
namespace {

using nlohmann::json;

// A small valid board of four columns: tiles over a line chart.
json small_board() {
  return json::parse(R"({"version": 2, "name": "Home", "columns": 4, "widgets": [
    {"id": "now", "type": "tiles", "x": 0, "y": 0, "w": 4, "h": 2,
     "quantities": ["W", "V"], "phases": ["total", 1]},
    {"id": "chart", "type": "line", "x": 0, "y": 2, "w": 3, "h": 4, "title": "Power",
     "quantities": ["W"], "phases": [1, 2, 3], "period": "live"},
    {"id": "out", "type": "output", "x": 3, "y": 2, "w": 1, "h": 1}]})");
}

std::string problem_of(const json& board) {
  auto p = board_problem(board);
  return p ? *p : "valid";
}

TEST(BoardSchema, ASmallBoardIsValid) { EXPECT_EQ(problem_of(small_board()), "valid"); }

TEST(BoardSchema, BothPresetsPassForEveryPhaseCount) {
  for (int phases : {1, 2, 3}) {
    for (BoardLayout layout : {BoardLayout::kPc, BoardLayout::kMobile}) {
      const json preset = preset_board(layout, phases);
      EXPECT_EQ(problem_of(preset), "valid") << layout_name(layout) << " " << phases << preset;
    }
  }
}

TEST(BoardSchema, ThePcPresetIsAGridAndTheMobileOneAColumnOfTheSameWidgets) {
  const json pc = pc_preset(3);
  const json mobile = mobile_preset(3);
  EXPECT_EQ(pc["columns"], 4);
  EXPECT_EQ(mobile["columns"], 1);
  ASSERT_EQ(pc["widgets"].size(), mobile["widgets"].size());
  std::set<std::string> pc_types;
  for (std::size_t k = 0; k < pc["widgets"].size(); ++k) {
    EXPECT_EQ(pc["widgets"][k]["type"], mobile["widgets"][k]["type"]);
    EXPECT_EQ(mobile["widgets"][k]["w"], 1);
    pc_types.insert(pc["widgets"][k]["type"].get<std::string>());
  }
  EXPECT_EQ(pc_types,
            (std::set<std::string>{"tiles", "line", "bars", "phases", "totals", "output"}));
  EXPECT_GT(mobile["widgets"][0]["h"].get<int>(), pc["widgets"][0]["h"].get<int>())
      << "large tiles on a phone";
}

TEST(BoardSchema, APresetOfASinglePhaseDeviceHasNoPerPhaseView) {
  for (const json& preset : {pc_preset(1), mobile_preset(1)}) {
    for (const json& w : preset["widgets"]) {
      EXPECT_NE(w["type"], "phases");
      if (w.contains("phases")) {
        EXPECT_EQ(w["phases"], json{1});
      }
    }
  }
}

TEST(BoardSchema, LayoutsByName) {
  EXPECT_EQ(board_layout("pc"), BoardLayout::kPc);
  EXPECT_EQ(board_layout("mobile"), BoardLayout::kMobile);
  EXPECT_EQ(board_layout("watch"), std::nullopt);
  EXPECT_EQ(board_layout("PC"), std::nullopt);
  EXPECT_EQ(layout_name(BoardLayout::kMobile), "mobile");
}

// Each case: a change to small_board() and the answer it gets.
struct Case {
  const char* what;
  const char* patch;  // a JSON patch (RFC 6902) applied to small_board()
  const char* problem;
};

const Case kCases[] = {
    {"not an object", R"([{"op": "replace", "path": "", "value": [1]}])",
     "board: a JSON object is required"},
    {"an unknown field", R"([{"op": "add", "path": "/layout", "value": "pc"}])",
     "layout: not a field of a board (version, name, columns, widgets)"},
    {"version 1", R"([{"op": "replace", "path": "/version", "value": 1}])",
     "version: 2 is required (the board schema's version)"},
    {"version 2.0", R"([{"op": "replace", "path": "/version", "value": 2.0}])",
     "version: 2 is required (the board schema's version)"},
    {"no version", R"([{"op": "remove", "path": "/version"}])",
     "version: 2 is required (the board schema's version)"},
    {"no name", R"([{"op": "remove", "path": "/name"}])", "name: required"},
    {"an empty name", R"([{"op": "replace", "path": "/name", "value": ""}])",
     "name: text of 1 to 60 characters is required"},
    {"a long name",
     R"([{"op": "replace", "path": "/name", "value": "0123456789012345678901234567890123456789012345678901234567890"}])",
     "name: text of 1 to 60 characters is required"},
    {"a newline in the name", R"([{"op": "replace", "path": "/name", "value": "a\nb"}])",
     "name: control characters are not allowed"},
    {"13 columns", R"([{"op": "replace", "path": "/columns", "value": 13}])",
     "columns: must be 1..12"},
    {"columns as text", R"([{"op": "replace", "path": "/columns", "value": "4"}])",
     "columns: must be 1..12"},
    {"widgets not a list", R"([{"op": "replace", "path": "/widgets", "value": {}}])",
     "widgets: a list of at most 64 widgets is required"},
    {"a widget not an object", R"([{"op": "add", "path": "/widgets/-", "value": 3}])",
     "widgets[3]: a widget (a JSON object) is required"},
    {"an unknown widget field", R"([{"op": "add", "path": "/widgets/1/colour", "value": "red"}])",
     "widgets[1].colour: not a field of a widget (id, type, x, y, w, h, title, quantities, "
     "phases, period)"},
    {"a bad id", R"([{"op": "replace", "path": "/widgets/0/id", "value": "a b"}])",
     "widgets[0].id: 1 to 32 of A-Z, a-z, 0-9, _ and - are required"},
    {"a repeated id", R"([{"op": "replace", "path": "/widgets/2/id", "value": "now"}])",
     "widgets[2].id: 'now' is the id of widgets[0] too"},
    {"an unknown type", R"([{"op": "replace", "path": "/widgets/0/type", "value": "gauge"}])",
     "widgets[0].type: one of tiles, line, bars, phases, totals, output, table is required"},
    {"too wide", R"([{"op": "replace", "path": "/widgets/2/w", "value": 5}])",
     "widgets[2].w: must be 1..4 (the board has 4 columns)"},
    {"over the right edge", R"([{"op": "replace", "path": "/widgets/2/x", "value": 4}])",
     "widgets[2].x: must be 0..3 (x + w at most the board's 4 columns)"},
    {"a fraction", R"([{"op": "replace", "path": "/widgets/1/h", "value": 1.5}])",
     "widgets[1].h: must be 1..20"},
    {"too tall", R"([{"op": "replace", "path": "/widgets/1/h", "value": 21}])",
     "widgets[1].h: must be 1..20"},
    {"above the top", R"([{"op": "replace", "path": "/widgets/1/y", "value": -1}])",
     "widgets[1].y: must be 0..1000"},
    {"overlapping", R"([{"op": "replace", "path": "/widgets/2/y", "value": 1}])",
     "widgets[2]: overlaps widgets[0] ('now')"},
    {"an unknown quantity",
     R"([{"op": "replace", "path": "/widgets/0/quantities/1", "value": "V1"}])",
     "widgets[0].quantities[1]: widget type 'tiles' shows one of V, A, W, rW, Wh, rWh, PF, Fr, T, "
     "OUT"},
    {"a repeated quantity",
     R"([{"op": "replace", "path": "/widgets/0/quantities/1", "value": "W"}])",
     "widgets[0].quantities[1]: W is listed twice"},
    {"no quantities", R"([{"op": "replace", "path": "/widgets/0/quantities", "value": []}])",
     "widgets[0].quantities: a list of 1 to 16 quantities is required (V, A, W, rW, Wh, rWh, PF, "
     "Fr, T, OUT)"},
    {"phase 4", R"([{"op": "replace", "path": "/widgets/1/phases/2", "value": 4}])",
     R"(widgets[1].phases[2]: 1, 2, 3 or "total" is required)"},
    {"a repeated phase", R"([{"op": "replace", "path": "/widgets/1/phases/2", "value": 1}])",
     "widgets[1].phases[2]: listed twice"},
    {"a period for tiles", R"([{"op": "add", "path": "/widgets/0/period", "value": "day"}])",
     "widgets[0].period: widget type 'tiles' has no period"},
    {"no period for a chart", R"([{"op": "remove", "path": "/widgets/1/period"}])",
     "widgets[1].period: required for widget type 'line'"},
    {"an unknown period", R"([{"op": "replace", "path": "/widgets/1/period", "value": "minute"}])",
     "widgets[1].period: widget type 'line' takes one of live, hour, day, week, month, year"},
    {"quantities for the output",
     R"([{"op": "add", "path": "/widgets/2/quantities", "value": ["W"]}])",
     "widgets[2].quantities: widget type 'output' has no quantities"},
    {"a long title",
     R"([{"op": "replace", "path": "/widgets/1/title", "value": "0123456789012345678901234567890123456789012345678901234567890"}])",
     "widgets[1].title: text of 0 to 60 characters is required"},
};

TEST(BoardSchema, EachProblemIsNamedByItsField) {
  for (const Case& c : kCases) {
    const json board = small_board().patch(json::parse(c.patch));
    EXPECT_EQ(problem_of(board), c.problem) << c.what;
  }
}

TEST(BoardSchema, EachTypeTakesItsOwnFields) {
  json board = small_board();
  json& chart = board["widgets"][1];
  chart["type"] = "bars";
  chart["period"] = "live";
  EXPECT_EQ(problem_of(board),
            "widgets[1].period: widget type 'bars' takes one of hour, day, week, month, year");
  chart["period"] = "month";
  chart["quantities"] = {"V"};
  EXPECT_EQ(problem_of(board), "widgets[1].quantities[0]: widget type 'bars' shows one of W, rW");
  chart["quantities"] = {"rW"};
  EXPECT_EQ(problem_of(board), "valid");

  chart = {{"id", "l"}, {"type", "phases"},   {"x", 0}, {"y", 2}, {"w", 3},
           {"h", 4},    {"quantities", {"T"}}};
  EXPECT_EQ(
      problem_of(board),
      "widgets[1].quantities[0]: widget type 'phases' shows one of V, A, W, rW, Wh, rWh, PF, Fr");
  chart["quantities"] = {"PF", "V"};
  EXPECT_EQ(problem_of(board), "valid");
  chart["phases"] = {1};
  EXPECT_EQ(problem_of(board), "widgets[1].phases: widget type 'phases' has no phases");

  chart = {{"id", "t"}, {"type", "totals"},   {"x", 0}, {"y", 2}, {"w", 3},
           {"h", 4},    {"phases", {"total"}}};
  EXPECT_EQ(problem_of(board), "widgets[1].period: required for widget type 'totals'");
  chart["period"] = "year";
  EXPECT_EQ(problem_of(board), "valid");

  chart["type"] = "table";
  EXPECT_EQ(problem_of(board), "widgets[1].quantities: required for widget type 'table'");
  chart["quantities"] = {"Wh", "rWh", "T"};
  EXPECT_EQ(problem_of(board), "valid");
}

TEST(BoardSchema, SixtyFourWidgetsAndNoMore) {
  json board = small_board();
  board["columns"] = 1;
  board["widgets"] = json::array();
  for (int k = 0; k < 64; ++k) {
    board["widgets"].push_back({{"id", "o" + std::to_string(k)},
                                {"type", "output"},
                                {"x", 0},
                                {"y", k},
                                {"w", 1},
                                {"h", 1}});
  }
  EXPECT_EQ(problem_of(board), "valid");
  board["widgets"].push_back(
      {{"id", "last"}, {"type", "output"}, {"x", 0}, {"y", 64}, {"w", 1}, {"h", 1}});
  EXPECT_EQ(problem_of(board), "widgets: a list of at most 64 widgets is required");
}

TEST(BoardSchema, NamesCountCharactersNotBytes) {
  json board = small_board();
  std::string name;
  for (int k = 0; k < 60; ++k) name += "☀";  // 3 bytes each
  board["name"] = name;
  EXPECT_EQ(problem_of(board), "valid");
  board["name"] = name + "a";
  EXPECT_EQ(problem_of(board), "name: text of 1 to 60 characters is required");
}

TEST(BoardSchema, AnUpgradeKeepsAValidBoardAndReplacesAnyOtherByThePreset) {
  const std::string valid = small_board().dump();
  EXPECT_EQ(upgraded_board("pc", valid, 3), valid);
  EXPECT_EQ(upgraded_board("mobile", valid, 1), valid);
  const std::string version1 =
      R"({"version":1,"layout":"pc","widgets":[{"type":"value","quantity":"W"}]})";
  for (const char* old : {R"({"widgets":[]})", "[1,2]", "not JSON", "", version1.c_str()}) {
    EXPECT_EQ(upgraded_board("pc", old, 3), pc_preset(3).dump()) << old;
    EXPECT_EQ(upgraded_board("mobile", old, 1), mobile_preset(1).dump()) << old;
  }
  EXPECT_EQ(upgraded_board("watch", valid, 3), std::nullopt);
}

}  // namespace
}  // namespace maic::cloud
