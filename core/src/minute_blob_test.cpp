#include "maic/core/minute_blob.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace maic {
namespace {

// Bit-for-bit equality: what "exact" means for a stored record.
void expect_identical(const MinuteRecord& a, const MinuteRecord& b) {
  EXPECT_EQ(a.minute, b.minute);
  EXPECT_EQ(a.phases, b.phases);
  EXPECT_EQ(a.output_on, b.output_on);
  EXPECT_EQ(a.readings, b.readings);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(a.temperature_c),
            std::bit_cast<std::uint64_t>(b.temperature_c));
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseValues& x = a.phase[p];
    const PhaseValues& y = b.phase[p];
    for (auto field :
         {&PhaseValues::volts, &PhaseValues::amps, &PhaseValues::power_factor, &PhaseValues::watts,
          &PhaseValues::reverse_watts, &PhaseValues::hertz, &PhaseValues::wh_delta,
          &PhaseValues::rwh_delta, &PhaseValues::wh, &PhaseValues::rwh}) {
      EXPECT_EQ(std::bit_cast<std::uint64_t>(x.*field), std::bit_cast<std::uint64_t>(y.*field))
          << "phase " << p;
    }
  }
}

MinuteRecord random_record(std::mt19937_64& rng, int phases) {
  std::uniform_real_distribution<double> any(0, 1e6);
  MinuteRecord m;
  m.minute = 60 * static_cast<std::int64_t>(rng() % 100'000'000);
  m.phases = phases;
  m.output_on = rng() % 2 == 1;
  m.readings = static_cast<int>(rng() % 13);
  m.temperature_c = any(rng) / 1e4 - 20;
  for (int p = 0; p < phases; ++p) {
    PhaseValues& v = m.phase[static_cast<std::size_t>(p)];
    v.volts = any(rng) / 3000;
    v.amps = any(rng) / 1e4;
    v.power_factor = any(rng) / 1e6;
    v.watts = any(rng);
    v.reverse_watts = any(rng) / 7;
    v.hertz = 50 + any(rng) / 1e7;
    v.wh_delta = v.watts / 60;
    v.rwh_delta = v.reverse_watts / 60;
    v.wh = any(rng) * 1e6;
    v.rwh = any(rng) * 3;
  }
  return m;
}

TEST(MinuteBlob, RoundTripsExactly) {
  std::mt19937_64 rng(42);
  for (int k = 0; k < 300; ++k) {
    const MinuteRecord m = random_record(rng, 1 + k % 3);
    const std::string blob = encode_minute_blob(m);
    auto back = decode_minute_blob(blob);
    ASSERT_TRUE(back.ok()) << back.error().message;
    expect_identical(*back, m);
  }
}

TEST(MinuteBlob, OddDoublesSurvive) {
  MinuteRecord m;
  m.phases = 1;
  m.minute = -60;
  m.readings = -1;
  m.temperature_c = -0.0;
  m.phase[0].volts = std::numeric_limits<double>::denorm_min();
  m.phase[0].amps = std::numeric_limits<double>::max();
  m.phase[0].wh = std::numeric_limits<double>::infinity();
  m.phase[0].rwh = std::nextafter(1.0, 2.0);
  m.phase[2].hertz = -0.0;  // beyond `phases`, yet not all zero bits: kept
  auto back = decode_minute_blob(encode_minute_blob(m));
  ASSERT_TRUE(back.ok()) << back.error().message;
  expect_identical(*back, m);
  EXPECT_TRUE(std::signbit(back->phase[2].hertz));
}

TEST(MinuteBlob, TheLayoutIsFixedAndLittleEndian) {
  MinuteRecord m;
  m.minute = 0x0102030405060708;
  m.phases = 1;
  m.output_on = true;
  m.readings = 12;
  m.temperature_c = 1.0;  // 0x3FF0000000000000
  m.phase[0].volts = 2.0;
  m.status = kStatusGap;
  m.covered = std::chrono::nanoseconds(0x1122334455);
  const std::string blob = encode_minute_blob(m);
  ASSERT_EQ(blob.size(), 33u + 80u) << "one phase block for a one-phase record";
  const std::string header(
      "\x02\x08\x07\x06\x05\x04\x03\x02\x01\x01\x01\x0c\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\xf0\x3f"
      "\x02\x55\x44\x33\x22\x11\x00\x00\x00\x01",
      33);
  EXPECT_EQ(blob.substr(0, 33), header);
  EXPECT_EQ(blob.substr(33, 8), std::string("\x00\x00\x00\x00\x00\x00\x00\x40", 8));
  m.phases = 3;
  EXPECT_EQ(encode_minute_blob(m).size(), 33u + 3 * 80u);
}

// Rows written before status and covered time existed read as measured,
// full minutes.
TEST(MinuteBlob, VersionOneStillDecodes) {
  const std::string v1 = std::string(
                             "\x01\x08\x07\x06\x05\x04\x03\x02\x01\x01\x01\x0c\x00\x00\x00"
                             "\x00\x00\x00\x00\x00\x00\xf0\x3f\x01",
                             24) +
                         std::string("\x00\x00\x00\x00\x00\x00\x00\x40", 8) + std::string(72, '\0');
  auto m = decode_minute_blob(v1);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->minute, 0x0102030405060708);
  EXPECT_EQ(m->readings, 12);
  EXPECT_EQ(m->phase[0].volts, 2.0);
  EXPECT_EQ(m->status, 0);
  EXPECT_EQ(m->covered, kFullMinute);
}

TEST(MinuteBlob, RefusesWhatItDidNotWrite) {
  MinuteRecord m;
  m.phases = 2;
  const std::string good = encode_minute_blob(m);
  ASSERT_TRUE(decode_minute_blob(good).ok());
  EXPECT_FALSE(decode_minute_blob("").ok());
  EXPECT_FALSE(decode_minute_blob(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(decode_minute_blob(good + "x").ok());
  std::string bad = good;
  bad[0] = 3;  // a version this build does not know
  auto r = decode_minute_blob(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("version"), std::string::npos) << r.error().message;
  bad = good;
  bad[9] = 4;  // phases
  EXPECT_FALSE(decode_minute_blob(bad).ok());
  bad = good;
  bad[10] = 2;  // output flag
  EXPECT_FALSE(decode_minute_blob(bad).ok());
  bad = good;
  bad[32] = 1;  // fewer blocks than phases
  EXPECT_FALSE(decode_minute_blob(bad).ok());
  bad = good;
  bad[31] = '\x80';  // a negative covered time
  EXPECT_FALSE(decode_minute_blob(bad).ok());
}

}  // namespace
}  // namespace maic
