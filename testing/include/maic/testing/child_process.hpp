// For the tests' real peers (mosquitto, PostgreSQL, maic-cloud): child
// processes that die with the test and a free loopback port. A server
// awaited on a line of its log is a LoggedServer (logged_server.hpp).
//
// Threads: a ChildProcess is used from one thread. Children are started with
// PR_SET_PDEATHSIG, so they are killed when the thread that started them
// ends, also when the test binary is interrupted: keep that thread alive
// while the child runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"

namespace maic::testing {

// A loopback TCP port that was free a moment ago (bound to port 0, read
// back, closed). Another process may take it before the caller binds it:
// callers that start a server retry on "address in use".
Result<int> free_port();

// Who a child runs as: ourselves (switch_user false), or the given account.
struct Account {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct SpawnOptions {
  int out_fd = -1;  // stdout and stderr of the child; -1: the test's own
  Account account;
  // The child's environment, "NAME=value" each; nullopt: the test's own.
  std::optional<std::vector<std::string>> environment;
};

// A child process with a pidfd, so its exit can be awaited with a time
// limit. Move-only; the destructor kills and reaps a child still running.
class ChildProcess {
 public:
  ChildProcess() = default;
  // Starts argv[0] (an absolute path) with `argv`. Everything the child needs
  // is prepared before fork(): the test process has threads, so the child
  // makes only async-signal-safe calls until exec. Descriptors the test
  // opened without O_CLOEXEC (client sockets) are closed in the child.
  // Errors: fork or pidfd_open failed ("<name>: fork: <reason>").
  static Result<ChildProcess> spawn(std::string_view name, const std::vector<std::string>& argv,
                                    const SpawnOptions& options = {});

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Sends `sig` to a running child.
  void signal(int sig) const;
  // Waits for the child's exit until `timeout` has passed; reaps it and
  // returns its wait status, or nullopt while it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILL and reap. Idempotent.
  void kill();

 private:
  ChildProcess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  void reset();

  pid_t pid_ = -1;
  int pidfd_ = -1;
};

// Runs `argv` to completion with its output discarded. Errors: not
// installed, could not start, or a non-zero exit ("<argv[0]> failed ...").
Status run_to_completion(const std::vector<std::string>& argv);

}  // namespace maic::testing
