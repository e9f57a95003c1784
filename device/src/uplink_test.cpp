// The uplink against a scripted data server: a real loopback http::Server
// that plays the server's side of docs/uplink.md and, on request, fails
// (500, a lost answer, a partial commit, a forgotten device, garbage), and
// the real libcurl transport. Time is a VirtualClock the test moves: the
// back-off is checked to the second without waiting for it.
#include "maic/device/uplink.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <deque>
#include <map>
#include <set>
#include <thread>

#include "maic/core/corrected_clock.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/device/journal.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/http/router.hpp"
#include "maic/http/server.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"
#include "testing/data_server.hpp"
#include "testing/journal_filler.hpp"

namespace maic::device {
namespace {

using testing::DataServer;

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::int64_t kStart = 1'700'000'040;  // on a minute boundary
constexpr std::uint32_t kTwelveDays = 17'280;

std::string unbase64(std::string_view s) {
  std::string out(s.size(), '\0');
  std::size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(),
                        s.size(), nullptr, &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return "";
  }
  out.resize(n);
  return out;
}

// --- The device -------------------------------------------------------------------

// 12 days' journal by default, ending where the rig's clock starts.
void append_minutes(Storage& storage, std::uint32_t count,
                    std::int64_t first_minute = kStart - 60 * std::int64_t{kTwelveDays}) {
  testing::append_minutes(storage, count, first_minute);
}

struct Rig {
  VirtualClock base{from_unix_seconds(kStart)};  // true time
  CorrectedClock clock{base};                    // the device's
  MemoryStorage storage;
  DataServer server{base.wall_now()};
  std::unique_ptr<HttpTransport> transport = curl_transport();
  std::unique_ptr<HttpTransport> command_transport = curl_transport();
  std::unique_ptr<Device> device;
  std::unique_ptr<Uplink> uplink;
  std::vector<std::string> log;

  // Requests wait as long as a loaded machine (a sanitizer build beside
  // other tests) may need; the one test of a lost answer waits less.
  static UplinkOptions options() {
    UplinkOptions o;
    o.request_timeout = std::chrono::seconds(20);
    return o;
  }
  static UplinkOptions impatient() {
    UplinkOptions o = options();
    o.request_timeout = milliseconds(300);  // DataServer::kLoseAnswer holds its answer longer
    return o;
  }

  // Opens the device and its uplink over the rig's storage; `url`, when
  // given, is set as server.url first.
  void open(std::optional<std::string> url = std::nullopt, UplinkOptions o = options()) {
    auto d = testing::open_device(clock, storage);
    ASSERT_TRUE(d.ok()) << d.error().message;
    device = std::move(d).value();
    if (url) {
      ASSERT_TRUE(device->update_settings(json_patch({{"server", {{"url", *url}}}})).ok());
    }
    uplink = std::make_unique<Uplink>(
        UplinkDependencies{*device, *transport, *command_transport, clock,
                           [this](WallTime t) { clock.set_wall(t); },
                           [this](std::string_view line) { log.emplace_back(line); }},
        o);
  }

  void close() {
    uplink.reset();
    device.reset();
  }

  // Moves time on; the server's clock keeps true time.
  void advance(Duration d) {
    base.advance(d);
    server.set_time(base.wall_now());
  }

  // Meters for `d`, a step a second.
  void meter(Duration d) {
    for (Duration t{}; t < d; t += seconds(1)) {
      advance(seconds(1));
      device->step();
    }
  }

