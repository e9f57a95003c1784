// A real PostgreSQL 15 for the tests: a cluster in a temporary directory,
// `postgres` started as a child process listening on 127.0.0.1 (and on a
// unix socket in that directory), a fresh database per test. Every wait is
// for an event (a log line, a process's exit), bounded by
// kPostgresWaitLimit; nothing sleeps.
//
// Clusters live under $TMPDIR if it is set, else in /dev/shm when that has
// room (on the build machine's disk, creating a database takes 250 ms, in
// RAM 35), else in /tmp. initdb takes about half a second and ctest runs
// each test in its own process, so initdb runs once per user: its cluster
// is kept as a template, <that directory>/maic-postgres-15-template-<uid>
// (28 MB, never written to again; delete it at will), and each server
// starts on a copy. A server's directory goes with the server; those of a
// test process that was killed are removed by the next start().
//
// Durability: the server runs with fsync=off (and full_page_writes=off):
// initdb and the tests' many small commits would otherwise wait for the disk.
// Commits still write their WAL to the kernel before they return
// (synchronous_commit stays on), so a committed transaction survives the
// server being killed (SIGKILL, kill()) — a process crash, which is what
// tests can do. It would not survive a crash of the machine; no test may
// rely on that.
//
// PostgreSQL refuses to run as root. When the tests run as root (CI), initdb
// and postgres run as the `postgres` system user (installed with
// postgresql-15), and the directories are given to that user, who must be
// able to reach them (a TMPDIR under /root would not do).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "maic/core/result.hpp"
#include "maic/testing/logged_server.hpp"

namespace maic::testing {

// The upper bound of every wait (start-up, shutdown, initdb): a normal run
// takes a fraction of a second, so only a failing or badly overloaded test
// ever waits this long.
inline constexpr std::chrono::milliseconds kPostgresWaitLimit{30000};

// One server with its own data directory. Call start/kill/restart from one
// thread and keep that thread alive while the server runs: the server is
// killed when the thread that started it ends (PR_SET_PDEATHSIG), so an
// interrupted test binary leaves no server behind. create_database(),
// port() and uri() may be called from any thread.
//
// kill() (LoggedServer) is a SIGKILL and waits until the server and all
// its backends are gone: clients see their connections drop. restart()
// starts it again on the same port and data directory (it recovers from
// its WAL). log() is everything the server wrote so far.
class PostgresServer : public LoggedServer {
 public:
  // Copies the template cluster (initdb first if there is none), then
  // starts the server on a free port (another if that one was
  // taken meanwhile: test binaries run in parallel) and returns once it
  // accepts connections. Fails when PostgreSQL 15 is not installed or does
  // not come up within kPostgresWaitLimit.
  static Result<std::unique_ptr<PostgresServer>> start();

  // Whether PostgreSQL 15's initdb and postgres are there: tests skip
  // without them, as the MQTT tests do without mosquitto.
  static bool installed();

  // One server per test process, started on first use and stopped at exit,
  // so a suite starts one server. Thread-safe, but make the first call from
  // the main thread (see above); a failed start is reported to every
  // caller. (ctest runs each discovered test in its own process: there it
  // is one server per test, which the template cluster keeps cheap.)
  static Result<PostgresServer*> shared();

  // Stops the server (SIGINT: fast shutdown; SIGKILL after
  // kPostgresWaitLimit), reaps it and every backend, removes the directory.
  ~PostgresServer();

  int port() const;
  // postgresql://postgres@127.0.0.1:PORT/<database>
  std::string uri(std::string_view database) const;

  // CREATE DATABASE with a name of its own (from template1: milliseconds)
  // and returns its URI. Thread-safe.
  Result<std::string> create_database();

 private:
  struct Impl;
  explicit PostgresServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::testing
