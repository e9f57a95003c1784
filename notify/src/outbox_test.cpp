#include "maic/notify/outbox.hpp"

#include <gtest/gtest.h>

#include "maic/testing/must.hpp"

namespace maic::notify {
namespace {

using testing::must;

constexpr std::int64_t kNoon = 1764504000;  // 2025-11-30 12:00:00 UTC

Notification event(Event e, std::vector<std::pair<std::string, std::string>> values = {}) {
  Notification n;
  n.event = e;
  n.values = std::move(values);
  return n;
}
Notification phase_lost(int phase) {
  return event(Event::kPhaseLost, {{"phase", std::to_string(phase)}});
}
Notification condition(int index) {
  Notification n = event(Event::kCondition);
  n.condition = index;
  return n;
}

// Options with the given limits (0: off) and the defaults' bounds.
OutboxOptions limits(std::int64_t rate_limit, std::size_t daily_cap = 0,
                     TimeZone zone = TimeZone::utc()) {
  OutboxOptions o;
  o.rate_limit = rate_limit;
  o.daily_cap = daily_cap;
  o.zone = zone;
  return o;
}

struct OutboxTest : ::testing::Test {
  MemoryStorage storage;
  std::unique_ptr<Outbox> open(OutboxOptions options = {}) {
    return must(Outbox::open(storage, options));
  }
};

TEST_F(OutboxTest, AssignsStableIdsAndCreationTime) {
  auto outbox = open();
  EXPECT_EQ(must(outbox->offer(event(Event::kRestarted), kNoon)), Admission::kQueued);
  Notification old = event(Event::kTest);
  old.created = kNoon - 5;
  old.id = "ignored";
  EXPECT_EQ(must(outbox->offer(old, kNoon)), Admission::kQueued);
  const auto entries = outbox->entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].notification.id, "1." + std::to_string(kNoon));
  EXPECT_EQ(entries[0].notification.created, kNoon);
  EXPECT_EQ(entries[1].notification.id, "2." + std::to_string(kNoon - 5));
}

TEST_F(OutboxTest, RateLimitPerEventKindAndPerPhase) {
  auto outbox = open(limits(900));
  EXPECT_EQ(must(outbox->offer(phase_lost(1), kNoon)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(phase_lost(1), kNoon + 899)), Admission::kRateLimited);
  EXPECT_EQ(must(outbox->offer(phase_lost(2), kNoon + 1)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(event(Event::kPhaseRestored, {{"phase", "1"}}), kNoon + 2)),
            Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(phase_lost(1), kNoon + 900)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(event(Event::kMqttLost), kNoon)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(event(Event::kMqttLost), kNoon + 10)), Admission::kRateLimited);
  EXPECT_EQ(outbox->counters().rate_limited, 2u);
  EXPECT_EQ(outbox->size(), 5u);
}

TEST_F(OutboxTest, RateLimitPerCondition) {
  auto outbox = open(limits(600));
  EXPECT_EQ(must(outbox->offer(condition(1), kNoon)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(condition(2), kNoon)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(condition(1), kNoon + 60)), Admission::kRateLimited);
}

TEST_F(OutboxTest, TestButtonIsNotRateLimited) {
  auto outbox = open(limits(900));
  EXPECT_EQ(must(outbox->offer(event(Event::kTest), kNoon)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(event(Event::kTest), kNoon + 1)), Admission::kQueued);
}

TEST_F(OutboxTest, ClockSetBackDoesNotSilenceAnEvent) {
  auto outbox = open(limits(900));
  EXPECT_EQ(must(outbox->offer(event(Event::kRestarted), kNoon + 86400 * 365)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(event(Event::kRestarted), kNoon)), Admission::kQueued);
}

TEST_F(OutboxTest, DailyCapCountsTheLocalDay) {
  // 22:30 UTC is 23:30 in Berlin; 23:30 UTC is already the next day there.
  const std::int64_t late = 1764541800;  // 2025-11-30 22:30 UTC
  auto outbox = open(limits(0, 2, *TimeZone::locate("Europe/Berlin")));
  EXPECT_EQ(must(outbox->offer(event(Event::kMqttLost), late - 3600 * 20)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(event(Event::kMqttLost), late)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(event(Event::kMqttLost), late + 1799)), Admission::kDailyCap);
  EXPECT_EQ(must(outbox->offer(event(Event::kMqttLost), late + 3600)), Admission::kQueued);
  EXPECT_EQ(outbox->counters().daily_cap, 1u);
}

TEST_F(OutboxTest, DailyCapSurvivesARestart) {
  {
    auto outbox = open(limits(0, 1));
    EXPECT_EQ(must(outbox->offer(event(Event::kRestarted), kNoon)), Admission::kQueued);
  }
  auto outbox = open(limits(0, 1));
  EXPECT_EQ(must(outbox->offer(event(Event::kRestarted), kNoon + 60)), Admission::kDailyCap);
}

