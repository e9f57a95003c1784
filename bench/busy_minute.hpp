// The minute record the ingest benchmarks store: a busy three-phase minute
// (about 2.8 kW a phase, every field non-trivial, so blobs and rollups cost
// what real ones do), varied along a batch so no two are alike.
#pragma once

#include <cstdint>

#include "maic/core/minute_record.hpp"
#include "maic/core/upload_codec.hpp"

namespace maic::bench {

// `seq` and `minute` (unix s, a multiple of 60) as given; `k` the record's
// place in its batch; the meters stand where `minutes_on` such minutes
// have taken them.
inline UploadRecord busy_minute(std::uint32_t seq, std::int64_t minute, std::int64_t k,
                                std::int64_t minutes_on) {
  UploadRecord r;
  r.seq = seq;
  r.minute.minute = minute;
  r.minute.temperature_c = 31.25;
  r.minute.readings = 12;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    PhaseValues& ph = r.minute.phase[p];
    ph.volts = 230.137 + static_cast<double>(p) + static_cast<double>(k % 17) * 0.01;
    ph.amps = 12.4567;
    ph.power_factor = 0.9531;
    ph.hertz = 50.013;
    ph.wh_delta = 47.3125 + static_cast<double>(k) * 0.001;
    ph.wh = 123456.789 + static_cast<double>(minutes_on) * 47.3125;
    ph.rwh = 17.5;
  }
  set_mean_powers(r.minute);
  return r;
}

}  // namespace maic::bench
