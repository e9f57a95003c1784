// The device's web interface as routes on a Router:
//
//  - the smart-MAIC page API, GET /?page=... (compat.md §1, page_api.hpp);
//  - maic's JSON API under /api/v1 (docs/device-api.md);
//  - /metrics for Prometheus;
//  - the built-in site (static assets) for everything else.
//
// Requests beyond a per-address rate are answered 429. Every API route (page
// and JSON) refuses what a browser sends on another site's behalf, and a
// browser's requests (browser_guard.hpp) must name the device by one of its
// names and carry their session's CSRF token to change anything
// (docs/security.md, "The device: a LAN attacker"); cookie-less scripts are
// served under any Host. Handlers are plain functions over the Device; they
// are thread-safe as the Device is.
#pragma once

#include <string>
#include <vector>

#include "maic/core/corrected_clock.hpp"
#include "maic/device/automation_service.hpp"
#include "maic/device/device.hpp"
#include "maic/device/lifecycle_loop.hpp"
#include "maic/http/expected.hpp"
#include "maic/http/router.hpp"

namespace maic::device {

class NotifierService;

struct WebApiOptions {
  double requests_per_second = 10;  // per address, sustained
  double burst = 40;                // per address
  // The names a browser may reach the device by, besides IP literals and
  // localhost (http::HostAllowList: a dotless name also as <name>.local;
  // "*" accepts any). The daemon passes its host name and --allow-host.
  std::vector<std::string> host_names = {};
  // The automation, for the status API and /metrics; null: not wired.
  const AutomationService* automation = nullptr;
  // --- Notifications ---
  // The e-mail notifier (notifier_service.hpp), which must outlive the
  // router: POST /api/v1/notifications/test, the e-mail queue in the status
  // and /metrics. Null: none (the test route answers 503).
  NotifierService* notifier = nullptr;
  // --- End of notifications ---
  // The life cycle (lifecycle_loop.hpp), which must outlive the router:
  // the status API's "network" and "led_pattern", and POST /api/v1/reboot
  // as a short press of Reset (the access point opens). Null: not wired
  // (the reboot restarts the services only).
  LifecycleLoop* lifecycle = nullptr;
  // The device's wall clock as corrected by the data server: the status
  // API's "clock" (its time and source). Null: "clock" reads the clock
  // handed to add_web_routes, source "rtc".
  const CorrectedClock* wall_clock = nullptr;
};

// Adds every route. `site` serves the built-in site's files (the prefix "/"
// and "/" itself when no page= is asked for). `device` and `site` must
// outlive the router.
void add_web_routes(http::Router& router, Device& device, const Clock& clock, http::Handler site,
                    WebApiOptions options = {});

// Request bodies (docs/security.md, "Limits"): the largest a request to the
// device may send is kWebBodyBytes (a login, a settings patch, an output or
// meter command: all well under 1 KiB of JSON); a GET or HEAD sends none.
// web_body_limit is for http::ServerOptions::body_limit, with
// Limits::body_bytes = kWebBodyBytes.
inline constexpr std::size_t kWebBodyBytes = 16 * 1024;
http::Expected<std::size_t> web_body_limit(const http::Request& header);

// The journal as CSV: a header row from the catalogue, one row a minute.
std::string minutes_csv(std::span<const MinuteRecord> minutes, int phases);

}  // namespace maic::device