  std::uint64_t backlog() const { return device->status().server_backlog; }
};

// Every batch oldest first, at most 2,000, each starting where the server
// left off; and the server holds seqs 1..n, each once.
void expect_all_arrived_in_order(const DataServer& server, std::uint32_t n) {
  const auto committed = server.committed();
  ASSERT_EQ(committed.size(), n);
  std::uint32_t expected = 1;
  for (const auto& [minute, r] : committed) {  // by minute, which is journal order here
    ASSERT_EQ(r.seq, expected) << "minute " << minute;
    ++expected;
  }
  for (const auto& batch : server.batches()) {
    ASSERT_FALSE(batch.empty());
    EXPECT_LE(batch.size(), kMaxUploadRecords);
    for (std::size_t k = 1; k < batch.size(); ++k) {
      ASSERT_EQ(batch[k], batch[k - 1] + 1) << "oldest first, no gaps";
    }
  }
}

// --- Tests ------------------------------------------------------------------------

TEST(Uplink, DisabledWithoutAServer) {
  Rig rig;
  append_minutes(rig.storage, 5);
  rig.open();
  EXPECT_EQ(rig.uplink->step(), rig.clock.steady_now() + seconds(1));
  EXPECT_EQ(rig.server.requests(), 0u);
  const DeviceStatus s = rig.device->status();
  EXPECT_EQ(to_string(s.server_state), "disabled");
  EXPECT_EQ(s.server_backlog, 0u);
}

TEST(Uplink, UploadsOldestFirstInBatchesAndMarksWhatTheServerCommitted) {
  Rig rig;
  append_minutes(rig.storage, 4500);
  rig.open(rig.server.url());
  EXPECT_EQ(to_string(rig.device->status().server_state), "connecting");
  EXPECT_EQ(rig.backlog(), 4500u);

  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 4500u);
  const auto batches = rig.server.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].front(), 1u);
  EXPECT_EQ(batches[0].size(), 2000u);
  EXPECT_EQ(batches[1].front(), 2001u);
  EXPECT_EQ(batches[2].front(), 4001u);
  EXPECT_EQ(batches[2].size(), 500u);
  expect_all_arrived_in_order(rig.server, 4500);

  // The records are the journal's, energies and meters included.
  const auto committed = rig.server.committed();
  const UploadRecord& second = std::next(committed.begin())->second;
  EXPECT_EQ(second.seq, 2u);
  EXPECT_NEAR(second.minute.phase[0].wh_delta, 38.33, 1e-9);
  EXPECT_NEAR(second.minute.phase[0].wh, 2 * 38.33, 1e-6);
  EXPECT_EQ(second.minute.readings, 12);
  EXPECT_NEAR(second.minute.phase[2].hertz, 50, 1e-9);  // "hz" was 0 (field fault K4)

  const DeviceStatus s = rig.device->status();
  EXPECT_EQ(to_string(s.server_state), "connected");
  EXPECT_EQ(s.server_backlog, 0u);
  EXPECT_EQ(s.server_last_success, kStart);
  EXPECT_EQ(s.server_error, "");

  // Caught up: nothing more is sent until a new minute is journaled.
  const std::size_t requests = rig.server.requests();
  rig.advance(seconds(1));
  rig.uplink->step();
  EXPECT_EQ(rig.server.requests(), requests);
  rig.meter(minutes(1) + seconds(5));
  EXPECT_EQ(rig.backlog(), 1u);
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 4501u);
  EXPECT_EQ(rig.server.batches().back(), std::vector<std::uint32_t>{4501});
}

// A partial minute's covered time ("s") goes only to a server whose hello
// lists it: an older server refuses a field it does not know, and a refused
// batch would block the uplink for good.
TEST(Uplink, CoveredTimeGoesOnlyToAServerThatReadsIt) {
  for (const bool reads : {false, true}) {
    SCOPED_TRACE(reads ? "a server that reads s" : "an older server");
    Rig rig;
    rig.server.set_record_fields(reads ? json::array({"s"}) : json());
    append_minutes(rig.storage, 2);
    testing::append_minutes(rig.storage, 1, 0, /*covered_s=*/20);
    rig.open(rig.server.url());
    rig.uplink->step();
    ASSERT_EQ(rig.uplink->acked_seq(), 3u);
    const auto committed = rig.server.committed();
    EXPECT_EQ(committed.begin()->second.minute.covered, kFullMinute);
    const MinuteRecord& partial = std::prev(committed.end())->second.minute;
    EXPECT_EQ(partial.covered, reads ? Duration(seconds(20)) : kFullMinute);
    for (const auto& q : rig.server.seen()) {
      if (q.target.starts_with("/uplink/v1/minutes")) {
        EXPECT_EQ(q.body.find("\"s\":") != std::string::npos, reads) << q.body;
      }
    }
  }
}

