#include "maic/device/notifier_service.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "maic/device/web_api.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "maic/testing/shared_clock.hpp"
#include "maic/testing/smtp_server.hpp"

namespace maic::device {
namespace {

using notify::Mail;
using notify::SmtpSender;
using testing::SmtpMessage;
using testing::SmtpServer;
using namespace std::chrono_literals;

constexpr std::string_view kDevid = "1234567890";

template <typename T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

using maic::testing::SharedClock;

// The header `name` of a message ("Subject", "Message-ID"), unfolded.
std::string header(const std::string& data, std::string_view name) {
  const std::string key = "\r\n" + std::string(name) + ": ";
  const auto at = ("\r\n" + data).find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size() - 2;
  auto end = data.find("\r\n", start);
  while (end != std::string::npos && end + 2 < data.size() &&
         (data[end + 2] == ' ' || data[end + 2] == '\t'))
    end = data.find("\r\n", end + 2);
  return data.substr(start, end - start);
}

// The plain-text part, base64-decoded.
std::string plain_text(const std::string& data) {
  const auto part = data.find("text/plain");
  const auto start = data.find("\r\n\r\n", part) + 4;
  const auto end = data.find("\r\n--", start);
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : data.substr(start, end - start)) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (v < 0) continue;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

// The fault injector: while `down`, every send fails as a connection
// refused would; the Message-IDs it refused are recorded.
struct Faults {
  std::atomic<bool> down{false};
  std::mutex mutex;
  std::vector<std::string> refused_ids;
};

class FlakySender final : public SmtpSender {
 public:
  FlakySender(Faults& faults, std::unique_ptr<SmtpSender> real)
      : faults_(faults), real_(std::move(real)) {}
  Status send(const Mail& mail) override {
    if (faults_.down) {
      std::lock_guard lock(faults_.mutex);
      faults_.refused_ids.push_back(header(mail.data, "Message-ID"));
      return make_error("connect: Couldn't connect to server (injected)");
    }
    return real_->send(mail);
  }

 private:
  Faults& faults_;
  std::unique_ptr<SmtpSender> real_;
};

// The service over memory storage, a shared virtual clock, a real SMTP
// server and a device status the test sets.
struct Harness {
  SharedClock clock;
  MemoryStorage storage;
  std::unique_ptr<SmtpServer> smtp = must(SmtpServer::start());
  Faults faults;
  std::mutex mutex;  // guards status and log
  std::condition_variable logged;
  DeviceStatus status;
  std::vector<std::string> log;
  std::unique_ptr<NotifierService> service;

  Harness() { service = make_service(); }

  std::unique_ptr<NotifierService> make_service() {
    NotifierService::Options o;
    o.timeouts = {2000ms, 5000ms};
    o.poll = 10ms;
    o.make_sender = [this](const notify::SmtpSettings& s, const notify::SmtpTimeouts& t) {
      return std::make_unique<FlakySender>(faults, notify::curl_smtp_sender(s, t));
    };
    o.log = [this](std::string_view line) {
      std::lock_guard lock(mutex);
      log.emplace_back(line);
      logged.notify_all();
    };
    return std::make_unique<NotifierService>(
        storage, clock, std::string(kDevid),
        [this] {
          std::lock_guard lock(mutex);
          return status;
        },
        o);
  }

  Settings settings() const {
    Settings s;
    s.notify.enabled = true;
    s.notify.rate_limit_min = 0;
    s.notify.on_restart = false;  // its own test
    s.notify.phase_filter_s = 60;
    s.notify.smtp.host = "127.0.0.1";
    s.notify.smtp.port = smtp->port();
    s.notify.smtp.security = notify::SmtpSecurity::kNone;
    s.notify.smtp.sender = "maic@example.org";
    s.notify.smtp.recipients = {"me@example.org"};
    return s;
  }

  // A reading now, every phase at 230 V but those given.
  Reading reading(std::array<double, 3> volts = {230, 230, 230}) {
    Reading r;
    r.end = clock.steady_now();
    r.wall_end = clock.wall_now();
    r.phases = 3;
    for (int p = 0; p < 3; ++p) r.phase[p].volts = volts[p];
    return r;
  }
  void step(std::array<double, 3> volts = {230, 230, 230}) {
    const Reading r = reading(volts);
    service->on_reading(r, r.end);
  }

