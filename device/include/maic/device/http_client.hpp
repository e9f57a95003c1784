// The device's outgoing HTTP: a small transport interface, so the uplink's
// logic runs unchanged over libcurl (the daemon) and over anything a test
// wants, and its one real implementation over libcurl.
//
// A transport performs one request at a time and answers with the status
// and body, or an error when there was no answer (refused, timed out,
// TLS failure, cancelled). It knows nothing of the uplink's protocol:
// authentication, JSON and retries are the caller's.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"

namespace maic::device {

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;             // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // POST: sent as is
  // The whole exchange, connecting included; a long poll needs its wait
  // and some slack.
  Duration timeout = std::chrono::seconds(30);
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Performs `request` and waits for the answer. Any status is an answer;
  // an error means there was none. Calls are serialised: a second thread
  // waits for the first's call to end (use one transport per thread that
  // must not wait, e.g. a long poll).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;

  // Aborts the call in progress (within about a second) and makes every
  // later call fail at once: for shutdown. Any thread; irreversible.
  virtual void cancel() = 0;
};

struct CurlOptions {
  std::string user_agent = "maic-device";
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  // Answers larger than this are refused as an error (the uplink's are a
  // few hundred bytes).
  std::size_t max_response_bytes = 1024 * 1024;
  // TLS: a file of CA certificates to trust instead of the system's; empty:
  // the system's. Peer and host verification are always on.
  std::string ca_file;
};

// libcurl: no redirects are followed (a 3xx is an answer like any other),
// only http and https, TLS peers verified, keep-alive between calls. Safe
// to use from several threads (calls are serialised).
std::unique_ptr<HttpTransport> curl_transport(CurlOptions options = {});

}  // namespace maic::device