TEST(Uplink, AFailedRequestMarksNothingAndBacksOffOneSecondDoublingToFiveMinutes) {
  Rig rig;
  append_minutes(rig.storage, 10);
  rig.open(rig.server.url());
  for (int k = 0; k < 12; ++k) rig.server.script({DataServer::Minutes::kFail500});

  std::vector<std::int64_t> waits;
  for (int k = 0; k < 12; ++k) {
    const std::size_t before = rig.server.batches().size();
    const SteadyTime next = rig.uplink->step();
    EXPECT_EQ(rig.server.batches().size(), before + 1) << "a retry is one request";
    EXPECT_EQ(rig.uplink->acked_seq(), 0u) << "marks nothing";
    waits.push_back(std::chrono::duration_cast<seconds>(next - rig.clock.steady_now()).count());
    // Early calls do nothing.
    rig.advance(next - rig.clock.steady_now() - milliseconds(1));
    EXPECT_EQ(rig.uplink->step(), next);
    EXPECT_EQ(rig.server.batches().size(), before + 1);
    rig.advance(milliseconds(1));
  }
  EXPECT_EQ(waits, (std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}));
  const DeviceStatus failing = rig.device->status();
  EXPECT_EQ(to_string(failing.server_state), "error");
  EXPECT_EQ(failing.server_backlog, 10u);
  EXPECT_NE(failing.server_error.find("500 the database is down"), std::string::npos)
      << failing.server_error;

  // The server recovers: everything arrives, once; the back-off starts over.
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 10u);
  expect_all_arrived_in_order(rig.server, 10);
  EXPECT_EQ(to_string(rig.device->status().server_state), "connected");
  rig.server.script({DataServer::Minutes::kFail500, DataServer::Minutes::kFail500});
  rig.meter(minutes(1) + seconds(5));
  EXPECT_EQ(rig.uplink->step(), rig.clock.steady_now() + seconds(1));
  rig.advance(seconds(1));
  EXPECT_EQ(rig.uplink->step(), rig.clock.steady_now() + seconds(2));
  // A restart of the services (SIGHUP) tries again at once, with a hello.
  rig.uplink->reconnect();
  rig.uplink->step();
  EXPECT_EQ(rig.server.hellos().size(), 2u);
  // The minutes metered over the back-offs' half hour included.
  EXPECT_GT(rig.device->journal_span().newest, 10u);
  EXPECT_EQ(rig.uplink->acked_seq(), rig.device->journal_span().newest);
  EXPECT_EQ(rig.backlog(), 0u);
}

TEST(Uplink, AnswersThatDoNotSayWhatWasCommittedMarkNothing) {
  Rig rig;
  append_minutes(rig.storage, 10);
  rig.open(rig.server.url());
  rig.server.script({DataServer::Minutes::kGarbage});
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 0u);
  EXPECT_NE(rig.device->status().server_error.find("not a JSON object"), std::string::npos);

  rig.advance(seconds(1));
  rig.server.script({DataServer::Minutes::kOverclaim});
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 0u) << "never beyond what was sent";
  EXPECT_NE(rig.device->status().server_error.find("committed up to seq 20"), std::string::npos);

  rig.advance(seconds(2));
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 10u);
  expect_all_arrived_in_order(rig.server, 10);
}

TEST(Uplink, APartialCommitIsMarkedAsFarAsItGoesAndTheRestSentAtOnce) {
  Rig rig;
  append_minutes(rig.storage, 3000);
  rig.open(rig.server.url());
  rig.server.script({DataServer::Minutes::kCommitHalf});
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 3000u);
  const auto batches = rig.server.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].front(), 1u);
  EXPECT_EQ(batches[0].size(), 2000u);
  EXPECT_EQ(batches[1].front(), 1001u) << "after the half committed";
  EXPECT_EQ(batches[1].size(), 2000u);
  expect_all_arrived_in_order(rig.server, 3000);
}

