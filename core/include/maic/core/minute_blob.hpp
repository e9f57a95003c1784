// The stored form of a minute record: how the server keeps a minute row
// (and, with the same building blocks, a rollup accumulator, rollup.hpp).
// Binary rather than JSON so a record comes back bit for bit: the doubles
// are their IEEE-754 bits, so re-reading and re-adding a stored minute (a
// time-zone change, a rebuilt rollup) gives exactly what adding it live gave.
//
// Layout, version 2, little-endian whatever the host, no padding:
//   u8  version (2)
//   i64 minute
//   u8  phases
//   u8  output_on (0 or 1)
//   i32 readings
//   f64 temperature_c
//   u8  status (MinuteRecord::status bits)
//   i64 covered, nanoseconds (Duration's count: exact)
//   u8  blocks: phase blocks that follow, phases..3 (phases beyond `phases`
//       are stored only when not all zero, which a decoded upload never has)
//   blocks x 10 f64: volts, amps, power_factor, watts, reverse_watts, hertz,
//       wh_delta, rwh_delta, wh, rwh
// 33 + 80 x blocks bytes: 113 for one phase, 273 for three.
//
// Version 1 had neither status nor covered (24 + 80 x blocks bytes): it
// decodes as status 0 and a full minute. A new layout gets a new version
// byte; decoders keep reading the old ones.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "maic/core/minute_record.hpp"
#include "maic/core/result.hpp"

namespace maic {

inline constexpr std::uint8_t kMinuteBlobVersion = 2;

std::string encode_minute_blob(const MinuteRecord& m);
// Refuses a wrong version, a wrong length and out-of-range header fields.
Result<MinuteRecord> decode_minute_blob(std::string_view blob);

namespace blob {

// Appends fixed-size little-endian fields to a string.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { put(v); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v)); }
  void f64(double v) { put(std::bit_cast<std::uint64_t>(v)); }

 private:
  template <typename U>
  void put(U v) {
    std::array<char, sizeof(U)> bytes;  // one append, not one per byte
    for (std::size_t k = 0; k < sizeof(U); ++k) {
      bytes[k] = static_cast<char>(static_cast<std::uint8_t>(v >> (8 * k)));
    }
    out_.append(bytes.data(), bytes.size());
  }
  std::string& out_;
};

// Reads what Writer wrote. Reading past the end yields zeros and sets
// overrun(): callers check the length up front and overrun() at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::int64_t i64() { return static_cast<std::int64_t>(get<std::uint64_t>()); }
  double f64() { return std::bit_cast<double>(get<std::uint64_t>()); }
  std::size_t remaining() const { return in_.size() - pos_; }
  bool overrun() const { return overrun_; }

 private:
  template <typename U>
  U get() {
    if (remaining() < sizeof(U)) {
      overrun_ = true;
      pos_ = in_.size();
      return 0;
    }
    U v = 0;
    for (std::size_t k = 0; k < sizeof(U); ++k) {
      v = static_cast<U>(
          v | static_cast<U>(static_cast<U>(static_cast<std::uint8_t>(in_[pos_ + k])) << (8 * k)));
    }
    pos_ += sizeof(U);
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace blob
}  // namespace maic
