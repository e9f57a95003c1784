#include "maic/device/access_control.hpp"

#include <algorithm>

namespace maic::device {

AccessControl::AccessControl(const Clock& clock, Options options,
                             std::function<std::string()> random_token)
    : clock_(clock), options_(options), random_token_(std::move(random_token)) {}

// Keeps a map within max_tracked entries by dropping the entries that expire
// first, so a flood of addresses cannot grow memory without bound.
template <typename Map>
void AccessControl::bound(Map& map) {
  while (map.size() > options_.max_tracked) {
    auto oldest = std::min_element(map.begin(), map.end(), [](const auto& a, const auto& b) {
      if constexpr (std::is_same_v<typename Map::mapped_type, Grant>) {
        return a.second.expires < b.second.expires;
      } else {
        return a.second.locked_until < b.second.locked_until;
      }
    });
    map.erase(oldest);
  }
}

namespace {

// Whether `key` holds a grant that has not expired at `now`: a live grant is
// extended to now + `extend`, an expired one removed.
template <typename Grants>
bool renew(Grants& grants, std::string_view key, SteadyTime now, Duration extend) {
  auto g = grants.find(key);
  if (g == grants.end()) return false;
  if (g->second.expires <= now) {
    grants.erase(g);
    return false;
  }
  g->second.expires = now + extend;
  return true;
}

}  // namespace

bool AccessControl::known(const Attempt& a, SteadyTime now) const {
  const auto live = [now](const auto& grants, std::string_view key) {
    const auto g = grants.find(key);
    return g != grants.end() && g->second.expires > now;
  };
  return live(addresses_, a.address) || (!a.session.empty() && live(sessions_, a.session));
}

void AccessControl::count_device_failure(SteadyTime now) {
  if (now - last_device_failure_ >= options_.device_window) device_failures_ = 0;
  last_device_failure_ = now;
  const int beyond = ++device_failures_ - options_.device_free_failures;
  if (beyond <= 0) return;
  // 2^(beyond-1) s: 1 s, 2 s, 4 s, ... up to the cap (the shift bounded so
  // it cannot overflow).
  const Duration wait =
      std::min<Duration>(std::chrono::seconds(std::int64_t{1} << std::min(beyond - 1, 30)),
                         options_.device_backoff_cap);
  device_locked_until_ = std::max(device_locked_until_, now + wait);
}

AccessControl::Login AccessControl::login(const Attempt& a, std::string_view expected_pin) {
  std::lock_guard lock(mutex_);
  const SteadyTime now = clock_.steady_now();
  auto f = failures_.find(a.address);
  if (f != failures_.end() && f->second.locked_until > now) {
    return {Outcome::kLockedOut, "", "", f->second.locked_until - now};
  }
  if (device_locked_until_ > now && !known(a, now)) {
    return {Outcome::kBackedOff, "", "", device_locked_until_ - now};
  }
  if (a.pin != expected_pin) {
    count_device_failure(now);
    if (f == failures_.end()) f = failures_.emplace(std::string(a.address), Failures{}).first;
    if (++f->second.count >= options_.max_failures) {
      f->second.count = 0;
      f->second.locked_until = now + options_.lockout;
      bound(failures_);
      return {Outcome::kLockedOut, "", "", options_.lockout};
    }
    bound(failures_);
    return {Outcome::kWrongPin, "", "", {}};
  }
  if (f != failures_.end()) failures_.erase(f);
  if (!a.from_browser) {
    addresses_[std::string(a.address)] = {now + options_.address_grant, ""};
    bound(addresses_);
  }
  std::string token = random_token_();
  std::string csrf = random_token_();
  sessions_[token] = {now + options_.session, csrf};
  bound(sessions_);
  return {Outcome::kGranted, std::move(token), std::move(csrf), {}};
}

std::string AccessControl::session_csrf(std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto s = sessions_.find(token);
  if (token.empty() || s == sessions_.end() || s->second.expires <= clock_.steady_now()) return "";
  return s->second.csrf;
}

bool AccessControl::authorised(std::string_view address, std::string_view token) {
  std::lock_guard lock(mutex_);
  const SteadyTime now = clock_.steady_now();
  // Either grant lets the request in; both are renewed (sliding expiry).
  const bool by_address = renew(addresses_, address, now, options_.address_grant);
  const bool by_session = !token.empty() && renew(sessions_, token, now, options_.session);
  return by_address || by_session;
}

void AccessControl::logout(std::string_view token) {
  std::lock_guard lock(mutex_);
  if (const auto s = sessions_.find(token); s != sessions_.end()) sessions_.erase(s);
}

void AccessControl::revoke_all() {
  std::lock_guard lock(mutex_);
  addresses_.clear();
  sessions_.clear();
}

}  // namespace maic::device