TEST(Uplink, ALostAnswerMeansTheBatchIsSentAgainAndStoredOnce) {
  Rig rig;
  append_minutes(rig.storage, 50);
  rig.open(rig.server.url(), Rig::impatient());
  rig.server.script({DataServer::Minutes::kLoseAnswer});
  const SteadyTime next = rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 0u);
  EXPECT_EQ(rig.server.committed().size(), 50u) << "the server has them";
  EXPECT_EQ(to_string(rig.device->status().server_state), "error");
  rig.advance(next - rig.clock.steady_now());
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 50u);
  EXPECT_EQ(rig.server.batches().size(), 2u) << "sent twice";
  expect_all_arrived_in_order(rig.server, 50);
}

TEST(Uplink, ARefusedConnectionMarksNothing) {
  Rig rig;
  append_minutes(rig.storage, 10);
  std::string refused;
  {
    DataServer gone{rig.base.wall_now()};  // its port, closed again
    refused = gone.url();
  }
  rig.open(refused);
  const SteadyTime next = rig.uplink->step();
  EXPECT_EQ(next, rig.clock.steady_now() + seconds(1));
  EXPECT_EQ(rig.uplink->acked_seq(), 0u);
  const DeviceStatus s = rig.device->status();
  EXPECT_EQ(to_string(s.server_state), "error");
  EXPECT_NE(s.server_error.find("POST /uplink/v1/hello"), std::string::npos) << s.server_error;
  EXPECT_EQ(s.server_backlog, 10u);
  EXPECT_EQ(s.server_last_success, 0);
}

TEST(Uplink, ARestartedDeviceResumesFromThePersistedMark) {
  Rig rig;
  append_minutes(rig.storage, 100);
  rig.open(rig.server.url());
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 100u);
  rig.close();

  auto file = rig.storage.read_file(kUplinkFile);
  ASSERT_TRUE(file.ok() && file->has_value());
  auto mark = decode_uplink_mark(as_text(**file));
  ASSERT_TRUE(mark.ok()) << mark.error().message;
  EXPECT_EQ(*mark, (UplinkMark{rig.server.url().substr(0, rig.server.url().size() - 1), 100}));

  append_minutes(rig.storage, 50);
  rig.open();  // server.url was saved with the settings
  EXPECT_EQ(rig.backlog(), 50u);
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 150u);
  EXPECT_EQ(rig.server.batches().back().front(), 101u) << "not from the start";
  EXPECT_EQ(rig.server.batches().size(), 2u);
  expect_all_arrived_in_order(rig.server, 150);
}

TEST(Uplink, AnotherServerGetsTheWholeJournal) {
  Rig rig;
  append_minutes(rig.storage, 30);
  rig.open(rig.server.url());
  rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 30u);

  DataServer other{rig.base.wall_now()};
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"server", {{"url", other.url()}}}})).ok());
  EXPECT_EQ(rig.uplink->acked_seq(), 30u) << "until the uplink notices";
  rig.uplink->step();
  EXPECT_EQ(other.hellos().size(), 1u);
  expect_all_arrived_in_order(other, 30);
  EXPECT_EQ(rig.uplink->acked_seq(), 30u);

  // Back to the first: its mark was replaced by the other's, so it gets
  // everything again, which costs it nothing.
  ASSERT_TRUE(
      rig.device->update_settings(json_patch({{"server", {{"url", rig.server.url()}}}})).ok());
  rig.uplink->step();
  EXPECT_EQ(rig.server.batches().back().front(), 1u);
  expect_all_arrived_in_order(rig.server, 30);

  ASSERT_TRUE(rig.device->update_settings(json_patch({{"server", {{"url", ""}}}})).ok());
  const std::size_t requests = rig.server.requests();
  rig.meter(minutes(1) + seconds(5));
  rig.uplink->step();
  EXPECT_EQ(rig.server.requests(), requests);
  EXPECT_EQ(to_string(rig.device->status().server_state), "disabled");
}

