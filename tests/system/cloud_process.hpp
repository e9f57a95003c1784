// For the system tests: maic-cloud (the binary, MAIC_CLOUD_BIN) as a child
// process on a loopback port, killed with SIGKILL or stopped with SIGTERM.
// Waits are for events (its "listening on" line, its exit), bounded.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

extern char** environ;

namespace maic::testing {

inline constexpr auto kWaitLimit = std::chrono::seconds(60);

// maic-cloud as a child process; start() returns once it listens.
class CloudProcess {
 public:
  CloudProcess(std::string data_dir, std::uint16_t port, std::vector<std::string> extra = {})
      : data_dir_(std::move(data_dir)), port_(port), extra_(std::move(extra)) {}
  ~CloudProcess() { kill_now(); }

  void start() {
    int out[2];
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{MAIC_CLOUD_BIN, "--data-dir", data_dir_, "--listen", listen};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, MAIC_CLOUD_BIN, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    // Waits for "listening on", bounded.
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (seen.find("listening on") == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "maic-cloud did not start: " << seen;
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) continue;
      char buf[512];
      const ssize_t n = read(out[0], buf, sizeof buf);
      ASSERT_GT(n, 0) << "maic-cloud exited: " << seen;
      seen.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
  }

  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  }

 private:
  std::string data_dir_;
  std::uint16_t port_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

inline std::uint16_t free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

}  // namespace maic::testing
