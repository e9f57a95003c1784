// For the system tests: maic-cloud (the binary, MAIC_CLOUD_BIN) as a child
// process on a loopback port, killed with SIGKILL or stopped with SIGTERM.
// Waits are for events (its "listening on" line, its exit), bounded.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "maic/testing/logged_server.hpp"

namespace maic::testing {

inline constexpr auto kWaitLimit = std::chrono::seconds(60);

// maic-cloud as a child process; start() returns once it listens.
class CloudProcess : public LoggedServer {
 public:
  CloudProcess(std::string data_dir, int port, std::vector<std::string> extra = {})
      : data_dir_(std::move(data_dir)), port_(port), extra_(std::move(extra)) {}

  void start() {
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{MAIC_CLOUD_BIN, "--data-dir", data_dir_, "--listen", listen};
    args.insert(args.end(), extra_.begin(), extra_.end());
    const Status started = launch({"maic-cloud", std::move(args), "listening on", kWaitLimit, {}});
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  void stop() {
    if (!running()) return;
    const std::optional<int> status = LoggedServer::stop(SIGTERM, kWaitLimit);
    ASSERT_TRUE(status.has_value()) << "maic-cloud did not stop";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status;
  }

 private:
  std::string data_dir_;
  int port_;
  std::vector<std::string> extra_;
};

}  // namespace maic::testing