TEST(Uplink, AMarkBehindTheRingStartsFromTheOldestRecordKept) {
  Rig rig;
  append_minutes(rig.storage, kTwelveDays + 500);  // 500 overwritten
  const std::string url = rig.server.url().substr(0, rig.server.url().size() - 1);
  ASSERT_TRUE(
      rig.storage.write_file_atomic(kUplinkFile, as_bytes(encode_uplink_mark({url, 100}))).ok());
  rig.open(url);
  EXPECT_EQ(rig.backlog(), kTwelveDays);
  rig.uplink->step();
  EXPECT_EQ(rig.server.batches().front().front(), 501u);
  EXPECT_EQ(rig.uplink->acked_seq(), kTwelveDays + 500);
  EXPECT_EQ(rig.server.committed().size(), kTwelveDays);
}

TEST(Uplink, TwelveDaysOfBacklogArriveOnceInOrderWithinSeconds) {
  Rig rig;
  append_minutes(rig.storage, kTwelveDays);
  rig.open(rig.server.url());
  EXPECT_EQ(rig.backlog(), kTwelveDays);
  const auto started = std::chrono::steady_clock::now();
  rig.uplink->step();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RecordProperty("catch_up_seconds", std::to_string(took));
  EXPECT_LT(took, 10) << "12 days of minutes";
  std::size_t largest = 0;
  for (const auto& q : rig.server.seen()) largest = std::max(largest, q.body.size());
  RecordProperty("largest_batch_bytes", std::to_string(largest));
  EXPECT_EQ(rig.uplink->acked_seq(), kTwelveDays);
  EXPECT_EQ(rig.server.batches().size(), 9u);  // 8 × 2,000 + 1,280
  expect_all_arrived_in_order(rig.server, kTwelveDays);
  EXPECT_EQ(rig.backlog(), 0u);
}

TEST(Uplink, AuthenticatesWithIdAndSecretAndReportsThePinOnlyAsADigest) {
  Rig rig;
  append_minutes(rig.storage, 3);
  rig.open(rig.server.url());
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"pin", "97531"}})).ok());
  rig.uplink->step();
  const Identity id = rig.device->identity();
  const auto seen = rig.server.seen();
  ASSERT_GE(seen.size(), 2u);
  for (const auto& q : seen) {
    ASSERT_TRUE(q.authorization.starts_with("Basic ")) << q.target;
    EXPECT_EQ(unbase64(q.authorization.substr(6)), id.devid + ":" + id.secret);
    EXPECT_EQ(q.authorization.find("97531"), std::string::npos);
  }
  ASSERT_EQ(rig.server.hellos().size(), 1u);
  const json hello = rig.server.hellos()[0];
  std::set<std::string> keys;
  for (const auto& [key, value] : hello.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"devid", "devtype", "firmware", "phases", "pin_salt",
                                         "pin_hash", "out", "timezone"}));
  EXPECT_EQ(hello["devid"], id.devid);
  EXPECT_EQ(hello["devtype"], "D103");
  EXPECT_EQ(hello["firmware"], "test");
  EXPECT_EQ(hello["phases"], 3);
  EXPECT_EQ(hello["out"], 0);
  EXPECT_EQ(hello["pin_salt"].get<std::string>().size(), 32u);
  EXPECT_EQ(hello["pin_hash"], *pin_digest(hello["pin_salt"].get<std::string>(), "97531"));

  // A new PIN: a new hello, with a new salt.
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"pin", "8642"}})).ok());
  rig.advance(seconds(1));
  rig.uplink->step();
  ASSERT_EQ(rig.server.hellos().size(), 2u);
  const json again = rig.server.hellos()[1];
  EXPECT_NE(again["pin_salt"], hello["pin_salt"]);
  EXPECT_EQ(again["pin_hash"], *pin_digest(again["pin_salt"].get<std::string>(), "8642"));
  rig.advance(seconds(1));
  rig.uplink->step();
  EXPECT_EQ(rig.server.hellos().size(), 2u) << "once per change";
}

