// Passwords and API keys for the server's accounts.
//
// Passwords are stored as libsodium's crypto_pwhash strings: Argon2id with
// a random salt and the parameters encoded in the string
// ("$argon2id$v=19$m=65536,t=2,p=1$..."), so the cost can be raised later
// and old hashes still verify (needs_rehash says when to upgrade one at the
// next login). API keys are 256 random bits as 64 hex digits.
//
// Thread-safe: libsodium is initialised once, on first use.
#pragma once

#include <string>
#include <string_view>

#include "maic/core/result.hpp"

namespace maic::cloud {

// Checks a new password: 8 to 1024 bytes. The error says which rule failed.
Status check_password_policy(std::string_view password);

// Hashes `password` (any bytes, up to 1024). Fails only when the system
// cannot provide the memory Argon2id asks for.
Result<std::string> hash_password(std::string_view password);

// True when `password` matches `hash` (a crypto_pwhash string). In constant
// time with respect to the password; false for a malformed hash.
bool verify_password(std::string_view hash, std::string_view password);

// A hash of a random password nobody knows, made once per process (on the
// first call) with today's parameters: a log-in for an unknown address
// verifies against it, so it costs as much as one for a known address.
const std::string& dummy_password_hash();

// True when `hash` was made with weaker parameters than today's.
bool needs_rehash(std::string_view hash);

// A fresh API key: 64 lowercase hex digits from the OS's random source.
std::string new_api_key();

// Compares two secrets (API keys, tokens) in time independent of where they
// differ.
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace maic::cloud
