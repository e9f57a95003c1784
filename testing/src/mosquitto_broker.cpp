#include "maic/testing/mosquitto_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "maic/testing/child_output.hpp"
#include "maic/testing/child_process.hpp"

namespace maic::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kMosquitto = "/usr/sbin/mosquitto";
constexpr const char* kMosquittoPasswd = "/usr/bin/mosquitto_passwd";
constexpr const char* kOpenssl = "/usr/bin/openssl";
// The broker's log line once every listener is open (mosquitto 2.0).
constexpr std::string_view kReadyLine = " running";

Error os_error(std::string_view what) {
  return make_error(fmt::format("mosquitto: {}: {}", what, std::strerror(errno)));
}

Status make_password_file(const fs::path& file, const std::string& user,
                          const std::string& password) {
  return run_to_completion({kMosquittoPasswd, "-b", "-c", file.string(), user, password});
}

// A self-signed certificate for 127.0.0.1 that is its own CA: clients that
// trust it verify the broker's name as they would a real one's. An EC key
// takes milliseconds to make.
Status make_certificate(const fs::path& cert, const fs::path& key) {
  return run_to_completion({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                            key.string(), "-out", cert.string()});
}

std::string current_user() {
  std::array<char, 1024> buf{};
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return "";
  }
  return pw.pw_name;
}

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

}  // namespace

// --- MosquittoBroker -------------------------------------------------------

struct MosquittoBroker::Impl {
  fs::path dir;
  fs::path config;
  bool auth = false;
  bool tls = false;
  int port = 0;
  int tls_port = 0;

  ~Impl() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }

  Status write_config() {
    std::ofstream f(config);
    f << "set_tcp_nodelay true\n"
      << "listener " << port << " 127.0.0.1\n"
      << "allow_anonymous " << (auth ? "false" : "true") << "\n";
    if (auth) f << "password_file " << (dir / "passwd").string() << "\n";
    if (tls) {
      f << "listener " << tls_port << " 127.0.0.1\n"
        << "certfile " << (dir / "cert.pem").string() << "\n"
        << "keyfile " << (dir / "key.pem").string() << "\n";
    }
    // Started as root, mosquitto would become user "mosquitto", who may not
    // read the password file in our private directory: stay who we are.
    if (const std::string user = current_user(); !user.empty()) f << "user " << user << "\n";
    f << "persistence false\n"
      << "log_dest stderr\n"
      << "log_timestamp false\n"
      << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
    f.close();
    if (!f) return make_error("mosquitto: cannot write " + config.string());
    return ok_status();
  }

  // The configuration for `plain_port` (and, with TLS, another free port)
  // and the command that serves it; restart() runs it again as it is.
  Result<ServerCommand> command(int plain_port) {
    port = plain_port;
    if (tls) {
      Result<int> second = free_port();
      if (!second) return second.error();
      tls_port = *second;
    }
    if (Status s = write_config(); !s) return s.error();
    return ServerCommand{fmt::format("mosquitto on port {}", port),
                         {kMosquitto, "-c", config.string()},
                         std::string(kReadyLine),
                         kWaitLimit,
                         {}};
  }
};

MosquittoBroker::MosquittoBroker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Before impl_ removes the directory the broker reads.
MosquittoBroker::~MosquittoBroker() { kill(); }

Result<std::unique_ptr<MosquittoBroker>> MosquittoBroker::start(Options options) {
  if (::access(kMosquitto, X_OK) != 0) {
    return make_error(fmt::format("{} is not installed", kMosquitto));
  }
  auto impl = std::make_unique<Impl>();
  const char* tmp = std::getenv("TMPDIR");
  std::string dir_template =
      (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "maic-mosquitto-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) return os_error("mkdtemp");
  impl->dir = dir_template;
  impl->config = impl->dir / "mosquitto.conf";
  impl->auth = !options.username.empty();
  if (impl->auth) {
    if (Status s = make_password_file(impl->dir / "passwd", options.username, options.password);
        !s) {
      return s.error();
    }
  }
  impl->tls = options.tls;
  if (impl->tls) {
    if (Status s = make_certificate(impl->dir / "cert.pem", impl->dir / "key.pem"); !s) {
      return s.error();
    }
  }
  std::unique_ptr<MosquittoBroker> broker(new MosquittoBroker(std::move(impl)));
  const Status started = broker->launch_on_free_port(
      [made = broker->impl_.get()](int port) { return made->command(port); });
  if (!started) return started.error();
  return broker;
}

int MosquittoBroker::port() const { return impl_->port; }

int MosquittoBroker::tls_port() const { return impl_->tls_port; }

std::string MosquittoBroker::ca_file() const { return (impl_->dir / "cert.pem").string(); }

// --- MqttTestClient --------------------------------------------------------

struct MqttTestClient::Impl {
  mosquitto* mosq = nullptr;
  bool loop_started = false;
  Inbox<ReceivedMessage> inbox;

  std::mutex mutex;  // guards the fields below, written by the network thread
  std::condition_variable cv;
  std::optional<int> connack;  // the broker's answer to CONNECT
  std::set<int> acked;         // message ids of SUBACKs and PUBACKs

  ~Impl() {
    if (mosq == nullptr) return;
    if (loop_started) {
      // Also ends the thread while it waits out its (hour-long) reconnect delay.
      mosquitto_disconnect(mosq);
      mosquitto_loop_stop(mosq, false);
    }
    mosquitto_destroy(mosq);
  }

  template <typename F>
  void update(F f) {
    {
      std::lock_guard lock(mutex);
      f();
    }
    cv.notify_all();
  }

  template <typename Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, kWaitLimit, pred);
  }

  bool wait_acked(int mid) {
    return wait([&] { return acked.count(mid) > 0; });
  }
};

