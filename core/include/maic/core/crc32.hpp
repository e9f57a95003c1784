// CRC-32C (Castagnoli), the checksum of the device's storage formats.
//
// Why CRC-32C and not zlib's crc32 (IEEE 802.3), which is installed:
// core depends on nothing, and for the journal's slots (124 checked bytes,
// 992 bits) Castagnoli's polynomial is the stronger code: Hamming distance 6
// up to 5,243 data bits, against 5 for IEEE 802.3 above 268 bits (Koopman,
// "32-bit cyclic redundancy codes for Internet applications", 2002), so
// every error of up to 5 bits in a slot is caught. It is also what ext4 metadata, iSCSI and leveldb
// use. A byte-wise table is plenty: the device checksums 128 bytes a minute, and scanning a full
// 12-day journal (2.2 MB) takes a few milliseconds.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace maic {

namespace detail {

constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
  constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78;  // 0x1EDC6F41 bit-reversed
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) != 0 ? (c >> 1) ^ kReflectedPolynomial : c >> 1;
    table[i] = c;
  }
  return table;
}

inline constexpr std::array<std::uint32_t, 256> kCrc32cTable = make_crc32c_table();

}  // namespace detail

// The CRC-32C of `data`. Pass an earlier result as `crc` to continue it:
// crc32c(b, crc32c(a)) == crc32c(a followed by b). crc32c("123456789") is
// 0xE3069283.
constexpr std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc = 0) {
  crc = ~crc;
  for (const std::byte b : data) {
    crc = detail::kCrc32cTable[(crc ^ std::to_integer<std::uint32_t>(b)) & 0xFFu] ^ (crc >> 8);
  }
  return ~crc;
}

}  // namespace maic
