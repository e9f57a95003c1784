// Runs a program to completion with a time limit and its output captured:
// for the tools the platform drives (nmcli). Private to the platform layer.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"

namespace maic::platform {

struct CommandOutput {
  int exit_code = -1;  // the program's exit status; -1 when killed by a signal
  std::string out;     // stdout, at most kMaxOutput bytes (the rest is read and dropped)
  std::string err;     // stderr, likewise
};

inline constexpr std::size_t kMaxOutput = 1 << 20;

// The first executable file called `name` in the directories of `path`
// (PATH's syntax: ':'-separated; an empty entry is the current directory).
// A `name` with a '/' is taken as it is. nullopt: none.
std::optional<std::filesystem::path> find_program(std::string_view name, std::string_view path);

// Runs `program` (a path) with `args` (without argv[0]), stdin from
// /dev/null and LC_ALL=C (so that tools answer in English, as parsed),
// the rest of the environment inherited, no descriptor but 0, 1 and 2. Kills it (SIGKILL) when
// `timeout` passes and reports that as an error; the child is always reaped before this returns.
// Errors: could not start, or timed out. A non-zero exit is not an error: see exit_code.
// Thread-safe (posix_spawn).
Result<CommandOutput> run_command(const std::filesystem::path& program,
                                  const std::vector<std::string>& args,
                                  std::chrono::milliseconds timeout);

}  // namespace maic::platform
