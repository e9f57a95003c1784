#include "command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

extern char** environ;  // NOLINT: POSIX declares it nowhere

namespace maic::platform {

namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::string os_error(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

std::optional<std::filesystem::path> find_program(std::string_view name, std::string_view path) {
  if (name.find('/') != std::string_view::npos) return std::filesystem::path(name);
  for (std::size_t start = 0;;) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string_view dir = path.substr(start, end - start);
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate))
      return candidate;
    if (end == path.size()) return std::nullopt;
    start = end + 1;
  }
}

Result<CommandOutput> run_command(const std::filesystem::path& program,
                                  const std::vector<std::string>& args,
                                  std::chrono::milliseconds timeout) {
  const std::string name = program.filename().string();
  std::array<int, 2> out_pipe{-1, -1};
  std::array<int, 2> err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) return make_error(os_error(name + ": pipe"));
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0) return make_error(os_error(name + ": pipe"));
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  std::vector<std::string> argv_text{program.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_text;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("LC_ALL=") || entry.starts_with("LANGUAGE=")) continue;
    env_text.emplace_back(entry);
  }
  env_text.emplace_back("LC_ALL=C");
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, 2);
  // Descriptors the daemon opened without O_CLOEXEC (sockets) stay with it.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  const int spawned =
      ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  out_w.reset();
  err_w.reset();
  if (spawned != 0) return make_error(name + ": cannot start: " + std::strerror(spawned));

  CommandOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  std::array<pollfd, 2> fds{pollfd{out_r.fd, POLLIN, 0}, pollfd{err_r.fd, POLLIN, 0}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      std::array<char, 4096> buf{};
      const ssize_t got = ::read(fds[i].fd, buf.data(), buf.size());
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fds[i].fd = -1;  // end of file (closed by the Fd owners)
        continue;
      }
      std::string& sink = *sinks[i];
      const std::size_t room = kMaxOutput - std::min(kMaxOutput, sink.size());
      sink.append(buf.data(), std::min(room, static_cast<std::size_t>(got)));
    }
  }
  // The output is closed, or time is up. A child that closed its output
  // may still run: it gets the rest of the time limit. Either way it is
  // reaped here, killed first when the time is up.
  if (!timed_out) {
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd.fd, POLLIN, 0};
    int n = 0;
    do {
      n = pidfd.fd >= 0 && left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 1;
    } while (n < 0 && errno == EINTR);
    timed_out = n == 0;
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return make_error(os_error(name + ": waitpid"));
  }
  if (timed_out) {
    return make_error(name + ": no answer within " + std::to_string(timeout.count()) + " ms");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace maic::platform
