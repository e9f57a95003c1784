#include "maic/notify/mail.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace maic::notify {
namespace {

using test::base64_decode;
using test::crlf_lines;
using test::decode_words;
using test::parse_message;

TimeZone zone(std::string_view name) {
  auto z = TimeZone::locate(name);
  EXPECT_TRUE(z.ok()) << name;
  return *z;
}

MailHeader header() {
  MailHeader h;
  h.sender = "maic@example.org";
  h.sender_name = "Garáž \"north\"";
  h.recipients = {"a@example.org", "b@example.org"};
  h.message_id = "7.1764505800@0123456789.maic";
  h.date = 1764505800;  // 2025-11-30 12:30:00 UTC
  h.zone = zone("Europe/Prague");
  return h;
}

MailContent content() {
  return {"Garáž: fáze L2 ztracena — napětí < 180 V", "Řádek jedna\nŘádek dva\r\nend",
          "<p>Napětí &lt; 180 V</p>"};
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_lines(""), "");
  EXPECT_EQ(base64_lines("f"), "Zg==\r\n");
  EXPECT_EQ(base64_lines("fo"), "Zm8=\r\n");
  EXPECT_EQ(base64_lines("foo"), "Zm9v\r\n");
  EXPECT_EQ(base64_lines("foob"), "Zm9vYg==\r\n");
  EXPECT_EQ(base64_lines("foobar"), "Zm9vYmFy\r\n");
}

TEST(Base64, LinesOf76) {
  const std::string text(200, 'x');
  const auto lines = crlf_lines(base64_lines(text));
  ASSERT_EQ(lines.size(), 4u);
  for (std::size_t k = 0; k + 1 < lines.size(); ++k) EXPECT_EQ(lines[k].size(), 76u);
  EXPECT_EQ(base64_decode(base64_lines(text)), text);
}

TEST(Rfc5322Date, InTheZoneWithItsOffset) {
  EXPECT_EQ(rfc5322_date(0, TimeZone::utc()), "Thu, 1 Jan 1970 00:00:00 +0000");
  // Summer time in Berlin; a half-hour zone east and west of UTC.
  EXPECT_EQ(rfc5322_date(1751286600, zone("Europe/Berlin")), "Mon, 30 Jun 2025 14:30:00 +0200");
  EXPECT_EQ(rfc5322_date(1764505800, zone("Asia/Kolkata")), "Sun, 30 Nov 2025 18:00:00 +0530");
  EXPECT_EQ(rfc5322_date(1764505800, zone("America/St_Johns")), "Sun, 30 Nov 2025 09:00:00 -0330");
}

TEST(EncodeHeaderText, AsciiStaysItself) {
  EXPECT_EQ(encode_header_text("Garage: phase L1 lost"), "Garage: phase L1 lost");
}

TEST(EncodeHeaderText, Utf8BecomesEncodedWordsThatNeverSplitACharacter) {
  const std::string text =
      "Гараж: втрачено фазу L1 — напруга нижча за поріг довше, ніж час фільтра ไทย";
  const std::string encoded = encode_header_text(text);
  EXPECT_EQ(decode_words(encoded), text);
  for (const std::string& line : crlf_lines(encoded)) {
    std::string_view word = line;
    if (word.starts_with(' ')) word.remove_prefix(1);
    EXPECT_LE(word.size(), 75u) << word;  // RFC 2047 §2
    // Each word alone is whole UTF-8: it ends on a character boundary.
    const std::string bytes = decode_words(word);
    ASSERT_FALSE(bytes.empty());
    const auto last_lead = bytes.find_last_not_of(
        std::string_view("\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91"
                         "\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2\xa3"
                         "\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5"
                         "\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\xbf"));
    const auto lead = static_cast<unsigned char>(bytes[last_lead]);
    const std::size_t expected = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    EXPECT_EQ(bytes.size() - last_lead, expected);
  }
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(html_escape("<b a=\"x\">&'</b>"), "&lt;b a=&quot;x&quot;&gt;&amp;&#39;&lt;/b&gt;");
}

TEST(BuildMail, EnvelopeIsTheHeadersAddresses) {
  const Mail mail = build_mail(header(), content());
  EXPECT_EQ(mail.from, "maic@example.org");
  EXPECT_EQ(mail.to, (std::vector<std::string>{"a@example.org", "b@example.org"}));
}

