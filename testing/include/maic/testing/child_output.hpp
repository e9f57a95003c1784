// For tests that start real servers (mosquitto, PostgreSQL) as child
// processes: the child's stdout and stderr through a pipe, kept whole for
// failure messages, waited on for the line that says the child is ready,
// then drained on a thread so the child never blocks on a full pipe.
//
// One ChildOutput may serve successive runs of a child (a restart): the
// log grows across them. Not thread-safe except size(), since() and the
// drain thread's appends.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "maic/core/result.hpp"

namespace maic::testing {

class ChildOutput {
 public:
  ChildOutput() = default;
  ~ChildOutput() { finish(); }
  ChildOutput(const ChildOutput&) = delete;
  ChildOutput& operator=(const ChildOutput&) = delete;

  // Makes a pipe and returns its write end for the child's stdout and
  // stderr; call writer_handed_over() once the child has it.
  Result<int> open() {
    std::array<int, 2> fds{-1, -1};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0)
      return make_error(std::string("pipe2: ") + std::strerror(errno));
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    return write_fd_;
  }
  // Closes the parent's copy of the write end (after spawning, whether it
  // worked or not): end of file then means every holder of it is gone.
  void writer_handed_over() { close_fd(write_fd_); }

  // Waits until the output after offset `since` contains `text`. Fails
  // with what the child said when it closed its output (exited) first or
  // `limit` passed.
  Status wait_for(std::string_view text, std::size_t since, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (this->since(since).find(text) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{read_fd_, POLLIN, 0};
      const int n = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (n < 0 && errno == EINTR) continue;
      std::array<char, 4096> buf{};
      const ssize_t got = n > 0 ? ::read(read_fd_, buf.data(), buf.size()) : 0;
      if (got <= 0) return make_error(this->since(since));  // timed out, or the child exited
      append(std::string_view(buf.data(), static_cast<std::size_t>(got)));
    }
    return ok_status();
  }

  // From now on a thread reads the output, until end of file.
  void start_drain() {
    drain_ = std::thread([this] {
      std::array<char, 4096> buf{};
      for (;;) {
        const ssize_t got = ::read(read_fd_, buf.data(), buf.size());
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return;  // every holder of the write end is gone
        append(std::string_view(buf.data(), static_cast<std::size_t>(got)));
      }
    });
  }

  // Waits for end of file (call after the child and its children are gone)
  // and closes the pipe. Idempotent.
  void finish() {
    if (drain_.joinable()) drain_.join();
    close_fd(read_fd_);
    close_fd(write_fd_);
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return log_.size();
  }
  // The output after `offset` bytes.
  std::string since(std::size_t offset) const {
    std::lock_guard lock(mutex_);
    return offset < log_.size() ? log_.substr(offset) : std::string();
  }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void append(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    log_.append(bytes);
  }

  int read_fd_ = -1;
  int write_fd_ = -1;
  std::thread drain_;
  mutable std::mutex mutex_;
  std::string log_;
};

}  // namespace maic::testing
