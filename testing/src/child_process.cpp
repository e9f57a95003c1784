#include "maic/testing/child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

namespace maic::testing {
namespace {

Error os_error(std::string_view name, std::string_view what) {
  return make_error(fmt::format("{}: {}: {}", name, what, std::strerror(errno)));
}

void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<int> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return os_error("free port", "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (::bind(fd, sa, len) != 0 || ::getsockname(fd, sa, &len) != 0) {
    Error e = os_error("free port", "bind");
    ::close(fd);
    return e;
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

Result<ChildProcess> ChildProcess::spawn(std::string_view name,
                                         const std::vector<std::string>& argv,
                                         const SpawnOptions& options) {
  std::vector<char*> args = c_strings(argv);
  std::vector<char*> env;
  if (options.environment) env = c_strings(*options.environment);
  const Account account = options.account;
  const int out_fd = options.out_fd;

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return os_error(name, "fork");
  if (pid == 0) {
    if (out_fd >= 0) {
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(out_fd, STDERR_FILENO);
    }
    // Descriptors without O_CLOEXEC (client sockets of the test) would keep
    // those connections open in the server after the test closed them.
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    if (account.switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(account.gid) != 0 ||
          ::setuid(account.uid) != 0) {
        ::_exit(125);
      }
    }
    // After any change of user, which clears it: killed when the starting
    // thread ends; the check closes the race with a parent already gone.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    if (env.empty()) {
      ::execv(args[0], args.data());
    } else {
      ::execve(args[0], args.data(), env.data());
    }
    ::_exit(127);
  }
  // glibc 2.36 declares pidfd_open without C linkage for C++; the system call it is.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    Error e = os_error(name, "pidfd_open");
    ::kill(pid, SIGKILL);
    reap(pid);
    return e;
  }
  return ChildProcess(pid, pidfd);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::exchange(other.pidfd_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill(); }

void ChildProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd_, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reset();
    return status;
  }
}

void ChildProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(pid_);
  reset();
}

void ChildProcess::reset() {
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

Status run_to_completion(const std::vector<std::string>& argv) {
  if (::access(argv[0].c_str(), X_OK) != 0) {
    return make_error(fmt::format("{} is not installed", argv[0]));
  }
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  SpawnOptions options;
  options.out_fd = null;
  Result<ChildProcess> child = ChildProcess::spawn(argv[0], argv, options);
  if (null >= 0) ::close(null);
  if (!child) return child.error();
  const std::optional<int> status = child->wait_exit(std::chrono::minutes(10));
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return make_error(fmt::format("{} failed (status {})", argv[0], status.value_or(-1)));
  }
  return ok_status();
}

}  // namespace maic::testing