TEST_F(OutboxTest, BoundedWithPlacesReservedForHighPriority) {
  OutboxOptions o = limits(0);
  o.capacity = 5;
  o.reserve = 2;
  auto outbox = open(o);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(must(outbox->offer(event(Event::kServerUnreachable), kNoon + k)), Admission::kQueued);
  }
  EXPECT_EQ(must(outbox->offer(event(Event::kServerUnreachable), kNoon)), Admission::kFull);
  EXPECT_EQ(must(outbox->offer(event(Event::kTest), kNoon)), Admission::kFull);
  EXPECT_EQ(must(outbox->offer(phase_lost(1), kNoon)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(condition(1), kNoon)), Admission::kQueued);
  EXPECT_EQ(must(outbox->offer(condition(2), kNoon)), Admission::kFull);
  EXPECT_EQ(outbox->size(), 5u);
  EXPECT_EQ(outbox->counters().full, 3u);
  // The oldest is still first: nothing queued was dropped for room.
  EXPECT_EQ(outbox->front()->notification.event, Event::kServerUnreachable);
}

TEST_F(OutboxTest, PersistedAcrossReopenWithTheSameIds) {
  std::vector<std::string> ids;
  {
    auto outbox = open();
    must(outbox->offer(event(Event::kOutputSwitched, {{"state", "on"}, {"cause", "API"}}), kNoon));
    must(outbox->offer(condition(4), kNoon + 1));
    must(outbox->mark_failed(outbox->front()->notification.id, "connect: refused"));
    for (const auto& e : outbox->entries()) ids.push_back(e.notification.id);
  }
  storage.crash();  // only what was synced is left
  auto outbox = open();
  const auto entries = outbox->entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].notification.id, ids[0]);
  EXPECT_EQ(entries[0].notification.event, Event::kOutputSwitched);
  EXPECT_EQ(entries[0].notification.value("cause"), "API");
  EXPECT_EQ(entries[0].attempts, 1);
  EXPECT_EQ(entries[0].last_error, "connect: refused");
  EXPECT_EQ(entries[1].notification.id, ids[1]);
  EXPECT_EQ(entries[1].notification.condition, 4);
  // The sequence goes on: a new one never reuses an id.
  must(outbox->offer(event(Event::kTest), kNoon + 2));
  EXPECT_EQ(outbox->entries()[2].notification.id, "3." + std::to_string(kNoon + 2));
}

TEST_F(OutboxTest, MarkSentRemovesOnlyThatOneDurably) {
  {
    auto outbox = open();
    must(outbox->offer(event(Event::kRestarted), kNoon));
    must(outbox->offer(event(Event::kTest), kNoon));
    must(outbox->mark_sent(outbox->front()->notification.id));
    must(outbox->mark_sent("no-such-id"));
    EXPECT_EQ(outbox->counters().sent, 1u);
  }
  storage.crash();
  auto outbox = open();
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ(outbox->front()->notification.event, Event::kTest);
}

TEST_F(OutboxTest, AFailedWriteQueuesNothing) {
  FaultStorage faulty(storage);
  auto outbox = must(Outbox::open(faulty, {}));
  faulty.fail_next(1);
  EXPECT_FALSE(outbox->offer(event(Event::kRestarted), kNoon).ok());
  EXPECT_EQ(outbox->size(), 0u);
  // Nor was the rate limit spent on it.
  EXPECT_EQ(must(outbox->offer(event(Event::kRestarted), kNoon + 1)), Admission::kQueued);
}

TEST_F(OutboxTest, PowerCutAtEveryByteOfMarkSentLosesNothing) {
  {
    auto outbox = open();
    must(outbox->offer(event(Event::kRestarted), kNoon));
    must(outbox->offer(event(Event::kTest), kNoon));
  }
  const auto before = *must(storage.read_file(kOutboxFile));
  std::uint64_t full = 0;
  {
    FaultStorage probe(storage);
    auto outbox = must(Outbox::open(probe, {}));
    must(outbox->mark_sent(outbox->front()->notification.id));
    full = probe.counters().bytes_written;
    must(storage.write_file_atomic(kOutboxFile, before));
  }
  for (std::uint64_t cut = 0; cut <= full; cut += 7) {
    for (auto mode : {MemoryStorage::Crash::kDropUnsynced, MemoryStorage::Crash::kKeepUnsynced}) {
      must(storage.write_file_atomic(kOutboxFile, before));
      {
        FaultStorage faulty(storage);
        auto outbox = must(Outbox::open(faulty, {}));
        faulty.cut_power_after_bytes(cut);
        (void)outbox->mark_sent(outbox->front()->notification.id);
      }
      storage.crash(mode);
      auto reopened = Outbox::open(storage, {});
      ASSERT_TRUE(reopened.ok()) << "cut at " << cut << ": " << reopened.error().message;
      const std::size_t left = (*reopened)->size();
      EXPECT_TRUE(left == 1 || left == 2) << "cut at " << cut;
      EXPECT_EQ((*reopened)->entries().back().notification.event, Event::kTest);
    }
  }
}

TEST_F(OutboxTest, ADamagedFileIsAnErrorNotAnEmptyQueue) {
  must(storage.write_file_atomic(kOutboxFile, as_bytes("{\"version\": 1, \"entries\": [")));
  const auto opened = Outbox::open(storage, {});
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.error().message.starts_with("notify-outbox.json: ")) << opened.error().message;
}

TEST(Admission, Names) {
  EXPECT_EQ(admission_name(Admission::kQueued), "queued");
  EXPECT_EQ(admission_name(Admission::kFull), "full");
}

}  // namespace
}  // namespace maic::notify
