// The device's web interface as routes on a Router:
//
//  - the smart-MAIC page API, GET /?page=... (compat.md §1, page_api.hpp);
//  - maic's JSON API under /api/v1 (docs/device-api.md);
//  - /metrics for Prometheus;
//  - the built-in site (static assets) for everything else.
//
// Requests beyond a per-address rate are answered 429. Handlers are plain
// functions over the Device; they are thread-safe as the Device is.
#pragma once

#include "maic/device/device.hpp"
#include "maic/http/expected.hpp"
#include "maic/http/router.hpp"

namespace maic::device {

struct WebApiOptions {
  double requests_per_second = 10;  // per address, sustained
  double burst = 40;                // per address
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
