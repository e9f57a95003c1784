// For the system tests: maic-cloud (the binary, MAIC_CLOUD_BIN) as a child
// process on a loopback port, killed with SIGKILL or stopped with SIGTERM.
// Waits are for events (its "listening on" line, its exit), bounded.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "maic/core/testing/child_output.hpp"

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
    const std::size_t since = output_.size();
    Result<int> writer = output_.open();
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, *writer, 1);
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{MAIC_CLOUD_BIN, "--data-dir", data_dir_, "--listen", listen};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, MAIC_CLOUD_BIN, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    output_.writer_handed_over();
    ASSERT_EQ(spawned, 0);
    const Status ready = output_.wait_for("listening on", since, kWaitLimit);
    ASSERT_TRUE(ready.ok()) << "maic-cloud did not start: " << ready.error().message;
    output_.start_drain();
  }

  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    output_.finish();
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    output_.finish();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  }

 private:
  std::string data_dir_;
  std::uint16_t port_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  ChildOutput output_;  // its stdout
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
