// Who may use the device's web interface, and how fast.
//
// compat.md §1: the Home Assistant client does not keep cookies: it calls
// `devlogin` and then plain requests. So a successful login authorises the
// caller's *address* for a while (refreshed on every use), and also issues a
// session token a browser keeps in a cookie, with the session's CSRF token
// (docs/security.md, "The device: a LAN attacker"). A log-in from a browser
// grants the session only: an address grant would let every page in that
// browser, and every program on its machine, ride on it.
//
// Wrong PINs are budgeted twice, and both lockouts end by time alone:
//  - per address: five wrong PINs in a row lock that address out for 5 min;
//  - device-wide: an attacker with many addresses (a /24 of a LAN, IPv6)
//    gets a fresh per-address budget from each, so past 20 wrong PINs
//    device-wide (forgotten after an hour without one) every further wrong
//    PIN closes log-in for 2^k s (k = 0, 1, ...; at most 15 min) to callers
//    that are not already authorised. Clients that are (their address, or
//    a live session) still log in: the attack cannot lock out the owner's
//    Home Assistant or browser.
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
    int device_free_failures = 20;  // wrong PINs device-wide before the backoff starts
    Duration device_window = std::chrono::hours(1);  // forgets them after this long without one;
                                                     // longer than the cap, or the cap resets it
    Duration device_backoff_cap = std::chrono::minutes(15);
    std::size_t max_tracked = 4096;  // addresses and sessions remembered; the oldest go first
  };

  enum class Outcome {
    kGranted,
    kWrongPin,
    kLockedOut,  // this address gave too many wrong PINs
    kBackedOff,  // the device as a whole did: only authorised callers may log in
  };
  struct Login {
    Outcome outcome;
    std::string token;       // kGranted: the session token for a cookie
    std::string csrf;        // kGranted: the session's CSRF token
    Duration retry_after{};  // kLockedOut, kBackedOff: how long until a try is heard again
  };

  // One log-in attempt.
  struct Attempt {
    std::string_view address;  // the caller's IP address
    std::string_view pin;
    std::string_view session;   // the session cookie sent along, "" if none
    bool from_browser = false;  // grants the session only, never the address
  };

  // `random_token` returns a fresh unguessable token (production: from the
  // OS's random source; tests: deterministic).
  AccessControl(const Clock& clock, Options options, std::function<std::string()> random_token);

  // Checks the attempt's PIN against `expected_pin`.
  Login login(const Attempt& attempt, std::string_view expected_pin);
  // A cookie-less script's attempt.
  Login login(std::string_view address, std::string_view pin, std::string_view expected_pin) {
    return login(Attempt{address, pin, "", false}, expected_pin);
  }

  // True if `address` logged in recently or `token` is a live session;
  // either is refreshed by the use.
  bool authorised(std::string_view address, std::string_view token);

  // The CSRF token of the live session `token`, or "" (no such session).
  // Does not renew the session.
  std::string session_csrf(std::string_view token);

  // Ends the session `token` (the site's "Log out"); an unknown token is
  // ignored. Address grants are untouched: a script's grant is its own.
  void logout(std::string_view token);

  // Ends every grant and session (the PIN changed, a factory reset).
  void revoke_all();

 private:
  struct Grant {
    SteadyTime expires;
    std::string csrf;  // sessions only
  };
  struct Failures {
    int count = 0;
    SteadyTime locked_until{};
  };
  template <typename Map>
  void bound(Map& map);
  // Whether the attempt comes from an authorised caller (no renewal).
  bool known(const Attempt& a, SteadyTime now) const;
  // Counts a wrong PIN device-wide; may start or extend the backoff.
  void count_device_failure(SteadyTime now);

  const Clock& clock_;
  Options options_;
  std::function<std::string()> random_token_;
  std::mutex mutex_;
  std::map<std::string, Grant, std::less<>> addresses_;
  std::map<std::string, Grant, std::less<>> sessions_;
  std::map<std::string, Failures, std::less<>> failures_;
  int device_failures_ = 0;
  SteadyTime last_device_failure_{};
  SteadyTime device_locked_until_{};
};

}  // namespace maic::device
