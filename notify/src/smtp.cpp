#include "maic/notify/smtp.hpp"

#include <fmt/format.h>

namespace maic::notify {
namespace {

constexpr std::string_view kSecurityNames[] = {"none", "starttls", "tls"};

bool bad_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == '"' || c == '\\';
}

}  // namespace

std::string_view security_name(SmtpSecurity s) {
  return kSecurityNames[static_cast<std::size_t>(s)];
}

Result<SmtpSecurity> parse_security(std::string_view name) {
  for (std::size_t k = 0; k < std::size(kSecurityNames); ++k) {
    if (kSecurityNames[k] == name) return static_cast<SmtpSecurity>(k);
  }
  return make_error(fmt::format("not one of none, starttls, tls: \"{}\"", name));
}

bool valid_address(std::string_view address) {
  // RFC 5321 §4.5.3.1: local part <= 64, domain <= 255, path <= 256 with
  // the brackets.
  if (address.empty() || address.size() > 254) return false;
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size() || at > 64) return false;
  if (address.find('@') != at) return false;
  for (char c : address) {
    if (bad_char(c)) return false;
  }
  const std::string_view domain = address.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' &&
         domain.find("..") == std::string_view::npos;
}

Status validate(const SmtpSettings& s) {
  if (s.host.empty()) return make_error("smtp.host: required");
  if (s.host.size() > 253) return make_error("smtp.host: longer than 253 characters");
  for (char c : s.host) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/' || c == '@' || c == '[' || c == ']' || c == '?' ||
        c == '#') {
      return make_error("smtp.host: not a host name or IP address");
    }
  }
  if (s.port < 1 || s.port > 65535) return make_error("smtp.port: 1..65535");
  if (s.username.empty() && !s.password.empty()) {
    return make_error("smtp.username: required with a password");
  }
  for (const auto& [field, text] :
       {std::pair{"username", &s.username}, {"password", &s.password}}) {
    for (char c : *text) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return make_error(fmt::format("smtp.{}: no line breaks", field));
      }
    }
  }
  if (s.sender.empty()) return make_error("smtp.sender: required");
  if (!valid_address(s.sender)) return make_error("smtp.sender: not an e-mail address");
  if (s.recipients.empty()) return make_error("smtp.recipients: at least one is required");
  if (s.recipients.size() > kMaxRecipients) {
    return make_error(fmt::format("smtp.recipients: at most {}", kMaxRecipients));
  }
  for (std::size_t k = 0; k < s.recipients.size(); ++k) {
    if (!valid_address(s.recipients[k])) {
      return make_error(fmt::format("smtp.recipients[{}]: not an e-mail address", k));
    }
  }
  for (char c : s.ca_file) {
    if (c == '\0' || c == '\n') return make_error("smtp.ca_file: not a path");
  }
  return ok_status();
}

}  // namespace maic::notify
