#include "maic/metering/replay.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "maic/metering/engine.hpp"
#include "maic/metering/synthetic.hpp"
#include "testing/meter_windows.hpp"

namespace maic::metering {
namespace {

SyntheticConfig config() {
  SyntheticConfig c;
  c.noise_lsb = 1;
  c.adc_offset = 2048;
  const PhaseLoad load{231, 12, 33};
  c.profile = constant_profile({load, load, load});
  return c;
}

TEST(Replay, HeaderRoundTrips) {
  SyntheticSource s(config());
  const std::string header = format_replay_header(s.info());
  ASSERT_EQ(header.back(), '\n');
  Result<WaveformInfo> info = parse_replay_header(header.substr(0, header.size() - 1));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->sample_rate_hz, 4000);
  EXPECT_EQ(info->phases, 3);
  EXPECT_DOUBLE_EQ(info->calibration[2].current.scale, s.info().calibration[2].current.scale);
  EXPECT_DOUBLE_EQ(info->calibration[1].voltage.offset, 2048);
}

TEST(Replay, BadHeadersSayWhatIsWrong) {
  struct Bad {
    std::string line;
    std::string says;
  };
  const Bad cases[] = {
      {"hello", "not a replay file"},
      {"maic-replay/1 phases=3", "rate= is missing"},
      {"maic-replay/1 rate=abc", "rate is not a number"},
      {"maic-replay/1 rate=4000 phases=4", "phases must be"},
      {"maic-replay/1 rate=4000 phases=2 v_scale=1", "one value per phase"},
      {"maic-replay/1 rate=4000 phases=1 v_scale=-1", "voltage scale"},
      {"maic-replay/1 rate=4000 colour=red", "unknown field 'colour'"},
      {"maic-replay/1 rate=400", "rate must be"},
      {"maic-replay/1 rate=4000 v_scale", "not key=value"},
  };
  for (const Bad& b : cases) {
    Result<WaveformInfo> info = parse_replay_header(b.line);
    ASSERT_FALSE(info.ok()) << b.line;
    EXPECT_NE(info.error().message.find(b.says), std::string::npos)
        << b.line << " -> " << info.error().message;
  }
}

// Recording the synthetic source and playing it back meters exactly the
// same as metering it live.
TEST(Replay, PlaybackMetersLikeTheLiveSource) {
  SyntheticSource live(config());
  auto stream = std::make_unique<std::stringstream>();
  {
    SyntheticSource recorded(config());
    ReplayWriter writer(*stream, recorded.info());
    SampleBuffer b;
    for (int k = 0; k < 10; ++k) {
      ASSERT_TRUE(recorded.read(b, 4000).ok());
      ASSERT_TRUE(writer.write(b.view()).ok());
    }
  }
  auto replay = ReplaySource::open(std::move(stream), false);
  ASSERT_TRUE(replay.ok()) << replay.error().message;

  auto run = [](WaveformSource& src) { return testing::meter_windows(src, 2, 3000); };
  auto a = run(live);
  auto b = run(**replay);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (std::size_t p = 0; p < 3; ++p) {
    EXPECT_DOUBLE_EQ(a[1].phase[p].wh_delta, b[1].phase[p].wh_delta);
    EXPECT_DOUBLE_EQ(a[1].phase[p].amps, b[1].phase[p].amps);
  }
  SampleBuffer rest;
  auto n = (*replay)->read(rest, 100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u) << "ten seconds recorded, ten played";
}

TEST(Replay, LoopsAndDropsATornLastFrame) {
  auto stream = std::make_unique<std::stringstream>();
  WaveformInfo info;
  info.phases = 1;
  {
    ReplayWriter writer(*stream, info);
    SampleBuffer b;
    b.resize(1, 3);
    b.voltage[0] = {1, 2, 3};
    b.current[0] = {-1, -2, -3};
    ASSERT_TRUE(writer.write(b.view()).ok());
    stream->write("\x01", 1);  // half a sample
  }
  auto replay = ReplaySource::open(std::move(stream), true);
  ASSERT_TRUE(replay.ok()) << replay.error().message;
  SampleBuffer out;
  auto n = (*replay)->read(out, 5);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 5u);
  EXPECT_EQ(out.voltage[0], (std::vector<Sample>{1, 2, 3, 1, 2}));
  EXPECT_EQ(out.current[0], (std::vector<Sample>{-1, -2, -3, -1, -2}));
}

TEST(Replay, RejectsAFileWithoutHeader) {
  auto replay = ReplaySource::open(std::make_unique<std::stringstream>("no newline"), false);
  ASSERT_FALSE(replay.ok());
  EXPECT_NE(replay.error().message.find("no header"), std::string::npos);
}

}  // namespace
}  // namespace maic::metering
