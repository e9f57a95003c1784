// The uplink's wire format: a batch of minute records a device sends to the
// server (docs/uplink.md). JSON, one object:
//
//   {"devid": "1828719372",
//    "records": [{"seq": 17, "minute": 1700000040, "phases": 3, "out": 0,
//                 "t": 31.2, "n": 12,
//                 "p": [{"v": 230.1, "a": 1.25, "pf": 0.95, "hz": 50.0,
//                        "wh_d": 10.5, "rwh_d": 0, "wh": 12345.6, "rwh": 0}, ...]}]}
//
// "p" has one object per phase; per phase: mean volts, amps, power factor,
// hertz; the energy consumed and generated within the minute (Wh); the
// meters at the minute's end (Wh). An optional "s" (seconds, 0..3600) is
// the time the minute's energies cover, MinuteRecord::covered; absent, a
// full minute (what every record meant before it existed). The mean powers
// are mean_power_w(energy, covered). A record is identified by (devid, minute): sending it again
// changes nothing on the server.
//
// The decoder is on the server's hot path (simdjson) and faces the network:
// it checks every field's presence, type and range, and refuses anything
// else with a message naming the place ("records[3].p[1].wh: a number >= 0
// is required").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/minute_record.hpp"
#include "maic/core/result.hpp"

namespace maic {

struct UploadRecord {
  std::uint32_t seq = 0;  // the device's journal sequence number
  MinuteRecord minute;
};

struct UploadBatch {
  std::string devid;
  std::vector<UploadRecord> records;
  // Whether a partial minute carries "s" (the seconds it covers). Only for a
  // server whose hello answer lists "s" in "record_fields" (docs/uplink.md):
  // an older server refuses a record with a field it does not know.
  bool send_covered = false;
};

// The optional record fields this decoder reads, as the server's hello
// answer lists them ("record_fields").
inline constexpr std::string_view kCoveredField = "s";

inline constexpr std::size_t kMaxUploadRecords = 2000;
// The most energy one phase may report within one minute, Wh.
inline constexpr double kMaxMinuteEnergyWh = 1e9;

// Brings a record within the ranges decode_upload accepts (NaN to the
// lower bound): a value the server would refuse blocks an uplink for good.
void fit_to_upload(MinuteRecord& m);

std::string encode_upload(const UploadBatch& batch);
Result<UploadBatch> decode_upload(std::string_view json);

}  // namespace maic
