#include "maic/platform/open_files.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace maic::platform {
namespace {

TEST(OpenFiles, RaisesTheSoftLimitUpToTheHardOneAndNeverLowersIt) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  const std::size_t now = raise_open_files(1);
  EXPECT_EQ(now, static_cast<std::size_t>(before.rlim_cur)) << "1 would lower it: kept";
  const std::size_t hard = before.rlim_max == RLIM_INFINITY
                               ? std::size_t{1} << 20
                               : static_cast<std::size_t>(before.rlim_max);
  const std::size_t wanted = std::min(hard, static_cast<std::size_t>(before.rlim_cur) + 16);
  EXPECT_EQ(raise_open_files(wanted), wanted);
  EXPECT_LE(raise_open_files(hard + 1000), hard) << "never above the hard limit";
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &before), 0);  // as it was, for the other tests
}

}  // namespace
}  // namespace maic::platform