TEST(Uplink, ReportsTheDevicesTimeZoneAndAChangeOfIt) {
  Rig rig;
  append_minutes(rig.storage, 3);
  rig.open(rig.server.url());
  rig.uplink->step();
  ASSERT_EQ(rig.server.hellos().size(), 1u);
  EXPECT_EQ(rig.server.hellos()[0]["timezone"], "UTC");

  ASSERT_TRUE(rig.device->update_settings(json_patch({{"timezone", "Asia/Kolkata"}})).ok());
  rig.advance(seconds(1));
  rig.uplink->step();
  ASSERT_EQ(rig.server.hellos().size(), 2u);
  EXPECT_EQ(rig.server.hellos()[1]["timezone"], "Asia/Kolkata");
  rig.advance(seconds(1));
  rig.uplink->step();
  EXPECT_EQ(rig.server.hellos().size(), 2u) << "once per change";
  EXPECT_EQ(rig.uplink->acked_seq(), 3u);
}

TEST(Uplink, SaysHelloAgainWhenTheServerForgetsTheDevice) {
  Rig rig;
  append_minutes(rig.storage, 5);
  rig.open(rig.server.url());
  rig.uplink->step();
  EXPECT_EQ(rig.server.hellos().size(), 1u);
  rig.meter(minutes(1) + seconds(5));
  rig.server.script({DataServer::Minutes::kForget});
  const SteadyTime next = rig.uplink->step();
  EXPECT_EQ(rig.uplink->acked_seq(), 5u);
  rig.advance(next - rig.clock.steady_now());
  rig.uplink->step();
  EXPECT_EQ(rig.server.hellos().size(), 2u);
  EXPECT_EQ(rig.uplink->acked_seq(), 6u);
}

TEST(Uplink, CorrectsTheDevicesClockFromTheServersTime) {
  Rig rig;
  rig.open(rig.server.url());
  // Within 2 s: left alone.
  rig.server.set_time(rig.base.wall_now() + milliseconds(1500));
  rig.uplink->step();
  EXPECT_EQ(rig.clock.offset(), Duration::zero());
  EXPECT_EQ(rig.server.hellos().size(), 1u);

  // The device's clock is an hour slow: the server's time wins, and the
  // minutes journaled from then on carry it.
  rig.clock.set_wall(rig.base.wall_now() - std::chrono::hours(1));
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"pin", "1357"}})).ok());  // a hello is due
  rig.advance(seconds(1));
  rig.uplink->step();
  EXPECT_EQ(rig.clock.wall_now(), rig.base.wall_now());
  const SteadyTime steady = rig.clock.steady_now();
  rig.meter(minutes(2) + seconds(5));
  EXPECT_EQ(rig.clock.steady_now() - steady, minutes(2) + seconds(5)) << "steady time untouched";
  const auto recent = rig.device->minutes(unix_seconds(rig.base.wall_now()) - 180,
                                          std::numeric_limits<std::int64_t>::max());
  ASSERT_FALSE(recent.empty());
  EXPECT_EQ(recent.back().minute, (unix_seconds(rig.base.wall_now()) / 60 - 1) * 60);
  EXPECT_NE(std::find_if(rig.log.begin(), rig.log.end(),
                         [](const std::string& l) { return l.find("clock corrected") != l.npos; }),
            rig.log.end());

  // A time no server can mean is not taken.
  rig.server.set_time(from_unix_seconds(0));
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"pin", "2468"}})).ok());
  rig.uplink->step();
  EXPECT_EQ(rig.server.hellos().size(), 3u);
  EXPECT_EQ(rig.clock.wall_now(), rig.base.wall_now());

  // Without set_wall (a simulation on its own time) the clock is left be.
  Rig sim;
  sim.open();
  sim.uplink = std::make_unique<Uplink>(
      UplinkDependencies{*sim.device, *sim.transport, *sim.command_transport, sim.clock, {}, {}},
      Rig::options());
  ASSERT_TRUE(
      sim.device->update_settings(json_patch({{"server", {{"url", sim.server.url()}}}})).ok());
  sim.server.set_time(sim.base.wall_now() + std::chrono::hours(5));
  sim.uplink->step();
  EXPECT_EQ(sim.server.hellos().size(), 1u);
  EXPECT_EQ(sim.clock.offset(), Duration::zero());
}

