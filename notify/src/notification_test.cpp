#include "maic/notify/notification.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "maic/core/language.hpp"
#include "test_support.hpp"

namespace maic::notify {
namespace {

// The {name}s in `text` (a name: letters, digits, underscores).
std::set<std::string> placeholders(const std::string& text) {
  std::set<std::string> out;
  for (std::size_t open = text.find('{'); open != std::string::npos;
       open = text.find('{', open + 1)) {
    const std::size_t close = text.find('}', open + 1);
    if (close == std::string::npos) break;
    const std::string name = text.substr(open + 1, close - open - 1);
    const bool word = !name.empty() && name.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789_") == std::string::npos;
    if (word) out.insert(name);
  }
  return out;
}

// --- The catalogues -----------------------------------------------------------

TEST(MailTexts, EveryLanguageOfTheManualHasACatalogueThatParses) {
  ASSERT_EQ(languages().size(), 25u);
  for (const Language& l : languages()) {
    const auto doc = nlohmann::json::parse(catalogue_json(l.tag), nullptr, false);
    EXPECT_TRUE(doc.is_object()) << l.tag << ": not a JSON object";
  }
}

TEST(MailTexts, EveryLanguageHasEveryKeyAndNoOther) {
  for (const Language& l : languages()) {
    const auto doc = nlohmann::json::parse(catalogue_json(l.tag), nullptr, false);
    std::set<std::string> keys;
    for (const auto& [key, value] : doc.items()) {
      keys.insert(key);
      EXPECT_TRUE(value.is_string() && !value.get<std::string>().empty()) << l.tag << " " << key;
    }
    const std::set<std::string> expected(text_keys().begin(), text_keys().end());
    EXPECT_EQ(keys, expected) << l.tag;
  }
}

TEST(MailTexts, PlaceholdersAreEnglishs) {
  for (const Language& l : languages()) {
    for (std::string_view key : text_keys()) {
      const auto en = text("en", key);
      const auto own = text(l.tag, key);
      ASSERT_TRUE(en && own) << l.tag << " " << key;
      EXPECT_EQ(placeholders(*own), placeholders(*en)) << l.tag << " " << key << ": " << *own;
    }
  }
}

TEST(MailTexts, AreTranslated) {
  // Event sentences are never English outside English.
  for (const Language& l : languages()) {
    if (l.tag == "en") continue;
    for (Event e : kEvents) {
      const std::string key = "text." + std::string(event_name(e));
      EXPECT_NE(text(l.tag, key), text("en", key)) << l.tag << " " << key;
    }
  }
}

TEST(MailTexts, NonLatinLanguagesUseTheirScript) {
  // The first byte of a character of each script in UTF-8.
  const std::pair<std::string_view, std::string_view> scripts[] = {
      {"th", "\xe0\xb8"}, {"ru", "\xd0"}, {"uk", "\xd0"}, {"bg", "\xd0"}, {"el", "\xce"},
  };
  for (const auto& [tag, lead] : scripts) {
    for (std::string_view key : {"text.test", "label.device", "footer"}) {
      EXPECT_NE(text(tag, key)->find(lead), std::string::npos) << tag << " " << key;
    }
  }
}

TEST(MailLanguage, TagsAndTheManualsCodes) {
  EXPECT_EQ(mail_language("en"), "en");
  EXPECT_EQ(mail_language("uk"), "uk");
  EXPECT_EQ(mail_language("ua"), "uk");
  EXPECT_EQ(mail_language("cz"), "cs");
  EXPECT_EQ(mail_language("gr"), "el");
  EXPECT_EQ(mail_language("ee"), "et");
  EXPECT_EQ(mail_language("se"), "sv");
  EXPECT_EQ(mail_language("th"), "th");
  EXPECT_EQ(mail_language("xx"), "en");
  EXPECT_EQ(mail_language(""), "en");
}

TEST(Events, NamesRoundTrip) {
  for (Event e : kEvents) EXPECT_EQ(*parse_event(event_name(e)), e);
  EXPECT_FALSE(parse_event("nonsense").ok());
}

// --- Rendering ------------------------------------------------------------------

DeviceInfo berlin_device() { return {"Garage", "0123456789", *TimeZone::locate("Europe/Berlin")}; }

TEST(Render, GermanOutputSwitchedWithCauseAndLocalTime) {
  Notification n;
  n.id = "4.1764505800";
  n.event = Event::kOutputSwitched;
  n.created = 1764505800;  // 12:30 UTC, 13:30 in Berlin
  n.values = {{"state", "on"}, {"cause", "button"}};
  const MailContent m = render(n, berlin_device(), "de");
  EXPECT_EQ(m.subject, "Garage: Ausgang eingeschaltet");
  EXPECT_NE(m.text.find("Der Ausgang wurde eingeschaltet (Ursache: button)."), std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find("Gerät: Garage\n"), std::string::npos);
  EXPECT_NE(m.text.find("Geräte-ID: 0123456789\n"), std::string::npos);
  EXPECT_NE(m.text.find("Ortszeit: 2025-11-30 13:30:00 Europe/Berlin\n"), std::string::npos);
  EXPECT_NE(m.text.find("  cause: button\n"), std::string::npos);
  EXPECT_NE(m.html.find("<html lang=\"de\">"), std::string::npos);
  EXPECT_NE(m.html.find("<td>2025-11-30 13:30:00 Europe/Berlin</td>"), std::string::npos);
}

TEST(Render, ManualCodeSelectsTheLanguage) {
  Notification n;
  n.event = Event::kPhaseLost;
  n.values = {{"phase", "2"}, {"u2", "176.4 V"}};
  const MailContent m = render(n, berlin_device(), "ua");
  EXPECT_EQ(m.subject, "Garage: втрачено фазу L2");
  EXPECT_NE(m.text.find("  u2: 176.4 V\n"), std::string::npos);
}

TEST(Render, ValuesAreEscapedInHtmlNotInText) {
  Notification n;
  n.event = Event::kOutputSwitched;
  n.values = {{"state", "off"}, {"cause", "<script>alert(1)</script>"}};
  DeviceInfo device = berlin_device();
  device.name = "R&D <lab>";
  const MailContent m = render(n, device, "en");
  EXPECT_EQ(m.html.find("<script>"), std::string::npos);
  EXPECT_NE(m.html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(m.html.find("R&amp;D &lt;lab&gt;"), std::string::npos);
  EXPECT_NE(m.text.find("<script>alert(1)</script>"), std::string::npos);
  EXPECT_EQ(m.subject, "R&D <lab>: output switched off");
}

TEST(Render, ConditionIndexAndMissingValues) {
  Notification n;
  n.event = Event::kCondition;
  n.condition = 3;
  EXPECT_EQ(render(n, berlin_device(), "en").subject, "Garage: condition 3 met");
  n.event = Event::kServerUnreachable;  // no "minutes" value: shown as "?"
  EXPECT_NE(render(n, berlin_device(), "en").text.find("for ? minutes"), std::string::npos);
}

TEST(Render, UnnamedDeviceIsItsId) {
  Notification n;
  n.event = Event::kRestarted;
  DeviceInfo device = berlin_device();
  device.name.clear();
  EXPECT_EQ(render(n, device, "en").subject, "0123456789: device restarted");
}

TEST(Render, EveryEventInEveryLanguageFillsEveryPlaceholder) {
  Notification n;
  n.values = {{"phase", "1"}, {"state", "on"}, {"cause", "API"}, {"minutes", "15"}};
  n.condition = 1;
  for (const Language& l : languages()) {
    for (Event e : kEvents) {
      n.event = e;
      const MailContent m = render(n, berlin_device(), l.tag);
      for (const std::string* s : {&m.subject, &m.text}) {
        EXPECT_EQ(s->find('{'), std::string::npos) << l.tag << " " << event_name(e) << ": " << *s;
        EXPECT_EQ(s->find('?'), std::string::npos) << l.tag << " " << event_name(e) << ": " << *s;
      }
    }
  }
}

TEST(Compose, MessageIdIsStablePerNotification) {
  Notification n;
  n.id = "12.1764505800";
  n.event = Event::kTest;
  n.created = 1764505800;
  const Mail a = compose(n, berlin_device(), "en", "maic@example.org", {"me@example.org"});
  const Mail b = compose(n, berlin_device(), "en", "maic@example.org", {"me@example.org"});
  EXPECT_EQ(a.data, b.data);
  const auto parsed = test::parse_message(a.data);
  EXPECT_EQ(parsed.headers.at("message-id"), "<12.1764505800@0123456789.maic>");
  EXPECT_EQ(parsed.headers.at("date"), "Sun, 30 Nov 2025 13:30:00 +0100");
  EXPECT_EQ(parsed.headers.at("subject"), "Garage: test e-mail");
  EXPECT_EQ(a.to, std::vector<std::string>{"me@example.org"});
}

}  // namespace
}  // namespace maic::notify
