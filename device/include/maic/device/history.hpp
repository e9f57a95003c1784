// A device's history: months of its minutes generated from the synthetic
// household (metering/household_minutes.hpp) and uploaded through the
// device's own uplink (uplink.hpp), so the server takes them exactly as it
// takes the device's journal (docs/history.md).
//
// The history belongs to a device's data directory: its identity (ID,
// secret, PIN, time zone) and its meters. It joins the device's minutes
// without a glitch and without a gap in energy:
//  - a device with a journal: the history ends where the journal starts
//    (its oldest record's minute), its lifetime registers ending at that
//    record's, so the registers run on into the journal;
//  - a new device (an empty journal): the history ends at a given time
//    (now), starting from the device's registers (0 for a new one), and
//    finish_history() then leaves the device its end: the meters at the
//    history's final registers, and its journal holding one anchor record
//    (the history's last minute, covering no time), so that the device's
//    first live minute has a predecessor and its energy is the registers'
//    difference rather than unknown (docs/uplink.md, "Lost spans").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/journal.hpp"
#include "maic/device/settings_store.hpp"
#include "maic/device/uplink_peer.hpp"
#include "maic/metering/household_minutes.hpp"

namespace maic::device {

// What a device's data directory says about where its history must end.
struct HistoryDevice {
  DeviceConfig config;  // identity and settings (created for a new device)
  // The journal's oldest record's minute; none for an empty journal.
  std::optional<std::int64_t> journal_start;
  // The lifetime registers (µWh) at journal_start's record's end, or with
  // no journal the meter store's.
  MeterValues registers;
  MeterValues offsets;  // the user's (initial values) in force
};

// Reads (or, for a new device, creates: load_or_create) the identity and
// settings, the journal and the meters of the device in `storage`, as
// maic-device would open them.
Result<HistoryDevice> read_history_device(Storage& storage, const RandomBytes& random,
                                          SteadyTime now);

struct HistoryPlan {
  metering::HouseholdMinuteOptions household;
  std::int64_t first_minute = 0;     // unix s, a multiple of 60
  std::int64_t end_minute = 0;       // exclusive
  metering::MicroWhRegisters start;  // the lifetime registers at first_minute
  MeterValues offsets;               // added to the registers for the user's meters
  bool anchor = false;               // a new device: finish_history() is due after the upload

  std::uint32_t records() const {
    return static_cast<std::uint32_t>((end_minute - first_minute) / 60);
  }
};

// `days` of minutes (1..3660) ending where `device` needs them to end
// (`end` for a device without a journal, floored to the minute). Fails
// when the journal's registers are smaller than the history's energy (a
// device that has measured less than the history would have).
Result<HistoryPlan> plan_history(const HistoryDevice& device,
                                 const metering::HouseholdMinuteOptions& household, int days,
                                 WallTime end);

// The history as an uplink peer: the device's identity and settings (with
// the server URL to upload to), its records generated as the uplink asks
// for them, seq k being the plan's k-th minute. The uplink's mark is kept
// in memory (the device's uplink.json is the device's). It switches no
// output: a command the server sends meanwhile is answered with the
// output off, and stays for the device to take from then on.
class HistoryFeed final : public UplinkPeer {
 public:
  // Called after each committed batch with the newest seq the server has.
  using Progress = std::function<void(std::uint32_t acked_seq)>;

  HistoryFeed(DeviceConfig config, std::string server_url, HistoryPlan plan,
              std::string firmware_version, Progress progress = {});

  Identity identity() const override { return config_.identity; }
  std::string firmware_version() const override { return firmware_; }
  Settings settings() const override { return config_.settings; }
  int phases() const override { return plan_.household.phases; }
  bool output_on() const override { return false; }
  Status set_output(bool on) override;
  JournalSpan journal_span() const override;
  Result<std::vector<UploadRecord>> records_after(std::uint32_t seq,
                                                  std::size_t max) const override;
  void report_server(const ServerReport& report) override;
  ServerReport server_report() const;
  Result<std::optional<std::string>> read_state_file(std::string_view name) const override;
  Status write_state_file(std::string_view name, std::string_view text) override;

  // The minute record of seq `seq` and the registers at its end.
  const HistoryPlan& plan() const { return plan_; }

 private:
  DeviceConfig config_;
  HistoryPlan plan_;
  std::string firmware_;
  Progress progress_;
  mutable std::mutex mutex_;
  // The registers after seq k, for the seqs batches ended at: a batch
  // asked for again (a retry) is generated from the nearest one.
  mutable std::map<std::uint32_t, metering::MicroWhRegisters> checkpoints_;
  std::map<std::string, std::string, std::less<>> files_;
  ServerReport report_;
};

// The minute record seq `seq` of `plan` stands for (1-based) and the
// registers after it: what a HistoryFeed sends as that seq.
struct HistoryMinute {
  MinuteRecord minute;
  metering::MicroWhRegisters registers;
};
HistoryMinute history_minute(const HistoryPlan& plan, std::uint32_t seq);

// For a plan with `anchor`, after the whole history is committed: sets the
// device's lifetime registers to the history's final ones and appends the
// anchor record (the history's last minute, its registers, covering no
// time) to its empty journal. Fails, changing nothing, if the device has
// a journal by now.
Status finish_history(Storage& storage, const HistoryPlan& plan, SteadyTime now);

}  // namespace maic::device
