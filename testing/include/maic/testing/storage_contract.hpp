// The behaviour every Storage implementation shares, as one GTest suite run
// over each of them (MemoryStorage in core, DirectoryStorage in platform),
// as Zephyr runs one sensor suite over the driver and its emulator. For
// test binaries only: it includes GTest.
//
// Use: a fixture type with a default constructor that makes one fresh,
// empty storage, `Storage& storage()`, and a destructor that cleans up; then
//   INSTANTIATE_TYPED_TEST_SUITE_P(Memory, StorageContract, MyFixtureType);
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "maic/core/storage.hpp"

namespace maic::contract {

inline std::vector<std::byte> bytes_of(std::string_view text) {
  const auto b = as_bytes(text);
  return {b.begin(), b.end()};
}

// Reads the whole content through `file`.
inline std::string read_all(File& file) {
  auto size = file.size();
  EXPECT_TRUE(size.ok()) << (size ? "" : size.error().message);
  if (!size) return {};
  std::string text(*size, '\0');
  auto n = file.read_at(0, std::as_writable_bytes(std::span(text.data(), text.size())));
  EXPECT_TRUE(n.ok());
  if (n) text.resize(*n);
  return text;
}

inline std::string read_text(Storage& storage, std::string_view name) {
  auto content = storage.read_file(name);
  EXPECT_TRUE(content.ok());
  if (!content || !*content) return "<absent>";
  return std::string(as_text(**content));
}

template <typename Fixture>
class StorageContract : public ::testing::Test {
 protected:
  Storage& storage() { return fixture_.storage(); }
  Fixture fixture_;
};

TYPED_TEST_SUITE_P(StorageContract);

TYPED_TEST_P(StorageContract, OpenWithoutCreateFailsForAMissingFile) {
  EXPECT_FALSE(this->storage().open("missing", false).ok());
  auto exists = this->storage().exists("missing");
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

TYPED_TEST_P(StorageContract, WritesAreReadBackAndReadsAreShortOnlyAtTheEnd) {
  auto file = this->storage().open("data", true);
  ASSERT_TRUE(file.ok()) << file.error().message;
  File& f = **file;
  ASSERT_TRUE(f.write_at(0, as_bytes("hello world")).ok());
  ASSERT_TRUE(f.write_at(6, as_bytes("there")).ok());
  EXPECT_EQ(read_all(f), "hello there");

  std::array<std::byte, 8> buffer{};
  auto n = f.read_at(8, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(as_text(std::span(buffer).first(3)), "ere");
  n = f.read_at(11, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  n = f.read_at(1000, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_TRUE(f.sync().ok());
}

TYPED_TEST_P(StorageContract, AWriteBeyondTheEndLeavesAGapOfZeros) {
  auto file = this->storage().open("gap", true);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->write_at(4, as_bytes("x")).ok());
  auto size = (*file)->size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 5u);
  EXPECT_EQ(read_all(**file), std::string("\0\0\0\0x", 5));
}

TYPED_TEST_P(StorageContract, TruncateShrinksAndExtendsWithZeros) {
  auto file = this->storage().open("t", true);
  ASSERT_TRUE(file.ok());
  File& f = **file;
  ASSERT_TRUE(f.write_at(0, as_bytes("abcdef")).ok());
  ASSERT_TRUE(f.truncate(2).ok());
  EXPECT_EQ(read_all(f), "ab");
  ASSERT_TRUE(f.truncate(4).ok());
  EXPECT_EQ(read_all(f), std::string("ab\0\0", 4));
}

TYPED_TEST_P(StorageContract, TwoHandlesSeeOneFileAndReopeningKeepsIt) {
  auto a = this->storage().open("shared", true);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->write_at(0, as_bytes("one")).ok());
  ASSERT_TRUE((*a)->sync().ok());
  auto b = this->storage().open("shared", false);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(read_all(**b), "one");
  a->reset();
  auto c = this->storage().open("shared", true);  // create on an existing file keeps it
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(read_all(**c), "one");
}

TYPED_TEST_P(StorageContract, ReadFileIsNulloptForAMissingFile) {
  auto content = this->storage().read_file("nothing");
  ASSERT_TRUE(content.ok());
  EXPECT_FALSE(content->has_value());
}

TYPED_TEST_P(StorageContract, WriteFileAtomicCreatesAndReplaces) {
  Storage& s = this->storage();
  ASSERT_TRUE(s.write_file_atomic("store.json", as_bytes("{\"v\":1} and more")).ok());
  EXPECT_EQ(read_text(s, "store.json"), "{\"v\":1} and more");
  ASSERT_TRUE(s.write_file_atomic("store.json", as_bytes("{\"v\":2}")).ok());
  EXPECT_EQ(read_text(s, "store.json"), "{\"v\":2}");
  auto tmp = s.exists("store.json.tmp");
  ASSERT_TRUE(tmp.ok());
  EXPECT_FALSE(*tmp);
  ASSERT_TRUE(s.write_file_atomic("empty", {}).ok());
  EXPECT_EQ(read_text(s, "empty"), "");
}

TYPED_TEST_P(StorageContract, RenameReplacesTheTarget) {
  Storage& s = this->storage();
  ASSERT_TRUE(s.write_file_atomic("a", as_bytes("A")).ok());
  ASSERT_TRUE(s.write_file_atomic("b", as_bytes("B")).ok());
  ASSERT_TRUE(s.rename("a", "b").ok());
  EXPECT_EQ(read_text(s, "b"), "A");
  EXPECT_EQ(read_text(s, "a"), "<absent>");
  EXPECT_FALSE(s.rename("a", "c").ok());
}

TYPED_TEST_P(StorageContract, RemoveDeletesAndAMissingFileIsFine) {
  Storage& s = this->storage();
  ASSERT_TRUE(s.write_file_atomic("x", as_bytes("X")).ok());
  ASSERT_TRUE(s.remove("x").ok());
  EXPECT_EQ(read_text(s, "x"), "<absent>");
  EXPECT_TRUE(s.remove("x").ok());
}

TYPED_TEST_P(StorageContract, InvalidNamesAreRejected) {
  Storage& s = this->storage();
  for (std::string_view name : {"", ".", "..", ".hidden", "a/b", "../etc", "sp ace"}) {
    EXPECT_FALSE(s.open(name, true).ok()) << name;
    EXPECT_FALSE(s.read_file(name).ok()) << name;
    EXPECT_FALSE(s.write_file_atomic(name, as_bytes("x")).ok()) << name;
    EXPECT_FALSE(s.remove(name).ok()) << name;
    EXPECT_FALSE(s.exists(name).ok()) << name;
  }
}

REGISTER_TYPED_TEST_SUITE_P(StorageContract, OpenWithoutCreateFailsForAMissingFile,
                            WritesAreReadBackAndReadsAreShortOnlyAtTheEnd,
                            AWriteBeyondTheEndLeavesAGapOfZeros, TruncateShrinksAndExtendsWithZeros,
                            TwoHandlesSeeOneFileAndReopeningKeepsIt,
                            ReadFileIsNulloptForAMissingFile, WriteFileAtomicCreatesAndReplaces,
                            RenameReplacesTheTarget, RemoveDeletesAndAMissingFileIsFine,
                            InvalidNamesAreRejected);

}  // namespace maic::contract
