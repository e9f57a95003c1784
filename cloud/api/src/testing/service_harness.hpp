// For the cloud API's tests: a CloudService over a Store the test opens,
// with a virtual clock, driven without sockets, and a simulated device's
// side of the uplink. Header-only; tests include it, nothing else does.
#pragma once

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maic/cloud/service.hpp"
#include "maic/core/clock.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/upload_codec.hpp"

namespace maic::cloud::testing {

inline std::string base64(std::string_view s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

// A simulated device's side of the uplink.
struct FakeDevice {
  std::string devid;
  std::string secret;
  std::string pin;
  int phases = 3;
  std::string timezone{};  // the device's own zone; empty: not sent (older firmware)

  std::string authorization() const { return "Basic " + base64(devid + ":" + secret); }
  nlohmann::json hello() const {
    const std::string salt = new_pin_salt();
    nlohmann::json body = {{"devid", devid},    {"devtype", "D103"},
                           {"firmware", "0.4"}, {"phases", phases},
                           {"pin_salt", salt},  {"pin_hash", *pin_digest(salt, pin)},
                           {"out", 0}};
    if (!timezone.empty()) body["timezone"] = timezone;
    return body;
  }
};

inline FakeDevice device_a() { return {"1828719372", std::string(64, 'a'), "4711"}; }

// A minute with constant power: `watts` per phase, meters counting from `base_wh`.
inline UploadRecord minute_at(std::int64_t minute, std::uint32_t seq, double watts,
                              double base_wh) {
  UploadRecord r;
  r.seq = seq;
  r.minute.minute = minute;
  r.minute.phases = 3;
  r.minute.readings = 12;
  r.minute.temperature_c = 30;
  for (int p = 0; p < 3; ++p) {
    auto& ph = r.minute.phase[static_cast<std::size_t>(p)];
    ph.volts = 230 + p;
    ph.amps = watts / 230;
    ph.power_factor = 1;
    ph.hertz = 50;
    ph.watts = watts;
    ph.wh_delta = watts / 60;
    ph.wh = base_wh + ph.wh_delta;
  }
  return r;
}

// The service and its clock; serve() hands it the store, which must outlive
// the harness's use of it (call stop_serving() before closing the store).
class ServiceHarness {
 public:
  explicit ServiceHarness(std::int64_t start) : clock_(from_unix_seconds(start)) {}

  void serve(Store& store, CloudOptions options = {}) {
    if (options.version.empty()) options.version = "test";
    service_ = std::make_unique<CloudService>(store, clock_, options);
  }
  void stop_serving() { service_.reset(); }

  std::int64_t now() const { return unix_seconds(clock_.wall_now()); }

  http::Response call(std::string method, std::string target, std::string body = "",
                      std::vector<http::Headers::Field> headers = {},
                      std::string remote = "192.0.2.7") {
    http::Request r;
    r.method = std::move(method);
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = *http::parse_query(target.substr(q + 1));
    r.body = std::move(body);
    r.remote = std::move(remote);
    r.headers.set("Host", "cloud.test");
    // As a script sends a body (curl --json); a test may set another.
    if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
    for (auto& f : headers) r.headers.set(f.name, f.value);
    return service_->handle(r);
  }

  // A script's account: its API key authenticates everything.
  struct Account {
    std::string api_key;
    std::string cookie;  // "maic_session=..."
    std::string csrf;
  };
  Account register_user(const std::string& email, const std::string& password = "correct horse") {
    const auto r = call("POST", "/api/v1/register",
                        nlohmann::json{{"email", email}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return {};
    const nlohmann::json body = nlohmann::json::parse(r.body);
    std::string cookie(*r.headers.get("Set-Cookie"));
    cookie = cookie.substr(0, cookie.find(';'));
    return {body.at("api_key"), cookie, body.at("csrf_token")};
  }
  static std::vector<http::Headers::Field> bearer(const Account& a) {
    return {{"Authorization", "Bearer " + a.api_key}};
  }
  static std::vector<http::Headers::Field> browser(const Account& a, bool with_csrf = true) {
    std::vector<http::Headers::Field> h{{"Cookie", a.cookie}};
    if (with_csrf) h.push_back({"X-CSRF-Token", a.csrf});
    return h;
  }

  http::Response hello(const FakeDevice& d) {
    return call("POST", "/uplink/v1/hello", d.hello().dump(),
                {{"Authorization", d.authorization()}});
  }
  // Tests write their records at fixed times around the virtual clock, as a
  // simulated device does: the batch says its clock reads the end of its
  // newest minute ("now"), so every record is plausible (ingest_rules.hpp).
  http::Response upload(const FakeDevice& d, const std::vector<UploadRecord>& records) {
    std::int64_t end = 0;
    for (const UploadRecord& r : records) end = std::max(end, r.minute.minute + 60);
    return upload_with_clock(d, records, end);
  }
  // `device_clock` nullopt: a device that keeps the server's time.
  http::Response upload_with_clock(const FakeDevice& d, const std::vector<UploadRecord>& records,
                                   std::optional<std::int64_t> device_clock) {
    UploadBatch batch{d.devid, records};
    batch.send_lifetime = true;
    batch.device_clock = device_clock;
    return call("POST", "/uplink/v1/minutes", encode_upload(batch),
                {{"Authorization", d.authorization()}});
  }
  http::Response add(const Account& a, const FakeDevice& d, const std::string& pin,
                     const std::string& name = "Home") {
    return call("POST", "/api/v1/devices",
                nlohmann::json{{"name", name}, {"devid", d.devid}, {"pin", pin}}.dump(), bearer(a));
  }

 protected:
  VirtualClock clock_;
  std::unique_ptr<CloudService> service_;
};

}  // namespace maic::cloud::testing
