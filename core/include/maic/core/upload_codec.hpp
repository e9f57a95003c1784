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
// are mean_power_w(energy, covered). Optional per phase, both or neither,
// the same in every phase: "lwh" and "lrwh", the lifetime registers at the
// minute's end (Wh; never set by the user), from which the server books the
// energy of spans no record covers. An optional top-level "now" is the
// device's own clock when it encoded the batch (unix seconds), sent by a
// device whose clock is not the server's (a simulation). A record is
// identified by (devid, minute as stamped, seq): sending it again changes
// nothing on the server (docs/uplink.md).
//
// The decoder is on the server's hot path (simdjson) and faces the network:
// it checks every field's presence, type and range, and refuses anything
// else with a message naming the place ("records[3].p[1].wh: a number >= 0
// is required").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/minute_record.hpp"
#include "maic/core/result.hpp"

namespace maic {

// The lifetime registers at a minute's end, per phase (reading.hpp).
using LifetimeRegisters = std::array<LifetimeMeters, kMaxPhases>;

struct UploadRecord {
  UploadRecord() = default;
  UploadRecord(std::uint32_t s, const MinuteRecord& m) : seq(s), minute(m) {}

  std::uint32_t seq = 0;  // the device's journal sequence number
  MinuteRecord minute;
  std::optional<LifetimeRegisters> lifetime;  // "lwh"/"lrwh"; absent from older devices
  // Set by the server, never on the wire: the minute the device stamped,
  // when the record is booked at another (kStatusClockCorrected). The
  // record's identity is (stamped minute, seq).
  std::optional<std::int64_t> stamped_minute;

  std::int64_t identity_minute() const { return stamped_minute.value_or(minute.minute); }
};

struct UploadBatch {
  std::string devid;
  std::vector<UploadRecord> records;
  // Whether a partial minute carries "s" (the seconds it covers). Only for a
  // server whose hello answer lists "s" in "record_fields" (docs/uplink.md):
  // an older server refuses a record with a field it does not know.
  bool send_covered = false;
  // Whether records carry their lifetime registers (when they have them):
  // only for a server that lists "lwh" in "record_fields".
  bool send_lifetime = false;
  // "now": the device's clock at encoding, unix seconds; sent only to a
  // server that lists "now" in "batch_fields".
  std::optional<std::int64_t> device_clock = std::nullopt;
};

// The optional fields this decoder reads, as the server's hello answer lists
// them ("record_fields", "batch_fields").
inline constexpr std::string_view kCoveredField = "s";
inline constexpr std::string_view kLifetimeField = "lwh";
inline constexpr std::string_view kDeviceClockField = "now";

inline constexpr std::size_t kMaxUploadRecords = 2000;
// The most energy one phase may report within one minute, Wh.
inline constexpr double kMaxMinuteEnergyWh = 1e9;

// Brings a record within the ranges decode_upload accepts (NaN to the
// lower bound): a value the server would refuse blocks an uplink for good.
void fit_to_upload(MinuteRecord& m);

std::string encode_upload(const UploadBatch& batch);
Result<UploadBatch> decode_upload(std::string_view json);

}  // namespace maic
