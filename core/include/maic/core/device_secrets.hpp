// How a device proves who it is to the data server without the server ever
// holding its secrets in clear (docs/uplink.md, "Authentication"):
//  - the factory secret (64 hex digits) is sent over the uplink and stored
//    by the server only as its BLAKE2b-256 hash: the secret has 256 bits of
//    entropy, so a fast hash is enough;
//  - the PIN never leaves the device: it reports a random salt and
//    pin_digest(salt, PIN), Argon2id, so the server can check a person's
//    claim to the device ("add by ID + PIN") and a copy of the database
//    does not hand out PINs cheaply.
// Shared by the device and the server, so both compute the same digests.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "maic/core/ascii.hpp"
#include "maic/core/result.hpp"

namespace maic {

// A device's PIN (manual §4): 1 to 10 digits, as the device's settings, the
// server's "add a device" and the MQTT bridge's option take it.
inline constexpr std::size_t kMaxPinDigits = 10;
constexpr bool valid_pin(std::string_view pin) {
  return !pin.empty() && pin.size() <= kMaxPinDigits && all_digits(pin);
}

// Hex BLAKE2b-256 of the secret's bytes.
std::string secret_hash(std::string_view secret);

// True when two secret hashes are equal, compared in time independent of
// where they differ (a stored hash against the one a caller's secret gives).
bool secret_hashes_equal(std::string_view a, std::string_view b);

// 32 hex digits of fresh randomness from the OS, for pin_digest's salt.
std::string new_pin_salt();

// Hex Argon2id (libsodium crypto_pwhash, 32 bytes, fixed moderate cost) of
// `pin` with the salt `salt_hex` (32 hex digits). Errors: a malformed salt,
// or the system refusing the memory.
Result<std::string> pin_digest(std::string_view salt_hex, std::string_view pin);

}  // namespace maic
