// Fuzzes the device's web API through its real routes: the first bytes
// choose the method, the path and a few header fields (browser marks, a
// cookie, a CSRF token, Host, Content-Type), the rest is the query string
// (and, for POST and PATCH, also the body). Every answer must be one of the
// statuses the API documents (docs/device.md, docs/security.md); a crash,
// an exception or any other status is a finding.
//
// The device is built once, on memory storage and a virtual clock, as the
// tests build it; the clock moves a second per input so rate limits and
// lockouts come and go.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "maic/device/web_api.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"

namespace {

using maic::http::Request;
using maic::http::Response;

struct Rig {
  maic::VirtualClock clock;
  maic::MemoryStorage storage;
  std::unique_ptr<maic::device::Device> device;
  maic::http::Router router;
  std::string session;  // a live session's cookie pair
  std::string csrf;     // and its token

  Rig() {
    maic::metering::SyntheticConfig c;
    const maic::metering::PhaseLoad load{230, 5, 20};
    c.profile = maic::metering::constant_profile({load, load, load});
    auto source = maic::metering::WaveformMeter::create(
        std::make_unique<maic::metering::SyntheticSource>(c), clock.steady_now(), "synthetic");
    maic::device::DeviceOptions o;
    o.firmware_version = "fuzz";
    auto d = maic::device::Device::open({clock, storage, std::move(source).value(),
                                         [](std::span<std::byte> out) {
                                           for (auto& b : out) b = std::byte{7};
                                         }},
                                        o);
    if (!d.ok()) std::abort();
    device = std::move(d).value();
    maic::device::add_web_routes(
        router, *device, clock, [](const Request&) { return Response::text("site"); },
        {.requests_per_second = 1000, .burst = 1000, .host_names = {"maic-d103"}});
    clock.advance(std::chrono::seconds(5));
    device->step();
    Request login;
    login.method = "POST";
    login.path = login.target = "/api/v1/login";
    login.body = R"({"pin":"0000"})";
    login.remote = "10.0.0.1";
    const Response r = router.handle(login);
    const std::string set(r.headers.get("Set-Cookie").value_or(""));
    session = set.substr(0, set.find(';'));
    const auto at = r.body.find("\"csrf_token\":\"");
    if (r.status != 200 || at == std::string::npos) std::abort();
    csrf = r.body.substr(at + 14, r.body.find('"', at + 14) - at - 14);
  }
};

constexpr std::string_view kPaths[] = {"/",
                                       "/api/v1/login",
                                       "/api/v1/settings",
                                       "/api/v1/output",
                                       "/api/v1/meters",
                                       "/api/v1/status",
                                       "/api/v1/journal.csv",
                                       "/metrics"};
constexpr std::string_view kMethods[] = {"GET", "GET", "GET", "POST", "PATCH", "HEAD"};
constexpr std::string_view kSites[] = {"same-origin", "cross-site", "same-site", "none"};
constexpr std::string_view kHosts[] = {"10.0.0.9", "maic-d103.local", "rebound.example",
                                       "[::1]:80"};
constexpr std::string_view kOrigins[] = {"http://10.0.0.9", "null", "http://evil.example",
                                         "http://maic-d103.local"};

// Every status the device's routes answer with; any other is a bug.
constexpr int kDocumented[] = {200, 400, 401, 403, 404, 405, 415, 429, 503};
bool documented(int status) {
  return std::ranges::find(kDocumented, status) != std::end(kDocumented);
}

template <std::size_t N>
std::string_view pick(const std::string_view (&table)[N], std::uint8_t byte) {
  return table[byte % N];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Rig rig;
  if (size < 4) return 0;
  const std::uint8_t method = data[0], path = data[1], flags = data[2], choice = data[3];
  const std::string_view rest(reinterpret_cast<const char*>(data + 4), size - 4);

  Request q;
  q.method = pick(kMethods, method);
  q.path = pick(kPaths, path);
  q.remote = (flags & 0x80) ? "10.0.0.1" : "10.0.0." + std::to_string(2 + choice % 50);
  auto query = maic::http::parse_query(rest);
  if (query) q.query = std::move(*query);
  q.target = q.path + "?" + std::string(rest);
  if (q.method == "POST" || q.method == "PATCH") q.body = rest;
  if (flags & 0x01) q.headers.add("Host", std::string(pick(kHosts, choice)));
  if (flags & 0x02) q.headers.add("Sec-Fetch-Site", std::string(pick(kSites, choice >> 2)));
  if (flags & 0x04) q.headers.add("Origin", std::string(pick(kOrigins, choice >> 4)));
  if (flags & 0x08) q.headers.add("Cookie", rig.session);
  if (flags & 0x10) q.headers.add("X-CSRF-Token", (choice & 1) ? rig.csrf : "wrong");
  if (flags & 0x20) q.headers.add("Content-Type", "application/json");
  if (flags & 0x40) q.headers.add("Sec-Fetch-Mode", "cors");

  const Response r = rig.router.handle(q);
  if (!documented(r.status)) std::abort();
  if (r.status == 429 && !r.headers.contains("Retry-After")) std::abort();
  rig.clock.advance(std::chrono::seconds(1));
  return 0;
}
