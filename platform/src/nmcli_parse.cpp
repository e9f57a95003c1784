#include "nmcli_parse.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <utility>

namespace maic::platform::nmcli {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

// The leading decimal number of `text` ("100 (connected)" → 100), or -1.
int leading_int(std::string_view text) {
  int v = -1;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// A multi-line terse line, "NAME:value": the name (which never holds a
// ':') and the value, unescaped. nmcli escapes ':' in values, but a value
// with a bare ':' (older versions) is kept whole too.
std::optional<std::pair<std::string_view, std::string>> name_and_value(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto value = split_terse(line.substr(colon + 1));
  std::string joined = value.front();
  for (std::size_t i = 1; i < value.size(); ++i) joined += ":" + value[i];
  return std::pair{line.substr(0, colon), std::move(joined)};
}

std::string first_line(std::string_view text) {
  const auto lines = lines_of(text);
  return lines.empty() ? std::string() : std::string(lines.front());
}

}  // namespace

std::vector<std::string> split_terse(std::string_view line) {
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      fields.back() += line[++i];
    } else if (c == ':') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

int quality_to_dbm(int percent) {
  const int p = std::clamp(percent, 0, 100);
  return -100 + (p * 60 + 50) / 100;  // rounded to the nearest dBm
}

std::vector<device::WifiNetwork> parse_wifi_list(std::string_view out) {
  std::map<std::string, device::WifiNetwork> strongest;
  for (std::string_view line : lines_of(out)) {
    const auto f = split_terse(line);
    if (f.size() < 3 || f[0].empty()) continue;
    const int quality = leading_int(f[1]);
    if (quality < 0) continue;
    device::WifiNetwork n{f[0], quality_to_dbm(quality), !(f[2].empty() || f[2] == "--")};
    auto [it, fresh] = strongest.try_emplace(n.ssid, n);
    if (!fresh && n.signal_dbm > it->second.signal_dbm) it->second = n;
  }
  std::vector<device::WifiNetwork> found;
  for (auto& [ssid, n] : strongest) found.push_back(std::move(n));
  std::ranges::stable_sort(
      found, [](const auto& a, const auto& b) { return a.signal_dbm > b.signal_dbm; });
  return found;
}

std::optional<InUse> parse_in_use(std::string_view out) {
  for (std::string_view line : lines_of(out)) {
    const auto f = split_terse(line);
    if (f.size() >= 3 && f[0] == "*" && leading_int(f[2]) >= 0) {
      return InUse{f[1], quality_to_dbm(leading_int(f[2]))};
    }
  }
  return std::nullopt;
}

device::LinkStatus parse_device_show(std::string_view out, std::string_view ignore) {
  device::LinkStatus link;
  int state = -1;
  std::string connection;
  for (std::string_view line : lines_of(out)) {
    auto parsed = name_and_value(line);
    if (!parsed) continue;
    const auto& [name, joined] = *parsed;
    if (name == "GENERAL.STATE") {
      state = leading_int(joined);
    } else if (name == "GENERAL.CONNECTION") {
      connection = joined == "--" ? std::string() : joined;
    } else if (name.starts_with("IP4.ADDRESS") && link.address.empty()) {
      link.address = joined.substr(0, joined.find('/'));
    }
  }
  if (connection == ignore) return device::LinkStatus{};
  if (state == 100) {
    link.state = device::LinkState::kConnected;
  } else if (state >= 40 && state <= 90) {
    link.state = device::LinkState::kConnecting;
    link.address.clear();
  } else {
    return device::LinkStatus{};
  }
  link.ssid = connection;
  return link;
}

std::string field_value(std::string_view out, std::string_view field) {
  for (std::string_view line : lines_of(out)) {
    auto parsed = name_and_value(line);
    if (parsed && parsed->first == field) return parsed->second == "--" ? "" : parsed->second;
  }
  return {};
}

std::string_view band_for(device::WifiType type) {
  return type == device::WifiType::kN ? "" : "bg";
}

device::ConnectResult connect_outcome(int exit_code, std::string_view err) {
  using device::ConnectOutcome;
  if (exit_code == 0) return {ConnectOutcome::kConnected, {}};
  std::string message = first_line(err);
  if (message.empty()) message = "nmcli exited with " + std::to_string(exit_code);
  if (exit_code == 10) return {ConnectOutcome::kNotFound, message};
  if (exit_code == 4 && (err.find("Secrets were required") != std::string_view::npos ||
                         err.find("password") != std::string_view::npos)) {
    return {ConnectOutcome::kWrongPassword, message};
  }
  return {ConnectOutcome::kFailed, message};
}

}  // namespace maic::platform::nmcli
