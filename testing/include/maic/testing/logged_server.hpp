// The base of the tests' real servers (mosquitto, PostgreSQL, maic-cloud):
// one server process, started and awaited on a line of its log, the log
// kept whole across restarts for failure messages. A derived class says
// how to start its server (a ServerCommand) and what its files are; kill(),
// restart() and log() are the same for all.
//
// Threads: as for ChildProcess, use one thread and keep it alive while the
// server runs (PR_SET_PDEATHSIG); log() may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/testing/child_output.hpp"
#include "maic/testing/child_process.hpp"

namespace maic::testing {

// How to start a server and know that it serves.
struct ServerCommand {
  std::string name;                     // in errors: "mosquitto on port 41234"
  std::vector<std::string> argv;        // argv[0] an absolute path
  std::string ready_line;               // what its log says once it serves
  std::chrono::milliseconds timeout{};  // the longest wait for ready_line
  SpawnOptions options;                 // out_fd is replaced by the log's pipe
};

class LoggedServer {
 public:
  LoggedServer(const LoggedServer&) = delete;
  LoggedServer& operator=(const LoggedServer&) = delete;

  bool running() const { return process_.running(); }
  // The server's process ID while it runs (for /proc/<pid>/status).
  pid_t pid() const { return process_.pid(); }

  // Kills the server with SIGKILL, reaps it and waits until every process
  // that holds its output (its own children too) is gone: clients see
  // their connections drop. Idempotent.
  void kill();
  // Starts the last command again, with the log continuing. Errors: still
  // running ("<name>: restart() while running"), or as launch().
  Status restart();

  // Everything the server wrote so far, for failure messages.
  std::string log() const;

 protected:
  LoggedServer() = default;
  // Kills a server still running: a derived class that needs a gentler
  // stop, or that removes the server's files, stops it in its own
  // destructor.
  ~LoggedServer();

  // Starts `command` and returns once the log shows its ready line (after
  // what the log held before), then keeps draining the log so the server
  // never blocks on a full pipe. On a timeout or an early exit the server
  // is killed and the error names it and says what its log said
  // ("<name> did not start: <log>"). Errors also: still running ("<name>:
  // started while running"), no pipe, no fork.
  Status launch(ServerCommand command);

  // Launches command(port) on a free loopback port, and again on another
  // while the error says that port was taken ("Address already in use", as
  // mosquitto and PostgreSQL both log it): test binaries run in parallel,
  // and another may bind the port between free_port() and the server.
  // Errors: of command(), of free_port(), of the last launch.
  Status launch_on_free_port(const std::function<Result<ServerCommand>(int port)>& command);

  // Sends `sig` (the server's own graceful stop) and waits up to `limit`
  // for its exit, then kills it. Returns the wait status, or nullopt when
  // the server had to be killed or was not running.
  std::optional<int> stop(int sig, std::chrono::milliseconds limit);

 private:
  ServerCommand command_;
  ChildProcess process_;
  // The server's stdout and stderr across its runs. Every process it
  // starts inherits the write end, so end of file means all are gone.
  ChildOutput output_;
};

}  // namespace maic::testing
