// The rules that decide where an uploaded record lands, shared by every
// Store and by the uplink's handler (docs/uplink.md, "Identity and place in
// time"). Pure: no database, no clock.
//
//  - Identity: a record is (device, minute as stamped, seq). A re-sent
//    record is the same record; two records of one minute stamp with other
//    seqs (a clock set back) are two records, and both count.
//  - Place in time: a record stamped later than the device's clock could
//    read when the batch was sent is booked at a corrected time and flagged
//    (place_records).
//  - Lost spans: a record whose lifetime registers moved more since the
//    device's previous record than its own energy says (the journal
//    overwrote what the server never got) brings a gap record carrying the
//    difference (gap_before).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "maic/core/upload_codec.hpp"

namespace maic::cloud {

// How far past the reference clock a record's minute may end: the device's
// clock and the server's may differ by the 2 s the device tolerates, a
// batch may wait in the network, a minute closes on its last reading.
inline constexpr std::int64_t kClockSlackSeconds = 300;

struct Placement {
  std::size_t index = 0;     // into the records
  std::int64_t stamped = 0;  // the minute the device wrote
  std::int64_t booked = 0;   // where it is booked now
};

// Books every record whose minute ends later than `reference` +
// kClockSlackSeconds (reference: the device's clock when it sent the batch,
// unix seconds) at a corrected minute: one after the record before it
// (`previous_minute`, the device's newest booked minute, -1 for none, for
// the first), never later than the last complete minute at `reference`.
// A corrected record keeps its stamp as stamped_minute (its identity) and
// gets kStatusClockCorrected. Returns what it moved, for the log.
std::vector<Placement> place_records(std::span<UploadRecord> records, std::int64_t previous_minute,
                                     std::int64_t reference);

// What a store keeps of a device's newest record: where its lost-span rule
// continues from.
struct DeviceProgress {
  std::int64_t newest_minute = -1;            // booked minute; -1: none
  std::uint32_t newest_seq = 0;               // 0: none
  bool output_on = false;                     // at the newest record's end
  std::optional<LifetimeRegisters> lifetime;  // its lifetime registers, if it carried them
};

// Whether `r`, a record the store has just inserted, is the device's newest
// now: a higher seq than the newest (the journal's order, whatever the
// stamps: a clock set back stamps earlier minutes), or a later minute under
// a lower seq (a journal that started its seqs again). A record older by
// both (a backfill) is not: the live state never moves back.
bool is_newer(const DeviceProgress& before, const UploadRecord& r);

// The progress once `r` is the newest record.
DeviceProgress progress_after(const UploadRecord& r);

// The gap record for the energy `r` (newer: is_newer; carrying lifetime registers)
// shows beyond `before` (the progress before it, carrying them too): the
// lifetime registers at r's start (its lifetime minus its own energy) less
// those at the previous record, per phase and flow, when any exceeds
// rounding. Booked at the first minute after the previous record, or the
// minute before r's when they leave no room (that minute's own records
// stay), covering the time until r; kStatusGap, no means; identity
// (r's stamped minute - 60, r's seq), which no measured record has.
// nullopt when there is nothing to book.
std::optional<UploadRecord> gap_before(const DeviceProgress& before, const UploadRecord& r);

// Whether `sent`, a record whose identity is already stored, brings the
// content stored under it (`stored_blob`, encode_minute_blob's): a re-send,
// or a conflict (docs/uplink.md: the journal was replaced, or restored from
// another device's). What the server sets itself — the minute it booked the
// record at and the status bits — is not the device's content and is not
// compared; everything else is, bit for bit. A blob that does not decode
// differs.
bool same_content(std::string_view stored_blob, const MinuteRecord& sent);

// Appends `m` to minutes read in (minute, seq) order, merging it into the
// last one when both have the same minute (merge_same_minute): a minute
// list shows each minute once, with every record's energy in it.
void append_minute(std::vector<MinuteRecord>& out, const MinuteRecord& m);

// The stored form of the lifetime registers: 6 little-endian f64 (forward
// then reverse per phase). decode refuses any other length.
std::string encode_lifetime(const LifetimeRegisters& l);
Result<LifetimeRegisters> decode_lifetime(std::string_view bytes);

}  // namespace maic::cloud
