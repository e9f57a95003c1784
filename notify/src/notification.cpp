#include "maic/notify/notification.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "maic/core/language.hpp"

namespace maic::notify {
namespace {

struct Catalogue {
  std::string_view tag;
  std::string_view json;
};

// mail_texts.inc is generated from notify/i18n/<tag>.json by
// notify/CMakeLists.txt: one {tag, raw JSON} line per language.
constexpr Catalogue kCatalogues[] = {
#include "mail_texts.inc"
};

// The keys the renderer uses; every language has exactly these
// (catalogue_test.cpp).
constexpr std::string_view kKeys[] = {
    "subject.condition",
    "text.condition",
    "subject.output_switched",
    "text.output_switched",
    "subject.phase_lost",
    "text.phase_lost",
    "subject.phase_restored",
    "text.phase_restored",
    "subject.restarted",
    "text.restarted",
    "subject.server_unreachable",
    "text.server_unreachable",
    "subject.server_reachable",
    "text.server_reachable",
    "subject.mqtt_lost",
    "text.mqtt_lost",
    "subject.mqtt_restored",
    "text.mqtt_restored",
    "subject.test",
    "text.test",
    "state.on",
    "state.off",
    "label.device",
    "label.id",
    "label.time",
    "label.values",
    "footer",
};

constexpr std::string_view kEventNames[] = {
    "condition",          "output_switched",  "phase_lost", "phase_restored", "restarted",
    "server_unreachable", "server_reachable", "mqtt_lost",  "mqtt_restored",  "test",
};
static_assert(std::size(kEventNames) == std::size(kEvents));

using Texts = std::map<std::string, std::string, std::less<>>;

// Every catalogue parsed once (thread-safe static initialisation). A
// catalogue that does not parse is empty: the tests catch it, and a
// device falls back to English key by key.
const std::map<std::string, Texts, std::less<>>& parsed() {
  static const auto all = [] {
    std::map<std::string, Texts, std::less<>> out;
    for (const Catalogue& c : kCatalogues) {
      Texts texts;
      const auto doc = nlohmann::json::parse(c.json, nullptr, /*allow_exceptions=*/false);
      if (doc.is_object()) {
        for (const auto& [key, value] : doc.items()) {
          if (value.is_string()) texts.emplace(key, value.get<std::string>());
        }
      }
      out.emplace(std::string(c.tag), std::move(texts));
    }
    return out;
  }();
  return all;
}

std::string lookup(std::string_view tag, std::string_view key) {
  if (auto t = text(tag, key)) return *t;
  if (auto t = text("en", key)) return *t;
  return std::string(key);
}

// `pattern` with each {name} replaced by vars[name]; "?" for an unknown
// name, so a missing value shows instead of vanishing.
std::string fill(std::string_view pattern,
                 const std::map<std::string, std::string, std::less<>>& vars) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    const std::size_t open = pattern.find('{', i);
    const std::size_t close = open == std::string_view::npos ? open : pattern.find('}', open);
    if (close == std::string_view::npos) {
      out += pattern.substr(i);
      break;
    }
    out += pattern.substr(i, open - i);
    const auto found = vars.find(pattern.substr(open + 1, close - open - 1));
    out += found == vars.end() ? "?" : found->second;
    i = close + 1;
  }
  return out;
}

std::string local_time(std::int64_t t, const TimeZone& zone) {
  const date::sys_seconds local{std::chrono::seconds(t + zone.offset_at(t))};
  return date::format("%Y-%m-%d %H:%M:%S", local) + " " + zone.name();
}

}  // namespace

std::string_view event_name(Event e) { return kEventNames[static_cast<std::size_t>(e)]; }

Result<Event> parse_event(std::string_view name) {
  for (Event e : kEvents) {
    if (event_name(e) == name) return e;
  }
  return make_error(fmt::format("not an event: \"{}\"", name));
}

