// What the uplink (uplink.hpp) needs of the device it uploads for: its
// identity and settings, its journal's records, its output, a place for
// the uplink's own small state file, and where to report the server's
// state. Device is the one the daemon runs; a history upload (history.hpp)
// is another, whose records are generated rather than journaled, so the
// history travels exactly as the device's minutes do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"
#include "maic/core/upload_codec.hpp"
#include "maic/device/service.hpp"
#include "maic/device/settings.hpp"

namespace maic::device {

// What the uplink reports of the data server (UplinkPeer::report_server).
struct ServerReport {
  ServiceState state = ServiceState::kDisabled;  // as DeviceStatus::server_state
  std::int64_t last_success = 0;                 // unix s; 0: never
  std::string last_error;
  std::uint32_t acked_seq = 0;  // the newest journal record the server committed
};

// The journal's sequence numbers: 0 and 0 when it is empty.
struct JournalSpan {
  std::uint32_t oldest = 0;
  std::uint32_t newest = 0;
};

// Every method may be called from the uplink's threads (step() and
// poll_commands() run on two): implementations are thread-safe.
class UplinkPeer {
 public:
  virtual ~UplinkPeer() = default;

  virtual Identity identity() const = 0;
  virtual std::string firmware_version() const = 0;
  // server.url, the PIN and the time zone are what the uplink reads.
  virtual Settings settings() const = 0;
  virtual int phases() const = 0;  // 1 or 3
  virtual bool output_on() const = 0;
  // A command from the server: switch the output.
  virtual Status set_output(bool on) = 0;
  virtual JournalSpan journal_span() const = 0;
  // Up to `max` records with seq > `seq`, oldest first, as the server
  // takes them (Device::records_after).
  virtual Result<std::vector<UploadRecord>> records_after(std::uint32_t seq,
                                                          std::size_t max) const = 0;
  // The server's state as the uplink sees it, after every change.
  virtual void report_server(const ServerReport& report) = 0;
  // The uplink's mark (uplink.json): read and replaced atomically.
  virtual Result<std::optional<std::string>> read_state_file(std::string_view name) const = 0;
  virtual Status write_state_file(std::string_view name, std::string_view text) = 0;
};

}  // namespace maic::device