  void set_status(ServiceState server, ServiceState mqtt) {
    std::lock_guard lock(mutex);
    status.server_state = server;
    status.mqtt_state = mqtt;
  }

  // A mail that says "here" in the queue's order: what should have gone
  // before it has.
  void marker() { service->on_output({true, OutputCause::kJsonApi, 0, true}); }

  std::vector<SmtpMessage> wait_for(std::size_t n) {
    auto got = smtp->wait_for(n);
    EXPECT_GE(got.size(), n) << smtp->log();
    return got;
  }

  // Waits until a log line contains `text`.
  bool wait_log(std::string_view text) {
    std::unique_lock lock(mutex);
    return logged.wait_for(lock, testing::kWaitLimit, [&] {
      for (const std::string& l : log)
        if (l.find(text) != std::string::npos) return true;
      return false;
    });
  }
};

std::string subject(const SmtpMessage& m) { return header(m.data, "Subject"); }

TEST(NotifierService, OutputSwitchedMailSaysByWhat) {
  Harness h;
  ASSERT_TRUE(h.service->start(h.settings()).ok());
  EXPECT_EQ(h.service->report().state, ServiceState::kConnected);
  h.service->on_output({true, OutputCause::kMqtt, 0, false});  // unchanged: no mail
  h.service->on_output({true, OutputCause::kMqtt, 0, true});
  h.service->on_output({false, OutputCause::kCondition, 3, true});
  const auto got = h.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(subject(got[0]), fmt::format("smart-MAIC {}: output switched on", kDevid));
  EXPECT_NE(plain_text(got[0].data).find("(cause: mqtt)"), std::string::npos)
      << plain_text(got[0].data);
  EXPECT_EQ(got[0].from, "maic@example.org");
  EXPECT_EQ(got[0].to, std::vector<std::string>{"me@example.org"});
  EXPECT_NE(plain_text(got[1].data).find("(cause: condition)"), std::string::npos);
  EXPECT_NE(plain_text(got[1].data).find(std::string(kDevid)), std::string::npos);
  h.service->stop();
  EXPECT_EQ(h.smtp->messages().size(), 2u);
}

TEST(NotifierService, MailsAreInTheDevicesLanguage) {
  Harness h;
  Settings s = h.settings();
  s.language = "de";
  s.timezone = "Europe/Berlin";
  ASSERT_TRUE(h.service->start(s).ok());
  h.service->condition_email(1, 261.5, h.reading());
  const auto got = h.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  const std::string text = plain_text(got[0].data);
  EXPECT_NE(text.find("Bedingung 2"), std::string::npos) << text;  // 1-based for people
  EXPECT_NE(text.find("261.5"), std::string::npos) << text;
  EXPECT_NE(text.find("Europe/Berlin"), std::string::npos) << text;
}

TEST(NotifierService, ToggledOffEventsAndDisabledNotificationsSendNothing) {
  Harness h;
  Settings s = h.settings();
  s.notify.on_condition = false;
  ASSERT_TRUE(h.service->start(s).ok());
  h.service->condition_email(0, 1, h.reading());
  h.marker();
  auto got = h.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(subject(got[0]).find("output switched"), std::string::npos);

  s.notify.enabled = false;
  ASSERT_TRUE(h.service->reconfigure(s).ok());
  EXPECT_EQ(h.service->report().state, ServiceState::kDisabled);
  h.marker();
  s.notify.enabled = true;
  ASSERT_TRUE(h.service->reconfigure(s).ok());
  h.service->on_output({false, OutputCause::kWebPage, 0, true});
  got = h.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(subject(got[1]).find("switched off"), std::string::npos) << "not the marker";
}

TEST(NotifierService, PhaseLostAfterTheFilterAndRestored) {
  Harness h;
  ASSERT_TRUE(h.service->start(h.settings()).ok());  // below 100 V for longer than 60 s
  h.step({230, 0, 230});
  h.clock.advance(59s);
  h.step({230, 12, 230});
  h.marker();  // nothing before it: 59 s is not long enough
  h.clock.advance(2s);
  h.step({230, 0, 230});
  h.clock.advance(5s);
  h.step({230, 0, 230});  // lost once
  h.clock.advance(5s);
  h.step({230, 229, 230});
  auto got = h.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(subject(got[0]).find("output switched"), std::string::npos) << subject(got[0]);
  EXPECT_EQ(subject(got[1]), fmt::format("smart-MAIC {}: phase L2 lost", kDevid));
  EXPECT_NE(plain_text(got[1].data).find("0.0 V"), std::string::npos);
  EXPECT_EQ(subject(got[2]), fmt::format("smart-MAIC {}: phase L2 restored", kDevid));
  // A short dip says nothing, and restored needs a lost before it.
  h.step({230, 50, 230});
  h.clock.advance(30s);
  h.step({230, 230, 230});
  h.marker();
  got = h.wait_for(4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_NE(subject(got[3]).find("output switched"), std::string::npos) << subject(got[3]);
}

TEST(NotifierService, RestartedOncePerDaemonStart) {
  Harness h;
  Settings s = h.settings();
  s.notify.on_restart = true;
  ASSERT_TRUE(h.service->start(s).ok());
  auto got = h.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(subject(got[0]), fmt::format("smart-MAIC {}: device restarted", kDevid));
  ASSERT_TRUE(h.service->restart(s).ok());  // the manual's "reboot": not a restart of the device
  s.notify.daily_cap = 40;
  ASSERT_TRUE(h.service->reconfigure(s).ok());
  h.marker();
  got = h.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(subject(got[1]).find("output switched"), std::string::npos) << subject(got[1]);
}

TEST(NotifierService, DataServerUnreachableForNMinutesAndReachableAgain) {
  Harness h;
  Settings s = h.settings();
  s.notify.server_unreachable_min = 10;
  ASSERT_TRUE(h.service->start(s).ok());
  h.set_status(ServiceState::kConnected, ServiceState::kDisabled);
  h.step();
  h.set_status(ServiceState::kError, ServiceState::kDisabled);
  h.step();
  h.clock.advance(9min + 59s);
  h.step();
  h.marker();
  h.clock.advance(1s);
  h.step();
  h.clock.advance(1min);
  h.step();  // told once
  h.set_status(ServiceState::kConnected, ServiceState::kDisabled);
  h.step();
  h.step();
  const auto got = h.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(subject(got[0]).find("output switched"), std::string::npos) << subject(got[0]);
  EXPECT_EQ(subject(got[1]), fmt::format("smart-MAIC {}: data server unreachable", kDevid));
  EXPECT_NE(plain_text(got[1].data).find("for 10 minutes"), std::string::npos);
  EXPECT_EQ(subject(got[2]), fmt::format("smart-MAIC {}: data server reachable again", kDevid));
}

TEST(NotifierService, MqttLostAfterTheGraceAndRestored) {
  Harness h;
  ASSERT_TRUE(h.service->start(h.settings()).ok());
  h.set_status(ServiceState::kDisabled, ServiceState::kError);
  h.step();  // never connected: nothing lost
  h.clock.advance(5min);
  h.step();
  h.set_status(ServiceState::kDisabled, ServiceState::kConnected);
  h.step();
  h.set_status(ServiceState::kDisabled, ServiceState::kError);
  h.step();
  h.clock.advance(30s);
  h.set_status(ServiceState::kDisabled, ServiceState::kConnected);  // back within the grace
  h.step();
  h.set_status(ServiceState::kDisabled, ServiceState::kError);
  h.step();
  h.clock.advance(60s);
  h.step();
  h.marker();
  h.clock.advance(1s);
  h.step();
  h.set_status(ServiceState::kDisabled, ServiceState::kConnected);
  h.step();
  const auto got = h.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(subject(got[0]).find("output switched"), std::string::npos) << subject(got[0]);
  EXPECT_EQ(subject(got[1]), fmt::format("smart-MAIC {}: MQTT broker connection lost", kDevid));
  EXPECT_EQ(subject(got[2]), fmt::format("smart-MAIC {}: MQTT broker connection restored", kDevid));
}

TEST(NotifierService, RateLimitAndDailyCapAreCountedNotSent) {
  Harness h;
  Settings s = h.settings();
  s.notify.rate_limit_min = 15;
  s.notify.daily_cap = 3;
  ASSERT_TRUE(h.service->start(s).ok());
  h.service->on_output({true, OutputCause::kJsonApi, 0, true});
  h.service->on_output({false, OutputCause::kJsonApi, 0, true});  // within 15 minutes
  h.clock.advance(15min);
  h.service->on_output({false, OutputCause::kJsonApi, 0, true});
  h.service->condition_email(0, 1, h.reading());
  h.service->condition_email(1, 1, h.reading());  // the fourth today
  const NotificationsStatus n = h.service->notifications();
  EXPECT_EQ(n.rate_limited, 1u);
  EXPECT_EQ(n.daily_cap, 1u);
  const auto got = h.wait_for(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(subject(got[1]).find("switched off"), std::string::npos);
  EXPECT_NE(subject(got[2]).find("condition 1 met"), std::string::npos) << subject(got[2]);
  h.service->stop();
  EXPECT_EQ(h.smtp->messages().size(), 3u);
}

TEST(NotifierService, AFailedSendStaysQueuedAndGoesWithTheSameMessageId) {
  Harness h;
  h.faults.down = true;
  ASSERT_TRUE(h.service->start(h.settings()).ok());
  h.marker();
  ASSERT_TRUE(h.wait_log("stays queued"));
  NotificationsStatus n = h.service->notifications();
  EXPECT_EQ(n.state, ServiceState::kError);
  EXPECT_NE(n.error.find("Couldn't connect"), std::string::npos) << n.error;
  EXPECT_EQ(n.queued, 1u);
  EXPECT_EQ(h.service->report().state, ServiceState::kError);

  // The daemon restarts meanwhile: the queue survives in the storage.
  h.service->stop();
  h.service = h.make_service();
  ASSERT_TRUE(h.service->start(h.settings()).ok());
  EXPECT_EQ(h.service->notifications().queued, 1u);
  h.faults.down = false;
  h.clock.advance(30s);  // the back-off (a new start has none)
  const auto got = h.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  std::lock_guard lock(h.faults.mutex);
  ASSERT_FALSE(h.faults.refused_ids.empty());
  EXPECT_EQ(header(got[0].data, "Message-ID"), h.faults.refused_ids.front());
  h.service->stop();
  n = h.service->notifications();
  EXPECT_EQ(n.state, ServiceState::kDisabled);
}

TEST(NotifierService, SendsAgainAfterTheBackOffWithoutARestart) {
  Harness h;
  h.faults.down = true;
  ASSERT_TRUE(h.service->start(h.settings()).ok());
  h.marker();
  ASSERT_TRUE(h.wait_log("stays queued"));
  h.faults.down = false;
  h.clock.advance(30s);
  const auto got = h.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  std::lock_guard lock(h.faults.mutex);
  EXPECT_EQ(header(got[0].data, "Message-ID"), h.faults.refused_ids.front());
}

// A server that takes connections (the kernel's backlog) and never says a
// word: a send hangs until its time limit.
struct SilentServer {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  SilentServer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd, 16) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("silent server: cannot listen");
    port = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd); }
};

TEST(NotifierService, AHangingServerCostsOneSendsTimeAndStopIsBounded) {
  Harness h;
  const SilentServer silent;
  Settings s = h.settings();
  s.notify.smtp.port = silent.port;
  auto service = [&] {
    NotifierService::Options o;
    o.timeouts = {200ms, 400ms};
    o.poll = 10ms;
    o.backoff_min = 1;
    o.log = [&h](std::string_view line) {
      std::lock_guard lock(h.mutex);
      h.log.emplace_back(line);
      h.logged.notify_all();
    };
    return std::make_unique<NotifierService>(h.storage, h.clock, std::string(kDevid), nullptr, o);
  }();
  ASSERT_TRUE(service->start(s).ok());
  service->on_output({true, OutputCause::kJsonApi, 0, true});
  ASSERT_TRUE(h.wait_log("stays queued")) << "the send timed out";
  EXPECT_EQ(service->notifications().state, ServiceState::kError);
  // Tried again after the back-off, and stopped while (most likely) at it.
  h.clock.advance(2s);
  const auto before = std::chrono::steady_clock::now();
  service->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s) << "one send's 400 ms at most";
  EXPECT_EQ(service->notifications().state, ServiceState::kDisabled);
}

