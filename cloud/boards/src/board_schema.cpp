#include "maic/cloud/board_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "maic/core/quantity.hpp"

namespace maic::cloud {
namespace {

using nlohmann::json;
using Problem = std::optional<std::string>;

constexpr std::size_t kMaxName = 60;  // characters (code points), also a title's
constexpr std::size_t kMaxId = 32;
constexpr std::size_t kMaxWidgets = 64;
constexpr std::size_t kMaxQuantities = 16;
constexpr int kMaxColumns = 12;
constexpr int kMaxHeight = 20;
constexpr int kMaxRow = 1000;  // y: far below any board of 64 widgets of height 20

// Which quantities a widget type shows; each is a family's key stem of the
// catalogue ("W", "rWh", "PF"), the phases field picks the keys.
enum class Shows {
  kNothing,       // the type has no quantities field
  kAny,           // any family
  kPerPhase,      // families measured per phase (not T, OUT)
  kPeriodEnergy,  // power that rolls up into a period's energy: W, rW
};
// Which periods a widget type takes.
enum class Periods {
  kNone,      // no period field: live values
  kAny,       // "live" (minute data, updating) or a calendar period
  kCalendar,  // hour .. year
};

struct WidgetType {
  std::string_view name;
  Shows shows;
  bool has_phases;
  Periods periods;
};

// docs/api.md, "Boards", lists the same.
constexpr std::array<WidgetType, 7> kTypes{{
    {"tiles", Shows::kAny, true, Periods::kNone},              // live values
    {"line", Shows::kAny, true, Periods::kAny},                // line chart
    {"bars", Shows::kPeriodEnergy, true, Periods::kCalendar},  // energy per period
    {"phases", Shows::kPerPhase, false, Periods::kNone},       // L1–L3 side by side
    {"totals", Shows::kNothing, true, Periods::kCalendar},     // totals of a period
    {"output", Shows::kNothing, false, Periods::kNone},        // the output switch
    {"table", Shows::kAny, true, Periods::kCalendar},          // rows, CSV export
}};
constexpr std::array<std::string_view, 6> kPeriodNames{"live", "hour",  "day",
                                                       "week", "month", "year"};

constexpr std::array<std::string_view, 4> kBoardFields{"version", "name", "columns", "widgets"};
constexpr std::array<std::string_view, 10> kWidgetFields{
    "id", "type", "x", "y", "w", "h", "title", "quantities", "phases", "period"};

template <std::size_t N>
std::string listed(const std::array<std::string_view, N>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

Problem fail(std::string_view path, std::string_view what) {
  return fmt::format("{}: {}", path, what);
}

// A JSON integer (not 1.0, not "1") within [lo, hi].
std::optional<int> integer_in(const json& v, int lo, int hi) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi) || static_cast<std::int64_t>(u) < lo) return {};
    return static_cast<int>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < lo || i > hi) return {};
    return static_cast<int>(i);
  }
  return {};
}

// Characters, not bytes: the parser has checked the UTF-8.
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

Problem text_problem(const json& v, std::string_view path, std::size_t min) {
  const auto range = fmt::format("text of {} to {} characters is required", min, kMaxName);
  if (!v.is_string()) return fail(path, range);
  const auto& s = v.get_ref<const std::string&>();
  const std::size_t n = code_points(s);
  if (n < min || n > kMaxName) return fail(path, range);
  if (std::any_of(s.begin(), s.end(),
                  [](char c) { return static_cast<unsigned char>(c) < ' ' || c == 0x7f; }))
    return fail(path, "control characters are not allowed");
  return {};
}

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

const FamilyInfo* family_of_stem(std::string_view stem) {
  for (const FamilyInfo& f : families())
    if (f.prefix == stem) return &f;
  return nullptr;
}

bool measured_per_phase(Family family) {
  const auto quantities = catalogue(3);
  return std::any_of(quantities.begin(), quantities.end(),
                     [&](const Quantity& q) { return q.family == family && q.phase > 0; });
}

// The stems a type accepts, for messages.
std::string stems_for(Shows shows) {
  std::vector<std::string_view> stems;
  for (const FamilyInfo& f : families()) {
    if (shows == Shows::kPerPhase && !measured_per_phase(f.family)) continue;
    if (shows == Shows::kPeriodEnergy && f.rollup != Rollup::kPeriodEnergy) continue;
    stems.push_back(f.prefix);
  }
  return fmt::format("{}", fmt::join(stems, ", "));
}