std::optional<std::string_view> Notification::value(std::string_view key) const {
  for (const auto& [k, v] : values) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

std::span<const std::string_view> text_keys() { return kKeys; }

std::optional<std::string> text(std::string_view tag, std::string_view key) {
  const auto& all = parsed();
  const auto lang = all.find(tag);
  if (lang == all.end()) return std::nullopt;
  const auto found = lang->second.find(key);
  if (found == lang->second.end()) return std::nullopt;
  return found->second;
}

std::string_view catalogue_json(std::string_view tag) {
  for (const Catalogue& c : kCatalogues) {
    if (c.tag == tag) return c.json;
  }
  return {};
}

std::string_view mail_language(std::string_view code) {
  for (const Language& l : languages()) {
    if (l.tag == code || l.manual == code) return l.tag;
  }
  return "en";
}

MailContent render(const Notification& n, const DeviceInfo& device, std::string_view code) {
  const std::string_view tag = mail_language(code);
  const std::string name = device.name.empty() ? device.devid : device.name;
  const std::string time = local_time(n.created, device.zone);
  std::map<std::string, std::string, std::less<>> vars;
  for (const auto& [key, value] : n.values) vars[key] = value;
  if (auto state = n.value("state"); state == "on" || state == "off") {
    vars["state"] = lookup(tag, fmt::format("state.{}", *state));
  }
  vars["device"] = name;
  vars["id"] = device.devid;
  vars["time"] = time;
  vars["condition"] = std::to_string(n.condition);

  const std::string event(event_name(n.event));
  MailContent out;
  out.subject = fill(lookup(tag, "subject." + event), vars);
  const std::string sentence = fill(lookup(tag, "text." + event), vars);
  const std::string footer = lookup(tag, "footer");
  const std::pair<std::string, std::string> rows[] = {
      {lookup(tag, "label.device"), name},
      {lookup(tag, "label.id"), device.devid},
      {lookup(tag, "label.time"), time},
  };

  out.text = sentence + "\n\n";
  for (const auto& [label, value] : rows) out.text += label + ": " + value + "\n";
  if (!n.values.empty()) {
    out.text += "\n" + lookup(tag, "label.values") + ":\n";
    for (const auto& [key, value] : n.values) out.text += "  " + key + ": " + value + "\n";
  }
  out.text += "\n-- \n" + footer + "\n";  // RFC 3676 §4.3 signature separator

  out.html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta "
      "charset=\"utf-8\"><title>{}</title></head>\n"
      "<body>\n<p>{}</p>\n<table>\n",
      tag, html_escape(out.subject), html_escape(sentence));
  for (const auto& [label, value] : rows) {
    out.html += fmt::format("<tr><th align=\"left\">{}</th><td>{}</td></tr>\n", html_escape(label),
                            html_escape(value));
  }
  out.html += "</table>\n";
  if (!n.values.empty()) {
    out.html += fmt::format("<p>{}:</p>\n<table>\n", html_escape(lookup(tag, "label.values")));
    for (const auto& [key, value] : n.values) {
      out.html += fmt::format("<tr><th align=\"left\">{}</th><td>{}</td></tr>\n", html_escape(key),
                              html_escape(value));
    }
    out.html += "</table>\n";
  }
  out.html += fmt::format("<p><small>{}</small></p>\n</body>\n</html>\n", html_escape(footer));
  return out;
}

std::string message_id(const Notification& n, const DeviceInfo& device) {
  return fmt::format("{}@{}.maic", n.id, device.devid);
}

Mail compose(const Notification& n, const DeviceInfo& device, std::string_view code,
             const std::string& sender, const std::vector<std::string>& recipients) {
  MailHeader header;
  header.sender = sender;
  header.sender_name = device.name.empty() ? "maic " + device.devid : device.name;
  header.recipients = recipients;
  header.message_id = message_id(n, device);
  header.date = n.created;
  header.zone = device.zone;
  return build_mail(header, render(n, device, code));
}

}  // namespace maic::notify
