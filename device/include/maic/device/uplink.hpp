// The uplink: the device's side of the data server's protocol
// (docs/uplink.md, "The protocol").
//
//  - It follows the settings' server.url (empty: disabled), the PIN and
//    the time zone: on (re)connecting, and whenever the PIN or the zone
//    changes, it says hello with the PIN as pin_digest(salt, PIN) (the PIN
//    never leaves the device) and the zone's IANA name.
//  - It uploads the journal in batches of at most 2,000 records, oldest
//    first, and marks records sent only when the server answered 200 with
//    what it committed (`last_seq`); the mark is persisted in uplink.json
//    together with the URL it belongs to, so a restart resumes where the
//    server left off, and another server starts from the oldest record
//    kept. A failed request marks nothing and backs off (1 s doubling to
//    5 min); re-sent records cost the server nothing.
//  - Every request authenticates with HTTP Basic, the device's ID and
//    factory secret.
//  - Every answer carries the server's time: when it differs from the
//    device's wall clock by more than 2 s, the wall clock is corrected
//    (UplinkDependencies::set_wall).
//  - Output commands, from the answers and from a long poll, are applied
//    (Device::set_output) and acknowledged.
//  - What it is doing shows in the device's status (Device::report_server).
//
// Time is injected: the uplink neither sleeps nor reads the system clock.
// step() and poll_commands() do what is due now and say when they next
// have something to do; the daemon calls each from its own thread and
// waits in between, tests call them directly with a VirtualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "maic/core/clock.hpp"
#include "maic/core/result.hpp"
#include "maic/core/upload_codec.hpp"
#include "maic/device/device.hpp"
#include "maic/device/http_client.hpp"
#include "maic/device/uplink_peer.hpp"

namespace maic::device {

inline constexpr std::string_view kUplinkFile = "uplink.json";

struct UplinkOptions {
  std::size_t batch_records = kMaxUploadRecords;  // 1..kMaxUploadRecords
  Duration first_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::minutes(5);
  Duration request_timeout = std::chrono::seconds(30);  // hello, a batch, an ack
  std::chrono::seconds command_wait{25};                // the long poll's wait=, at most 30
  Duration clock_tolerance = std::chrono::seconds(2);
  // How far ahead step() asks to be called again when nothing is due: new
  // journal records and settings changes are noticed this late.
  Duration idle = std::chrono::seconds(1);
};

struct UplinkDependencies {
  UplinkPeer& device;  // a Device, or a history upload (history.hpp)
  // Two transports, as each serialises its calls: one for step() (hello,
  // batches, acknowledgements of the commands their answers bring), one
  // for poll_commands() (the long poll and its acknowledgements).
  HttpTransport& transport;
  HttpTransport& command_transport;
  const Clock& clock;  // the device's: wall time as the device stamps minutes
  // Sets the device's wall clock to the time given (CorrectedClock::set_wall).
  // Empty: the clock is never corrected (a simulation on its own time).
  std::function<void(WallTime)> set_wall;
  // Connection events and errors, one line each, when they change; may be empty.
  std::function<void(std::string_view)> log;
};

// The uplink's persisted mark (uplink.json): the server it belongs to and
// the newest record it committed.
struct UplinkMark {
  std::string url;
  std::uint32_t acked_seq = 0;
  friend bool operator==(const UplinkMark&, const UplinkMark&) = default;
};
std::string encode_uplink_mark(const UplinkMark& mark);
Result<UplinkMark> decode_uplink_mark(std::string_view text);

// `device`, the transports and the clock must outlive it.
// Threads: step() from one thread, poll_commands() from another (or the
// same); status() and acked_seq() from any.
class Uplink {
 public:
  // Reads uplink.json (a missing or damaged one: nothing acknowledged).
  explicit Uplink(UplinkDependencies deps, UplinkOptions options = {});

  // Does what is due now: follows a changed server.url or PIN, says hello
  // if it has not, then uploads batches until the server has every record
  // (or a request fails: then it backs off). Returns the steady time at
  // which it next has something to do: at most options.idle ahead.
  SteadyTime step();

  // While connected (after a hello), one long poll for commands, blocking
  // for up to its wait; applies and acknowledges what it brings. Returns
  // when to poll next: soon after an answer, later while disconnected or
  // backing off after a failure.
  SteadyTime poll_commands();

  // Makes the next step() say hello again at once, whatever the back-off
  // (the daemon's SIGHUP: "restart the services"). Any thread.
  void reconnect();

  // For shutdown: cancels the requests in flight (HttpTransport::cancel,
  // within about a second) and makes step() and poll_commands() return at
  // once from now on, reporting nothing. Any thread; irreversible.
  void stop();

  ServerReport status() const;
  std::uint32_t acked_seq() const;

 private:
  struct Answer {
    int status = 0;
    nlohmann::json body;
  };

  Result<Answer> call(HttpTransport& transport, const std::string& method, std::string_view path,
                      std::string body, Duration timeout, bool long_poll);
  void correct_clock(const nlohmann::json& body, Duration round_trip, bool long_poll);
  Status apply_commands(HttpTransport& transport, const nlohmann::json& body);
  void follow_settings(const Settings& settings);
  Status hello();
  Status upload();
  void persist_mark();
  // Reports a failure and lengthens `backoff`; returns when to try again.
  SteadyTime failed(const std::string& error, SteadyTime now, Duration& backoff);
  void report();  // hands report_ to the device; caller holds mutex_
  void log(const std::string& line) const;

  UplinkDependencies deps_;
  UplinkOptions options_;
  std::string devid_;
  std::string authorization_;  // "Basic base64(devid:secret)"

  // step()'s alone.
  std::string pin_;  // the PIN pin_hash_ was computed from
  std::string pin_salt_;
  std::string pin_hash_;
  std::string timezone_;  // the zone the last hello reported
  UplinkMark persisted_;
  Duration backoff_{};
  SteadyTime retry_at_{};
  std::string save_error_;
  // poll_commands()'s alone.
  Duration poll_backoff_{};
  SteadyTime poll_retry_at_{};
  std::uint64_t poll_generation_ = 0;

  mutable std::mutex mutex_;      // guards the members below
  std::string url_;               // the server in use, without trailing '/'; empty: disabled
  std::uint64_t generation_ = 0;  // +1 per change of url_
  std::uint32_t acked_ = 0;
  bool hello_done_ = false;
  bool server_reads_covered_ = false;   // its hello listed "s" in record_fields
  bool server_reads_lifetime_ = false;  // ... "lwh" in record_fields
  bool server_reads_clock_ = false;     // ... "now" in batch_fields
  ServerReport report_;
  std::string logged_error_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> reconnect_{false};
};

}  // namespace maic::device
