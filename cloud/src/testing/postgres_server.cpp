#include "testing/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>
#include <vector>

#include "maic/core/testing/child_output.hpp"

namespace maic::cloud::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
// The superuser initdb creates, whoever runs it.
constexpr const char* kSuperuser = "postgres";
// Who runs the server when the tests run as root.
constexpr const char* kServiceUser = "postgres";
// The server's log line once it accepts connections (PostgreSQL 15, LC_ALL=C).
constexpr std::string_view kReadyLine = "database system is ready to accept connections";
constexpr std::string_view kPortTaken = "Address already in use";
constexpr const char* kRamDir = "/dev/shm";
// A port picked free may be taken before the server binds it.
constexpr int kPortAttempts = 5;

Error os_error(std::string_view what) {
  return make_error(fmt::format("postgres: {}: {}", what, std::strerror(errno)));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string bin(std::string_view tool) { return fmt::format("{}/{}", kBinDir, tool); }

// A loopback port that was free a moment ago: bound to port 0, read back, closed.
Result<int> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return os_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (::bind(fd, sa, len) != 0 || ::getsockname(fd, sa, &len) != 0) {
    Error e = os_error("bind");
    ::close(fd);
    return e;
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// The account the server's processes run as: ourselves, or (as root) the
// service user.
struct Account {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<Account> server_account() {
  if (::geteuid() != 0) return Account{};
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwnam_r(kServiceUser, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return make_error(fmt::format(
        "postgres: running as root, and there is no user '{}' to run the server as", kServiceUser));
  }
  return Account{true, pw.pw_uid, pw.pw_gid};
}

// A child process: its pid and a pidfd, so that its exit can be awaited
// with a time limit (poll) rather than by polling waitpid.
struct Child {
  pid_t pid = -1;
  int pidfd = -1;
};

// Starts `argv` as a child with stdout and stderr on `out_fd`, as `account`,
// with a small fixed environment (LC_ALL=C: the log lines we wait for are
// English). Everything the child needs is prepared before fork(): the test
// process has threads, so the child may only make async-signal-safe calls
// until exec.
Result<Child> spawn(const std::vector<std::string>& argv, int out_fd, const Account& account) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  static const std::array<std::string, 4> env_strings = {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C",
                                                         "PGTZ=UTC"};
  std::vector<char*> env;
  for (const std::string& e : env_strings) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return os_error("fork");
  if (pid == 0) {
    if (out_fd >= 0) {
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(out_fd, STDERR_FILENO);
    }
    // Descriptors without O_CLOEXEC (client sockets of the test) would stay
    // open in the server.
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    if (account.switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(account.gid) != 0 ||
          ::setuid(account.uid) != 0) {
        ::_exit(125);
      }
    }
    // After the change of user, which clears it: killed when the starting
    // thread ends, also when the test binary is interrupted; the check
    // closes the race with a parent already gone.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
  }
  // glibc 2.36 declares pidfd_open without C linkage for C++; the system call it is.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    Error e = os_error("pidfd_open");
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return e;
  }
  return Child{pid, pidfd};
}

// Waits for the child's exit until `deadline`; reaps it and returns its
// status, or nullopt (still running) at the deadline.
std::optional<int> wait_exit(Child& child, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{child.pidfd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    int status = 0;
    while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    close_fd(child.pidfd);
    child.pid = -1;
    return status;
  }
}

// Kills a child that did not end by itself, and reaps it.
void kill_and_reap(Child& child) {
  if (child.pid <= 0) return;
  ::kill(child.pid, SIGKILL);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  close_fd(child.pidfd);
  child.pid = -1;
}

std::string read_file(const fs::path& file) {
  std::ifstream f(file);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Where clusters live: $TMPDIR if set; else /dev/shm when it has room (a
// RAM file system: creating a database there takes 35 ms rather than 250,
// copying the template 50 ms rather than 600 on the build machine's disk);
// else /tmp. Nothing here needs to survive the machine.
fs::path temp_base() {
  const char* tmp = std::getenv("TMPDIR");
  if (tmp != nullptr && *tmp != '\0') return tmp;
  struct statvfs vfs {};
  constexpr std::uint64_t kRoom = 1ULL << 30;
  if (::statvfs(kRamDir, &vfs) == 0 && ::access(kRamDir, W_OK) == 0 &&
      static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize >= kRoom) {
    return kRamDir;
  }
  return "/tmp";
}

// Every directory made here starts with this; its file kOwnerFile holds the
// pid of the test process that made it.
constexpr std::string_view kDirPrefix = "maic-postgres-";
constexpr const char* kOwnerFile = "owner.pid";

// A server that was killed leaves its small System V shared memory segment
// (the interlock of its data directory); postmaster.pid names it on line 7
// ("key id"). Removed unless something is attached.
void remove_segment(const fs::path& data) {
  std::ifstream pid_file(data / "postmaster.pid");
  std::string line;
  for (int k = 0; k < 7 && std::getline(pid_file, line); ++k) {
  }
  std::istringstream fields(line);
  long key = 0;
  int id = -1;
  if (!(fields >> key >> id) || id < 0) return;
  shmid_ds info{};
  if (::shmctl(id, IPC_STAT, &info) == 0 && info.shm_perm.__key == key && info.shm_nattch == 0) {
    ::shmctl(id, IPC_RMID, nullptr);
  }
}

// Removes the directories of test processes that are gone: a test binary
// killed (SIGKILL, a crash) cannot remove its own, and in /dev/shm they
// would hold memory until the machine restarts. A directory whose owner
// file is not written yet is being made: left alone.
void sweep_orphans(const fs::path& base) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kDirPrefix)) continue;
    std::ifstream owner(entry.path() / kOwnerFile);
    pid_t pid = 0;
    if (!(owner >> pid) || pid <= 0) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
      remove_segment(entry.path() / "data");
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
  }
}