TEST(Uplink, AppliesAndAcknowledgesCommands) {
  Rig rig;
  append_minutes(rig.storage, 3);
  rig.open(rig.server.url());
  EXPECT_EQ(rig.uplink->poll_commands(), rig.clock.steady_now() + seconds(1))
      << "no poll before the hello";
  EXPECT_EQ(rig.server.requests(), 0u);

  // A command pending at the hello.
  rig.server.add_command(5, true);
  rig.uplink->step();
  EXPECT_TRUE(rig.device->output_on());
  ASSERT_EQ(rig.server.acks().size(), 1u);
  EXPECT_EQ(rig.server.acks()[0], (json{{"id", 5}, {"out", 1}}));

  // The long poll brings the next one.
  rig.server.add_command(6, false);
  rig.uplink->poll_commands();
  EXPECT_FALSE(rig.device->output_on());
  ASSERT_EQ(rig.server.acks().size(), 2u);
  EXPECT_EQ(rig.server.acks()[1], (json{{"id", 6}, {"out", 0}}));
  bool polled = false;
  for (const auto& q : rig.server.seen()) polled |= q.target == "/uplink/v1/commands?wait=25";
  EXPECT_TRUE(polled);

  // One that finds the output already so is acknowledged all the same.
  rig.server.add_command(7, false);
  rig.uplink->poll_commands();
  ASSERT_EQ(rig.server.acks().size(), 3u);
  EXPECT_EQ(rig.server.acks()[2], (json{{"id", 7}, {"out", 0}}));

  // And one that comes with a batch's answer.
  rig.server.add_command(8, true);
  rig.meter(minutes(1) + seconds(5));
  rig.uplink->step();
  EXPECT_TRUE(rig.device->output_on());
  EXPECT_EQ(rig.server.acks().back(), (json{{"id", 8}, {"out", 1}}));
}

TEST(Uplink, TheMarkFileIsValidated) {
  EXPECT_TRUE(decode_uplink_mark(encode_uplink_mark({"https://a.example", 7})).ok());
  EXPECT_FALSE(decode_uplink_mark("{}").ok());
  EXPECT_FALSE(decode_uplink_mark(R"({"version": 1, "url": "x", "acked_seq": -1})").ok());
  EXPECT_FALSE(decode_uplink_mark(R"({"version": 2, "url": "x", "acked_seq": 1})").ok());
  EXPECT_FALSE(decode_uplink_mark("not json").ok());

  // A damaged file: everything is sent again.
  Rig rig;
  append_minutes(rig.storage, 5);
  ASSERT_TRUE(rig.storage.write_file_atomic(kUplinkFile, as_bytes("{\"vers")).ok());
  rig.open(rig.server.url());
  rig.uplink->step();
  expect_all_arrived_in_order(rig.server, 5);
}

TEST(Uplink, StopsForGood) {
  Rig rig;
  append_minutes(rig.storage, 5);
  rig.open(rig.server.url());
  rig.uplink->stop();
  rig.uplink->step();
  rig.uplink->poll_commands();
  EXPECT_EQ(rig.server.requests(), 0u);
  EXPECT_EQ(to_string(rig.device->status().server_state), "connecting");
}

TEST(CurlTransport, CancelEndsCallsAtOnce) {
  auto transport = curl_transport();
  transport->cancel();
  HttpRequest request;
  request.url = "http://127.0.0.1:9/";
  auto r = transport->send(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cancelled");
}

}  // namespace
}  // namespace maic::device
