// A smart-MAIC device ID: exactly ten ASCII digits, as printed on the device
// and sent in the uplink, the MQTT topics, the page API and the data API
// (compat.md; docs/uplink.md). It is text, not a number: leading zeros are
// part of it ("0012345678" and "12345678" are different IDs, the second is
// not one).
//
// parse() is the one place that rule is written; every edge that receives
// an ID (a query, a JSON body, a topic, a file) asks it, and says in its own
// words what was wrong.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "maic/core/ascii.hpp"

namespace maic {

class DeviceId {
 public:
  static constexpr std::size_t kDigits = 10;

  // Whether `text` is an ID: exactly kDigits bytes '0'..'9', nothing around
  // them (no spaces, signs or NUL).
  static constexpr bool valid(std::string_view text) {
    return text.size() == kDigits && all_digits(text);
  }
  // The ID `text` spells, or nullopt.
  static std::optional<DeviceId> parse(std::string_view text) {
    if (!valid(text)) return std::nullopt;
    return DeviceId(std::string(text));
  }

  const std::string& str() const { return digits_; }

  friend bool operator==(const DeviceId&, const DeviceId&) = default;
  friend bool operator==(const DeviceId& id, std::string_view text) { return id.digits_ == text; }
  friend auto operator<=>(const DeviceId&, const DeviceId&) = default;

 private:
  explicit DeviceId(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;
};

}  // namespace maic
