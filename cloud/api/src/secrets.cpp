#include "secrets.hpp"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <utility>

namespace maic::cloud {
namespace {

constexpr std::size_t kMaxPassword = 1024;

// libsodium must be initialised before use; sodium_init is idempotent and
// thread-safe, and fails only without a working random source.
void ensure_sodium() {
  static const int ready = sodium_init();
  if (ready < 0) std::abort();
}

constexpr unsigned long long kOps = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr std::size_t kMem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

}  // namespace

Status check_password_policy(std::string_view password) {
  if (password.size() < 8) return make_error("password: at least 8 characters");
  if (password.size() > kMaxPassword) return make_error("password: at most 1024 bytes");
  return ok_status();
}

Result<std::string> hash_password(std::string_view password) {
  ensure_sodium();
  if (password.size() > kMaxPassword) return make_error("password: at most 1024 bytes");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), kOps, kMem) != 0) {
    return make_error("password hashing ran out of memory");
  }
  return std::string(out.data());
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::array<char, crypto_pwhash_STRBYTES> stored{};
  hash.copy(stored.data(), hash.size());
  return crypto_pwhash_str_verify(stored.data(), password.data(), password.size()) == 0;
}

const std::string& dummy_password_hash() {
  // Thread-safe (a function-local static); a failure to hash, which only
  // memory exhaustion causes, is a process edge.
  static const std::string hash = [] {
    auto made = hash_password(new_api_key());
    if (!made) std::abort();
    return std::move(*made);
  }();
  return hash;
}

bool needs_rehash(std::string_view hash) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  std::array<char, crypto_pwhash_STRBYTES> stored{};
  hash.copy(stored.data(), hash.size());
  return crypto_pwhash_str_needs_rehash(stored.data(), kOps, kMem) != 0;
}

std::string new_api_key() {
  ensure_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 2 * 32 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return std::string(hex.data());
}

bool secrets_equal(std::string_view a, std::string_view b) {
  ensure_sodium();
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace maic::cloud
