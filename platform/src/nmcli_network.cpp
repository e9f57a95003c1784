#include "maic/platform/nmcli_network.hpp"

#include <cstdlib>
#include <mutex>

#include "command.hpp"
#include "nmcli_parse.hpp"

namespace maic::platform {

namespace {

class NmcliNetwork final : public device::Network {
 public:
  NmcliNetwork(std::filesystem::path program, NmcliOptions options)
      : program_(std::move(program)), options_(std::move(options)) {}

  Result<std::vector<device::WifiNetwork>> scan() override {
    std::lock_guard lock(mutex_);
    auto out = run({"-t", "-f", "SSID,SIGNAL,SECURITY", "dev", "wifi", "list", "ifname",
                    options_.station_ifname});
    if (!out) return out.error();
    return nmcli::parse_wifi_list(out->out);
  }

  device::ConnectResult connect(const std::string& ssid, const std::string& password,
                                device::WifiType type) override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> args{
        "-w", std::to_string(options_.connect_wait.count()), "dev", "wifi", "connect", ssid};
    if (!password.empty()) {
      args.emplace_back("password");
      args.push_back(password);
    }
    args.emplace_back("ifname");
    args.push_back(options_.station_ifname);
    auto out = run_command(program_, args, options_.connect_wait + std::chrono::seconds(5));
    if (!out) return {device::ConnectOutcome::kFailed, out.error().message};
    device::ConnectResult joined = nmcli::connect_outcome(out->exit_code, out->err);
    if (joined.outcome != device::ConnectOutcome::kConnected) return joined;
    return set_band(ssid, type);
  }

  Result<device::LinkStatus> link() override {
    std::lock_guard lock(mutex_);
    auto shown = run({"-t", "-f", "GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS", "dev", "show",
                      options_.station_ifname});
    if (!shown) return shown.error();
    device::LinkStatus link = nmcli::parse_device_show(shown->out, options_.ap_connection);
    if (link.state != device::LinkState::kConnected) return link;
    auto listed = run({"-t", "-f", "IN-USE,SSID,SIGNAL", "dev", "wifi", "list", "ifname",
                       options_.station_ifname, "--rescan", "no"});
    if (listed) {
      if (auto in_use = nmcli::parse_in_use(listed->out)) {
        link.ssid = in_use->ssid;
        link.signal_dbm = in_use->signal_dbm;
      }
    }
    return link;  // without the signal when the list failed: the link is what matters
  }

  Status open_access_point(const std::string& name) override {
    std::lock_guard lock(mutex_);
    (void)run({"con", "delete", options_.ap_connection});  // a stale one, if any
    auto added = run({"con", "add", "type", "wifi", "ifname", options_.ap_ifname, "con-name",
                      options_.ap_connection, "autoconnect", "no", "ssid", name,
                      "802-11-wireless.mode", "ap", "ipv4.method", "shared"});
    if (!added) return added.error();
    auto up = run({"con", "up", options_.ap_connection});
    if (!up) return up.error();
    access_point_ = name;
    return ok_status();
  }

  Status close_access_point() override {
    std::lock_guard lock(mutex_);
    auto out = run_command(program_, {"con", "delete", options_.ap_connection}, options_.timeout);
    if (!out) return out.error();
    // 10: no such connection, i.e. closed already.
    if (out->exit_code != 0 && out->exit_code != 10) return failure(*out);
    access_point_.reset();
    return ok_status();
  }

  std::optional<std::string> access_point() const override {
    std::lock_guard lock(mutex_);
    return access_point_;
  }

 private:
  static Error failure(const CommandOutput& out) {
    std::string err = out.err.substr(0, out.err.find('\n'));
    if (err.empty()) err = "exited with " + std::to_string(out.exit_code);
    return make_error("nmcli: " + err);
  }

  // `dev wifi connect` takes no band: the WiFi type goes to the profile it
  // made or reused (the station's connection now), and a changed profile
  // is activated again so that the band applies. A profile already in the
  // band is left alone: no second association for the default "n".
  device::ConnectResult set_band(const std::string& ssid, device::WifiType type) {
    const std::string band(nmcli::band_for(type));
    const auto failed = [&](const Error& e) {
      return device::ConnectResult{
          device::ConnectOutcome::kFailed,
          "joined " + ssid + ", but the WiFi type could not be set: " + e.message};
    };
    auto shown = run({"-t", "-f", "GENERAL.CONNECTION", "dev", "show", options_.station_ifname});
    if (!shown) return failed(shown.error());
    const std::string profile = nmcli::field_value(shown->out, "GENERAL.CONNECTION");
    if (profile.empty()) return failed(make_error("no connection on " + options_.station_ifname));
    auto current = run({"-t", "-f", "802-11-wireless.band", "con", "show", "id", profile});
    if (!current) return failed(current.error());
    if (nmcli::field_value(current->out, "802-11-wireless.band") == band)
      return {device::ConnectOutcome::kConnected, {}};
    auto modified = run({"con", "modify", "id", profile, "802-11-wireless.band", band});
    if (!modified) return failed(modified.error());
    auto up = run_command(
        program_, {"-w", std::to_string(options_.connect_wait.count()), "con", "up", "id", profile},
        options_.connect_wait + std::chrono::seconds(5));
    if (!up) return {device::ConnectOutcome::kFailed, up.error().message};
    return nmcli::connect_outcome(up->exit_code, up->err);
  }

  // Runs nmcli; a non-zero exit is an error with its stderr.
  Result<CommandOutput> run(const std::vector<std::string>& args) {
    auto out = run_command(program_, args, options_.timeout);
    if (!out) return out.error();
    if (out->exit_code != 0) return failure(*out);
    return out;
  }

  const std::filesystem::path program_;
  const NmcliOptions options_;
  mutable std::mutex mutex_;  // one nmcli at a time
  std::optional<std::string> access_point_;
};

}  // namespace

Result<std::unique_ptr<device::Network>> open_nmcli_network(NmcliOptions options) {
  std::string path = options.path;
  if (path.empty()) {
    const char* env = std::getenv("PATH");
    path = env != nullptr ? env : "/usr/bin:/bin";
  }
  auto program = find_program(options.program, path);
  if (!program) return make_error(options.program + " not found on PATH");
  return std::unique_ptr<device::Network>(
      std::make_unique<NmcliNetwork>(std::move(*program), std::move(options)));
}

}  // namespace maic::platform
