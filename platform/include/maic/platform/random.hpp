// Unpredictable bytes from the operating system (getrandom(2)), for device
// identities, secrets and session tokens.
#pragma once

#include <cstddef>
#include <span>

namespace maic::platform {

// Fills `out`; blocks only until the kernel's pool is initialised at boot.
// Aborts the process if the kernel refuses (no safe fallback exists).
void random_bytes(std::span<std::byte> out);

}  // namespace maic::platform