Problem quantities_problem(const json& v, std::string_view path, const WidgetType& type) {
  if (!v.is_array() || v.empty() || v.size() > kMaxQuantities)
    return fail(path, fmt::format("a list of 1 to {} quantities is required ({})", kMaxQuantities,
                                  stems_for(type.shows)));
  for (std::size_t k = 0; k < v.size(); ++k) {
    const std::string at = fmt::format("{}[{}]", path, k);
    const FamilyInfo* f = v[k].is_string() ? family_of_stem(v[k].get<std::string>()) : nullptr;
    const bool fits = f != nullptr &&
                      (type.shows != Shows::kPerPhase || measured_per_phase(f->family)) &&
                      (type.shows != Shows::kPeriodEnergy || f->rollup == Rollup::kPeriodEnergy);
    if (!fits)
      return fail(
          at, fmt::format("widget type '{}' shows one of {}", type.name, stems_for(type.shows)));
    for (std::size_t j = 0; j < k; ++j)
      if (v[j] == v[k]) return fail(at, fmt::format("{} is listed twice", v[k].get<std::string>()));
  }
  return {};
}

Problem phases_problem(const json& v, std::string_view path) {
  constexpr std::string_view kWhat = R"(a list of 1 to 4 of 1, 2, 3 and "total" is required)";
  if (!v.is_array() || v.empty() || v.size() > 4) return fail(path, kWhat);
  for (std::size_t k = 0; k < v.size(); ++k) {
    const bool fits = integer_in(v[k], 1, 3).has_value() || v[k] == "total";
    const std::string at = fmt::format("{}[{}]", path, k);
    if (!fits) return fail(at, R"(1, 2, 3 or "total" is required)");
    for (std::size_t j = 0; j < k; ++j)
      if (v[j] == v[k]) return fail(at, "listed twice");
  }
  return {};
}

Problem period_problem(const json& v, std::string_view path, const WidgetType& type) {
  const std::span<const std::string_view> allowed =
      type.periods == Periods::kAny ? std::span(kPeriodNames) : std::span(kPeriodNames).subspan(1);
  if (v.is_string() &&
      std::find(allowed.begin(), allowed.end(), v.get<std::string>()) != allowed.end())
    return {};
  return fail(path,
              fmt::format("widget type '{}' takes one of {}", type.name, fmt::join(allowed, ", ")));
}

struct Box {
  int x, y, w, h;
  bool overlaps(const Box& o) const {
    return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
  }
};