// A fresh directory under temp_base() that `account` owns, marked as ours.
Result<fs::path> make_temp_dir(std::string_view kind, const Account& account) {
  std::string pattern = (temp_base() / fmt::format("{}{}-XXXXXX", kDirPrefix, kind)).string();
  if (::mkdtemp(pattern.data()) == nullptr) return os_error("mkdtemp " + pattern);
  const fs::path dir = pattern;
  std::ofstream(dir / kOwnerFile) << ::getpid() << "\n";
  if (account.switch_user && ::chown(pattern.c_str(), account.uid, account.gid) != 0) {
    Error e = os_error("chown " + pattern);
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    return e;
  }
  return dir;
}

// Runs a tool as `account` to completion, its output in `log_file`.
Status run_tool(const std::vector<std::string>& argv, const Account& account,
                const fs::path& log_file) {
  const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("open " + log_file.string());
  Result<Child> child = spawn(argv, fd, account);
  ::close(fd);
  if (!child) return child.error();
  const std::optional<int> status = wait_exit(*child, Clock::now() + kPostgresWaitLimit);
  if (!status) {
    kill_and_reap(*child);
    return make_error(fmt::format("postgres: {} did not finish: {}", argv[0], read_file(log_file)));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return make_error(
        fmt::format("postgres: {} failed (status {}): {}", argv[0], *status, read_file(log_file)));
  }
  return ok_status();
}

