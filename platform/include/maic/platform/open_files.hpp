// The process's limit on open files, which bounds how many connections a
// server can hold (each is a descriptor).
#pragma once

#include <cstddef>

namespace maic::platform {

// Raises the soft RLIMIT_NOFILE towards `wanted` (never above the hard
// limit, never lowers it) and returns the soft limit now in force.
std::size_t raise_open_files(std::size_t wanted);

}  // namespace maic::platform