MqttTestClient::MqttTestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MqttTestClient::~MqttTestClient() = default;

Result<std::unique_ptr<MqttTestClient>> MqttTestClient::connect(int port, Options options) {
  init_library();
  auto impl = std::make_unique<Impl>();
  impl->mosq = mosquitto_new(options.client_id.empty() ? nullptr : options.client_id.c_str(),
                             /*clean_session=*/true, impl.get());
  if (impl->mosq == nullptr) return os_error("mosquitto_new");
  mosquitto* m = impl->mosq;
  if (!options.username.empty()) {
    mosquitto_username_pw_set(m, options.username.c_str(), options.password.c_str());
  }
  // Small packets at once: without it, Nagle and delayed ACKs add 40 ms steps.
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  // No reconnecting within a test: a lost connection stays lost.
  mosquitto_reconnect_delay_set(m, 3600, 3600, false);
  mosquitto_connect_callback_set(m, [](mosquitto*, void* user, int rc) {
    auto* self = static_cast<Impl*>(user);
    self->update([&] { self->connack = rc; });
  });
  mosquitto_subscribe_callback_set(m, [](mosquitto*, void* user, int mid, int, const int*) {
    auto* self = static_cast<Impl*>(user);
    self->update([&] { self->acked.insert(mid); });
  });
  mosquitto_publish_callback_set(m, [](mosquitto*, void* user, int mid) {
    auto* self = static_cast<Impl*>(user);
    self->update([&] { self->acked.insert(mid); });
  });
  mosquitto_message_callback_set(m, [](mosquitto*, void* user, const mosquitto_message* msg) {
    static_cast<Impl*>(user)->inbox.push({msg->topic,
                                          std::string(static_cast<const char*>(msg->payload),
                                                      static_cast<std::size_t>(msg->payloadlen)),
                                          msg->retain});
  });

  if (const int rc = mosquitto_connect(m, "127.0.0.1", port, 30); rc != MOSQ_ERR_SUCCESS) {
    return make_error(fmt::format("test client: connect: {}", mosquitto_strerror(rc)));
  }
  if (const int rc = mosquitto_loop_start(m); rc != MOSQ_ERR_SUCCESS) {
    return make_error(fmt::format("test client: loop: {}", mosquitto_strerror(rc)));
  }
  impl->loop_started = true;
  if (!impl->wait([&] { return impl->connack.has_value(); })) {
    return make_error("test client: no CONNACK");
  }
  if (*impl->connack != 0) {
    return make_error(
        fmt::format("test client: refused: {}", mosquitto_connack_string(*impl->connack)));
  }
  for (const std::string& filter : options.subscriptions) {
    int mid = 0;
    if (const int rc = mosquitto_subscribe(m, &mid, filter.c_str(), 1); rc != MOSQ_ERR_SUCCESS) {
      return make_error(fmt::format("test client: subscribe: {}", mosquitto_strerror(rc)));
    }
    if (!impl->wait_acked(mid)) return make_error("test client: no SUBACK for " + filter);
  }
  return std::unique_ptr<MqttTestClient>(new MqttTestClient(std::move(impl)));
}

Status MqttTestClient::publish(std::string_view topic, std::string_view payload, bool retain) {
  int mid = 0;
  const std::string t(topic);
  const int rc = mosquitto_publish(impl_->mosq, &mid, t.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), 1, retain);
  if (rc != MOSQ_ERR_SUCCESS) {
    return make_error(fmt::format("test client: publish: {}", mosquitto_strerror(rc)));
  }
  if (!impl_->wait_acked(mid)) return make_error("test client: no PUBACK for " + t);
  return ok_status();
}

Inbox<ReceivedMessage>& MqttTestClient::inbox() { return impl_->inbox; }

}  // namespace maic::testing
