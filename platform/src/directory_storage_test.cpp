#include "maic/platform/directory_storage.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "maic/device/journal.hpp"
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

// The journal's migration from 64-byte slots over real files: the new
// file replaces the old one by a rename, and nothing else is left in the
// directory.
TEST(DirectoryStorage, AJournalOf64ByteSlotsIsMigratedInPlace) {
  using namespace maic::device;
  TempDir temp;
  constexpr std::uint32_t kRecords = 2'500;  // more than one chunk
  {
    auto storage = open_or_die(temp.path());
    auto file = storage->open("journal.bin", true);
    ASSERT_TRUE(file.ok());
    JournalHeader header{17'280, 5'000};
    header.version = 2;
    ASSERT_TRUE((*file)->write_at(0, encode_header(header)).ok());
    for (std::uint32_t k = 1; k <= kRecords; ++k) {
      JournalRecord r;
      r.seq = k;
      r.minute = 1'700'000'040 + 60 * std::int64_t{k};
      r.covered_s = 60;
      r.phase[0].forward = 1000 * std::uint64_t{k};
      ASSERT_TRUE((*file)->write_at(kOldSlotSize * k, encode_old_record(r, 5'000)).ok());
    }
    ASSERT_TRUE((*file)->sync().ok());
  }
  auto storage = open_or_die(temp.path());
  auto journal = Journal::open(*storage);
  ASSERT_TRUE(journal.ok()) << journal.error().message;
  EXPECT_EQ(journal->size(), kRecords);
  EXPECT_EQ(journal->newest_seq(), kRecords);
  EXPECT_EQ(journal->newest()->phase[0].forward, 1000u * kRecords);
  EXPECT_EQ(std::filesystem::file_size(temp.path() / "journal.bin"), kSlotSize * (1 + kRecords));
  EXPECT_FALSE(std::filesystem::exists(temp.path() / Journal::migration_name("journal.bin")));
  JournalRecord next;
  next.minute = 1'700'000'040 + 60 * std::int64_t{kRecords + 1};
  next.phase[0].hertz = 50.01;
  auto seq = journal->append(next);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, kRecords + 1);
  auto all = journal->records_after(0, 10'000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), kRecords + 1);
  EXPECT_EQ(all->front().phase[0].forward, 1000u);
  EXPECT_NEAR(all->back().phase[0].hertz, 50.01, 1e-9);
}

}  // namespace
}  // namespace maic::platform
