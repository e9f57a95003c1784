#include <curl/curl.h>
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "maic/device/http_client.hpp"

namespace maic::device {
namespace {

void init_curl() {
  static const CURLcode ready = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (ready != CURLE_OK) throw std::runtime_error("libcurl cannot be initialised");
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options) : options_(std::move(options)) {
    init_curl();
    curl_ = curl_easy_init();
    if (!curl_) throw std::runtime_error("libcurl: no handle");
  }
  ~CurlTransport() override { curl_easy_cleanup(curl_); }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    if (cancelled_) return make_error("cancelled");
    // Reset clears the options of the last call but keeps its connection
    // (keep-alive) and caches.
    curl_easy_reset(curl_);
    Call call{this, {}, false};
    char error[CURL_ERROR_SIZE] = {};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, fmt::format("{}: {}", name, value).c_str());
    }
    // libcurl would send "Expect: 100-continue" before a large body and
    // wait for a go-ahead that small servers never send.
    headers = curl_slist_append(headers, "Expect:");

    const auto ms = [](auto d) {
      return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    };
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty())
      curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded daemon
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, ms(options_.connect_timeout));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, ms(request.timeout));
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &CurlTransport::on_data);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &call);
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &CurlTransport::on_progress);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &call);
    if (request.method == "POST") {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    const CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (call.too_large) {
      return make_error(
          fmt::format("the answer is larger than {} bytes", options_.max_response_bytes));
    }
    if (code != CURLE_OK) {
      if (cancelled_) return make_error("cancelled");
      return make_error(error[0] ? std::string(error) : std::string(curl_easy_strerror(code)));
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return HttpResponse{static_cast<int>(status), std::move(call.body)};
  }

  void cancel() override { cancelled_ = true; }

 private:
  struct Call {
    CurlTransport* self;
    std::string body;
    bool too_large;
  };

  static std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
    auto* call = static_cast<Call*>(user);
    const std::size_t bytes = size * n;
    if (call->body.size() + bytes > call->self->options_.max_response_bytes) {
      call->too_large = true;
      return 0;  // libcurl ends the transfer with an error
    }
    call->body.append(data, bytes);
    return bytes;
  }

  // Called about once a second even while waiting, so cancel() ends a long
  // poll promptly.
  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Call*>(user)->self->cancelled_ ? 1 : 0;
  }

  CurlOptions options_;
  std::mutex mutex_;  // one call at a time on the handle
  CURL* curl_ = nullptr;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

std::unique_ptr<HttpTransport> curl_transport(CurlOptions options) {
  return std::make_unique<CurlTransport>(std::move(options));
}

}  // namespace maic::device
