// Who may use the device's web interface, and how fast.
//
// compat.md §1: the Home Assistant client does not keep cookies: it calls
// `devlogin` and then plain requests. So a successful login authorises the
// caller's *address* for a while (refreshed on every use), and also issues a
// session token a browser keeps in a cookie. Five wrong PINs from one
// address lock that address out for a while; the lockout ends by time alone.
//
// Thread-safe: every method may be called from any thread. Time comes from
// the injected clock's steady time.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "maic/core/clock.hpp"
#include "maic/core/rate_limiter.hpp"

namespace maic::device {

using maic::RateLimiter;

class AccessControl {
 public:
  struct Options {
    Duration address_grant =
        std::chrono::minutes(15);               // idle time before an address must log in again
    Duration session = std::chrono::hours(12);  // idle time before a cookie session ends
    int max_failures = 5;                       // wrong PINs in a row before a lockout
    Duration lockout = std::chrono::minutes(5);
    std::size_t max_tracked = 4096;  // addresses and sessions remembered; the oldest go first
  };

  enum class Outcome { kGranted, kWrongPin, kLockedOut };
  struct Login {
    Outcome outcome;
    std::string token;       // kGranted: the session token for a cookie
    Duration retry_after{};  // kLockedOut: how long until the address may try again
  };

  // `random_token` returns a fresh unguessable token (production: from the
  // OS's random source; tests: deterministic).
  AccessControl(const Clock& clock, Options options, std::function<std::string()> random_token);

  // Checks `pin` for the caller at `address`.
  Login login(std::string_view address, std::string_view pin, std::string_view expected_pin);

  // True if `address` logged in recently or `token` is a live session;
  // either is refreshed by the use.
  bool authorised(std::string_view address, std::string_view token);

  // Ends every grant and session (the PIN changed, a factory reset).
  void revoke_all();

 private:
  struct Grant {
    SteadyTime expires;
  };
  struct Failures {
    int count = 0;
    SteadyTime locked_until{};
  };
  template <typename Map>
  void bound(Map& map);

  const Clock& clock_;
  Options options_;
  std::function<std::string()> random_token_;
  std::mutex mutex_;
  std::map<std::string, Grant, std::less<>> addresses_;
  std::map<std::string, Grant, std::less<>> sessions_;
  std::map<std::string, Failures, std::less<>> failures_;
};

}  // namespace maic::device