// A cluster initdb made, whole and private to the server's user.
bool usable_cluster(const fs::path& data, const Account& account) {
  struct stat st {};
  if (::lstat(data.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  const uid_t owner = account.switch_user ? account.uid : ::geteuid();
  if (st.st_uid != owner || (st.st_mode & 077) != 0) return false;
  std::error_code ec;
  return fs::exists(data / "PG_VERSION", ec) && fs::exists(data / "global" / "pg_control", ec);
}

// initdb takes half a second or more, most of a short test's time, and
// ctest runs every discovered test in a process of its own: so one cluster,
// made once per user, is kept in temp_base() and each server starts on a
// copy of it (cp -a). It is never written to after it is made; delete it at
// will, the next test makes it again.
Result<fs::path> template_cluster(const Account& account) {
  const uid_t owner = account.switch_user ? account.uid : ::geteuid();
  // Named by uid and checked to be that user's and private: /tmp is shared.
  const fs::path cluster = temp_base() / fmt::format("{}15-template-{}", kDirPrefix, owner);
  if (usable_cluster(cluster, account)) return cluster;

  // Made aside and renamed into place, so a test process in parallel finds
  // either nothing or the finished cluster; when two make one, one rename wins.
  Result<fs::path> work = make_temp_dir("initdb", account);
  if (!work) return work.error();
  const fs::path data = *work / "data";
  // --no-sync: see the header (fsync=off); trust: only loopback and each
  // server's private socket directory are reachable; 1 MB WAL segments
  // rather than 16: a test writes little, and the copies are 11 MB smaller.
  Status made = run_tool({bin("initdb"), "--pgdata=" + data.string(),
                          fmt::format("--username={}", kSuperuser), "--auth=trust", "--no-sync",
                          "--no-locale", "--encoding=UTF8", "--wal-segsize=1", "--no-instructions"},
                         account, *work / "initdb.log");
  if (made && ::rename(data.c_str(), cluster.c_str()) != 0 && errno != EEXIST &&
      errno != ENOTEMPTY) {
    made = os_error("rename to " + cluster.string());
  }
  std::error_code ignored;
  fs::remove_all(*work, ignored);
  if (!made && account.switch_user) {
    return make_error(
        fmt::format("{} (running as root, the server runs as user {}, who must be "
                    "able to reach {}: set TMPDIR to a directory that is)",
                    made.error().message, kServiceUser, temp_base().string()));
  }
  if (!made) return made.error();
  if (!usable_cluster(cluster, account)) {
    return make_error(fmt::format("postgres: {} is not a cluster of the server's user; remove it",
                                  cluster.string()));
  }
  return cluster;
}

}  // namespace

struct PostgresServer::Impl {
  Account account;
  fs::path dir;   // ours or the service user's: sockets, logs
  fs::path data;  // the cluster
  int port = 0;

  Child server;
  // The server's stdout and stderr. Every process of the server
  // (postmaster, backends, auxiliaries) holds the pipe's write end, so its
  // end of file means all are gone.
  maic::testing::ChildOutput output;

  std::atomic<int> databases{0};

  ~Impl() {
    stop();
    std::error_code ignored;
    if (!dir.empty()) fs::remove_all(dir, ignored);
  }

  // The server's directory, with a copy of the template cluster in it.
  Status make_directory() {
    Result<fs::path> made = make_temp_dir("server", account);
    if (!made) return made.error();
    dir = *made;
    data = dir / "data";
    Result<fs::path> cluster = template_cluster(account);
    if (!cluster) return cluster.error();
    return run_tool({"/bin/cp", "-a", cluster->string(), data.string()}, account, dir / "cp.log");
  }

  // Starts the server on `port` and waits until it says it accepts
  // connections. Dynamic shared memory in files of the data directory
  // (mmap), not /dev/shm segments: a killed server's go with the directory.
  Status launch() {
    const std::size_t log_start = output.size();
    Result<int> writer = output.open();
    if (!writer) return writer.error();
    Result<Child> child =
        spawn({bin("postgres"), "-D", data.string(), "-p", std::to_string(port), "-c",
               "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir.string(), "-c",
               "fsync=off", "-c", "full_page_writes=off", "-c", "dynamic_shared_memory_type=mmap",
               "-c", "shared_buffers=32MB", "-c", "max_connections=100"},
              *writer, account);
    output.writer_handed_over();
    if (!child) {
      output.finish();
      return child.error();
    }
    server = *child;
    if (Status ready = output.wait_for(kReadyLine, log_start, kPostgresWaitLimit); !ready) {
      kill();
      return make_error(
          fmt::format("postgres did not start on port {}: {}", port, ready.error().message));
    }
    output.start_drain();
    return ok_status();
  }

  void stop() {
    if (server.pid > 0) {
      ::kill(server.pid, SIGINT);  // fast shutdown: roll back, disconnect, checkpoint
      if (!wait_exit(server, Clock::now() + kPostgresWaitLimit)) kill_and_reap(server);
    }
    output.finish();
  }

  void kill() {
    kill_and_reap(server);
    output.finish();
  }
};

PostgresServer::PostgresServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresServer::~PostgresServer() = default;

bool PostgresServer::installed() {
  return ::access(bin("initdb").c_str(), X_OK) == 0 && ::access(bin("postgres").c_str(), X_OK) == 0;
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  if (!installed()) return make_error(fmt::format("PostgreSQL 15 is not installed in {}", kBinDir));
  auto impl = std::make_unique<Impl>();
  Result<Account> account = server_account();
  if (!account) return account.error();
  impl->account = *account;
  sweep_orphans(temp_base());
  if (Status s = impl->make_directory(); !s) return s.error();

  Status started = make_error("postgres: no attempt");
  for (int attempt = 0; attempt < kPortAttempts && !started; ++attempt) {
    Result<int> port = free_port();
    if (!port) return port.error();
    impl->port = *port;
    started = impl->launch();
    if (!started && started.error().message.find(kPortTaken) == std::string::npos) break;
  }
  if (!started) return started.error();
  return std::unique_ptr<PostgresServer>(new PostgresServer(std::move(impl)));
}

Result<PostgresServer*> PostgresServer::shared() {
  // Destroyed at exit, after the tests: stops the server, removes its files.
  static Result<std::unique_ptr<PostgresServer>> server = start();
  if (!server) return server.error();
  return server->get();
}

int PostgresServer::port() const { return impl_->port; }

std::string PostgresServer::uri(std::string_view database) const {
  return fmt::format("postgresql://{}@127.0.0.1:{}/{}", kSuperuser, impl_->port, database);
}

Result<std::string> PostgresServer::create_database() {
  const std::string name = fmt::format("maic_test_{}", impl_->databases.fetch_add(1) + 1);
  try {
    pqxx::connection conn(uri("postgres"));
    pqxx::nontransaction tx(conn);
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
  } catch (const std::exception& e) {
    return make_error(fmt::format("postgres: create database {}: {}", name, e.what()));
  }
  return uri(name);
}

void PostgresServer::kill() { impl_->kill(); }

Status PostgresServer::restart() {
  if (impl_->server.pid > 0) return make_error("postgres: restart() while running");
  return impl_->launch();
}

std::string PostgresServer::log() const { return impl_->output.since(0); }

}  // namespace maic::cloud::testing
