// The languages maic speaks: the 25 of the manual's cover, in its order.
// The list itself is data, web/i18n/languages.json, shared with the web
// front ends; the build turns it into this table.
//
// Tags are BCP 47 (RFC 5646) as Intl and browsers use them. The manual
// writes five as country codes: ua, cz, gr, ee, se are uk, cs, el, et, sv.
#pragma once

#include <span>
#include <string_view>

namespace maic {

struct Language {
  std::string_view tag;     // BCP 47: "en", "uk", ...
  std::string_view name;    // its own name, as a speaker writes it: "Українська"
  std::string_view manual;  // the manual cover's code: "ua"
};

// All 25, English first.
std::span<const Language> languages();

// The language of `tag` (exact, lower-case BCP 47 as listed); nullptr for
// any other text, the manual's country codes included.
const Language* find_language(std::string_view tag);

}  // namespace maic
