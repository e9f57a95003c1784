// maic-cloud's request handling: every endpoint of the server (docs/api.md)
// as one handler over a Store and a Clock, testable without sockets.
//
//   /api                     the smart-MAIC data API (compat.md §3)
//   /api/v1/...              accounts, devices, boards, output, series,
//                            totals, CSV: the Dashboard's JSON API, also for
//                            scripts (API key)
//   /uplink/v1/...           what devices call (docs/uplink.md)
//   /, /signin, /devices/... the Dashboard (CloudOptions::site): its files,
//                            and its index.html for the app's own paths
//
// Threads: handle() may be called from any number of threads at once.
// Time: every "now" comes from the injected clock (wall time for stamps,
// steady time for rate limits).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "maic/core/clock.hpp"
#include "maic/http/expected.hpp"
#include "maic/http/message.hpp"
#include "maic/http/static_assets.hpp"

namespace maic::cloud {

class Store;

struct CloudOptions {
  std::string version;
  // A browser session lasts this long after logging in.
  std::chrono::seconds session_ttl = std::chrono::hours(24 * 30);
  // Cookies carry "Secure": set when the server is reached over HTTPS
  // (directly or through a proxy).
  bool secure_cookies = false;
  // A device is online when it was heard from within this window: it
  // uploads every minute and keeps a command poll open.
  std::chrono::seconds online_window = std::chrono::seconds(180);
  // Series answers have at most this many points; longer ranges are
  // downsampled on the server.
  std::size_t max_series_points = 2000;
  // How long a device's command poll may wait (the device asks for up to
  // this), and how often a waiting poll looks for a new command.
  std::chrono::seconds max_command_wait = std::chrono::seconds(30);
  std::chrono::milliseconds command_check_interval = std::chrono::milliseconds(200);
  // Failed log-ins allowed per (account, client address) and per client
  // address, over all accounts: a burst, then one more every
  // 1 / per_second seconds; beyond, 429 with Retry-After (docs/security.md).
  double login_pair_burst = 10;
  double login_pair_per_second = 1.0 / 6;
  double login_address_burst = 20;
  double login_address_per_second = 1.0 / 3;
  // Called with the hash each log-in verifies its password against: the
  // account's, or for an unknown address a fixed dummy hash of the same
  // cost, so both answers take as long. For tests; empty: not called.
  std::function<void(std::string_view hash)> on_password_check;
  // Events worth a log line (logins refused, devices registered, storage
  // failures). Called from handler threads; empty: silent.
  std::function<void(std::string_view)> log;
  // Routine events, one line per upload ("device 1828719372: 120 minutes
  // stored, newest 1700000040"): for debugging. Empty: not even formatted.
  std::function<void(std::string_view)> debug;
  // The Dashboard's files (maic::web::dashboard_assets()), served at "/";
  // every GET of a path that names no file, has no extension and is not
  // the API's (/api, /uplink/, /metrics) gets its index.html, so the app's
  // own URLs can be bookmarked. Must outlive the service. Empty: no site.
  http::AssetTable site;
};

// Request body limits (docs/security.md, "Limits"), decided on the header
// by CloudService::body_limit before a body is read.
//  - every route: 64 KiB, enough for any JSON the API takes but a board;
//  - PUT of a board: 256 KiB, only for an authenticated caller;
//  - POST /uplink/v1/minutes: 4 MiB, only for a known device with its
//    secret; a batch of kMaxUploadRecords three-phase records at full
//    precision with every optional field is under half of it.
inline constexpr std::size_t kBodyBytes = 64 * 1024;
inline constexpr std::size_t kBoardBodyBytes = 256 * 1024;
inline constexpr std::size_t kUplinkBodyBytes = 4 * 1024 * 1024;
// The largest of them: the server's Limits::body_bytes.
inline constexpr std::size_t kMaxBodyBytes = kUplinkBodyBytes;

class CloudService {
 public:
  // `store` and `clock` must outlive the service.
  CloudService(Store& store, const Clock& clock, CloudOptions options);
  ~CloudService();
  CloudService(const CloudService&) = delete;
  CloudService& operator=(const CloudService&) = delete;

  http::Response handle(const http::Request& request) const;

  // For http::ServerOptions::body_limit: how large `header`'s body may be
  // (see kBodyBytes...), or the refusal before it is read: the routes that
  // take large bodies check the caller's credentials on the header first
  // (401, 403; 409 for a device that never said hello; 503 when the store
  // fails). Thread-safe like handle().
  http::Expected<std::size_t> body_limit(const http::Request& header) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace maic::cloud
