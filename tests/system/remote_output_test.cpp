// Remote output control across processes: two maic-cloud processes share
// one PostgreSQL; the device keeps its command poll open on one of them;
// the owner switches the output through the other. The command reaches the
// device within the poll's 2-second wait, the device switches and
// acknowledges, and the owner sees the new state with nothing pending.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "cloud_process.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/device.hpp"
#include "maic/device/http_client.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/device/uplink.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "maic/platform/system_clock.hpp"
#include "maic/testing/postgres_server.hpp"
#include "maic/testing/temp_dir.hpp"

namespace maic {
namespace {

using nlohmann::json;

// A script's calls to a server, with its API key once it has one.
struct Script {
  std::string base;
  std::string key;
  std::unique_ptr<device::HttpTransport> http = device::curl_transport();

  json call(const std::string& method, const std::string& path, const json& body, int expect) {
    device::HttpRequest r;
    r.method = method;
    r.url = base + path;
    if (!key.empty()) r.headers.push_back({"Authorization", "Bearer " + key});
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers.push_back({"Content-Type", "application/json"});
    }
    auto answer = http->send(r);
    if (!answer) throw std::runtime_error(path + ": " + answer.error().message);
    EXPECT_EQ(answer->status, expect) << path << ": " << answer->body;
    return json::parse(answer->body, nullptr, false);
  }
};

TEST(RemoteOutput, ACommandGivenToOneProcessReachesADeviceOnTheOther) {
  auto postgres = maic::testing::PostgresServer::start();
  ASSERT_TRUE(postgres.ok()) << postgres.error().message;
  auto database = (*postgres)->create_database();
  ASSERT_TRUE(database.ok()) << database.error().message;
  maic::testing::TempDir dir("maic-remote-output");
  const Result<int> port_a = testing::free_port(), port_b = testing::free_port();
  ASSERT_TRUE(port_a.ok() && port_b.ok());
  testing::CloudProcess a((dir.path() / "a").string(), *port_a, {"--database", *database});
  testing::CloudProcess b((dir.path() / "b").string(), *port_b, {"--database", *database});
  a.start();
  b.start();
  const std::string url_a = "http://127.0.0.1:" + std::to_string(*port_a);
  const std::string url_b = "http://127.0.0.1:" + std::to_string(*port_b);

  // The device talks to B, on real time (the poll's wait is real).
  const auto clock = platform::system_clock();
  MemoryStorage storage;
  metering::SyntheticConfig c;
  const metering::PhaseLoad load{230, 10, 0};
  c.profile = metering::constant_profile({load, load, load});
  auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                clock->steady_now(), "synthetic");
  device::DeviceOptions options;
  options.firmware_version = "test";
  auto opened = device::Device::open({*clock, storage, std::move(source).value(),
                                      [n = 0](std::span<std::byte> out) mutable {
                                        for (auto& x : out) x = static_cast<std::byte>(++n * 3);
                                      }},
                                     options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  device::Device& dev = **opened;
  ASSERT_TRUE(
      dev.update_settings(device::json_patch({{"pin", "4711"}, {"server", {{"url", url_b}}}}))
          .ok());
  auto transport = device::curl_transport();
  auto poll_transport = device::curl_transport();
  device::UplinkOptions uplink_options;
  uplink_options.command_wait = std::chrono::seconds(2);  // the requirement: within 2 s
  device::Uplink uplink({dev, *transport, *poll_transport, *clock, {}, {}}, uplink_options);
  uplink.step();  // hello
  ASSERT_EQ(to_string(dev.status().server_state), "connected") << dev.status().server_error;

  // The owner, on A.
  Script owner{url_a, "", device::curl_transport()};
  owner.key = owner
                  .call("POST", "/api/v1/register",
                        {{"email", "ann@example.org"}, {"password", "correct horse"}}, 201)
                  .value("api_key", "");
  const std::string devid = dev.identity().devid;
  owner.call("POST", "/api/v1/devices", {{"name", "Home"}, {"devid", devid}, {"pin", "4711"}}, 201);
  ASSERT_FALSE(dev.output_on());

  // The device's poll is open on B (one poll: it returns with the command or
  // after its 2 s); the command is given to A.
  auto polled = std::async(std::launch::async, [&] { uplink.poll_commands(); });
  owner.call("POST", "/api/v1/devices/" + devid + "/output", {{"on", true}}, 202);
  polled.get();
  EXPECT_TRUE(dev.output_on()) << "the command did not arrive within the poll's 2 s";

  const json state = owner.call("GET", "/api/v1/devices/" + devid + "/output", nullptr, 200);
  EXPECT_TRUE(state.value("on", false)) << state.dump();
  EXPECT_EQ(state.at("pending").size(), 0u) << state.dump();
  a.stop();
  b.stop();
}

}  // namespace
}  // namespace maic
