// The uplink to the data server (uplink.hpp) as the device's "server"
// service (service.hpp): an Uplink over two HTTP transports, driven by two
// threads of its own, one for the uploads (Uplink::step) and one for the
// command long poll (Uplink::poll_commands).
//
// Each thread waits, in real time, until its next call is due, at most a
// second (settings changes and new minutes are noticed that late), at least
// 20 ms (a fast simulation must not spin). The uplink follows the settings
// (server.url, the PIN) by itself, so reconfigure() has nothing to do; a
// restart() makes it say hello again at once, whatever its back-off (the
// manual's "reboot"); stop() cancels the requests in flight and joins the
// threads: bounded (HttpTransport::cancel, about a second).
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "maic/core/clock.hpp"
#include "maic/device/device.hpp"
#include "maic/device/http_client.hpp"
#include "maic/device/service.hpp"
#include "maic/device/uplink.hpp"

namespace maic::device {

class UplinkService final : public Service {
 public:
  // A new transport (curl_transport() in the daemon). An uplink stopped is
  // stopped for good (its transports cancelled): each start makes two anew.
  using MakeTransport = std::function<std::unique_ptr<HttpTransport>()>;

  struct Options {
    UplinkOptions uplink;
    // Sets the device's wall clock (UplinkDependencies::set_wall); empty:
    // never corrected (a simulation keeps its own time).
    std::function<void(WallTime)> set_wall;
    // The uplink's log lines (UplinkDependencies::log); may be empty.
    std::function<void(std::string_view)> log;
    // How long a span of the clock's time lasts in real time, for the
    // threads' waits (platform::real_time_for with the daemon's time
    // scale). Empty: the same (a clock at real speed).
    std::function<Duration(Duration)> real_time;
  };

  // `device` and `clock` (the device's) must outlive the service.
  UplinkService(Device& device, const Clock& clock, MakeTransport make_transport, Options options);
  ~UplinkService() override;  // stop()
  UplinkService(const UplinkService&) = delete;
  UplinkService& operator=(const UplinkService&) = delete;

  std::string_view name() const override { return "server"; }
  // Makes the transports and the uplink (which reads uplink.json: where the
  // server left off) and starts the threads. Never fails.
  Status start(const Settings& settings) override;
  // Nothing: the uplink reads the settings it needs at each step.
  Status reconfigure(const Settings& settings) override;
  // Says hello again at once (Uplink::reconnect, the threads woken); a
  // stopped service is started.
  Status restart(const Settings& settings) override;
  void stop() override;
  // The device's server report (Device::server_report): what the uplink
  // last reported.
  ServiceStatus report() const override;

 private:
  class Threads;

  Device& device_;
  const Clock& clock_;
  MakeTransport make_transport_;
  Options options_;
  std::unique_ptr<HttpTransport> uploads_;
  std::unique_ptr<HttpTransport> commands_;
  std::unique_ptr<Uplink> uplink_;
  std::unique_ptr<Threads> threads_;
};

}  // namespace maic::device
