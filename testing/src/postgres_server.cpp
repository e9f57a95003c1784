#include "maic/testing/postgres_server.hpp"

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

#include "maic/testing/child_output.hpp"
#include "maic/testing/child_process.hpp"

namespace maic::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
// The superuser initdb creates, whoever runs it.
constexpr const char* kSuperuser = "postgres";
// Who runs the server when the tests run as root.
constexpr const char* kServiceUser = "postgres";
// The server's log line once it accepts connections (PostgreSQL 15, LC_ALL=C).
constexpr std::string_view kReadyLine = "database system is ready to accept connections";
constexpr const char* kRamDir = "/dev/shm";

Error os_error(std::string_view what) {
  return make_error(fmt::format("postgres: {}: {}", what, std::strerror(errno)));
}

std::string bin(std::string_view tool) { return fmt::format("{}/{}", kBinDir, tool); }

// The account the server's processes run as: ourselves, or (as root) the
// service user.
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

// The server's environment: LC_ALL=C, as the log lines waited for are English.
const std::vector<std::string> kEnvironment = {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C",
                                               "PGTZ=UTC"};

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
  Result<ChildProcess> child = ChildProcess::spawn("postgres", argv, {fd, account, kEnvironment});
  ::close(fd);
  if (!child) return child.error();
  const std::optional<int> status = child->wait_exit(kPostgresWaitLimit);
  if (!status) {
    child->kill();
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

  std::atomic<int> databases{0};

  ~Impl() {
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

  // The server on `listen_port`. Dynamic shared memory in files of the
  // data directory (mmap), not /dev/shm segments: a killed server's go
  // with the directory.
  ServerCommand command(int listen_port) {
    port = listen_port;
    return ServerCommand{
        fmt::format("postgres on port {}", port),
        {bin("postgres"), "-D", data.string(), "-p", std::to_string(port), "-c",
         "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir.string(), "-c",
         "fsync=off", "-c", "full_page_writes=off", "-c", "dynamic_shared_memory_type=mmap", "-c",
         "shared_buffers=32MB", "-c", "max_connections=100"},
        std::string(kReadyLine),
        kPostgresWaitLimit,
        {-1, account, kEnvironment}};
  }
};

PostgresServer::PostgresServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// SIGINT is PostgreSQL's fast shutdown: roll back, disconnect, checkpoint.
// Before impl_ removes the directory.
PostgresServer::~PostgresServer() { stop(SIGINT, kPostgresWaitLimit); }

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

  std::unique_ptr<PostgresServer> server(new PostgresServer(std::move(impl)));
  const Status started = server->launch_on_free_port(
      [made = server->impl_.get()](int port) { return made->command(port); });
  if (!started) return started.error();
  return server;
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

}  // namespace maic::testing
