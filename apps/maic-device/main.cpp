// maic-device: the smart-MAIC D103 energy monitor as a Linux daemon.
//
// Start-up order: parse and validate options, open the data directory, the
// sample source and the device (identity, settings, meters, journal,
// output) and its services (MQTT, the uplink to the data server), start the
// web server and the services, then meter until SIGINT/SIGTERM (or the end
// of a replay played once). Beside the metering loop, the life cycle's
// loop (docs/lifecycle.md) runs the radio, the access point, the LED and
// the Reset button. SIGHUP is the manual's short press of Reset (every
// service restarts, the access point opens); SIGUSR1 the long press
// (factory settings, keeping the ID, the meters and the journal, then as
// the short press); `maic-device button short|long` sends them. Shutdown:
// stop the web server, the life cycle, the services (the uplink cancelling
// its requests, MQTT announcing "offline"), save the meters, exit 0.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../common/server_options.hpp"
#include "../common/synthetic_options.hpp"
#include "maic/core/corrected_clock.hpp"
#include "maic/device/automation_service.hpp"
#include "maic/device/device.hpp"
#include "maic/device/lifecycle_loop.hpp"
#include "maic/device/mqtt_service.hpp"
#include "maic/device/notifier_service.hpp"
#include "maic/device/reading_line.hpp"
#include "maic/device/settings_store.hpp"
#include "maic/device/uplink_service.hpp"
#include "maic/device/web_api.hpp"
#include "maic/http/router.hpp"
#include "maic/http/server.hpp"
#include "maic/http/static_assets.hpp"
#include "maic/metering/modbus_meter.hpp"
#include "maic/metering/replay.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "maic/platform/directory_storage.hpp"
#include "maic/platform/gpio_indicator.hpp"
#include "maic/platform/gpio_output.hpp"
#include "maic/platform/nmcli_network.hpp"
#include "maic/platform/random.hpp"
#include "maic/platform/system_clock.hpp"
#include "maic/platform/thermal.hpp"
#include "maic/web/device_assets.hpp"

