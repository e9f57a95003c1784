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

AccessControl::Login AccessControl::login(std::string_view address, std::string_view pin,
                                          std::string_view expected_pin) {
  std::lock_guard lock(mutex_);
  const SteadyTime now = clock_.steady_now();
  auto f = failures_.find(address);
  if (f != failures_.end() && f->second.locked_until > now) {
    return {Outcome::kLockedOut, "", f->second.locked_until - now};
  }
  if (pin != expected_pin) {
    if (f == failures_.end()) f = failures_.emplace(std::string(address), Failures{}).first;
    if (++f->second.count >= options_.max_failures) {
      f->second.count = 0;
      f->second.locked_until = now + options_.lockout;
      bound(failures_);
      return {Outcome::kLockedOut, "", options_.lockout};
    }
    bound(failures_);
    return {Outcome::kWrongPin, "", {}};
  }
  if (f != failures_.end()) failures_.erase(f);
  addresses_[std::string(address)] = {now + options_.address_grant};
  bound(addresses_);
  std::string token = random_token_();
  sessions_[token] = {now + options_.session};
  bound(sessions_);
  return {Outcome::kGranted, std::move(token), {}};
}

bool AccessControl::authorised(std::string_view address, std::string_view token) {
  std::lock_guard lock(mutex_);
  const SteadyTime now = clock_.steady_now();
  // Either grant lets the request in; both are renewed (sliding expiry).
  const bool by_address = renew(addresses_, address, now, options_.address_grant);
  const bool by_session = !token.empty() && renew(sessions_, token, now, options_.session);
  return by_address || by_session;
}

void AccessControl::revoke_all() {
  std::lock_guard lock(mutex_);
  addresses_.clear();
  sessions_.clear();
}

}  // namespace maic::device
