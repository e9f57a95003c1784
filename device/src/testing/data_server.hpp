// For tests: a scripted data server, a real loopback http::Server that
// plays the server's side of docs/uplink.md and, on request, fails (500, a
// lost answer, a partial commit, a forgotten device, garbage); and a device
// to upload to it. Used by the uplink's tests and the uplink service's.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "maic/core/upload_codec.hpp"
#include "maic/device/device.hpp"
#include "maic/http/router.hpp"
#include "maic/http/server.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "maic/testing/mosquitto_broker.hpp"  // kWaitLimit

namespace maic::device::testing {

class DataServer {
 public:
  // How the next minutes requests are answered (one-shot, in order; then
  // kCommit).
  enum class Minutes {
    kCommit,      // commit all, answer 200
    kFail500,     // commit nothing, answer 500
    kCommitHalf,  // commit the first half, say so (last_seq in the middle)
    kLoseAnswer,  // commit all, then answer too late for the device
    kGarbage,     // commit nothing, answer 200 with a body that is not JSON
    kForget,      // forget the device (a new database): 409 until it says hello
    kOverclaim,   // commit all, claim a last_seq beyond the batch
  };

  struct Seen {
    std::string method;
    std::string target;
    std::string authorization;
    std::string body;
  };

  ~DataServer() { server_.reset(); }  // waits for handlers, which use the members below
  DataServer(const DataServer&) = delete;
  DataServer& operator=(const DataServer&) = delete;

  // The server's clock starts at `now` (set_time() moves it).
  explicit DataServer(WallTime now) : time_ms_(unix_ms(now)) {
    router_.add("POST", "/uplink/v1/hello", [this](const http::Request& q) { return hello(q); });
    router_.add("POST", "/uplink/v1/minutes",
                [this](const http::Request& q) { return minutes(q); });
    router_.add("GET", "/uplink/v1/commands",
                [this](const http::Request& q) { return commands(q); });
    router_.add("POST", "/uplink/v1/commands/ack",
                [this](const http::Request& q) { return ack(q); });
    http::ServerOptions options;
    options.listen = *http::parse_endpoint("127.0.0.1:0");
    options.limits.body_bytes = 4 * 1024 * 1024;  // as maic-cloud
    options.shutdown_grace = std::chrono::milliseconds(100);
    options.threads = 2;  // a lost answer's handler must not hold up the next request
    auto server = http::Server::start(options, [this](const http::Request& q) {
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(
            {q.method, q.target, std::string(q.headers.get("Authorization").value_or("")), q.body});
      }
      http::Response response = router_.handle(q);
      {
        std::lock_guard lock(handled_mutex_);
        ++handled_;
      }
      handled_cv_.notify_all();
      return response;
    });
    if (!server) throw std::runtime_error(server.error().message);
    server_.emplace(std::move(*server));
  }

  // Waits until `done` holds, checking it now and after each request the
  // server handled (what the request did is recorded then, the answer not
  // yet sent), at most `limit`. False: it did not hold in time. `done` may
  // call the accessors below.
  bool wait_until(const std::function<bool()>& done,
                  std::chrono::milliseconds limit = maic::testing::kWaitLimit) {
    std::unique_lock lock(handled_mutex_);
    return handled_cv_.wait_for(lock, limit, done);
  }

  std::string url() const { return fmt::format("http://127.0.0.1:{}/", server_->port()); }

  void script(std::initializer_list<Minutes> next) {
    std::lock_guard lock(mutex_);
    script_.insert(script_.end(), next);
  }
  void set_time(WallTime t) { time_ms_ = unix_ms(t); }
  // The optional record fields the hello answer lists; null: none (a
  // server older than them).
  void set_record_fields(nlohmann::json fields) {
    std::lock_guard lock(mutex_);
    record_fields_ = std::move(fields);
  }
  void add_command(std::int64_t id, bool on) {
    std::lock_guard lock(mutex_);
    pending_.push_back({{"id", id}, {"out", on ? 1 : 0}});
  }

  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::size_t requests() const { return seen().size(); }
  // The seqs of every batch received, in order.
  std::vector<std::vector<std::uint32_t>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  // What the server holds, by minute (its key for a record).
  std::map<std::int64_t, UploadRecord> committed() const {
    std::lock_guard lock(mutex_);
    return committed_;
  }
  std::vector<nlohmann::json> hellos() const {
    std::lock_guard lock(mutex_);
    return hellos_;
  }
  std::vector<nlohmann::json> acks() const {
    std::lock_guard lock(mutex_);
    return acks_;
  }

 private:
  http::Response answer(nlohmann::json body) {
    body["time"] = time_ms_.load();
    body["commands"] = pending_;
    return http::Response::json(body);
  }

