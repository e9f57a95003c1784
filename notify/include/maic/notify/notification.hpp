// The notifications a user can enable (issue 12 §3) and how one becomes an
// e-mail in the device's language.
//
// A Notification is what happened, as data: the event, when, and values
// (key, text) — e.g. {"phase", "2"}, {"u", "181.2 V"}, {"cause", "button"}.
// The texts live in notify/i18n/<tag>.json (one per language of the
// manual), compiled in; placeholders are {name}: {device}, {id}, {time} and
// the notification's value keys.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maic/core/calendar.hpp"
#include "maic/core/result.hpp"
#include "maic/notify/mail.hpp"

namespace maic::notify {

enum class Event {
  kCondition,          // a condition's e-mail action; Notification::condition says which
  kOutputSwitched,     // values: state ("on" | "off"), cause (free text: "button", "API", ...)
  kPhaseLost,          // values: phase ("1".."3"), and the voltage seen, the threshold...
  kPhaseRestored,      // values: phase
  kRestarted,          // the device (re)started
  kServerUnreachable,  // values: minutes (how long the data server has been unreachable)
  kServerReachable,
  kMqttLost,
  kMqttRestored,
  kTest,  // the API's test button
};

inline constexpr Event kEvents[] = {
    Event::kCondition,       Event::kOutputSwitched,
    Event::kPhaseLost,       Event::kPhaseRestored,
    Event::kRestarted,       Event::kServerUnreachable,
    Event::kServerReachable, Event::kMqttLost,
    Event::kMqttRestored,    Event::kTest,
};

// "condition", "output_switched", "phase_lost", "phase_restored",
// "restarted", "server_unreachable", "server_reachable", "mqtt_lost",
// "mqtt_restored", "test": the names in the outbox file and the texts' keys.
std::string_view event_name(Event e);
Result<Event> parse_event(std::string_view name);

struct Notification {
  // Stable for the notification's life, assigned by the Outbox: "<seq>.<created>"
  // (the outbox's sequence number and the creation time), so it stays
  // unique even if the outbox file is ever lost and the sequence restarts.
  std::string id;
  Event event = Event::kTest;
  std::int64_t created = 0;  // unix seconds
  std::vector<std::pair<std::string, std::string>> values;
  int condition = 0;  // for kCondition: the condition's index (1-based, as the page shows)

  // The value of `key`; nullopt when absent.
  std::optional<std::string_view> value(std::string_view key) const;
};

// Who sends: the device as the mails name it.
struct DeviceInfo {
  std::string name;   // the user's name for the device ("Garage"), may be empty
  std::string devid;  // the 10-digit ID
  TimeZone zone = TimeZone::utc();
};

// The BCP 47 tag of the mail texts for `code`: a tag ("uk") or the manual's
// code ("ua"), as the device's setting holds; "en" for anything else.
std::string_view mail_language(std::string_view code);

// `n` in language `code` (as mail_language()): subject, plain text and HTML
// with the device's name and ID, the local time ("2026-11-30 12:30:18
// Europe/Berlin"), the event's sentence and every value.
MailContent render(const Notification& n, const DeviceInfo& device, std::string_view code);

// The Message-ID's two halves for `n`: "<n.id>@<devid>.maic".
std::string message_id(const Notification& n, const DeviceInfo& device);

// The whole mail for `n`, from `sender` to `recipients`, dated n.created.
Mail compose(const Notification& n, const DeviceInfo& device, std::string_view code,
             const std::string& sender, const std::vector<std::string>& recipients);

// --- The texts (for the catalogue's tests) ----------------------------------

// The keys every language has, English's order.
std::span<const std::string_view> text_keys();
// The text of `key` in language `tag` (exact BCP 47 tag); nullopt when the
// language or the key is missing.
std::optional<std::string> text(std::string_view tag, std::string_view key);
// The raw catalogue of `tag` as compiled in (JSON), empty when missing.
std::string_view catalogue_json(std::string_view tag);

}  // namespace maic::notify
