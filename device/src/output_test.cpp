#include "maic/device/output.hpp"

#include <gtest/gtest.h>

namespace maic::device {
namespace {

TEST(PersistedOutput, RemembersAcrossRestarts) {
  MemoryStorage storage;
  {
    auto out = PersistedOutput::open(storage, nullptr);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_FALSE((*out)->is_on());
    ASSERT_TRUE((*out)->set(true).ok());
  }
  auto driver = std::make_unique<MemoryOutput>(false);
  MemoryOutput* relay = driver.get();
  auto again = PersistedOutput::open(storage, std::move(driver));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->is_on());
  EXPECT_TRUE(relay->is_on()) << "the remembered state is applied to the relay";
}

TEST(PersistedOutput, ADriverFailureChangesNothing) {
  MemoryStorage storage;
  auto driver = std::make_unique<MemoryOutput>(false);
  MemoryOutput* relay = driver.get();
  auto out = PersistedOutput::open(storage, std::move(driver));
  ASSERT_TRUE(out.ok());
  relay->fail_next();
  EXPECT_FALSE((*out)->set(true).ok());
  EXPECT_FALSE((*out)->is_on());
  auto again = PersistedOutput::open(storage, nullptr);
  EXPECT_FALSE((*again)->is_on());
}

TEST(PersistedOutput, ACorruptStateFileIsAnError) {
  MemoryStorage storage;
  const std::string_view junk = "maybe";
  ASSERT_TRUE(
      storage.write_file_atomic(PersistedOutput::kStateFile, std::as_bytes(std::span(junk))).ok());
  EXPECT_FALSE(PersistedOutput::open(storage, nullptr).ok());
}

}  // namespace
}  // namespace maic::device