// The JSON API's test button and status, over a real device, without sockets.
struct Site {
  VirtualClock clock;
  MemoryStorage storage;
  MemoryStorage notify_storage;
  std::unique_ptr<SmtpServer> smtp = must(SmtpServer::start());
  std::unique_ptr<Device> device;
  std::unique_ptr<NotifierService> notifier;
  http::Router router;

  explicit Site(bool with_notifier = true) {
    metering::SyntheticConfig c;
    const metering::PhaseLoad load{230, 5, 20};
    c.profile = metering::constant_profile({load, load, load});
    auto source = must(metering::WaveformMeter::create(
        std::make_unique<metering::SyntheticSource>(c), clock.steady_now(), "synthetic"));
    DeviceOptions o;
    o.firmware_version = "test";
    device = must(Device::open({clock, storage, std::move(source),
                                [](std::span<std::byte> out) {
                                  for (auto& b : out) b = std::byte{7};
                                }},
                               o));
    NotifierService::Options n;
    n.timeouts = {2000ms, 5000ms};
    notifier = std::make_unique<NotifierService>(notify_storage, clock, device->identity().devid,
                                                 nullptr, n);
    WebApiOptions w;
    if (with_notifier) w.notifier = notifier.get();
    add_web_routes(
        router, *device, clock, [](const http::Request&) { return http::Response::text("site"); },
        w);
  }

