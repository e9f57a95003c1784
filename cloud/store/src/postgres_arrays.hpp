// Arrays as bound parameters of libpqxx 6 statements, in PostgreSQL's
// binary format: how the PostgreSQL store sends a batch of thousands of
// rows in one statement ("... FROM unnest($2::bigint[], $3::bytea[])").
// Private to the store (and its benchmark).
#pragma once

#include <cstdint>
#include <pqxx/binarystring>
#include <string>
#include <string_view>

namespace maic::cloud {

// PostgreSQL's binary array format (array_recv, src/backend/utils/adt/
// arrayfuncs.c): a one-dimensional array, big-endian, each element its
// length and its binary form. Bound as a binary parameter, a batch of
// thousands of rows goes to the server as one buffer, with no text
// escaping or parsing on either side.
class BinaryArray {
 public:
  // Element type oids (pg_type.dat).
  static constexpr std::uint32_t kBytea = 17;
  static constexpr std::uint32_t kInt8 = 20;
  static constexpr std::uint32_t kText = 25;

  BinaryArray(std::uint32_t element_type, std::size_t count) {
    put(static_cast<std::uint32_t>(count == 0 ? 0 : 1));  // dimensions
    put(std::uint32_t{0});                                // no nulls
    put(element_type);
    if (count > 0) {
      put(static_cast<std::uint32_t>(count));
      put(std::uint32_t{1});  // lower bound
    }
  }
  void i64(std::int64_t v) {
    put(std::uint32_t{8});
    put(static_cast<std::uint64_t>(v));
  }
  // bytea, or text (UTF-8, the database's encoding).
  void bytes(std::string_view b) {
    put(static_cast<std::uint32_t>(b.size()));
    out_.append(b);
  }
  pqxx::binarystring param() const { return pqxx::binarystring(out_.data(), out_.size()); }

 private:
  template <typename U>
  void put(U v) {
    for (std::size_t k = sizeof(U); k-- > 0;) {
      out_.push_back(static_cast<char>(static_cast<std::uint8_t>(v >> (8 * k))));
    }
  }
  std::string out_;
};

}  // namespace maic::cloud
