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
  bool ok = false;
  if (auto a = addresses_.find(address); a != addresses_.end()) {
    if (a->second.expires > now) {
      a->second.expires = now + options_.address_grant;
      ok = true;
    } else {
      addresses_.erase(a);
    }
  }
  if (!token.empty()) {
    if (auto s = sessions_.find(token); s != sessions_.end()) {
      if (s->second.expires > now) {
        s->second.expires = now + options_.session;
        ok = true;
      } else {
        sessions_.erase(s);
      }
    }
  }
  return ok;
}

void AccessControl::revoke_all() {
  std::lock_guard lock(mutex_);
  addresses_.clear();
  sessions_.clear();
}

}  // namespace maic::device
