// Sending one e-mail over SMTP (RFC 5321): the account's settings, their
// validation at the edge, and the SmtpSender interface with its libcurl
// implementation. What is sent is a Mail (mail.hpp): an envelope and a
// finished RFC 5322 message; this layer adds nothing to it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/notify/mail.hpp"

namespace maic::notify {

// How the connection is protected.
enum class SmtpSecurity {
  kNone,      // plain SMTP (a relay on the local network); credentials travel in clear
  kStartTls,  // RFC 3207: plain connect, STARTTLS required before anything else (port 587)
  kTls,       // implicit TLS, "smtps://" (RFC 8314 §3.3, port 465)
};

// "none", "starttls", "tls".
std::string_view security_name(SmtpSecurity s);
Result<SmtpSecurity> parse_security(std::string_view name);

inline constexpr std::size_t kMaxRecipients = 3;

struct SmtpSettings {
  std::string host;  // a name or an IP address (IPv6 without brackets)
  int port = 587;    // 1..65535
  SmtpSecurity security = SmtpSecurity::kStartTls;
  std::string username;  // empty: no AUTH
  std::string password;
  std::string sender;                   // the From address and MAIL FROM: "maic@example.org"
  std::vector<std::string> recipients;  // 1..kMaxRecipients addresses
  std::string ca_file;                  // PEM file of trusted CAs; empty: the system's
  bool verify_peer = true;              // check the server's certificate and name

  friend bool operator==(const SmtpSettings&, const SmtpSettings&) = default;
};

// Whether `s` can be used, checked once at the edge (the settings' JSON,
// the API's test button). The error names the field, as the device's other
// settings do: "smtp.host: required", "smtp.recipients[1]: not an e-mail
// address", "smtp.port: 1..65535". Addresses are checked for the shape
// local@domain (no spaces, angle brackets or control characters, at most
// 254 bytes, RFC 5321 §4.5.3.1.3); whether they exist is the server's
// business.
Status validate(const SmtpSettings& s);

// Whether `address` has the shape local@domain described above.
bool valid_address(std::string_view address);

// Sends mail. Implementations may block for up to their time limits; one
// call at a time per sender (callers serialise, e.g. the Mailer's loop).
class SmtpSender {
 public:
  virtual ~SmtpSender() = default;

  // Hands `mail` to the server: connect, TLS, EHLO, AUTH, MAIL FROM, RCPT
  // TO for each recipient, DATA. OK means the server answered 250 to the
  // end of the data, i.e. it took responsibility for the message (RFC 5321
  // §4.1.1.4); only then may the caller forget it. An error says which step
  // failed and what the server or the library said, e.g.
  //   "connect: Couldn't connect to server (127.0.0.1:2525)"
  //   "TLS: SSL certificate problem: self-signed certificate"
  //   "authentication: Login denied (server: 535 5.7.8 Authentication credentials invalid)"
  //   "recipient refused: RCPT failed: 550 (server: 550 5.1.1 no such user)"
  // The password never appears in an error.
  virtual Status send(const Mail& mail) = 0;
};

struct SmtpTimeouts {
  std::chrono::milliseconds connect{10'000};  // TCP and TLS handshake (CURLOPT_CONNECTTIMEOUT_MS)
  std::chrono::milliseconds total{60'000};    // the whole conversation (CURLOPT_TIMEOUT_MS)
};

// An SmtpSender over libcurl for `settings` (validated by the caller). A new
// connection per send: notifications are rare. Thread-safe (calls are
// serialised inside).
std::unique_ptr<SmtpSender> curl_smtp_sender(SmtpSettings settings, SmtpTimeouts timeouts = {});

}  // namespace maic::notify
