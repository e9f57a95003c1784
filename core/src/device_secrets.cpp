#include "maic/core/device_secrets.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace maic {
namespace {

void init_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium cannot be initialised");
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();
  return hex;
}

// The PIN's cost: a PIN has at most 10 digits, so no cost makes guessing
// one from a stolen digest infeasible; this one makes it slow (about 10^4
// guesses per core-second for a 4-digit PIN space) while a device computes
// it in well under a second, once per PIN change.
constexpr unsigned long long kPinOpsLimit = 2;
constexpr std::size_t kPinMemLimit = 8 * 1024 * 1024;

}  // namespace

std::string secret_hash(std::string_view secret) {
  init_sodium();
  std::array<unsigned char, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return to_hex(out.data(), out.size());
}

bool secret_hashes_equal(std::string_view a, std::string_view b) {
  init_sodium();
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string new_pin_salt() {
  init_sodium();
  std::array<unsigned char, crypto_pwhash_SALTBYTES> salt{};
  randombytes_buf(salt.data(), salt.size());
  return to_hex(salt.data(), salt.size());
}

Result<std::string> pin_digest(std::string_view salt_hex, std::string_view pin) {
  init_sodium();
  std::array<unsigned char, crypto_pwhash_SALTBYTES> salt{};
  std::size_t salt_len = 0;
  if (salt_hex.size() != salt.size() * 2 ||
      sodium_hex2bin(salt.data(), salt.size(), salt_hex.data(), salt_hex.size(), nullptr, &salt_len,
                     nullptr) != 0 ||
      salt_len != salt.size()) {
    return make_error("the PIN's salt must be 32 hex digits");
  }
  std::array<unsigned char, 32> out{};
  if (crypto_pwhash(out.data(), out.size(), pin.data(), pin.size(), salt.data(), kPinOpsLimit,
                    kPinMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error("out of memory hashing the PIN");
  }
  return to_hex(out.data(), out.size());
}

}  // namespace maic