Problem widget_problem(const json& widget, const std::string& path, int columns, Box& box) {
  if (!widget.is_object()) return fail(path, "a widget (a JSON object) is required");
  for (const auto& [key, value] : widget.items()) {
    if (std::find(kWidgetFields.begin(), kWidgetFields.end(), key) == kWidgetFields.end())
      return fail(path + "." + key,
                  fmt::format("not a field of a widget ({})", listed(kWidgetFields)));
  }
  const auto field = [&](std::string_view name) { return path + "." + std::string(name); };

  const auto id = widget.find("id");
  // Both branches a view: with "" as one, the other would be copied into a
  // temporary string that is gone by the next line.
  const std::string_view id_text = id != widget.end() && id->is_string()
                                       ? std::string_view(id->get_ref<const std::string&>())
                                       : std::string_view();
  if (id_text.empty() || id_text.size() > kMaxId ||
      !std::all_of(id_text.begin(), id_text.end(), id_char))
    return fail(field("id"), fmt::format("1 to {} of A-Z, a-z, 0-9, _ and - are required", kMaxId));

  const auto type_field = widget.find("type");
  const WidgetType* type = nullptr;
  if (type_field != widget.end() && type_field->is_string()) {
    for (const WidgetType& t : kTypes)
      if (t.name == type_field->get_ref<const std::string&>()) type = &t;
  }
  if (type == nullptr) {
    std::vector<std::string_view> names;
    for (const WidgetType& t : kTypes) names.push_back(t.name);
    return fail(field("type"), fmt::format("one of {} is required", fmt::join(names, ", ")));
  }

  // Place: x + w within the columns, rows unbounded but for kMaxRow.
  const auto number = [&](std::string_view name, int lo, int hi) -> std::optional<int> {
    const auto it = widget.find(std::string(name));
    return it == widget.end() ? std::nullopt : integer_in(*it, lo, hi);
  };
  const auto w = number("w", 1, columns);
  if (!w)
    return fail(field("w"), fmt::format("must be 1..{} (the board has {} column{})", columns,
                                        columns, columns == 1 ? "" : "s"));
  const auto x = number("x", 0, columns - *w);
  if (!x)
    return fail(field("x"), fmt::format("must be 0..{} (x + w at most the board's {} column{})",
                                        columns - *w, columns, columns == 1 ? "" : "s"));
  const auto y = number("y", 0, kMaxRow);
  if (!y) return fail(field("y"), fmt::format("must be 0..{}", kMaxRow));
  const auto h = number("h", 1, kMaxHeight);
  if (!h) return fail(field("h"), fmt::format("must be 1..{}", kMaxHeight));
  box = Box{*x, *y, *w, *h};

  if (const auto title = widget.find("title"); title != widget.end()) {
    if (auto p = text_problem(*title, field("title"), 0)) return p;
  }

  // The fields of the type: required where it has them, refused where not.
  const auto per_type = [&](std::string_view name, bool has, auto check) -> Problem {
    const auto it = widget.find(std::string(name));
    if (!has) {
      if (it != widget.end())
        return fail(field(name), fmt::format("widget type '{}' has no {}", type->name, name));
      return {};
    }
    if (it == widget.end())
      return fail(field(name), fmt::format("required for widget type '{}'", type->name));
    return check(*it, field(name));
  };
  if (auto p = per_type(
          "quantities", type->shows != Shows::kNothing,
          [&](const json& v, const std::string& at) { return quantities_problem(v, at, *type); }))
    return p;
  if (auto p = per_type("phases", type->has_phases, phases_problem)) return p;
  if (auto p = per_type(
          "period", type->periods != Periods::kNone,
          [&](const json& v, const std::string& at) { return period_problem(v, at, *type); }))
    return p;
  return {};
}

// --- Presets ---------------------------------------------------------------------

// A widget of a preset, before it is placed on a layout's grid.
json widget(std::string_view id, std::string_view type) { return {{"id", id}, {"type", type}}; }

// The widgets both presets show, in reading order; a three-phase device's
// values per phase and in total, a single-phase device's on its one phase.
std::vector<json> preset_widgets(int phases) {
  const bool three = phases != 1;
  const json all = three ? json{1, 2, 3, "total"} : json{1};
  const json each = three ? json{1, 2, 3} : json{1};
  std::vector<json> out;
  json live = widget("live", "tiles");
  live["quantities"] = {"W", "rW", "V", "A", "PF", "Wh"};
  live["phases"] = three ? json{"total", 1, 2, 3} : json{1};
  out.push_back(live);
  json power = widget("power", "line");
  power["quantities"] = {"W", "rW"};
  power["phases"] = all;
  power["period"] = "live";
  out.push_back(power);
  json energy = widget("energy", "bars");
  energy["quantities"] = {"W", "rW"};
  energy["phases"] = each;
  energy["period"] = "day";
  out.push_back(energy);
  if (three) {
    json per_phase = widget("phases", "phases");
    per_phase["quantities"] = {"V", "A", "W", "PF"};
    out.push_back(per_phase);
  }
  json totals = widget("totals", "totals");
  totals["phases"] = all;
  totals["period"] = "day";
  out.push_back(totals);
  out.push_back(widget("output", "output"));
  return out;
}

json board(std::string_view name, int columns, std::vector<json> widgets) {
  return {{"version", kBoardVersion},
          {"name", name},
          {"columns", columns},
          {"widgets", std::move(widgets)}};
}

}  // namespace

std::optional<BoardLayout> board_layout(std::string_view name) {
  if (name == "pc") return BoardLayout::kPc;
  if (name == "mobile") return BoardLayout::kMobile;
  return std::nullopt;
}

std::string_view layout_name(BoardLayout layout) {
  return layout == BoardLayout::kPc ? "pc" : "mobile";
}