TEST(BuildMail, CrlfOnlyAndNoLongLines) {
  const Mail mail = build_mail(header(), content());
  for (std::size_t i = 0; i < mail.data.size(); ++i) {
    if (mail.data[i] == '\n') {
      ASSERT_TRUE(i > 0 && mail.data[i - 1] == '\r') << "bare LF at " << i;
    }
    if (mail.data[i] == '\r') {
      ASSERT_EQ(mail.data[i + 1], '\n') << "bare CR at " << i;
    }
  }
  EXPECT_TRUE(mail.data.ends_with("\r\n"));
  for (const std::string& line : crlf_lines(mail.data)) EXPECT_LE(line.size(), 998u);
  for (const std::string& line : crlf_lines(mail.data)) EXPECT_LE(line.size(), 78u) << line;
}

TEST(BuildMail, HeadersParseBack) {
  const Mail mail = build_mail(header(), content());
  const auto parsed = parse_message(mail.data);
  const auto& h = parsed.headers;
  ASSERT_TRUE(h.count("from"));
  EXPECT_EQ(decode_words(h.at("from")), "Garáž \"north\"");
  EXPECT_TRUE(h.at("from").ends_with(" <maic@example.org>"));
  EXPECT_EQ(h.at("to"), "a@example.org, b@example.org");  // unfolded
  EXPECT_EQ(decode_words(h.at("subject")), content().subject);
  EXPECT_EQ(h.at("date"), "Sun, 30 Nov 2025 13:30:00 +0100");
  EXPECT_EQ(h.at("message-id"), "<7.1764505800@0123456789.maic>");
  EXPECT_EQ(h.at("mime-version"), "1.0");
  EXPECT_EQ(h.at("auto-submitted"), "auto-generated");
  EXPECT_TRUE(h.at("content-type").starts_with("multipart/alternative;"));
}

TEST(BuildMail, AsciiNameIsAQuotedString) {
  MailHeader h = header();
  h.sender_name = "Garage \"north\"";
  const auto parsed = parse_message(build_mail(h, content()).data);
  EXPECT_EQ(parsed.headers.at("from"), "\"Garage \\\"north\\\"\" <maic@example.org>");
}

TEST(BuildMail, TwoPartsPlainThenHtmlBothUtf8) {
  const Mail mail = build_mail(header(), content());
  const auto parsed = parse_message(mail.data);
  const std::string boundary = test::parameter(parsed.headers.at("content-type"), "boundary");
  ASSERT_FALSE(boundary.empty());
  ASSERT_LE(boundary.size(), 70u);
  // RFC 2046 §5.1.1: delimiters on lines of their own, a close delimiter last.
  std::vector<std::string> parts;
  bool closed = false;
  std::string* current = nullptr;
  for (const std::string& line : crlf_lines(parsed.body)) {
    if (line == "--" + boundary) {
      ASSERT_FALSE(closed);
      parts.emplace_back();
      current = &parts.back();
    } else if (line == "--" + boundary + "--") {
      closed = true;
      current = nullptr;
    } else if (current != nullptr) {
      *current += line + "\r\n";
    }
  }
  EXPECT_TRUE(closed);
  ASSERT_EQ(parts.size(), 2u);
  const std::pair<std::string, std::string> expected[] = {
      {"text/plain; charset=UTF-8", "Řádek jedna\r\nŘádek dva\r\nend"},
      {"text/html; charset=UTF-8", "<p>Napětí &lt; 180 V</p>"},
  };
  for (std::size_t k = 0; k < 2; ++k) {
    const auto part = parse_message(parts[k]);
    EXPECT_EQ(part.headers.at("content-type"), expected[k].first);
    EXPECT_EQ(part.headers.at("content-transfer-encoding"), "base64");
    EXPECT_EQ(base64_decode(part.body), expected[k].second);
    EXPECT_EQ(part.body.find(boundary), std::string::npos);
  }
}

TEST(BuildMail, SameInputSameBytes) {
  EXPECT_EQ(build_mail(header(), content()).data, build_mail(header(), content()).data);
}

TEST(BuildMail, LineBreaksInHeaderValuesCannotAddHeaders) {
  MailContent c = content();
  c.subject = "hello\r\nBcc: victim@example.org";
  const auto parsed = parse_message(build_mail(header(), c).data);
  EXPECT_EQ(parsed.headers.count("bcc"), 0u);
}

}  // namespace
}  // namespace maic::notify
