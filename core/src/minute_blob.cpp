#include "maic/core/minute_blob.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

namespace maic {
namespace {

// The per-phase fields in their stored order (the layout in the header).
constexpr std::array<double PhaseValues::*, 10> kPhaseFields{
    &PhaseValues::volts,    &PhaseValues::amps,          &PhaseValues::power_factor,
    &PhaseValues::watts,    &PhaseValues::reverse_watts, &PhaseValues::hertz,
    &PhaseValues::wh_delta, &PhaseValues::rwh_delta,     &PhaseValues::wh,
    &PhaseValues::rwh,
};

constexpr std::size_t kHeaderBytesV1 = 24;
constexpr std::size_t kHeaderBytes = 33;
constexpr std::size_t kPhaseBytes = 8 * kPhaseFields.size();

// A gap covers at most the outage a journal could have outlasted; a century
// bounds it without judging.
constexpr Duration kMaxBlobCovered = std::chrono::hours(24 * 366 * 100);

bool all_zero(const PhaseValues& p) {
  // Bits, not values: -0.0 must survive the round trip too.
  for (auto field : kPhaseFields) {
    if (std::bit_cast<std::uint64_t>(p.*field) != 0) return false;
  }
  return true;
}

}  // namespace

std::string encode_minute_blob(const MinuteRecord& m) {
  std::size_t blocks = kMaxPhases;
  const auto declared = static_cast<std::size_t>(std::clamp(m.phases, 1, kMaxPhases));
  while (blocks > declared && all_zero(m.phase[blocks - 1])) --blocks;

  std::string out;
  out.reserve(kHeaderBytes + kPhaseBytes * blocks);
  blob::Writer w(out);
  w.u8(kMinuteBlobVersion);
  w.i64(m.minute);
  w.u8(static_cast<std::uint8_t>(m.phases));
  w.u8(m.output_on ? 1 : 0);
  w.u32(static_cast<std::uint32_t>(m.readings));
  w.f64(m.temperature_c);
  w.u8(m.status);
  w.i64(m.covered.count());
  w.u8(static_cast<std::uint8_t>(blocks));
  for (std::size_t p = 0; p < blocks; ++p) {
    for (auto field : kPhaseFields) w.f64(m.phase[p].*field);
  }
  return out;
}

Result<MinuteRecord> decode_minute_blob(std::string_view bytes) {
  if (bytes.empty()) return make_error("minute blob: empty");
  const auto version = static_cast<std::uint8_t>(bytes[0]);
  if (version != kMinuteBlobVersion && version != 1) {
    return make_error("minute blob: unknown version " + std::to_string(version));
  }
  if (bytes.size() < (version == 1 ? kHeaderBytesV1 : kHeaderBytes)) {
    return make_error("minute blob: truncated header");
  }
  blob::Reader r(bytes);
  r.u8();
  MinuteRecord m;
  m.minute = r.i64();
  m.phases = r.u8();
  const std::uint8_t output = r.u8();
  m.readings = static_cast<int>(r.u32());
  m.temperature_c = r.f64();
  if (version != 1) {
    m.status = r.u8();
    m.covered = Duration(r.i64());
    if (m.covered < Duration::zero() || m.covered > kMaxBlobCovered) {
      return make_error("minute blob: covered time out of range");
    }
  }
  const std::size_t blocks = r.u8();
  if (m.phases < 1 || m.phases > kMaxPhases) {
    return make_error("minute blob: phases " + std::to_string(m.phases) + " out of range");
  }
  if (output > 1) return make_error("minute blob: bad output flag");
  if (blocks < static_cast<std::size_t>(m.phases) || blocks > kMaxPhases) {
    return make_error("minute blob: bad phase block count");
  }
  if (r.remaining() != kPhaseBytes * blocks) return make_error("minute blob: wrong length");
  m.output_on = output == 1;
  for (std::size_t p = 0; p < blocks; ++p) {
    for (auto field : kPhaseFields) m.phase[p].*field = r.f64();
  }
  return m;
}

}  // namespace maic
