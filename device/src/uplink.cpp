#include "maic/device/uplink.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "maic/core/device_secrets.hpp"
#include "maic/http/json.hpp"

namespace maic::device {
namespace {

using nlohmann::json;

constexpr int kMarkVersion = 1;

std::string base64(std::string_view s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

std::string without_trailing_slashes(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

// The error an answer that is not 200 stands for: the server's message
// when it sent one ({"error": "..."}).
std::string refusal(int status, const json& body) {
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return fmt::format("{} {}", status, body["error"].get<std::string>());
  }
  return fmt::format("HTTP status {}", status);
}

std::int64_t unix_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string encode_uplink_mark(const UplinkMark& mark) {
  return json{{"version", kMarkVersion}, {"url", mark.url}, {"acked_seq", mark.acked_seq}}.dump(2) +
         "\n";
}

Result<UplinkMark> decode_uplink_mark(std::string_view text) {
  auto parsed = http::parse_json(text);
  if (!parsed || !parsed->is_object()) return make_error("not a JSON object");
  const json& doc = *parsed;
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || *version != kMarkVersion) {
    return make_error(fmt::format("version: {} is required", kMarkVersion));
  }
  const auto url = doc.find("url");
  if (url == doc.end() || !url->is_string()) return make_error("url: a string is required");
  const auto seq = doc.find("acked_seq");
  if (seq == doc.end() || !seq->is_number_unsigned() || *seq > 0xffffffffu) {
    return make_error("acked_seq: a sequence number is required");
  }
  return UplinkMark{url->get<std::string>(), seq->get<std::uint32_t>()};
}

Uplink::Uplink(UplinkDependencies deps, UplinkOptions options)
    : deps_(std::move(deps)), options_(options) {
  options_.batch_records = std::clamp<std::size_t>(options_.batch_records, 1, kMaxUploadRecords);
  const Identity id = deps_.device.identity();
  devid_ = id.devid;
  authorization_ = "Basic " + base64(id.devid + ":" + id.secret);
  auto text = deps_.device.read_state_file(kUplinkFile);
  if (!text) {
    log(fmt::format("{}: {}; sending the journal from its oldest record", kUplinkFile,
                    text.error().message));
  } else if (*text) {
    auto mark = decode_uplink_mark(**text);
    if (mark) {
      persisted_ = *mark;
    } else {
      log(fmt::format("{}: {}; sending the journal from its oldest record", kUplinkFile,
                      mark.error().message));
    }
  }
  follow_settings(deps_.device.settings());
  std::lock_guard lock(mutex_);
  report();
}

void Uplink::log(const std::string& line) const {
  if (deps_.log) deps_.log("uplink: " + line);
}

void Uplink::report() { deps_.device.report_server(report_); }

void Uplink::reconnect() { reconnect_ = true; }

void Uplink::stop() {
  stopped_ = true;
  deps_.transport.cancel();
  deps_.command_transport.cancel();
}

ServerReport Uplink::status() const {
  std::lock_guard lock(mutex_);
  return report_;
}

std::uint32_t Uplink::acked_seq() const {
  std::lock_guard lock(mutex_);
  return acked_;
}

// --- Requests ----------------------------------------------------------------

Result<Uplink::Answer> Uplink::call(HttpTransport& transport, const std::string& method,
                                    std::string_view path, std::string body, Duration timeout,
                                    bool long_poll) {
  HttpRequest request;
  {
    std::lock_guard lock(mutex_);
    if (url_.empty()) return make_error("no server configured");
    request.url = url_ + std::string(path);
  }
  request.method = method;
  request.headers = {{"Authorization", authorization_}, {"Accept", "application/json"}};
  if (method == "POST") request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  request.timeout = timeout;
  const std::string what = fmt::format("{} {}", method, path.substr(0, path.find('?')));
  const SteadyTime sent = deps_.clock.steady_now();
  auto response = transport.send(request);
  if (!response) return make_error(what + ": " + response.error().message);
  auto parsed = http::parse_json(response->body);
  Answer answer{response->status, parsed ? std::move(*parsed) : json(json::value_t::discarded)};
  if (answer.status == 409) {
    // "unknown device: send hello first": the server lost its record of
    // the device (a new database); step() says hello again.
    std::lock_guard lock(mutex_);
    hello_done_ = false;
  }
  if (answer.status != 200) return make_error(what + ": " + refusal(answer.status, answer.body));
  if (!answer.body.is_object()) return make_error(what + ": the answer is not a JSON object");
  correct_clock(answer.body, deps_.clock.steady_now() - sent, long_poll);
  std::lock_guard lock(mutex_);
  const bool was_connected = report_.state == ServiceState::kConnected;
  report_.state = ServiceState::kConnected;
  report_.last_success = unix_seconds(deps_.clock.wall_now());
  report_.last_error.clear();
  logged_error_.clear();
  report();
  // Logged once reported (as failures are): who reads the line finds the
  // state it tells of.
  if (!was_connected) log("connected to " + url_);
  return answer;
}

void Uplink::correct_clock(const json& body, Duration round_trip, bool long_poll) {
  const auto time = body.find("time");
  if (!deps_.set_wall || time == body.end() || !time->is_number_integer()) return;
  // A time no server can mean (a broken RTC on its side) is not taken:
  // every minute from then on would be stamped with it.
  constexpr std::int64_t kYear2020Ms = 1'577'836'800'000;
  constexpr std::int64_t kYear2100Ms = 4'102'444'800'000;
  if (*time < kYear2020Ms || *time > kYear2100Ms) return;
  // The server stamps its answer just before sending it: half the round
  // trip is the best guess of its age on arrival. A long poll's round trip
  // is mostly its wait, so there the answer's age is taken as nothing.
  const Duration age = long_poll ? Duration::zero() : round_trip / 2;
  const WallTime server_now = WallTime(std::chrono::milliseconds(time->get<std::int64_t>())) + age;
  const WallTime ours = deps_.clock.wall_now();
  const Duration error = server_now - ours;
  if (error > options_.clock_tolerance || -error > options_.clock_tolerance) {
    deps_.set_wall(server_now);
    log(fmt::format("clock corrected by {:+.3f} s to the server's time ({} ms)", seconds(error),
                    unix_ms(server_now)));
  }
}

Status Uplink::apply_commands(HttpTransport& transport, const json& body) {
  const auto commands = body.find("commands");
  if (commands == body.end() || !commands->is_array()) return ok_status();
  for (const json& c : *commands) {
    if (!c.is_object() || !c.contains("id") || !c["id"].is_number_integer() ||
        c["id"].get<std::int64_t>() <= 0 || !c.contains("out") || !c["out"].is_number_integer() ||
        (c["out"] != 0 && c["out"] != 1)) {
      log("ignored a malformed command: " + c.dump());
      continue;
    }
    const std::int64_t id = c["id"].get<std::int64_t>();
    const bool on = c["out"] == 1;
    if (Status s = deps_.device.set_output(on); !s) {
      log(fmt::format("command {}: the output did not switch: {}", id, s.error().message));
    }
    // The acknowledgement reports the state in force, switched or not.
    const int out = deps_.device.output_on() ? 1 : 0;
    auto ack = call(transport, "POST", "/uplink/v1/commands/ack",
                    json{{"id", id}, {"out", out}}.dump(), options_.request_timeout, false);
    if (!ack) return ack.error();
    log(fmt::format("command {}: output {}", id, out ? "on" : "off"));
  }
  return ok_status();
}

// --- step() -------------------------------------------------------------------

void Uplink::follow_settings(const Settings& settings) {
  const std::string url = without_trailing_slashes(settings.server.url);
  {
    std::lock_guard lock(mutex_);
    if (url == url_) return;
    url_ = url;
    ++generation_;
    hello_done_ = false;
    // A mark belongs to one server: another starts from the oldest record.
    acked_ = persisted_.url == url ? persisted_.acked_seq : 0;
    report_ = ServerReport{};
    report_.state = url.empty() ? ServiceState::kDisabled : ServiceState::kConnecting;
    report_.acked_seq = acked_;
    logged_error_.clear();
    report();
  }
  backoff_ = Duration::zero();
  retry_at_ = SteadyTime::min();
  log(url.empty() ? std::string("disabled") : "data server " + url);
}

Status Uplink::hello() {
  const Settings settings = deps_.device.settings();
  if (settings.pin != pin_ || pin_hash_.empty()) {
    // Argon2id takes a moment: once per PIN change.
    std::string salt = new_pin_salt();
    auto digest = pin_digest(salt, settings.pin);
    if (!digest) return make_error("the PIN's digest: " + digest.error().message);
    pin_ = settings.pin;
    pin_salt_ = std::move(salt);
    pin_hash_ = std::move(*digest);
  }
  const json body = {{"devid", devid_},
                     {"devtype", deps_.device.identity().devtype},
                     {"firmware", deps_.device.firmware_version()},
                     {"phases", deps_.device.phases()},
                     {"pin_salt", pin_salt_},
                     {"pin_hash", pin_hash_},
                     {"out", deps_.device.output_on() ? 1 : 0},
                     // Servers before the zone was sent ignore it.
                     {"timezone", settings.timezone}};
  timezone_ = settings.timezone;
  auto answer = call(deps_.transport, "POST", "/uplink/v1/hello", body.dump(),
                     options_.request_timeout, false);
  if (!answer) return answer.error();
  // A server that reads an optional field says so; an older one would
  // refuse it.
  const json& reply = answer->body;
  const auto lists = [&reply](std::string_view list, std::string_view field) {
    if (!reply.is_object()) return false;
    const auto fields = reply.find(list);
    return fields != reply.end() && fields->is_array() &&
           std::find(fields->begin(), fields->end(), json(field)) != fields->end();
  };
  {
    std::lock_guard lock(mutex_);
    hello_done_ = true;
    server_reads_covered_ = lists("record_fields", kCoveredField);
    server_reads_lifetime_ = lists("record_fields", kLifetimeField);
    server_reads_clock_ = lists("batch_fields", kDeviceClockField);
  }
  // newest_seq is not trusted to skip records (the server's database may
  // have been restored from a backup): the upload resends from our mark.
  return apply_commands(deps_.transport, answer->body);
}

void Uplink::persist_mark() {
  UplinkMark mark;
  {
    std::lock_guard lock(mutex_);
    mark = {url_, acked_};
  }
  const Status saved = deps_.device.write_state_file(kUplinkFile, encode_uplink_mark(mark));
  if (!saved) {
    // Not fatal: the mark in memory is right, and after a restart the
    // server takes the records again at no cost.
    if (save_error_ != saved.error().message) {
      log(fmt::format("{} not saved: {}", kUplinkFile, saved.error().message));
    }
    save_error_ = saved.error().message;
    return;
  }
  save_error_.clear();
  persisted_ = mark;
}

Status Uplink::upload() {
  for (;;) {
    std::uint32_t from = 0;
    UploadBatch batch{devid_, {}};
    {
      std::lock_guard lock(mutex_);
      batch.send_covered = server_reads_covered_;
      batch.send_lifetime = server_reads_lifetime_;
      // A device on its own time (a simulation: nothing corrects its clock)
      // says what its clock reads, so the server judges its stamps by it.
      if (server_reads_clock_ && !deps_.set_wall) {
        batch.device_clock = unix_seconds(deps_.clock.wall_now());
      }
      // A mark beyond the journal's newest record means the journal was
      // replaced (a new file starts again at seq 1): send all of it.
      if (acked_ > deps_.device.journal_span().newest) acked_ = 0;
      from = acked_;
    }
    auto records = deps_.device.records_after(from, options_.batch_records);
    if (!records) return records.error();
    if (records->empty()) return ok_status();
    // A value the server would refuse blocks the uplink for good (the batch
    // is sent again and again), so records are brought within the wire
    // format's ranges. Only damaged or absurd values are touched: -128 °C
    // from a broken sensor, a negative user meter, an energy step from a
    // rotted slot.
    for (UploadRecord& r : *records) fit_to_upload(r.minute);
    const std::uint32_t first = records->front().seq;
    const std::uint32_t last = records->back().seq;
    batch.records = std::move(*records);
    auto answer = call(deps_.transport, "POST", "/uplink/v1/minutes", encode_upload(batch),
                       options_.request_timeout, false);
    if (!answer) return answer.error();
    const auto last_seq = answer->body.find("last_seq");
    if (last_seq == answer->body.end() || !last_seq->is_number_unsigned()) {
      return make_error("POST /uplink/v1/minutes: the answer has no last_seq");
    }
    // The server says what it committed; a partial commit is marked as
    // far as it goes and the rest sent again at once.
    const std::uint64_t committed = last_seq->get<std::uint64_t>();
    if (committed < first || committed > last) {
      return make_error(fmt::format(
          "POST /uplink/v1/minutes: the server committed up to seq {} of a batch of {}..{}",
          committed, first, last));
    }
    {
      std::lock_guard lock(mutex_);
      acked_ = static_cast<std::uint32_t>(committed);
      report_.acked_seq = acked_;
      report();
    }
    persist_mark();
    // Records the server holds in another version (docs/uplink.md,
    // "Conflicts"): this journal is not the one it heard from before under
    // these seqs. Nothing to resend: the server keeps its first version.
    if (const auto conflicts = answer->body.find("conflicts");
        conflicts != answer->body.end() && conflicts->is_number_unsigned() &&
        conflicts->get<std::uint64_t>() > 0) {
      log(fmt::format(
          "the server holds other content under {} of seqs {}..{} (a replaced or restored "
          "journal?): it keeps its own version",
          conflicts->get<std::uint64_t>(), first, committed));
    }
    if (Status s = apply_commands(deps_.transport, answer->body); !s) return s;
  }
}

SteadyTime Uplink::failed(const std::string& error, SteadyTime now, Duration& backoff) {
  backoff = backoff == Duration::zero() ? options_.first_backoff
                                        : std::min(backoff * 2, options_.max_backoff);
  if (stopped_) return now + backoff;  // cancelled: not the server's failure
  std::lock_guard lock(mutex_);
  report_.state = ServiceState::kError;
  report_.last_error = error;
  report();
  if (error != logged_error_) {
    log(fmt::format("{} (again in {:.0f} s)", error, seconds(backoff)));
    logged_error_ = error;
  }
  return now + backoff;
}

SteadyTime Uplink::step() {
  const SteadyTime now = deps_.clock.steady_now();
  if (stopped_) return now + options_.idle;
  const Settings settings = deps_.device.settings();
  follow_settings(settings);
  if (reconnect_.exchange(false)) {
    backoff_ = Duration::zero();
    retry_at_ = SteadyTime::min();
    std::lock_guard lock(mutex_);
    hello_done_ = false;
  }
  bool need_hello = false;
  {
    std::lock_guard lock(mutex_);
    if (url_.empty()) return now + options_.idle;
    // The server learns the new PIN, or the device's new zone.
    if (settings.pin != pin_ || settings.timezone != timezone_) hello_done_ = false;
    need_hello = !hello_done_;
  }
  if (now < retry_at_) return retry_at_;
  Status s = need_hello ? hello() : ok_status();
  if (s) s = upload();
  if (!s) return retry_at_ = failed(s.error().message, now, backoff_);
  backoff_ = Duration::zero();
  return now + options_.idle;
}

// --- poll_commands() ----------------------------------------------------------

SteadyTime Uplink::poll_commands() {
  const SteadyTime now = deps_.clock.steady_now();
  if (stopped_) return now + options_.idle;
  {
    std::lock_guard lock(mutex_);
    if (url_.empty() || !hello_done_) return now + options_.idle;
    if (poll_generation_ != generation_) {  // another server: no back-off from the last one
      poll_generation_ = generation_;
      poll_backoff_ = Duration::zero();
      poll_retry_at_ = SteadyTime::min();
    }
  }
  if (now < poll_retry_at_) return poll_retry_at_;
  const auto wait = std::min<std::int64_t>(options_.command_wait.count(), 30);
  auto answer =
      call(deps_.command_transport, "GET", fmt::format("/uplink/v1/commands?wait={}", wait), "",
           std::chrono::seconds(wait) + options_.request_timeout, true);
  Status s =
      answer ? apply_commands(deps_.command_transport, answer->body) : Status(answer.error());
  if (!s) return poll_retry_at_ = failed(s.error().message, now, poll_backoff_);
  poll_backoff_ = Duration::zero();
  // An answer that came at once (a command, or a server that does not
  // wait) is followed by the next poll no sooner than a second later.
  return now + std::chrono::seconds(1);
}

}  // namespace maic::device
