// maic-device: the smart-MAIC D103 energy monitor as a Linux daemon.
//
// Start-up order: parse and validate options, open the sample source, start
// the web server, then meter until SIGINT/SIGTERM (or the end of a replay
// played once). Shutdown: stop the web server, stop metering, exit 0.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "../common/synthetic_options.hpp"
#include "maic/core/energy_register.hpp"
#include "maic/device/live_readings.hpp"
#include "maic/device/reading_line.hpp"
#include "maic/device/readings_json.hpp"
#include "maic/http/router.hpp"
#include "maic/http/server.hpp"
#include "maic/http/static_assets.hpp"
#include "maic/metering/modbus_meter.hpp"
#include "maic/metering/replay.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "maic/platform/system_clock.hpp"
#include "maic/web/device_assets.hpp"

namespace maic {
namespace {

struct Options {
  std::string listen = "127.0.0.1:8080";
  std::string source = "synthetic";
  double time_scale = 1;
  double run_for_s = 0;
  bool quiet = false;
  bool loop = false;
  std::string device_id = "1828719372";
  apps::SyntheticOptions synthetic;
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

std::atomic<bool> g_stop{false};
std::mutex g_stop_mutex;
std::condition_variable g_stop_cv;

extern "C" void on_signal(int) {
  // Only async-signal-safe work here: the main loop polls the flag.
  g_stop = true;
}

int run(const Options& o) {
  auto endpoint = http::parse_endpoint(o.listen);
  if (!endpoint) {
    fmt::print(stderr, "maic-device: --listen {}: {}\n", o.listen, endpoint.error().message);
    return 2;
  }
  std::unique_ptr<Clock> clock = platform::scaled_clock(o.time_scale);
  const SteadyTime start = clock->steady_now();
  auto source = open_source(o, start, clock->wall_now());
  if (!source) {
    fmt::print(stderr, "maic-device: {}\n", source.error().message);
    return 2;
  }
  metering::MeterSource& meter = **source;

  device::LiveReadings live;
  const device::Identity identity{o.device_id, "D103", ""};
  http::Router router;
  router.add("GET", "/api/v1/readings", [&](const http::Request&) {
    auto r = live.latest();
    if (!r) return http::Response::error(503, "no reading yet");
    return http::Response::json(device::readings_json(*r, identity));
  });
  router.add_prefix("GET", "/", http::static_handler(web::device_assets()));

  http::ServerOptions server_options;
  server_options.listen = *endpoint;
  server_options.on_error = [](std::string_view what) {
    fmt::print(stderr, "maic-device: web: {}\n", what);
  };
  auto server = http::Server::start(server_options,
                                    [&router](const http::Request& q) { return router.handle(q); });
  if (!server) {
    fmt::print(stderr, "maic-device: cannot listen on {}: {}\n", o.listen, server.error().message);
    return 1;
  }
  fmt::print("maic-device {} — source: {}, time scale {}\n", MAIC_VERSION, meter.describe(),
             o.time_scale);
  fmt::print("listening on http://{}:{}\n", server->endpoint().host, server->port());
  if (!o.quiet) fmt::print("{}\n", device::reading_line_legend(meter.phases()));
  std::fflush(stdout);

  EnergyMeters meters;
  std::vector<Reading> readings;
  const Duration run_for =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.run_for_s));
  // Poll often enough that readings appear on time at any time scale, and
  // that a stop request is noticed within a tenth of a second.
  const Duration poll_every =
      std::min<Duration>(std::chrono::milliseconds(100),
                         platform::real_time_for(std::chrono::seconds(1), o.time_scale));
  std::string last_error;
  while (!g_stop) {
    const SteadyTime now = clock->steady_now();
    const WallTime wall_now = clock->wall_now();
    readings.clear();
    Status polled = meter.poll(now, readings);
    if (!polled && polled.error().message != last_error) {
      fmt::print(stderr, "maic-device: source: {}\n", polled.error().message);
      last_error = polled.error().message;
    } else if (polled) {
      last_error.clear();
    }
    for (Reading& r : readings) {
      r.wall_end = wall_now - (now - r.end);
      meters.apply(r);
      live.publish(r);
      if (!o.quiet) fmt::print("{}\n", device::reading_line(r));
    }
    if (!readings.empty()) std::fflush(stdout);
    if (meter.exhausted() || (run_for > Duration::zero() && now - start >= run_for)) break;
    std::unique_lock lock(g_stop_mutex);
    g_stop_cv.wait_for(lock, poll_every, [] { return g_stop.load(); });
  }
  server->stop();
  fmt::print("maic-device: stopped\n");
  return 0;
}

}  // namespace
}  // namespace maic

int main(int argc, char** argv) {
  maic::Options o;
  CLI::App app{
      "maic-device — the smart-MAIC D103 three-phase energy monitor as a Linux daemon.\n"
      "Meters voltage, current, power, reverse power, power factor, frequency and energy per\n"
      "phase, prints a reading every 5 s and serves a live page and a JSON API."};
  app.set_version_flag("--version", MAIC_VERSION);
  app.add_option("--listen", o.listen, "HOST:PORT of the web server (port 0: any free port)")
      ->capture_default_str();
  app.add_option(
         "--source", o.source,
         "where readings come from: synthetic | replay:FILE | modbus:URL\n"
         "  modbus URLs: tcp://HOST[:PORT]?unit=1  or  rtu:/dev/ttyUSB0?baud=9600&parity=N&unit=1\n"
         "  (docs/sources.md)")
      ->capture_default_str();
  app.add_option("--time-scale", o.time_scale,
                 "run time N times faster than real time (simulation)")
      ->check(CLI::Range(0.001, 100000.0))
      ->capture_default_str();
  app.add_option("--run-for", o.run_for_s,
                 "stop after this many seconds of (scaled) time; 0: run until stopped")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--quiet,-q", o.quiet, "do not print readings");
  app.add_flag("--loop", o.loop,
               "replay: start again at the end of the file (otherwise the daemon stops there)");
  app.add_option("--device-id", o.device_id, "the device ID shown in the API (10 digits)")
      ->check([](const std::string& s) {
        return s.size() == 10 && s.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("a device ID is 10 digits");
      })
      ->capture_default_str();
  o.synthetic.add_to(app);
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGINT, maic::on_signal);
  std::signal(SIGTERM, maic::on_signal);
  return maic::run(o);
}
