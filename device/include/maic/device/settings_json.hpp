// Settings as JSON: the settings file's format and the JSON API's body.
//
// Parsing is strict: unknown fields, wrong types and out-of-range values are
// errors that name the field ("mqtt.port: must be 1..65535"); a partial
// object updates only the fields it names (PATCH semantics), so the JSON
// API can change one setting without restating the rest.
#pragma once

#include <nlohmann/json.hpp>

#include "maic/core/result.hpp"
#include "maic/device/settings.hpp"

namespace maic::device {

// Every field. With `include_secrets` false, passwords and the PIN are
// replaced by "" (for display).
nlohmann::json to_json(const Settings& s, bool include_secrets = true);
nlohmann::json to_json(const Identity& id);

// Applies the fields `patch` names to a copy of `base` and validates the
// result. On error nothing is applied.
Result<Settings> apply_json(const Settings& base, const nlohmann::json& patch);
// The edit that applies `patch` (apply_json), for Device::update_settings.
SettingsEdit json_patch(nlohmann::json patch);
Result<Identity> identity_from_json(const nlohmann::json& j);

}  // namespace maic::device
