// maic-cloud: the data server. Devices upload their minute journals to it;
// people register, add devices by ID + PIN and read their data through the
// smart-MAIC /api and the Dashboard's JSON API (docs/api.md).
//
// Start-up order: options (flags over environment over config file), the
// data directory, the database (migrated in place), the MQTT bridge (if
// asked: docs/mqtt.md), the HTTP server. On SIGINT/SIGTERM: stop accepting,
// let requests in flight finish (every acknowledged upload is committed
// before its answer), stop the bridge (storing its open minutes), close the
// database.
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>

#include "../common/server_options.hpp"
#include "maic/cloud/mqtt_bridge.hpp"
#include "maic/cloud/open_store.hpp"
#include "maic/cloud/service.hpp"
#include "maic/http/server.hpp"
#include "maic/platform/open_files.hpp"
#include "maic/platform/system_clock.hpp"
#include "maic/web/dashboard_assets.hpp"

namespace maic {
namespace {

// The server's defaults: a fleet's devices and the people who read their
// data (docs/security.md, "Limits").
http::Limits cloud_limits() {
  http::Limits l;
  l.max_connections = 1024;
  // A site's devices may share one address behind NAT; fairness between
  // clients comes from the shares, this is a ceiling.
  l.max_connections_per_client = 256;
  l.max_long_polls = 10'000;
  // An upload of 2,000 records may be 4 MiB: a minute at 0.5 Mbit/s.
  l.body_timeout = std::chrono::seconds(60);
  // Long polls hold their connection for up to 30 s between requests.
  l.idle_timeout = std::chrono::seconds(60);
  return l;
}

// Descriptors besides connections: the database, logs, the listening
// socket, the MQTT bridge.
constexpr std::size_t kOtherDescriptors = 64;

struct Options {
  std::string data_dir = "maic-cloud-data";
  std::string listen = "127.0.0.1:8090";
  std::string database;  // empty: the data directory's SQLite file
  unsigned threads = 4;
  apps::ServerLimitOptions server{cloud_limits()};
  std::size_t db_connections = 4;
  bool secure_cookies = false;
  std::string log_format = "text";
  std::string log_level = "info";
  std::string mqtt_bridge;  // empty: no bridge
  std::string mqtt_bridge_pin;
};

// The log message as the inside of a JSON string, for --log-format json:
// messages carry e-mail addresses, names and errors that may hold quotes.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (const char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            const std::string escaped = fmt::format("\\u{:04x}", static_cast<int>(c));
            dest.append(escaped.data(), escaped.data() + escaped.size());
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

// SIGINT and SIGTERM are blocked in every thread and taken by sigwait in
// main's: no handler runs in the middle of anything.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

int run(const Options& o) {
  auto log = spdlog::stderr_color_mt("maic-cloud");
  log->set_level(spdlog::level::from_str(o.log_level));
  if (o.log_format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%*"})");
    log->set_formatter(std::move(formatter));
  } else {
    log->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
  }
  auto endpoint = http::parse_endpoint(o.listen);
  if (!endpoint) {
    log->error("--listen {}: {}", o.listen, endpoint.error().message);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) {
    log->error("--data-dir {}: {}", o.data_dir, ec.message());
    return 1;
  }
  std::optional<cloud::MqttBridgeOptions> bridge_options;
  if (!o.mqtt_bridge.empty()) {
    auto parsed = cloud::parse_bridge_url(o.mqtt_bridge);
    if (parsed) parsed->pin = o.mqtt_bridge_pin;
    const Status valid = parsed ? cloud::validate(*parsed) : Status(parsed.error());
    if (!valid) {
      // Never the URL: it may hold a password.
      log->error("--mqtt-bridge: {}", valid.error().message);
      return 2;
    }
    bridge_options = std::move(*parsed);
  }
  const std::string database =
      o.database.empty() ? std::string(cloud::kDefaultDatabase) : o.database;
  auto store = cloud::open_store(database, o.data_dir, o.db_connections);
  if (!store) {
    log->error("database: {}", store.error().message);
    return 1;
  }
  const std::unique_ptr<Clock> clock = platform::system_clock();
  cloud::CloudOptions options;
  options.version = MAIC_VERSION;
  options.secure_cookies = o.secure_cookies;
  options.site = web::dashboard_assets();
  options.log = [log](std::string_view line) { log->info("{}", line); };
  if (log->should_log(spdlog::level::debug))
    options.debug = [log](std::string_view line) { log->debug("{}", line); };
  const cloud::CloudService service(**store, *clock, options);
  std::unique_ptr<cloud::MqttBridge> bridge;
  if (bridge_options) {
    bridge = std::make_unique<cloud::MqttBridge>(
        **store, *clock, *bridge_options, [log](std::string_view line) { log->info("{}", line); });
    if (Status started = bridge->start(); !started) {
      log->error("mqtt bridge: {}", started.error().message);
      return 1;
    }
  }

