#include "maic/testing/smtp_server.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace maic::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Debian's interpreter: the one python3-aiosmtpd installs into (a python3
// earlier on PATH, e.g. pyenv's, lacks the module).
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr std::string_view kReadyLine = "smtp sink ready";

std::string read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// As MosquittoBroker's: a self-signed certificate for 127.0.0.1 that is
// its own CA.
Status make_certificate(const fs::path& cert, const fs::path& key) {
  return run_to_completion({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                            key.string(), "-out", cert.string()});
}

}  // namespace

struct SmtpServer::Impl {
  fs::path dir;
  fs::path mail;  // where the messages go
  Options options;
  int port = 0;

  ~Impl() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }

  ServerCommand command(int free) {
    port = free;
    std::vector<std::string> argv = {
        kPython, "-u",          MAIC_SMTP_SINK_SCRIPT, "--port",        std::to_string(port),
        "--dir", mail.string(), "--security",          options.security};
    if (!options.username.empty()) {
      argv.insert(argv.end(), {"--user", options.username, "--password", options.password});
    }
    if (options.security != "none") {
      argv.insert(argv.end(),
                  {"--cert", (dir / "cert.pem").string(), "--key", (dir / "key.pem").string()});
    }
    return ServerCommand{fmt::format("aiosmtpd on port {}", port),
                         std::move(argv),
                         std::string(kReadyLine),
                         kWaitLimit,
                         {}};
  }
};

SmtpServer::SmtpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Before impl_ removes the directory the server writes to.
SmtpServer::~SmtpServer() { kill(); }

Result<std::unique_ptr<SmtpServer>> SmtpServer::start(Options options) {
  if (::access(kPython, X_OK) != 0) return make_error(fmt::format("{} is not installed", kPython));
  if (options.security != "none" && options.security != "starttls" && options.security != "tls") {
    return make_error("smtp server: security must be none, starttls or tls");
  }
  auto impl = std::make_unique<Impl>();
  const char* tmp = std::getenv("TMPDIR");
  std::string dir_template =
      (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "maic-smtp-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    return make_error(fmt::format("smtp server: mkdtemp: {}", std::strerror(errno)));
  }
  impl->dir = dir_template;
  impl->mail = impl->dir / "mail";
  fs::create_directory(impl->mail);
  impl->options = std::move(options);
  if (impl->options.security != "none") {
    if (Status s = make_certificate(impl->dir / "cert.pem", impl->dir / "key.pem"); !s) {
      return s.error();
    }
  }
  std::unique_ptr<SmtpServer> server(new SmtpServer(std::move(impl)));
  const Status started =
      server->launch_on_free_port([made = server->impl_.get()](int port) -> Result<ServerCommand> {
        return made->command(port);
      });
  if (!started) return started.error();
  return server;
}

int SmtpServer::port() const { return impl_->port; }

std::string SmtpServer::ca_file() const {
  return impl_->options.security == "none" ? "" : (impl_->dir / "cert.pem").string();
}

std::vector<SmtpMessage> SmtpServer::messages() const {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(impl_->mail, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<SmtpMessage> out;
  for (const fs::path& file : files) {
    const auto doc = nlohmann::json::parse(read_whole(file), nullptr, false);
    if (!doc.is_object()) continue;
    SmtpMessage m;
    m.from = doc.value("from", "");
    m.to = doc.value("to", std::vector<std::string>{});
    if (doc.contains("login") && doc["login"].is_string()) m.login = doc["login"];
    fs::path eml = file;
    m.data = read_whole(eml.replace_extension(".eml"));
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<SmtpMessage> SmtpServer::wait_for(std::size_t count,
                                              std::chrono::milliseconds limit) const {
  // Watch before looking, so a message that arrives in between still wakes us.
  const int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0) ::inotify_add_watch(fd, impl_->mail.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  const auto deadline = Clock::now() + limit;
  std::vector<SmtpMessage> found = messages();
  while (found.size() < count) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    // Without inotify (fd < 0) poll() only waits: a bounded re-check.
    ::poll(&p, fd >= 0 ? 1 : 0, static_cast<int>(std::min<long long>(left, fd >= 0 ? left : 50)));
    if (fd >= 0 && (p.revents & POLLIN) != 0) {
      char buf[4096];
      while (::read(fd, buf, sizeof buf) > 0) {
      }
    }
    found = messages();
  }
  if (fd >= 0) ::close(fd);
  return found;
}

}  // namespace maic::testing