namespace maic {
namespace {

struct Options {
  std::string data_dir = "maic-data";
  std::string listen = "127.0.0.1:8080";
  std::string source = "synthetic";
  double time_scale = 1;
  std::optional<std::int64_t> start_time;
  double run_for_s = 0;
  bool quiet = false;
  bool loop = false;
  std::optional<std::string> server;     // --server: replaces settings' server.url
  std::vector<std::string> allow_hosts;  // --allow-host: names browsers may use
  std::string network = "simulated";     // --network: simulated | nmcli
  std::string wifi_ifname = "wlan0";
  std::string ap_ifname = "wlan0";
  std::string led_gpio;     // CHIP:LINE, empty: none
  std::string button_gpio;  // CHIP:LINE, empty: none
  apps::SyntheticOptions synthetic;
  // http::Limits' defaults are the device's: 64 connections, 16 a client.
  apps::ServerLimitOptions web{http::Limits{}};
};

Result<std::unique_ptr<metering::MeterSource>> open_source(const Options& o, SteadyTime start,
                                                           WallTime wall_start) {
  using namespace metering;
  if (o.source == "synthetic") {
    auto config = o.synthetic.config(wall_start);
    if (!config) return config.error();
    auto meter = WaveformMeter::create(std::make_unique<SyntheticSource>(*config), start,
                                       "synthetic " + o.synthetic.profile);
    if (!meter) return meter.error();
    return std::unique_ptr<MeterSource>(std::move(meter).value());
  }
  if (o.source.starts_with("replay:")) {
    const std::string path = o.source.substr(7);
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file) return make_error("cannot open replay file '" + path + "'");
    auto replay = ReplaySource::open(std::move(file), o.loop);
    if (!replay) return make_error(path + ": " + replay.error().message);
    auto meter = WaveformMeter::create(std::move(replay).value(), start, "replay " + path);
    if (!meter) return make_error(path + ": " + meter.error().message);
    return std::unique_ptr<MeterSource>(std::move(meter).value());
  }
  if (o.source.starts_with("modbus:")) {
    auto settings = parse_modbus_url(o.source.substr(7));
    if (!settings) return make_error("--source " + o.source + ": " + settings.error().message);
    auto meter = ModbusMeter::create(*settings);
    if (!meter) return meter.error();
    return std::unique_ptr<MeterSource>(std::move(meter).value());
  }
  return make_error("--source must be synthetic, replay:FILE or modbus:URL, not '" + o.source +
                    "'");
}

// Set by signal handlers (async-signal-safe), read by the metering loop.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_restart{false};
std::atomic<bool> g_factory_reset{false};

extern "C" void on_stop(int) { g_stop = true; }
extern "C" void on_restart(int) { g_restart = true; }
extern "C" void on_factory_reset(int) { g_factory_reset = true; }

void log_line(std::string_view line) { fmt::print(stderr, "maic-device: {}\n", line); }

// "CHIP:LINE" (a --led-gpio or --button-gpio) as its chip and line.
Result<std::pair<std::string, int>> parse_gpio(std::string_view flag, const std::string& text) {
  const auto colon = text.rfind(':');
  int line = -1;
  if (colon != std::string::npos && colon > 0) {
    try {
      std::size_t used = 0;
      line = std::stoi(text.substr(colon + 1), &used);
      if (used != text.size() - colon - 1) line = -1;
    } catch (const std::exception&) {
      line = -1;
    }
  }
  if (line < 0) return make_error(std::string(flag) + " " + text + ": not CHIP:LINE");
  return std::pair(text.substr(0, colon), line);
}

// The radio the --network option names: on a PC a simulated one, joined to
// a simulated network at once (the settings hold no Wi-Fi network yet), so
// that everything works as before; on a Raspberry Pi NetworkManager's.
Result<std::unique_ptr<device::Network>> open_network(const Options& o) {
  if (o.network == "simulated") {
    return std::unique_ptr<device::Network>(std::make_unique<device::SimulatedNetwork>(
        std::vector<device::SimulatedNetwork::Air>{{{"maic-simulated", -50, true}, "simulated"}},
        "maic-simulated"));
  }
  if (o.network == "nmcli") {
    platform::NmcliOptions nmcli;
    nmcli.station_ifname = o.wifi_ifname;
    nmcli.ap_ifname = o.ap_ifname;
    return platform::open_nmcli_network(nmcli);
  }
  return make_error("--network must be simulated or nmcli, not '" + o.network + "'");
}

// The running daemon's process ID, in its data directory while it runs:
// for `maic-device button short|long`.
std::filesystem::path pid_file(const Options& o) {
  return std::filesystem::path(o.data_dir) / "maic-device.pid";
}

// `maic-device button short|long`: the Reset button on a PC. Sends the
// daemon that runs on --data-dir SIGHUP (short) or SIGUSR1 (long). A stale
// PID file (the daemon was killed) names a process that is no maic-device,
// or none: refused.
int press_button(const Options& o, const std::string& press) {
  if (press != "short" && press != "long") {
    fmt::print(stderr, "maic-device button: short or long, not '{}'\n", press);
    return 2;
  }
  pid_t pid = 0;
  std::ifstream(pid_file(o)) >> pid;
  std::string argv0;
  if (pid > 0)
    std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/cmdline"), argv0, '\0');
  if (pid <= 0 || std::filesystem::path(argv0).filename() != "maic-device") {
    fmt::print(stderr, "maic-device button: no maic-device runs on --data-dir {}\n", o.data_dir);
    return 1;
  }
  if (::kill(pid, press == "short" ? SIGHUP : SIGUSR1) != 0) {
    fmt::print(stderr, "maic-device button: process {}: {}\n", pid, std::strerror(errno));
    return 1;
  }
  fmt::print("maic-device button: {} press sent to process {}\n", press, pid);
  return 0;
}

// What run() opens, in the order it opens it (and closes it in reverse).
struct Daemon {
  std::unique_ptr<platform::DirectoryStorage> storage;
  std::unique_ptr<Clock> system;
  std::unique_ptr<CorrectedClock> corrected;
  // Before the device: the device tells them of readings; they outlive it.
  device::ServiceSet services{log_line};
  device::AutomationService* automation = nullptr;  // owned by `services`
  device::NotifierService* notifier = nullptr;      // in `services`
  std::unique_ptr<device::Device> device;
  // The life cycle (docs/lifecycle.md) and what it drives.
  std::unique_ptr<device::Network> network;
  std::unique_ptr<device::Led> led;
  std::unique_ptr<device::ButtonLine> button;
  std::optional<device::LifecycleLoop> lifecycle;
  std::thread lifecycle_thread;
  std::atomic<bool> lifecycle_stop{false};
  http::Router router;
  std::optional<http::Server> server;
};

// Open: the data directory, the clock, the source and the device; then the
// services, wired to the device (one line each). Returns the exit code on
// failure.
std::optional<int> open(const Options& o, Daemon& d) {
  auto storage = platform::DirectoryStorage::open_directory(o.data_dir);
  if (!storage) {
    fmt::print(stderr, "maic-device: --data-dir {}: {}\n", o.data_dir, storage.error().message);
    return 1;
  }
  d.storage = std::move(storage).value();
  d.system = platform::scaled_clock(
      o.time_scale, o.start_time ? std::optional(from_unix_seconds(*o.start_time)) : std::nullopt);
  d.corrected = std::make_unique<CorrectedClock>(*d.system);
  const Clock& clock = *d.corrected;
  // The first start (manual §2): no settings saved yet.
  const auto saved_settings = d.storage->read_file(device::kSettingsFile);
  const bool first_start = saved_settings.ok() && !saved_settings->has_value();
  auto source = open_source(o, clock.steady_now(), clock.wall_now());
  if (!source) {
    fmt::print(stderr, "maic-device: {}\n", source.error().message);
    return 2;
  }
  device::DeviceOptions device_options;
  device_options.firmware_version = MAIC_VERSION;
  device_options.web_address = o.listen;
  device_options.relay_driver = [](const device::OutputSettings& s) {
    return platform::open_gpio_output(s.gpio_chip, s.gpio_line, s.active_low);
  };
  device_options.temperature = platform::thermal_sensor();
  device_options.services = &d.services;
  auto opened =
      device::Device::open({clock, *d.storage, std::move(source).value(), platform::random_bytes},
                           std::move(device_options));
  if (!opened) {
    fmt::print(stderr, "maic-device: {}: {}\n", o.data_dir, opened.error().message);
    return 1;
  }
  d.device = std::move(opened).value();
  device::Device& device = *d.device;
  if (o.server) {
    const Status set = device.update_settings([&](device::Settings s) -> Result<device::Settings> {
      s.server.url = *o.server;
      return s;
    });
    if (!set) {
      fmt::print(stderr, "maic-device: --server {}: {}\n", *o.server, set.error().message);
      return 2;
    }
  }

  device::MqttService::Options mqtt_options;
  mqtt_options.phases = device.phases();
  d.services.add(std::make_unique<device::MqttService>(device.identity(), device::MqttSettings{},
                                                       device::device_output_link(device), log_line,
                                                       mqtt_options));
  // The data server corrects the device's wall time (docs/uplink.md); a
  // simulation (--time-scale, --start-time) keeps its own.
  const bool simulated = o.time_scale != 1 || o.start_time.has_value();
  device::UplinkService::Options uplink_options;
  if (!simulated) {
    uplink_options.set_wall = [&corrected = *d.corrected](WallTime t) { corrected.set_wall(t); };
  }
  uplink_options.log = log_line;
  uplink_options.real_time = [scale = o.time_scale](Duration clock_time) {
    return platform::real_time_for(clock_time, scale);
  };
  device::CurlOptions curl_options;
  curl_options.user_agent = std::string("maic-device/") + MAIC_VERSION;
  d.services.add(std::make_unique<device::UplinkService>(
      device, clock, [curl_options] { return device::curl_transport(curl_options); },
      std::move(uplink_options)));
  // E-mail notifications, queued in the data directory (notify-outbox.json).
  device::NotifierService::Options notify_options;
  notify_options.log = log_line;
  auto notifier = std::make_unique<device::NotifierService>(
      *d.storage, clock, device.identity().devid, [&dev = device] { return dev.status(); },
      std::move(notify_options));
  d.notifier = notifier.get();
  d.services.add(std::move(notifier));
  // The automation: conditions and schedule (docs/automation.md); a
  // condition's e-mail action goes to the notifications.
  device::AutomationService::Hooks automation_hooks;
  automation_hooks.log = log_line;
  automation_hooks.email = [notifier = d.notifier](std::size_t condition, double value,
                                                   const Reading& r) {
    notifier->condition_email(condition, value, r);
  };
  auto automation = std::make_unique<device::AutomationService>(device, clock, automation_hooks);
  d.automation = automation.get();
  d.services.add(std::move(automation));

  auto network = open_network(o);
  if (!network) {
    fmt::print(stderr, "maic-device: --network {}: {}\n", o.network, network.error().message);
    return 2;
  }
  d.network = std::move(network).value();
  if (!o.led_gpio.empty()) {
    auto where = parse_gpio("--led-gpio", o.led_gpio);
    auto led = where ? platform::open_gpio_led(where->first, where->second, false)
                     : Result<std::unique_ptr<device::Led>>(where.error());
    if (!led) {
      fmt::print(stderr, "maic-device: {}\n", led.error().message);
      return 2;
    }
    d.led = std::move(led).value();
  }
  if (!o.button_gpio.empty()) {
    auto where = parse_gpio("--button-gpio", o.button_gpio);
    auto button = where ? platform::open_gpio_button(where->first, where->second, true)
                        : Result<std::unique_ptr<device::ButtonLine>>(where.error());
    if (!button) {
      fmt::print(stderr, "maic-device: {}\n", button.error().message);
      return 2;
    }
    d.button = std::move(button).value();
  }
  device::LifecycleLoop::Options lifecycle_options;
  lifecycle_options.log = log_line;
  d.lifecycle.emplace(device::LifecycleLoop::Parts{device, *d.network, d.led.get(), d.button.get()},
                      clock.steady_now(), first_start, std::move(lifecycle_options));
  return std::nullopt;
}

// The names a browser may reach the web server by, besides IP literals and
// localhost (docs/security.md, "The device: a LAN attacker"): this
// machine's host name (and, via the allow-list, <name>.local) and every
// --allow-host. A DNS-rebinding page names none of them.
std::vector<std::string> web_host_names(const Options& o) {
  std::vector<std::string> names = o.allow_hosts;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') names.emplace_back(name);
  return names;
}

// Serve: the web server, then the services; prints where to find them.
std::optional<int> serve(const Options& o, Daemon& d, const http::Endpoint& endpoint) {
  device::Device& device = *d.device;
  device::WebApiOptions web_options;
  web_options.host_names = web_host_names(o);
  web_options.automation = d.automation;
  web_options.notifier = d.notifier;
  web_options.lifecycle = &*d.lifecycle;
  web_options.wall_clock = d.corrected.get();
  device::add_web_routes(d.router, device, *d.corrected, http::static_handler(web::device_assets()),
                         web_options);
  http::ServerOptions server_options;
  server_options.listen = endpoint;
  o.web.apply(server_options);
  server_options.limits.body_bytes = device::kWebBodyBytes;
  // Its clients (the Home Assistant integration, exporters) back off on
  // 429 with Retry-After; the manual's device never answers 503.
  server_options.overload_status = 429;
  server_options.body_limit = device::web_body_limit;
  server_options.on_error = [](std::string_view what) {
    fmt::print(stderr, "maic-device: web: {}\n", what);
  };
  // Every request is work with the web interface: it keeps the access
  // point open (manual §6).
  auto server =
      http::Server::start(server_options, [&router = d.router, &lifecycle = *d.lifecycle,
                                           &clock = *d.corrected](const http::Request& q) {
        lifecycle.web_activity(clock.steady_now());
        return router.handle(q);
      });
  if (!server) {
    fmt::print(stderr, "maic-device: cannot listen on {}: {}\n", o.listen, server.error().message);
    return 1;
  }
  d.server.emplace(std::move(server).value());
  device.start_services();
  // The life cycle's own thread: the radio's calls may block for seconds,
  // and the LED's fast flashing needs a turn every 25 ms. Its first turn
  // (the access point of a first start) is taken here, before the banner.
  d.lifecycle->step(d.corrected->steady_now());
  d.lifecycle_thread = std::thread([&d, &clock = *d.corrected] {
    std::mutex idle;
    std::condition_variable never;
    while (!d.lifecycle_stop) {
      d.lifecycle->step(clock.steady_now());
      std::unique_lock lock(idle);
      never.wait_for(lock, std::chrono::milliseconds(25));
    }
  });

  const device::DeviceStatus status = device.status();
  fmt::print("maic-device {} — device {} ({}), data in {}\n", MAIC_VERSION, status.identity.devid,
             status.identity.devtype, o.data_dir);
  fmt::print("source: {}, time scale {}\n", status.source.description, o.time_scale);
  fmt::print("listening on http://{}:{}\n", d.server->endpoint().host, d.server->port());
  const std::string server_url = device.settings().server.url;
  fmt::print("data server: {}\n", server_url.empty() ? "none (--server URL)" : server_url);
  if (device.settings().pin == "0000") {
    fmt::print("the PIN is the default 0000: set your own before adding the device to a server\n");
  }
  std::ofstream(pid_file(o)) << ::getpid() << "\n";
  if (!o.quiet) fmt::print("{}\n", device::reading_line_legend(3));
  std::fflush(stdout);
  return std::nullopt;
}

// Meter until a signal, the end of a replay played once, or --run-for.
// SIGHUP is a short press of Reset (every service restarts, the access
// point opens); SIGUSR1 a long press (factory settings, then as SIGHUP).
void meter(const Options& o, Daemon& d) {
  device::Device& device = *d.device;
  const Clock& clock = *d.corrected;
  const Duration run_for =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.run_for_s));
  const SteadyTime start = clock.steady_now();
  // Poll often enough that readings appear on time at any time scale and a
  // signal is noticed within a tenth of a second.
  const Duration poll_every =
      std::min<Duration>(std::chrono::milliseconds(100),
                         platform::real_time_for(std::chrono::seconds(1), o.time_scale));
  std::string last_error;
  std::mutex idle;
  std::condition_variable never;
  while (!g_stop) {
    // The life cycle's loop carries the presses out: it asks for the
    // reboot, which a step below does.
    if (g_restart.exchange(false)) {
      fmt::print("maic-device: restarting services\n");
      d.lifecycle->press(device::ButtonPress::kShort);
    }
    if (g_factory_reset.exchange(false)) {
      fmt::print("maic-device: restoring factory settings\n");
      d.lifecycle->press(device::ButtonPress::kLong);
    }
    const std::vector<Reading> readings = device.step();
    if (!o.quiet) {
      for (const Reading& r : readings) fmt::print("{}\n", device::reading_line(r));
    }
    const std::string error = device.status().source.last_error;
    if (error != last_error) {
      if (!error.empty()) fmt::print(stderr, "maic-device: source: {}\n", error);
      last_error = error;
    }
    std::fflush(stdout);
    if (device.source_exhausted()) break;
    if (run_for > Duration::zero() && clock.steady_now() - start >= run_for) break;
    std::unique_lock lock(idle);
    never.wait_for(lock, poll_every);
  }
}

