// maic-history: fills a data server with months of a device's minutes,
// generated from the synthetic household (seasons included) and sent
// through the device's own uplink, so the device starts with a history
// (docs/history.md). Run it before the device's first start: it reads the
// device's data directory (its identity, meters and journal) and leaves
// the device's meters where the history ends.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "maic/core/device_secrets.hpp"
#include "maic/device/history.hpp"
#include "maic/device/uplink.hpp"
#include "maic/platform/directory_storage.hpp"
#include "maic/platform/random.hpp"
#include "maic/platform/system_clock.hpp"

namespace {

using namespace maic;

struct Options {
  std::string data_dir = "maic-data";
  std::string server;
  int days = 365;
  std::optional<std::int64_t> end;
  std::uint64_t seed = 1;
  double solar_amps = 20;
  int phases = 3;
  std::string pin;
  bool quiet = false;
};

std::string month_of(std::int64_t unix_s) {
  const std::chrono::year_month_day d{
      std::chrono::floor<std::chrono::days>(from_unix_seconds(unix_s))};
  return fmt::format("{:04}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()));
}
std::string day_of(std::int64_t unix_s) {
  const std::chrono::year_month_day d{
      std::chrono::floor<std::chrono::days>(from_unix_seconds(unix_s))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

// A hint for the failures a person can act on.
std::string hint(const std::string& error) {
  if (error.find(": 401") != std::string::npos) {
    return "\n  the server knows this device ID with another secret (another data directory?)";
  }
  if (error.find("onnect") != std::string::npos || error.find("resolve") != std::string::npos) {
    return "\n  is maic-cloud running there? (maic-cloud --data-dir DIR --listen HOST:PORT)";
  }
  return "";
}

int run(const Options& o) {
  auto storage = platform::DirectoryStorage::open_directory(o.data_dir);
  if (!storage) {
    fmt::print(stderr, "maic-history: --data-dir {}: {}\n", o.data_dir, storage.error().message);
    return 1;
  }
  const std::unique_ptr<Clock> clock = platform::system_clock();
  auto device = device::read_history_device(**storage, platform::random_bytes, clock->steady_now());
  if (!device) {
    fmt::print(stderr, "maic-history: {}: {}\n", o.data_dir, device.error().message);
    return 1;
  }
  if (!o.pin.empty() && o.pin != device->config.settings.pin) {
    // Before the hello, so that the server learns it with the history.
    device->config.settings.pin = o.pin;
    if (Status s = device::save(**storage, device->config); !s) {
      fmt::print(stderr, "maic-history: {}: the PIN not saved: {}\n", o.data_dir,
                 s.error().message);
      return 1;
    }
  }
  const std::string server = o.server.empty() ? device->config.settings.server.url : o.server;
  if (server.empty()) {
    fmt::print(stderr, "maic-history: --server URL is required (the device has none saved)\n");
    return 2;
  }
  const metering::HouseholdMinuteOptions household{
      .seed = o.seed, .solar_peak_amps = o.solar_amps, .phases = o.phases};
  const WallTime end = o.end ? from_unix_seconds(*o.end) : clock->wall_now();
  if (end > clock->wall_now()) {
    // The server would book minutes from the future at corrected times.
    fmt::print(stderr, "maic-history: --end {}: the history cannot end in the future\n", *o.end);
    return 2;
  }
  auto plan = device::plan_history(*device, household, o.days, end);
  if (!plan) {
    fmt::print(stderr, "maic-history: {}\n", plan.error().message);
    return 1;
  }
  const std::uint32_t total = plan->records();
  const std::string devid = device->config.identity.devid;
  fmt::print("maic-history: device {}: {} day{}, {} minutes from {} to {} (UTC), to {}{}\n", devid,
             o.days, o.days == 1 ? "" : "s", total, day_of(plan->first_minute),
             day_of(plan->end_minute - 60), server,
             device->journal_start ? ", ending where its journal starts" : "");
  std::fflush(stdout);

  std::string reported_month = month_of(plan->first_minute);
  const std::int64_t first = plan->first_minute;
  auto progress = [&](std::uint32_t acked) {
    const std::int64_t minute = first + std::int64_t{acked - 1} * 60;
    const std::string month = month_of(minute);
    if (o.quiet || (month == reported_month && acked != total)) return;
    fmt::print("  {} uploaded ({} of {} minutes, up to {})\n", reported_month, acked, total,
               day_of(minute));
    std::fflush(stdout);
    reported_month = month;
  };
  device::HistoryFeed feed(device->config, server, *plan, MAIC_VERSION, progress);
  device::CurlOptions curl;
  curl.user_agent = std::string("maic-history/") + MAIC_VERSION;
  const auto transport = device::curl_transport(curl);
  const auto command_transport = device::curl_transport(curl);
  // No set_wall: the history is on the machine's clock, which the batch's
  // "now" reports (docs/uplink.md, "Plausible stamps").
  device::Uplink uplink({feed, *transport, *command_transport, *clock, {}, {}});

  const SteadyTime started = clock->steady_now();
  // One step uploads every batch unless a request fails.
  uplink.step();
  const device::ServerReport report = uplink.status();
  if (report.acked_seq != total) {
    const std::string error = report.last_error.empty() ? "the upload stopped" : report.last_error;
    fmt::print(stderr, "maic-history: {}: {} of {} minutes committed: {}{}\n", server,
               report.acked_seq, total, error, hint(error));
    return 1;
  }
  const double elapsed = seconds(clock->steady_now() - started);
  fmt::print("maic-history: {} minutes of device {} committed in {:.1f} s ({:.0f} records/s)\n",
             total, devid, elapsed, elapsed > 0 ? total / elapsed : 0.0);
  if (plan->anchor) {
    if (Status s = device::finish_history(**storage, *plan, clock->steady_now()); !s) {
      fmt::print(stderr, "maic-history: {}: {}\n", o.data_dir, s.error().message);
      return 1;
    }
    const device::HistoryMinute last = device::history_minute(*plan, total);
    std::string meters;
    for (int p = 0; p < o.phases; ++p) {
      const auto up = static_cast<std::size_t>(p);
      meters += fmt::format(" L{} {:.1f} Wh / {:.1f} rWh", p + 1,
                            static_cast<double>(last.registers.forward[up]) / 1e6,
                            static_cast<double>(last.registers.reverse[up]) / 1e6);
    }
    fmt::print("maic-history: the device's meters continue from{}\n", meters);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "maic-history — uploads months of a simulated D103's minutes (the synthetic household, "
      "with seasons) to a data server as the device's own, through its uplink. Run it before "
      "the device's first start: the device then continues from the history's meters."};
  app.add_option("--data-dir", o.data_dir,
                 "the device's data directory (as maic-device's; created for a new device)")
      ->capture_default_str();
  app.add_option("--server", o.server,
                 "the data server, http(s)://HOST[:PORT]; default: the device's saved server.url");
  app.add_option("--days", o.days, "days of history")
      ->check(CLI::Range(1, 3660))
      ->capture_default_str();
  app.add_option("--end", o.end,
                 "unix time the history ends at, for a device without a journal; default: now "
                 "(a device with a journal: where its journal starts)");
  app.add_option("--seed", o.seed, "seed of the household's appliances (as maic-device's --seed)")
      ->capture_default_str();
  app.add_option("--solar-amps", o.solar_amps, "solar generation on L1 at a midsummer noon, A")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--phases", o.phases, "1 or 3")
      ->check(CLI::IsMember({1, 3}))
      ->capture_default_str();
  app.add_option("--pin", o.pin,
                 "sets the device's PIN first (1-10 digits), as its owner would on the device: "
                 "the server learns it with the history, so the device can be added at once")
      ->check([](const std::string& pin) {
        return maic::valid_pin(pin) ? std::string() : std::string("1 to 10 digits are required");
      });
  app.add_flag("--quiet", o.quiet, "no line per month");
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
