#include "command.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "maic/testing/temp_dir.hpp"

namespace maic::platform {
namespace {

using std::chrono::milliseconds;

TEST(RunCommand, CapturesOutputAndExitCode) {
  auto r = run_command("/bin/sh", {"-c", "echo out; echo err >&2; echo $LC_ALL; exit 3"},
                       milliseconds(10'000));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\nC\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunCommand, KillsAChildThatOverstaysAndReapsIt) {
  // The child closes its output and lingers, then also one that keeps it.
  for (const char* script : {"exec >/dev/null 2>&1; exec sleep 30", "exec sleep 30"}) {
    const auto before = std::chrono::steady_clock::now();
    auto r = run_command("/bin/sh", {"-c", script}, milliseconds(200));
    ASSERT_FALSE(r.ok()) << script;
    EXPECT_NE(r.error().message.find("no answer within 200 ms"), std::string::npos)
        << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  }
}

TEST(RunCommand, TheChildGetsOnlyItsStandardDescriptors) {
  const int fd = ::dup2(0, 117);  // without O_CLOEXEC, as a socket may be
  ASSERT_EQ(fd, 117);
  auto r = run_command("/bin/sh", {"-c", "ls /proc/self/fd"}, milliseconds(10'000));
  ::close(fd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out.find(std::to_string(fd) + "\n"), std::string::npos) << r->out;
}

TEST(RunCommand, AMissingProgramIsAnError) {
  auto r = run_command("/no/such/program", {}, milliseconds(1000));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("program: cannot start"), std::string::npos)
      << r.error().message;
}

TEST(FindProgram, SearchesThePathInOrder) {
  testing::TempDir a, b;
  for (const auto* dir : {&a, &b}) {
    const auto file = dir->path() / "tool";
    std::ofstream(file) << "#!/bin/sh\n";
    std::filesystem::permissions(file, std::filesystem::perms::owner_all);
  }
  const std::string path = "/nonexistent:" + a.path().string() + ":" + b.path().string();
  EXPECT_EQ(find_program("tool", path), a.path() / "tool");
  EXPECT_FALSE(find_program("absent", path));
  EXPECT_EQ(find_program("/bin/sh", ""), std::filesystem::path("/bin/sh"));
}

}  // namespace
}  // namespace maic::platform