// Stop: the web server, the services (the uplink cancelling its requests,
// MQTT announcing "offline"), then the meters are saved.
void stop(const Options& o, Daemon& d) {
  if (d.server) d.server->stop();
  d.lifecycle_stop = true;
  if (d.lifecycle_thread.joinable()) d.lifecycle_thread.join();
  d.services.stop_all();
  d.device->shutdown();
  std::error_code ignored;
  std::filesystem::remove(pid_file(o), ignored);
  fmt::print("maic-device: stopped\n");
}

int run(const Options& o) {
  auto endpoint = http::parse_endpoint(o.listen);
  if (!endpoint) {
    fmt::print(stderr, "maic-device: --listen {}: {}\n", o.listen, endpoint.error().message);
    return 2;
  }
  Daemon d;
  if (std::optional<int> failed = open(o, d)) return *failed;
  if (std::optional<int> failed = serve(o, d, *endpoint)) return *failed;
  meter(o, d);
  stop(o, d);
  return 0;
}

}  // namespace
}  // namespace maic

int main(int argc, char** argv) {
  std::signal(SIGINT, maic::on_stop);
  std::signal(SIGTERM, maic::on_stop);
  std::signal(SIGHUP, maic::on_restart);
  std::signal(SIGUSR1, maic::on_factory_reset);
  maic::Options o;
  CLI::App app{
      "maic-device — the smart-MAIC D103 three-phase energy monitor as a Linux daemon.\n"
      "Meters voltage, current, power, reverse power, power factor, frequency and energy per\n"
      "phase, keeps a 12-day minute journal, serves the smart-MAIC page API, a JSON API,\n"
      "Prometheus metrics and a live page, and publishes to MQTT (docs/device.md).\n"
      "Signals: TERM/INT stop, HUP restarts the services, USR1 restores factory settings."};
  app.set_version_flag("--version", MAIC_VERSION);
  app.add_option("--data-dir", o.data_dir,
                 "the device's state: identity, settings, meters, journal (created if missing;\n"
                 "the same directory is the same device)")
      ->capture_default_str();
  app.add_option("--listen", o.listen, "HOST:PORT of the web server (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--source", o.source,
                 "where readings come from: synthetic | replay:FILE | modbus:URL\n"
                 "  modbus URLs: tcp://HOST[:PORT]?unit=1  or  "
                 "rtu:/dev/ttyUSB0?baud=9600&parity=N&unit=1\n"
                 "  (docs/sources.md)")
      ->capture_default_str();
  app.add_option("--time-scale", o.time_scale,
                 "run time N times faster than real time (simulation)")
      ->check(CLI::Range(0.001, 100000.0))
      ->capture_default_str();
  app.add_option("--start-time", o.start_time,
                 "simulation: the wall clock starts at this unix time instead of now");
  app.add_option("--run-for", o.run_for_s,
                 "stop after this many seconds of (scaled) time; 0: run until stopped")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--server", o.server,
                 "the data server the journal is uploaded to, http(s)://HOST[:PORT][/PATH];\n"
                 "saved in the settings (server.url); \"\" stops uploading (docs/uplink.md)");
  app.add_option(
      "--allow-host", o.allow_hosts,
      "a name browsers may reach the web server by (repeatable), besides IP addresses,\n"
      "localhost, this machine's host name and <host name>.local; a browser's request\n"
      "naming another Host is refused (DNS rebinding). \"*\": any name. Scripts without\n"
      "cookies are served under any Host (docs/security.md)");
  app.add_option("--network", o.network,
                 "the Wi-Fi radio: simulated (a PC; joined to a simulated network) | nmcli\n"
                 "(NetworkManager, a Raspberry Pi) (docs/lifecycle.md)")
      ->capture_default_str();
  app.add_option("--wifi-ifname", o.wifi_ifname, "nmcli: the station's interface")
      ->capture_default_str();
  app.add_option("--ap-ifname", o.ap_ifname,
                 "nmcli: the access point's interface (uap0 beside wlan0 keeps both up)")
      ->capture_default_str();
  app.add_option("--led-gpio", o.led_gpio, "the status LED on GPIO CHIP:LINE (libgpiod)");
  app.add_option("--button-gpio", o.button_gpio,
                 "the Reset button on GPIO CHIP:LINE, to ground (pull-up; libgpiod)");
  app.add_flag("--quiet,-q", o.quiet, "do not print readings");
  app.add_flag("--loop", o.loop,
               "replay: start again at the end of the file (otherwise the daemon stops there)");
  o.synthetic.add_to(app);
  o.web.add_to(app, "", false);
  std::string press;
  CLI::App* button =
      app.add_subcommand("button",
                         "press Reset on the daemon that runs on --data-dir: short (reboot into\n"
                         "access-point mode, as SIGHUP) or long (factory settings, as SIGUSR1)");
  button->add_option("press", press, "short | long")->required();
  button->add_option("--data-dir", o.data_dir, "the daemon's data directory");
  CLI11_PARSE(app, argc, argv);
  if (*button) return maic::press_button(o, press);
  return maic::run(o);
}
