#include "maic/cloud/ingest_rules.hpp"

#include <algorithm>
#include <cmath>

#include "maic/core/minute_blob.hpp"

namespace maic::cloud {
namespace {

std::int64_t floor_to_minute(std::int64_t t) {
  const std::int64_t r = t % 60;
  return r < 0 ? t - r - 60 : t - r;
}

// Energy below this, per phase and flow, is the journal's 0.01 Wh
// quantisation showing through a float, not a lost span.
constexpr double kGapThresholdWh = 0.005;

}  // namespace

std::vector<Placement> place_records(std::span<UploadRecord> records, std::int64_t previous_minute,
                                     std::int64_t reference) {
  std::vector<Placement> moved;
  const std::int64_t latest = floor_to_minute(reference) - 60;
  for (std::size_t k = 0; k < records.size(); ++k) {
    MinuteRecord& m = records[k].minute;
    if (m.minute + 60 > reference + kClockSlackSeconds) {
      const std::int64_t booked =
          previous_minute >= 0 ? std::min(previous_minute + 60, latest) : latest;
      moved.push_back({k, m.minute, std::max<std::int64_t>(booked, 0)});
      records[k].stamped_minute = m.minute;
      m.minute = moved.back().booked;
      m.status |= kStatusClockCorrected;
    }
    previous_minute = m.minute;
  }
  return moved;
}

bool is_newer(const DeviceProgress& before, const UploadRecord& r) {
  return before.newest_seq == 0 || r.seq > before.newest_seq ||
         r.minute.minute > before.newest_minute;
}

DeviceProgress progress_after(const UploadRecord& r) {
  return {r.minute.minute, r.seq, r.minute.output_on, r.lifetime};
}

std::optional<UploadRecord> gap_before(const DeviceProgress& before, const UploadRecord& r) {
  if (!before.lifetime || !r.lifetime) return std::nullopt;
  const MinuteRecord& m = r.minute;
  MinuteRecord gap;
  gap.phases = m.phases;
  bool any = false;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    // Lifetime registers only rise; a fall (a record from before a restored
    // backup, say) books nothing rather than inventing energy.
    const double forward = (*r.lifetime)[p].wh - m.phase[p].wh_delta - (*before.lifetime)[p].wh;
    const double reverse = (*r.lifetime)[p].rwh - m.phase[p].rwh_delta - (*before.lifetime)[p].rwh;
    PhaseValues& g = gap.phase[p];
    g.wh_delta = forward > kGapThresholdWh ? forward : 0;
    g.rwh_delta = reverse > kGapThresholdWh ? reverse : 0;
    any = any || g.wh_delta > 0 || g.rwh_delta > 0;
    // The user's meters as they stood when r began.
    g.wh = std::max(0.0, m.phase[p].wh - m.phase[p].wh_delta);
    g.rwh = std::max(0.0, m.phase[p].rwh - m.phase[p].rwh_delta);
  }
  if (!any) return std::nullopt;
  const bool room = before.newest_minute >= 0 && before.newest_minute + 60 < m.minute;
  gap.minute = room ? before.newest_minute + 60 : std::max<std::int64_t>(m.minute - 60, 0);
  gap.covered = std::chrono::seconds(std::max<std::int64_t>(m.minute - gap.minute, 60));
  gap.output_on = before.output_on;
  gap.readings = 0;
  gap.status = kStatusGap;
  set_mean_powers(gap);
  UploadRecord out;
  out.seq = r.seq;
  out.minute = gap;
  out.stamped_minute = r.identity_minute() - 60;
  return out;
}

void append_minute(std::vector<MinuteRecord>& out, const MinuteRecord& m) {
  if (!out.empty() && out.back().minute == m.minute) {
    merge_same_minute(out.back(), m);
  } else {
    out.push_back(m);
  }
}

std::string encode_lifetime(const LifetimeRegisters& l) {
  std::string out;
  blob::Writer w(out);
  for (const LifetimeMeters& p : l) w.f64(p.wh);
  for (const LifetimeMeters& p : l) w.f64(p.rwh);
  return out;
}

Result<LifetimeRegisters> decode_lifetime(std::string_view bytes) {
  if (bytes.size() != 2 * kMaxPhases * 8) return make_error("lifetime registers: wrong length");
  blob::Reader r(bytes);
  LifetimeRegisters l{};
  for (LifetimeMeters& p : l) p.wh = r.f64();
  for (LifetimeMeters& p : l) p.rwh = r.f64();
  return l;
}

bool same_content(std::string_view stored_blob, const MinuteRecord& sent) {
  const Result<MinuteRecord> stored = decode_minute_blob(stored_blob);
  if (!stored) return false;
  MinuteRecord as_stored = sent;
  as_stored.minute = stored->minute;
  as_stored.status = stored->status;
  // Compared encoded: the blob's fields, doubles by their bits (NaN equal
  // to NaN), an older blob version read as the current one.
  return encode_minute_blob(as_stored) == encode_minute_blob(*stored);
}

}  // namespace maic::cloud
