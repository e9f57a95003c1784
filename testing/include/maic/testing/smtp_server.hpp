// A real SMTP server for the tests: aiosmtpd (Debian's python3-aiosmtpd)
// under /usr/bin/python3, running testing/data/smtp_sink.py on a free
// loopback port. It keeps every message it accepts as files in its own
// temporary directory; messages() reads them back, wait_for() awaits them
// with inotify, bounded by kWaitLimit: nothing sleeps.
//
// Threads: as for every LoggedServer, call from one thread and keep it
// alive while the server runs (PR_SET_PDEATHSIG).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/testing/logged_server.hpp"
#include "maic/testing/mosquitto_broker.hpp"  // kWaitLimit

namespace maic::testing {

struct SmtpServerOptions {
  // Non-empty: AUTH is required (PLAIN or LOGIN, accepted without TLS)
  // and only this user with this password is admitted (535 otherwise).
  std::string username;
  std::string password;
  // "none", "starttls" (STARTTLS required first) or "tls" (implicit TLS),
  // the last two with a self-signed certificate for 127.0.0.1 made by
  // openssl, which ca_file() holds.
  std::string security = "none";
};

// One message as the server received it.
struct SmtpMessage {
  std::string from;             // MAIL FROM
  std::vector<std::string> to;  // RCPT TO, in order
  std::string login;            // the user that authenticated; empty without AUTH
  std::string data;             // the DATA, exactly as received (CRLF), dots unstuffed
};

// Recipients whose local part starts with "refuse" are rejected (550).
class SmtpServer : public LoggedServer {
 public:
  using Options = SmtpServerOptions;

  // Starts the server and returns once it listens ("smtp sink ready" on its
  // output). Errors: python3 or openssl missing, aiosmtpd not installed,
  // no start within kWaitLimit (the error holds the server's output).
  static Result<std::unique_ptr<SmtpServer>> start(Options options = {});
  ~SmtpServer();  // kills the server, removes its directory

  int port() const;
  std::string ca_file() const;  // the certificate to trust; empty for "none"

  // The messages received so far, oldest first.
  std::vector<SmtpMessage> messages() const;
  // Waits until at least `count` messages have arrived or `limit` passed;
  // returns the messages then.
  std::vector<SmtpMessage> wait_for(std::size_t count,
                                    std::chrono::milliseconds limit = kWaitLimit) const;

 private:
  struct Impl;
  explicit SmtpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::testing
