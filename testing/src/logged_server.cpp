#include "maic/testing/logged_server.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <string_view>
#include <utility>

namespace maic::testing {
namespace {

// strerror(EADDRINUSE), in the start-up error of every server here.
constexpr std::string_view kPortTaken = "Address already in use";
// Losing the race for a free port is rare: a few attempts suffice.
constexpr int kPortAttempts = 5;

}  // namespace

LoggedServer::~LoggedServer() { kill(); }

void LoggedServer::kill() {
  process_.kill();
  output_.finish();  // ends at end of file: the server held the only writer
}

Status LoggedServer::restart() {
  if (running()) return make_error(fmt::format("{}: restart() while running", command_.name));
  return launch(command_);
}

std::string LoggedServer::log() const { return output_.since(0); }

Status LoggedServer::launch(ServerCommand command) {
  if (running()) return make_error(fmt::format("{}: started while running", command.name));
  command_ = std::move(command);
  const std::size_t log_start = output_.size();
  Result<int> writer = output_.open();
  if (!writer) return writer.error();
  SpawnOptions options = command_.options;
  options.out_fd = *writer;
  Result<ChildProcess> child = ChildProcess::spawn(command_.name, command_.argv, options);
  output_.writer_handed_over();
  if (!child) {
    output_.finish();
    return child.error();
  }
  process_ = std::move(child).value();
  if (Status ready = output_.wait_for(command_.ready_line, log_start, command_.timeout); !ready) {
    kill();
    return make_error(fmt::format("{} did not start: {}", command_.name, ready.error().message));
  }
  output_.start_drain();
  return ok_status();
}

Status LoggedServer::launch_on_free_port(
    const std::function<Result<ServerCommand>(int port)>& command) {
  Status started = make_error("no port tried");
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    Result<int> port = free_port();
    if (!port) return port.error();
    Result<ServerCommand> made = command(*port);
    if (!made) return made.error();
    started = launch(std::move(made).value());
    if (started || started.error().message.find(kPortTaken) == std::string::npos) break;
  }
  return started;
}

std::optional<int> LoggedServer::stop(int sig, std::chrono::milliseconds limit) {
  std::optional<int> status;
  if (running()) {
    process_.signal(sig);
    status = process_.wait_exit(limit);
  }
  kill();  // after a timeout; else it only waits for the output's end
  return status;
}

}  // namespace maic::testing
