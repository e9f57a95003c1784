#include "maic/core/crc32.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "maic/core/storage.hpp"

namespace maic {
namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4, and the CRC catalogue.
TEST(Crc32c, MatchesPublishedCheckValues) {
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);
  std::array<std::byte, 32> zeros{};
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  std::array<std::byte, 32> ones{};
  ones.fill(std::byte{0xFF});
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c({}), 0u);
}

TEST(Crc32c, ContinuesAnEarlierResult) {
  EXPECT_EQ(crc32c(as_bytes("56789"), crc32c(as_bytes("1234"))), crc32c(as_bytes("123456789")));
}

TEST(Crc32c, IsAConstantExpression) {
  static_assert(crc32c(std::span<const std::byte>()) == 0);
  SUCCEED();
}

// Every single-bit error in a 60-byte slot body changes the checksum.
TEST(Crc32c, CatchesEverySingleAndDoubleBitErrorInASlot) {
  std::array<std::byte, 60> body{};
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = std::byte(i * 37 + 11);
  const std::uint32_t good = crc32c(body);
  for (std::size_t a = 0; a < body.size() * 8; ++a) {
    body[a / 8] ^= std::byte(1u << (a % 8));
    EXPECT_NE(crc32c(body), good) << a;
    for (std::size_t b = a + 1; b < body.size() * 8; b += 7) {
      body[b / 8] ^= std::byte(1u << (b % 8));
      EXPECT_NE(crc32c(body), good) << a << "," << b;
      body[b / 8] ^= std::byte(1u << (b % 8));
    }
    body[a / 8] ^= std::byte(1u << (a % 8));
  }
}

}  // namespace
}  // namespace maic