  http::Response call(std::string method, std::string path, std::string body = "") {
    http::Request q;
    q.method = std::move(method);
    q.path = path;
    q.target = std::move(path);
    q.body = std::move(body);
    q.remote = "10.0.0.2";
    return router.handle(q);
  }

  void login() { ASSERT_EQ(call("POST", "/api/v1/login", R"({"pin":"0000"})").status, 200); }

  Status set_smtp(int port) {
    return device->update_settings([port](Settings s) -> Result<Settings> {
      s.notify.smtp.host = "127.0.0.1";
      s.notify.smtp.port = port;
      s.notify.smtp.security = notify::SmtpSecurity::kNone;
      s.notify.smtp.sender = "maic@example.org";
      s.notify.smtp.recipients = {"me@example.org", "refuse@example.org"};
      return s;
    });
  }
};

TEST(NotifierService, TheTestButtonSendsAtOnce) {
  Site s;
  EXPECT_EQ(s.call("POST", "/api/v1/notifications/test").status, 401) << "a change: log in";
  s.login();
  http::Response r = s.call("POST", "/api/v1/notifications/test");
  EXPECT_EQ(r.status, 400) << "no account yet";
  EXPECT_NE(r.body.find("smtp.host"), std::string::npos) << r.body;

  // The server refuses one of the two recipients: the error says so.
  ASSERT_TRUE(s.set_smtp(s.smtp->port()).ok());
  r = s.call("POST", "/api/v1/notifications/test");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("the test e-mail was not sent"), std::string::npos) << r.body;

  ASSERT_TRUE(s.device
                  ->update_settings([](Settings x) -> Result<Settings> {
                    x.notify.smtp.recipients = {"me@example.org"};
                    return x;
                  })
                  .ok());
  r = s.call("POST", "/api/v1/notifications/test");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["sent"], true);
  const auto got = s.smtp->wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(header(got[0].data, "Subject"),
            fmt::format("smart-MAIC {}: test e-mail", s.device->identity().devid));
}

TEST(NotifierService, TheStatusAndMetricsShowTheQueue) {
  Site s;
  const auto status = nlohmann::json::parse(s.call("GET", "/api/v1/status").body);
  ASSERT_TRUE(status.contains("notifications"));
  EXPECT_EQ(status["notifications"]["state"], "disabled");
  EXPECT_EQ(status["notifications"]["queued"], 0);
  EXPECT_EQ(status["notifications"]["refused"]["daily_cap"], 0);
  const std::string metrics = s.call("GET", "/metrics").body;
  for (const char* name : {"maic_notify_queued", "maic_notify_sent_total",
                           "maic_notify_refused_total", "maic_notify_failed"}) {
    const std::string line =
        fmt::format("{}{{devid=\"{}\"}} 0\n", name, s.device->identity().devid);
    EXPECT_NE(metrics.find(line), std::string::npos) << line;
  }
}

TEST(NotifierService, WithoutANotifierTheTestButtonIsUnavailable) {
  Site s(false);
  s.login();
  const http::Response r = s.call("POST", "/api/v1/notifications/test");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("notifications are not available"), std::string::npos);
}

}  // namespace
}  // namespace maic::device
