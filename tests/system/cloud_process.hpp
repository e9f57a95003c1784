// For the system tests: maic-cloud (the binary, MAIC_CLOUD_BIN) as a child
// process on a loopback port, killed with SIGKILL or stopped with SIGTERM.
// Waits are for events (its "listening on" line, its exit), bounded.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include "maic/testing/child_output.hpp"
#include "maic/testing/child_process.hpp"

namespace maic::testing {

inline constexpr auto kWaitLimit = std::chrono::seconds(60);

// maic-cloud as a child process; start() returns once it listens.
class CloudProcess {
 public:
  CloudProcess(std::string data_dir, int port, std::vector<std::string> extra = {})
      : data_dir_(std::move(data_dir)), port_(port), extra_(std::move(extra)) {}
  ~CloudProcess() { kill_now(); }

  void start() {
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{MAIC_CLOUD_BIN, "--data-dir", data_dir_, "--listen", listen};
    args.insert(args.end(), extra_.begin(), extra_.end());
    Result<ChildProcess> child =
        start_logged_server("maic-cloud", args, output_, "listening on", kWaitLimit);
    ASSERT_TRUE(child.ok()) << child.error().message;
    process_ = std::move(child).value();
  }

  void kill_now() {
    process_.kill();
    output_.finish();
  }

  void stop() {
    if (!process_.running()) return;
    process_.signal(SIGTERM);
    const std::optional<int> status = process_.wait_exit(kWaitLimit);
    output_.finish();
    ASSERT_TRUE(status.has_value()) << "maic-cloud did not stop";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
  }

 private:
  std::string data_dir_;
  int port_;
  std::vector<std::string> extra_;
  ChildProcess process_;
  ChildOutput output_;  // its stdout
};

}  // namespace maic::testing
