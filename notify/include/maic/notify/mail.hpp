// A notification as an Internet message: pure functions that build the
// RFC 5322 text (headers, MIME multipart/alternative with a plain-text and
// an HTML part) and its SMTP envelope. No I/O, no clock: the date is handed
// in.
//
// The message:
//   From: "<device name>" <sender>      (RFC 5322 §3.4; a non-ASCII name as
//                                        an RFC 2047 encoded-word)
//   To: a, b, c
//   Subject: =?UTF-8?B?...?=             (RFC 2047 when not plain ASCII)
//   Date: Mon, 30 Nov 2026 12:30:18 +0100  (§3.3, in the device's zone)
//   Message-ID: <id@domain>              (§3.6.4; stable per notification,
//                                        so a copy re-sent after a crash is
//                                        recognisably the same message)
//   MIME-Version: 1.0, Auto-Submitted: auto-generated (RFC 3834)
//   Content-Type: multipart/alternative (RFC 2046 §5.1.4): text/plain
//   first, text/html second, both UTF-8 and base64 (RFC 2045 §6.8, lines
//   of 76 characters): no line is ever longer than 998 octets (§2.1.1),
//   and the boundary, which contains "=_", cannot occur in base64 text.
// Every line ends in CRLF; there is no bare CR or LF.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/calendar.hpp"

namespace maic::notify {

// What the SMTP client sends: the envelope (RFC 5321 MAIL FROM, RCPT TO)
// and the message's text (the DATA, CRLF line endings, no dot-stuffing:
// the client does that).
struct Mail {
  std::string from;
  std::vector<std::string> to;
  std::string data;
};

// The words of a message: the subject and the same text twice, plain and
// as an HTML fragment or document (already escaped where it holds values:
// html_escape()). All UTF-8.
struct MailContent {
  std::string subject;
  std::string text;
  std::string html;
};

struct MailHeader {
  std::string sender;                   // address (validated: smtp.hpp)
  std::string sender_name;              // display name, may be empty
  std::vector<std::string> recipients;  // addresses
  std::string message_id;               // "id-left@id-right", without the angle brackets
  std::int64_t date = 0;                // unix seconds
  TimeZone zone = TimeZone::utc();      // the Date header's offset
};

// The whole message for `header` and `content`, with its envelope.
Mail build_mail(const MailHeader& header, const MailContent& content);

// "Mon, 30 Nov 2026 12:30:18 +0100": unix time `t` in `zone` (RFC 5322
// §3.3, English day and month names as the grammar demands).
std::string rfc5322_date(std::int64_t t, const TimeZone& zone);

// `text` as a header value: itself when it is printable ASCII, else RFC 2047
// B encoded-words of UTF-8 (each at most 75 characters, never splitting a
// character), separated by CRLF SP so the header folds (§2.2.3).
std::string encode_header_text(std::string_view text);

// Base64 (RFC 4648 §4) in lines of at most 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view bytes);

// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace maic::notify
