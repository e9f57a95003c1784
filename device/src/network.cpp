#include "maic/device/network.hpp"

#include <algorithm>

namespace maic::device {

std::string_view to_string(ConnectOutcome o) {
  switch (o) {
    case ConnectOutcome::kConnected:
      return "connected";
    case ConnectOutcome::kWrongPassword:
      return "wrong_password";
    case ConnectOutcome::kNotFound:
      return "not_found";
    case ConnectOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

std::string access_point_name(std::string_view devid) {
  std::string name = "smart-MAIC";
  for (char c : devid)
    if (c >= '0' && c <= '9') name += c;
  return name;
}

SimulatedNetwork::SimulatedNetwork(std::vector<Air> in_reach, std::optional<std::string> saved) {
  for (auto& a : in_reach) air_[a.network.ssid] = std::move(a);
  if (saved) {
    link_.ssid = *saved;
    if (auto it = air_.find(*saved); it != air_.end()) {
      link_.state = LinkState::kConnected;
      link_.signal_dbm = it->second.network.signal_dbm;
      link_.address = "192.168.1.50";
    } else {
      link_.state = LinkState::kConnecting;  // it keeps looking for it
    }
  }
}

std::optional<Error> SimulatedNetwork::take_failure() {
  if (!failure_) return std::nullopt;
  Error e{std::move(*failure_)};
  failure_.reset();
  return e;
}

Result<std::vector<WifiNetwork>> SimulatedNetwork::scan() {
  std::lock_guard lock(mutex_);
  if (auto e = take_failure()) return *e;
  std::vector<WifiNetwork> found;
  for (const auto& [ssid, a] : air_) found.push_back(a.network);
  std::ranges::stable_sort(found, [](const WifiNetwork& x, const WifiNetwork& y) {
    return x.signal_dbm > y.signal_dbm;
  });
  return found;
}

ConnectResult SimulatedNetwork::connect(const std::string& ssid, const std::string& password,
                                        WifiType type) {
  std::lock_guard lock(mutex_);
  wifi_type_ = type;
  if (auto e = take_failure()) {
    link_ = LinkStatus{};
    return {ConnectOutcome::kFailed, std::move(e->message)};
  }
  link_ = LinkStatus{};
  link_.state = LinkState::kConnecting;
  link_.ssid = ssid;
  if (hold_connecting_) return {ConnectOutcome::kFailed, "timed out"};
  const auto it = air_.find(ssid);
  if (it == air_.end()) {
    link_ = LinkStatus{};
    return {ConnectOutcome::kNotFound, "no network \"" + ssid + "\" in reach"};
  }
  if (it->second.password != password) {
    link_ = LinkStatus{};
    return {ConnectOutcome::kWrongPassword, "the password was refused"};
  }
  link_.state = LinkState::kConnected;
  link_.signal_dbm = it->second.network.signal_dbm;
  link_.address = "192.168.1.50";
  return {ConnectOutcome::kConnected, {}};
}

Result<LinkStatus> SimulatedNetwork::link() {
  std::lock_guard lock(mutex_);
  if (auto e = take_failure()) return *e;
  return link_;
}

Status SimulatedNetwork::open_access_point(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = take_failure()) return *e;
  access_point_ = name;
  return ok_status();
}

Status SimulatedNetwork::close_access_point() {
  std::lock_guard lock(mutex_);
  if (auto e = take_failure()) return *e;
  access_point_.reset();
  return ok_status();
}

std::optional<std::string> SimulatedNetwork::access_point() const {
  std::lock_guard lock(mutex_);
  return access_point_;
}

void SimulatedNetwork::put_in_reach(Air air) {
  std::lock_guard lock(mutex_);
  std::string ssid = air.network.ssid;
  // A network the device was looking for is joined when it comes back.
  if (link_.state == LinkState::kConnecting && !hold_connecting_ && link_.ssid == ssid) {
    link_.state = LinkState::kConnected;
    link_.signal_dbm = air.network.signal_dbm;
    link_.address = "192.168.1.50";
  }
  air_[ssid] = std::move(air);
}

void SimulatedNetwork::take_out_of_reach(const std::string& ssid) {
  std::lock_guard lock(mutex_);
  air_.erase(ssid);
  if (link_.ssid == ssid && link_.state == LinkState::kConnected) {
    link_.state = LinkState::kConnecting;  // looking for it again
    link_.address.clear();
  }
}

void SimulatedNetwork::fail_next(std::string message) {
  std::lock_guard lock(mutex_);
  failure_ = std::move(message);
}

void SimulatedNetwork::hold_connecting(bool hold) {
  std::lock_guard lock(mutex_);
  hold_connecting_ = hold;
}

std::optional<WifiType> SimulatedNetwork::wifi_type() const {
  std::lock_guard lock(mutex_);
  return wifi_type_;
}

}  // namespace maic::device