  http::Response hello(const http::Request& q) {
    std::lock_guard lock(mutex_);
    hellos_.push_back(nlohmann::json::parse(q.body));
    known_ = true;
    nlohmann::json body = {{"newest_seq", newest_seq_}, {"newest_minute", -1}};
    if (!record_fields_.is_null()) body["record_fields"] = record_fields_;
    return answer(body);
  }

  http::Response minutes(const http::Request& q) {
    std::lock_guard lock(mutex_);
    if (!known_) return http::Response::error(409, "unknown device: send hello first");
    auto batch = decode_upload(q.body);
    if (!batch) return http::Response::error(400, batch.error().message);
    std::vector<std::uint32_t> seqs;
    for (const UploadRecord& r : batch->records) seqs.push_back(r.seq);
    batches_.push_back(seqs);
    const Minutes mode = script_.empty() ? Minutes::kCommit : script_.front();
    if (!script_.empty()) script_.pop_front();
    std::size_t commit = batch->records.size();
    switch (mode) {
      case Minutes::kFail500:
        return http::Response::error(500, "the database is down");
      case Minutes::kGarbage:
        return http::Response::text("<html>a proxy's error page</html>");
      case Minutes::kForget:
        known_ = false;
        return http::Response::error(409, "unknown device: send hello first");
      case Minutes::kCommitHalf:
        commit = batch->records.size() / 2;
        break;
      default:
        break;
    }
    for (std::size_t k = 0; k < commit; ++k) {
      const UploadRecord& r = batch->records[k];
      committed_.emplace(r.minute.minute, r);  // a record sent again changes nothing
      newest_seq_ = std::max(newest_seq_, r.seq);
    }
    std::uint32_t last_seq = commit ? batch->records[commit - 1].seq : 0;
    if (mode == Minutes::kOverclaim) last_seq += 10;
    http::Response reply = answer({{"committed", commit}, {"last_seq", last_seq}});
    if (mode == Minutes::kLoseAnswer) {
      // Committed, but the answer is held back until after the device gave
      // up waiting (the test's timeout is 300 ms): a long poll that never becomes
      // ready, answered only when the server stops or after 30 s.
      auto held = std::make_shared<http::Response::Wait>();
      held->poll = [] { return std::optional<http::Response>(); };
      held->on_timeout = [reply] { return reply; };
      held->interval = std::chrono::milliseconds(50);
      held->timeout = std::chrono::seconds(30);
      http::Response late;
      late.wait = std::move(held);
      return late;
    }
    return reply;
  }

  http::Response commands(const http::Request& q) {
    std::lock_guard lock(mutex_);
    if (!known_) return http::Response::error(409, "unknown device: send hello first");
    if (q.query.get("wait").value_or("") != "25") return http::Response::error(400, "wait: 25");
    return answer(nlohmann::json::object());
  }

  http::Response ack(const http::Request& q) {
    std::lock_guard lock(mutex_);
    const nlohmann::json body = nlohmann::json::parse(q.body);
    acks_.push_back(body);
    std::erase_if(pending_, [&](const nlohmann::json& c) { return c["id"] == body["id"]; });
    return http::Response::json({{"time", time_ms_.load()}, {"acknowledged", true}});
  }

  http::Router router_;
  std::optional<http::Server> server_;
  static std::int64_t unix_ms(WallTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }

  std::atomic<std::int64_t> time_ms_;
  std::mutex handled_mutex_;  // taken before mutex_ (by wait_until), never after
  std::condition_variable handled_cv_;
  std::uint64_t handled_ = 0;  // under handled_mutex_
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
  std::deque<Minutes> script_;
  bool known_ = false;
  std::uint32_t newest_seq_ = 0;
  std::vector<std::vector<std::uint32_t>> batches_;
  std::map<std::int64_t, UploadRecord> committed_;
  std::vector<nlohmann::json> hellos_;
  std::vector<nlohmann::json> acks_;
  std::vector<nlohmann::json> pending_;
  nlohmann::json record_fields_;
};

// A device on `storage` and `clock` metering a constant 230 V, 10 A, PF 1
// on three phases, telling `services` (may be null) of it.
inline Result<std::unique_ptr<Device>> open_device(const Clock& clock, Storage& storage,
                                                   ServiceSet* services = nullptr) {
  metering::SyntheticConfig c;
  const metering::PhaseLoad load{230, 10, 0};
  c.profile = metering::constant_profile({load, load, load});
  auto source = metering::WaveformMeter::create(std::make_unique<metering::SyntheticSource>(c),
                                                clock.steady_now(), "synthetic");
  if (!source) return source.error();
  DeviceOptions options;
  options.firmware_version = "test";
  options.services = services;
  return Device::open({clock, storage, std::move(source).value(),
                       [n = 0](std::span<std::byte> out) mutable {
                         for (auto& b : out) b = static_cast<std::byte>(++n * 13);
                       }},
                      std::move(options));
}

}  // namespace maic::device::testing
