#include "maic/core/language.hpp"

#include <algorithm>
#include <array>

namespace maic {
namespace {

// languages_table.inc is generated from web/i18n/languages.json by
// core/CMakeLists.txt: one {tag, name, manual} line per language.
constexpr Language kLanguages[] = {
#include "languages_table.inc"
};

}  // namespace

std::span<const Language> languages() { return kLanguages; }

const Language* find_language(std::string_view tag) {
  const auto* found = std::find_if(std::begin(kLanguages), std::end(kLanguages),
                                   [&](const Language& l) { return l.tag == tag; });
  return found == std::end(kLanguages) ? nullptr : found;
}

}  // namespace maic
