// The SmtpSender on libcurl's SMTP support: one easy handle, a new
// connection per mail. libcurl does the protocol (EHLO, STARTTLS, AUTH with
// the best mechanism offered, dot-stuffing of the data); a debug callback
// records the last command and reply so an error can say which step failed.
#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "maic/notify/smtp.hpp"

namespace maic::notify {
namespace {

void init_curl() {
  static const CURLcode ready = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (ready != CURLE_OK) throw std::runtime_error("libcurl cannot be initialised");
}

// What one send() saw: the data still to upload, the last SMTP command's
// verb (never its arguments: AUTH's carry the credentials) and the server's
// last reply line.
struct Call {
  std::string_view rest;
  std::string command;
  std::string reply;
  bool quitting = false;
};

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' '))
    s.remove_suffix(1);
  return std::string(s.substr(0, 200));
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* call = static_cast<Call*>(user);
  const std::size_t bytes = std::min(size * n, call->rest.size());
  std::copy_n(call->rest.data(), bytes, buffer);
  call->rest.remove_prefix(bytes);
  return bytes;
}

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* call = static_cast<Call*>(user);
  const std::string_view text(data, size);
  // After a failure libcurl says QUIT; its "221 Bye" would hide the answer
  // that matters.
  if (call->quitting) return 0;
  if (type == CURLINFO_HEADER_OUT) {
    // "MAIL FROM:<...>", "RCPT TO:<...>", "AUTH PLAIN ...", "DATA": the verb.
    std::string verb(text.substr(0, text.find_first_of(" :\r\n")));
    if (!verb.empty() &&
        std::all_of(verb.begin(), verb.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      if (verb == "QUIT") {
        call->quitting = true;
        return 0;
      }
      call->command = std::move(verb);
    }
  } else if (type == CURLINFO_HEADER_IN) {
    // The last line of a multi-line reply holds the final code.
    std::string_view last = text;
    while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.remove_suffix(1);
    if (const std::size_t nl = last.rfind('\n'); nl != std::string_view::npos)
      last.remove_prefix(nl + 1);
    if (!last.empty()) call->reply = trimmed(last);
  }
  return 0;
}

// The step a failure belongs to, from libcurl's code and the last command.
std::string_view step(CURLcode code, const Call& call) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return "TLS";
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
      return "authentication";
    default:
      break;
  }
  if (call.command == "MAIL") return "sender refused";
  if (call.command == "RCPT") return "recipient refused";
  if (call.command == "DATA") return "message refused";
  if (call.command == "AUTH") return "authentication";
  if (call.command == "STARTTLS") return "TLS";
  if (call.command.empty()) return call.reply.empty() ? "connect" : "greeting";
  if (code == CURLE_OPERATION_TIMEDOUT) return "timeout";
  return "SMTP";
}

class CurlSmtpSender final : public SmtpSender {
 public:
  CurlSmtpSender(SmtpSettings settings, SmtpTimeouts timeouts)
      : settings_(std::move(settings)), timeouts_(timeouts) {
    init_curl();
    curl_ = curl_easy_init();
    if (!curl_) throw std::runtime_error("libcurl: no handle");
    const bool ipv6 = settings_.host.find(':') != std::string::npos;
    url_ = fmt::format("{}://{}{}{}:{}/maic",
                       settings_.security == SmtpSecurity::kTls ? "smtps" : "smtp", ipv6 ? "[" : "",
                       settings_.host, ipv6 ? "]" : "", settings_.port);
  }
  ~CurlSmtpSender() override { curl_easy_cleanup(curl_); }
  CurlSmtpSender(const CurlSmtpSender&) = delete;
  CurlSmtpSender& operator=(const CurlSmtpSender&) = delete;

  Status send(const Mail& mail) override {
    std::lock_guard lock(mutex_);
    curl_easy_reset(curl_);
    Call call{mail.data, {}, {}};
    char error[CURL_ERROR_SIZE] = {};
    curl_slist* recipients = nullptr;
    for (const std::string& to : mail.to) recipients = curl_slist_append(recipients, to.c_str());

    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded daemon
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(timeouts_.connect.count()));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts_.total.count()));
    curl_easy_setopt(curl_, CURLOPT_FORBID_REUSE, 1L);  // QUIT after each mail
    if (settings_.security == SmtpSecurity::kStartTls) {
      // Refuse to go on in clear when the server offers no STARTTLS.
      curl_easy_setopt(curl_, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    }
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, settings_.verify_peer ? 1L : 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, settings_.verify_peer ? 2L : 0L);
    if (!settings_.ca_file.empty())
      curl_easy_setopt(curl_, CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!settings_.username.empty()) {
      curl_easy_setopt(curl_, CURLOPT_USERNAME, settings_.username.c_str());
      curl_easy_setopt(curl_, CURLOPT_PASSWORD, settings_.password.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_MAIL_FROM, ("<" + mail.from + ">").c_str());
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, &on_read);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &call);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_VERBOSE, 1L);  // for on_debug only: nothing is printed
    curl_easy_setopt(curl_, CURLOPT_DEBUGFUNCTION, &on_debug);
    curl_easy_setopt(curl_, CURLOPT_DEBUGDATA, &call);

    const CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(recipients);
    if (code == CURLE_OK) return ok_status();
    std::string message = error[0] ? std::string(error) : std::string(curl_easy_strerror(code));
    if (!call.reply.empty()) message += fmt::format(" (server: {})", call.reply);
    return make_error(fmt::format("{}: {}", step(code, call), message));
  }

 private:
  SmtpSettings settings_;
  SmtpTimeouts timeouts_;
  std::string url_;
  std::mutex mutex_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<SmtpSender> curl_smtp_sender(SmtpSettings settings, SmtpTimeouts timeouts) {
  return std::make_unique<CurlSmtpSender>(std::move(settings), timeouts);
}

}  // namespace maic::notify