std::optional<std::string> board_problem(const json& board) {
  if (!board.is_object()) return fail("board", "a JSON object is required");
  for (const auto& [key, value] : board.items()) {
    if (std::find(kBoardFields.begin(), kBoardFields.end(), key) == kBoardFields.end())
      return fail(key, fmt::format("not a field of a board ({})", listed(kBoardFields)));
  }
  const auto version = board.find("version");
  if (version == board.end() || integer_in(*version, kBoardVersion, kBoardVersion) != kBoardVersion)
    return fail("version",
                fmt::format("{} is required (the board schema's version)", kBoardVersion));
  const auto name = board.find("name");
  if (name == board.end()) return fail("name", "required");
  if (auto p = text_problem(*name, "name", 1)) return p;
  const auto columns_field = board.find("columns");
  const auto columns =
      columns_field == board.end() ? std::nullopt : integer_in(*columns_field, 1, kMaxColumns);
  if (!columns) return fail("columns", fmt::format("must be 1..{}", kMaxColumns));
  const auto widgets = board.find("widgets");
  if (widgets == board.end() || !widgets->is_array() || widgets->size() > kMaxWidgets)
    return fail("widgets", fmt::format("a list of at most {} widgets is required", kMaxWidgets));

  std::vector<Box> boxes;
  for (std::size_t k = 0; k < widgets->size(); ++k) {
    const std::string path = fmt::format("widgets[{}]", k);
    Box box{};
    if (auto p = widget_problem((*widgets)[k], path, *columns, box)) return p;
    for (std::size_t j = 0; j < k; ++j) {
      if ((*widgets)[j]["id"] == (*widgets)[k]["id"])
        return fail(path + ".id", fmt::format("'{}' is the id of widgets[{}] too",
                                              (*widgets)[k]["id"].get<std::string>(), j));
      if (boxes[j].overlaps(box))
        return fail(path, fmt::format("overlaps widgets[{}] ('{}')", j,
                                      (*widgets)[j]["id"].get<std::string>()));
    }
    boxes.push_back(box);
  }
  return std::nullopt;
}

// Four columns: the live tiles across the top, power below them, then the
// day's energy beside its totals, then the phases beside the output.
json pc_preset(int phases) {
  struct Place {
    std::string_view id;
    int x, y, w, h;
  };
  constexpr std::array<Place, 6> kPlaces{{{"live", 0, 0, 4, 2},
                                          {"power", 0, 2, 4, 5},
                                          {"energy", 0, 7, 2, 5},
                                          {"totals", 2, 7, 2, 5},
                                          {"phases", 0, 12, 3, 4},
                                          {"output", 3, 12, 1, 4}}};
  std::vector<json> widgets = preset_widgets(phases);
  for (json& w : widgets) {
    for (const Place& p : kPlaces) {
      if (w["id"] != p.id) continue;
      w["x"] = p.x;
      w["y"] = p.y;
      w["w"] = p.w;
      w["h"] = p.h;
    }
  }
  return board("PC", 4, std::move(widgets));
}

// One column, the same widgets one below the other; tall tiles make large
// touch targets.
json mobile_preset(int phases) {
  struct Height {
    std::string_view id;
    int h;
  };
  constexpr std::array<Height, 6> kHeights{
      {{"live", 6}, {"power", 5}, {"energy", 5}, {"phases", 5}, {"totals", 4}, {"output", 2}}};
  std::vector<json> widgets = preset_widgets(phases);
  int y = 0;
  for (json& w : widgets) {
    const auto it = std::find_if(kHeights.begin(), kHeights.end(),
                                 [&](const Height& h) { return w["id"] == h.id; });
    w["x"] = 0;
    w["y"] = y;
    w["w"] = 1;
    w["h"] = it->h;
    y += it->h;
  }
  return board("Mobile", 1, std::move(widgets));
}

json preset_board(BoardLayout layout, int phases) {
  return layout == BoardLayout::kPc ? pc_preset(phases) : mobile_preset(phases);
}

std::optional<std::string> upgraded_board(std::string_view layout, std::string_view document,
                                          int phases) {
  const auto known = board_layout(layout);
  if (!known) return std::nullopt;
  const json parsed = json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && !board_problem(parsed)) return std::string(document);
  return preset_board(*known, phases).dump();
}

}  // namespace maic::cloud