  http::ServerOptions server_options;
  server_options.listen = *endpoint;
  server_options.threads = o.threads;
  server_options.server_name = "maic-cloud";
  o.server.apply(server_options);
  // Each route's body limit is decided on its header, the caller checked
  // first where a route takes a large body (cloud/service.hpp, docs/security.md).
  server_options.limits.body_bytes = cloud::kMaxBodyBytes;
  server_options.body_limit = [&service](const http::Request& header) {
    return service.body_limit(header);
  };
  // Every connection is a descriptor: the usual soft limit of 1,024 would
  // refuse connections long before the caps do.
  const std::size_t wanted = o.server.descriptors() + kOtherDescriptors;
  if (const std::size_t got = platform::raise_open_files(wanted); got < wanted) {
    log->warn(
        "open files are limited to {} (ulimit -n), the connection limits need {}: "
        "raise the limit or lower --max-connections/--long-polls",
        got, wanted);
  }
  server_options.on_error = [log](std::string_view what) { log->warn("http: {}", what); };
  auto server = http::Server::start(
      server_options, [&service](const http::Request& r) { return service.handle(r); });
  if (!server) {
    log->error("cannot listen on {}: {}", o.listen, server.error().message);
    return 1;
  }
  fmt::print("maic-cloud {} — data in {}, database {}\n", MAIC_VERSION, o.data_dir,
             cloud::redact_database_url(database));
  fmt::print("listening on http://{}:{}\n", server->endpoint().host, server->port());
  std::fflush(stdout);
  // Waits for a stop signal; every 10 s meanwhile the bridge stores the
  // minutes of devices that fell silent (others' minutes are stored as
  // their next messages arrive).
  const sigset_t signals = stop_signals();
  int signal = -1;
  while (signal < 0) {
    const timespec tick{10, 0};
    signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal < 0 && bridge) bridge->store_ended_minutes();
  }
  log->info("stopping on signal {}", signal);
  server->stop();
  if (bridge) bridge->stop();
  store->reset();
  fmt::print("maic-cloud: stopped\n");
  return 0;
}

}  // namespace
}  // namespace maic

int main(int argc, char** argv) {
  // Before any thread starts, so that every thread inherits the mask and
  // run() alone takes the stop signals (sigwait).
  const sigset_t signals = maic::stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  maic::Options o;
  CLI::App app{
      "maic-cloud — the data server for maic and smart-MAIC devices.\n"
      "Devices upload their minute journals; people register, add devices by ID + PIN, and\n"
      "read minute, hour, day, week, month and year data through /api and /api/v1\n"
      "(docs/api.md). Every option may also come from the environment (MAIC_CLOUD_...) or\n"
      "a config file (--config, TOML or INI: data-dir = \"/var/lib/maic-cloud\")."};
  app.set_version_flag("--version", MAIC_VERSION);
  app.set_config("--config", "", "read options from this file (TOML/INI)");
  app.add_option("--data-dir", o.data_dir, "where the server keeps its files (created if missing)")
      ->envname("MAIC_CLOUD_DATA_DIR")
      ->capture_default_str();
  app.add_option("--listen", o.listen, "HOST:PORT to serve HTTP on (port 0: any free port)")
      ->envname("MAIC_CLOUD_LISTEN")
      ->capture_default_str();
  app.add_option("--database", o.database,
                 "sqlite:PATH (relative to the data dir) or postgresql://USER@HOST:PORT/DB;\n"
                 "default: sqlite:maic-cloud.db in the data dir")
      ->envname("MAIC_CLOUD_DATABASE");
  app.add_option("--threads", o.threads, "HTTP worker threads")
      ->envname("MAIC_CLOUD_THREADS")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--db-connections", o.db_connections, "PostgreSQL: connections in the pool")
      ->envname("MAIC_CLOUD_DB_CONNECTIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}))
      ->capture_default_str();
  app.add_flag("--secure-cookies", o.secure_cookies,
               "mark session cookies Secure (serve over HTTPS, e.g. behind a proxy)")
      ->envname("MAIC_CLOUD_SECURE_COOKIES");
  app.add_option("--log-level", o.log_level, "error, warn, info, or debug (adds a line per upload)")
      ->envname("MAIC_CLOUD_LOG_LEVEL")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
      ->capture_default_str();
  app.add_option("--log-format", o.log_format, "text or json (one object per line)")
      ->envname("MAIC_CLOUD_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--mqtt-bridge", o.mqtt_bridge,
                 "mqtt://[USER:PASS@]HOST[:PORT]/[PREFIX]: store what MQTT-only devices publish\n"
                 "to <PREFIX><ID>/JSON (default prefix smart-maic/; docs/mqtt.md)")
      ->envname("MAIC_CLOUD_MQTT_BRIDGE");
  app.add_option("--mqtt-bridge-pin", o.mqtt_bridge_pin,
                 "the PIN (1-10 digits) to add bridged devices by ID + PIN; without it they\n"
                 "cannot be added")
      ->envname("MAIC_CLOUD_MQTT_BRIDGE_PIN");
  o.server.add_to(app, "MAIC_CLOUD_", true);
  CLI11_PARSE(app, argc, argv);
  return maic::run(o);
}
