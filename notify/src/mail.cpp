#include "maic/notify/mail.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <array>
#include <chrono>

namespace maic::notify {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// RFC 2047 §2 allows encoded-words of up to 75 characters; 36 bytes make
// 48 of base64 + 12 around them = 60, so "Subject: " and a word still fit
// the 78 characters a line SHOULD keep to (RFC 5322 §2.1.1).
constexpr std::size_t kWordBytes = 36;

std::string base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int shift : {18, 12, 6, 0}) out += kBase64[(v >> shift) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const unsigned v = (at(i) << 16) | (rest == 2 ? at(i + 1) << 8 : 0);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += rest == 2 ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool printable_ascii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The length of the UTF-8 sequence that `lead` starts (1 for a stray byte).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

// A display name (RFC 5322 §3.4 phrase): a quoted string when ASCII, else
// encoded-words (RFC 2047 §5 (3)).
std::string display_name(std::string_view name) {
  if (!printable_ascii(name)) return encode_header_text(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// Text with any line ending as CRLF: the parts are base64 of this, so the
// decoded text has the line endings RFC 2046 §4.1.1 asks of text/*.
std::string crlf_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += kCrlf;
    } else if (text[i] == '\n') {
      out += kCrlf;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Header values come from settings that were validated, and from texts;
// a CR or LF in them would start a new header, so they become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

std::string base64_lines(std::string_view bytes) {
  const std::string encoded = base64(bytes);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out += encoded.substr(i, 76);
    out += kCrlf;
  }
  return out;
}

std::string encode_header_text(std::string_view text) {
  if (printable_ascii(text)) return std::string(text);
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t next = end + sequence_length(static_cast<unsigned char>(text[end]));
      if (next - i > kWordBytes) break;
      end = std::min(next, text.size());
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string rfc5322_date(std::int64_t t, const TimeZone& zone) {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t offset = zone.offset_at(t);
  const date::sys_seconds local{std::chrono::seconds(t + offset)};
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss time(local - day);
  const date::weekday wd(day);
  const std::int64_t minutes = (offset < 0 ? -offset : offset) / 60;
  return fmt::format("{}, {} {} {} {:02}:{:02}:{:02} {}{:02}{:02}", kDays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     time.hours().count(), time.minutes().count(), time.seconds().count(),
                     offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Mail build_mail(const MailHeader& header, const MailContent& content) {
  // Deterministic, so one notification always makes the same bytes; "=_"
  // never occurs in base64, so the boundary cannot occur in a part.
  std::string boundary = "=_maic_";
  for (char c : header.message_id) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    boundary += plain ? c : '.';
  }
  if (boundary.size() > 70) boundary.resize(70);  // RFC 2046 §5.1.1: 1..70 characters

  std::string from = one_line(header.sender);
  if (!header.sender_name.empty()) {
    // Folded before the address (FWS in name-addr, §3.4) to keep lines short.
    from = display_name(one_line(header.sender_name)) + "\r\n <" + from + ">";
  }
  std::vector<std::string> to;
  for (const std::string& r : header.recipients) to.push_back(one_line(r));

  std::string data;
  const auto line = [&](std::string_view text) {
    data += text;
    data += kCrlf;
  };
  line("From: " + from);
  line("To: " + join(to, ",\r\n "));
  line("Subject: " + encode_header_text(one_line(content.subject)));
  line("Date: " + rfc5322_date(header.date, header.zone));
  line("Message-ID: <" + one_line(header.message_id) + ">");
  line("MIME-Version: 1.0");
  line("Auto-Submitted: auto-generated");
  line("Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"");
  line("");
  line("This is a MIME message with a plain-text and an HTML part.");
  const auto part = [&](std::string_view type, std::string_view body) {
    line("--" + boundary);
    line(fmt::format("Content-Type: {}; charset=UTF-8", type));
    line("Content-Transfer-Encoding: base64");
    line("");
    data += base64_lines(crlf_lines(body));
  };
  part("text/plain", content.text);
  part("text/html", content.html);
  line("--" + boundary + "--");
  return Mail{header.sender, header.recipients, std::move(data)};
}

}  // namespace maic::notify
