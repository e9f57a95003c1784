#include "maic/platform/directory_storage.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "maic/testing/storage_contract.hpp"
#include "maic/testing/temp_dir.hpp"

namespace maic::platform {
namespace {

using maic::testing::TempDir;

std::unique_ptr<DirectoryStorage> open_or_die(const std::filesystem::path& dir) {
  auto storage = DirectoryStorage::open_directory(dir);
  if (!storage) throw std::runtime_error(storage.error().message);
  return std::move(*storage);
}

struct DirectoryFixture {
  Storage& storage() { return *directory; }
  TempDir temp;
  std::unique_ptr<DirectoryStorage> directory = open_or_die(temp.path());
};

}  // namespace
}  // namespace maic::platform

namespace maic::contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Directory, StorageContract, platform::DirectoryFixture);
}  // namespace maic::contract

namespace maic::platform {
namespace {

using contract::read_text;

TEST(DirectoryStorage, CreatesTheDirectoryAndItsParents) {
  TempDir temp;
  const auto dir = temp.path() / "a" / "b";
  auto storage = DirectoryStorage::open_directory(dir);
  ASSERT_TRUE(storage.ok()) << storage.error().message;
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ((*storage)->path(), dir);
}

TEST(DirectoryStorage, FilesAreRealFilesThatOutliveTheObject) {
  TempDir temp;
  {
    auto storage = open_or_die(temp.path());
    ASSERT_TRUE(storage->write_file_atomic("meters.json", as_bytes("{}")).ok());
    auto file = storage->open("journal.bin", true);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->write_at(64, as_bytes("slot")).ok());
    ASSERT_TRUE((*file)->sync().ok());
  }
  EXPECT_EQ(std::filesystem::file_size(temp.path() / "journal.bin"), 68u);
  auto again = open_or_die(temp.path());
  EXPECT_EQ(read_text(*again, "meters.json"), "{}");
  EXPECT_FALSE(std::filesystem::exists(temp.path() / "meters.json.tmp"));
}

TEST(DirectoryStorage, ErrorsNameTheOperationThePathAndTheReason) {
  TempDir temp;
  auto storage = open_or_die(temp.path());
  auto missing = storage->open("missing", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "open " + (temp.path() / "missing").string() + ": No such file or directory");

  auto renamed = storage->rename("missing", "other");
  ASSERT_FALSE(renamed.ok());
  EXPECT_NE(renamed.error().message.find((temp.path() / "missing").string()), std::string::npos);
  EXPECT_NE(renamed.error().message.find("No such file or directory"), std::string::npos);

  std::filesystem::create_directory(temp.path() / "subdir");
  auto read = storage->read_file("subdir");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("subdir: Is a directory"), std::string::npos)
      << read.error().message;
}

TEST(DirectoryStorage, ADirectoryThatCannotBeMadeIsAnError) {
  TempDir temp;
  ASSERT_TRUE(open_or_die(temp.path())->write_file_atomic("plain", as_bytes("x")).ok());
  auto storage = DirectoryStorage::open_directory(temp.path() / "plain" / "below");
  ASSERT_FALSE(storage.ok());
  EXPECT_NE(storage.error().message.find("plain"), std::string::npos) << storage.error().message;
}

TEST(DirectoryStorage, ReadFileReadsLargeFilesWhole) {
  TempDir temp;
  auto storage = open_or_die(temp.path());
  std::string big(300'000, 'x');
  for (std::size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(storage->write_file_atomic("big", as_bytes(big)).ok());
  EXPECT_EQ(read_text(*storage, "big"), big);
}

TEST(DirectoryStorage, CreatedFilesHaveOrdinaryPermissions) {
  TempDir temp;
  auto storage = open_or_die(temp.path());
  ASSERT_TRUE(storage->open("f", true).ok());
  struct stat st {};
  ASSERT_EQ(::stat((temp.path() / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0600, 0600u);
}

}  // namespace
}  // namespace maic::platform
