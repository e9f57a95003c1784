#include "maic/device/history.hpp"

#include <gtest/gtest.h>

#include "meter_store.hpp"

namespace maic::device {
namespace {

constexpr std::int64_t kMinute = 1'752'537'600;  // 2025-07-15 00:00 UTC

RandomBytes counting_random() {
  return [n = 0](std::span<std::byte> out) mutable {
    for (auto& x : out) x = static_cast<std::byte>(++n * 5);
  };
}

// A device whose journal starts at kMinute with these registers (µWh).
void journal_from(Storage& storage, const MeterValues& registers) {
  auto journal = Journal::open(storage);
  ASSERT_TRUE(journal.ok());
  MinuteRecord m;
  m.minute = kMinute;
  ASSERT_TRUE(journal->append(journal_record(m, registers)).ok());
}

TEST(History, ANewDeviceEndsAtTheEndGivenFromItsRegisters) {
  MemoryStorage storage;
  auto device = read_history_device(storage, counting_random(), SteadyTime{});
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->config.identity.devid.size(), 10u);
  EXPECT_FALSE(device->journal_start);
  auto plan = plan_history(*device, {}, 2, from_unix_seconds(kMinute + 59));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->end_minute, kMinute);
  EXPECT_EQ(plan->first_minute, kMinute - 2 * 86400);
  EXPECT_EQ(plan->start, metering::MicroWhRegisters{});
  EXPECT_TRUE(plan->anchor);
  // The identity is the device's from now on: read again, the same.
  auto again = read_history_device(storage, counting_random(), SteadyTime{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->config.identity.devid, device->config.identity.devid);
  EXPECT_EQ(again->config.identity.secret, device->config.identity.secret);
  EXPECT_FALSE(plan_history(*device, {}, 0, from_unix_seconds(kMinute)).ok());
}

// With a journal, the history ends where it starts, its registers running
// into the journal's oldest record's.
TEST(History, ADeviceWithAJournalIsContinuedBackwards) {
  MemoryStorage storage;
  MeterValues registers;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    registers.forward[p] = 900'000'000'000 + static_cast<std::int64_t>(p) * 10'000;
    registers.reverse[p] = 500'000'000'000;
  }
  journal_from(storage, registers);
  auto device = read_history_device(storage, counting_random(), SteadyTime{});
  ASSERT_TRUE(device.ok()) << device.error().message;
  ASSERT_EQ(device->journal_start, kMinute);
  EXPECT_EQ(device->registers, registers);
  auto plan = plan_history(*device, {}, 3, from_unix_seconds(kMinute + 86400));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->end_minute, kMinute);
  EXPECT_FALSE(plan->anchor);
  const HistoryMinute last = history_minute(*plan, plan->records());
  EXPECT_EQ(last.minute.minute, kMinute - 60);
  EXPECT_EQ(last.registers.forward, registers.forward);
  EXPECT_EQ(last.registers.reverse, registers.reverse);
  // Nothing to finish on such a device.
  EXPECT_TRUE(finish_history(storage, *plan, SteadyTime{}).ok());
  EXPECT_EQ(Journal::open(storage)->size(), 1u);
}

TEST(History, ADeviceThatMeasuredLessThanTheHistoryIsRefused) {
  MemoryStorage storage;
  MeterValues registers;
  registers.forward = {1'000'000, 1'000'000, 1'000'000};  // 1 Wh
  journal_from(storage, registers);
  auto device = read_history_device(storage, counting_random(), SteadyTime{});
  ASSERT_TRUE(device.ok());
  auto plan = plan_history(*device, {}, 365, from_unix_seconds(kMinute));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message.find("fewer days"), std::string::npos) << plan.error().message;
}

// The feed gives the plan's minutes as seqs 1..N, each batch continuing
// the last, a batch asked for again the same, the user's offsets in the
// meters and the registers as lifetime.
TEST(History, TheFeedGivesEachSeqItsMinute) {
  HistoryPlan plan;
  plan.first_minute = kMinute;
  plan.end_minute = kMinute + 86400;
  plan.start.forward = {5'000'000, 0, 0};
  plan.offsets.forward = {-1'000'000, 0, 0};
  std::vector<std::uint32_t> acked;
  DeviceConfig config;
  config.identity.devid = "1234567890";
  HistoryFeed feed(config, "http://server", plan, "test",
                   [&](std::uint32_t seq) { acked.push_back(seq); });
  EXPECT_EQ(feed.settings().server.url, "http://server");
  EXPECT_EQ(feed.journal_span().oldest, 1u);
  EXPECT_EQ(feed.journal_span().newest, 1440u);
  auto first = feed.records_after(0, 1000);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1000u);
  auto second = feed.records_after(1000, 1000);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 440u);
  EXPECT_EQ(second->front().seq, 1001u);
  EXPECT_EQ(second->front().minute.minute, kMinute + 1000 * 60);
  EXPECT_EQ(second->back().seq, 1440u);
  // Continuous across the batches.
  const auto& a = first->back();
  const auto& b = second->front();
  EXPECT_NEAR((*b.lifetime)[0].wh, (*a.lifetime)[0].wh + b.minute.phase[0].wh_delta, 1e-6);
  EXPECT_NEAR(a.minute.phase[0].wh, (*a.lifetime)[0].wh - 1, 1e-6);
  // Asked again from the middle (a partial commit): the same records.
  auto again = feed.records_after(500, 10);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 10u);
  EXPECT_EQ((*again)[0].seq, 501u);
  EXPECT_EQ((*(*again)[0].lifetime)[0].wh, (*(*first)[500].lifetime)[0].wh);
  EXPECT_TRUE(feed.records_after(1440, 10)->empty());
  // The first seq's registers start from the plan's.
  EXPECT_NEAR((*first->front().lifetime)[0].wh, 5 + first->front().minute.phase[0].wh_delta, 1e-6);
  EXPECT_EQ(history_minute(plan, 1441 - 1).registers,
            metering::registers_after({}, kMinute, kMinute + 86400, plan.start));

  const auto acked_at = [](std::uint32_t seq) {
    ServerReport r;
    r.acked_seq = seq;
    return r;
  };
  feed.report_server(acked_at(1000));
  feed.report_server(acked_at(1000));
  feed.report_server(acked_at(1440));
  EXPECT_EQ(acked, (std::vector<std::uint32_t>{1000, 1440}));
  EXPECT_FALSE(feed.set_output(true).ok());
  EXPECT_FALSE(feed.output_on());
}

// A new device's end: the meters at the final registers, the anchor
// record in the journal; once.
TEST(History, FinishingLeavesTheDeviceItsMetersAndAnAnchor) {
  MemoryStorage storage;
  auto device = read_history_device(storage, counting_random(), SteadyTime{});
  ASSERT_TRUE(device.ok());
  auto plan = plan_history(*device, {}, 1, from_unix_seconds(kMinute));
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(finish_history(storage, *plan, SteadyTime{}).ok());
  const HistoryMinute last = history_minute(*plan, plan->records());
  auto journal = Journal::open(storage);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 1u);
  EXPECT_EQ(journal->newest()->minute, kMinute - 60);
  EXPECT_EQ(journal->newest()->covered_s, 0);
  auto meters = MeterStore::open(storage, journal->newest(), SteadyTime{});
  ASSERT_TRUE(meters.ok());
  EXPECT_EQ(meters->lifetime().forward, last.registers.forward);
  EXPECT_EQ(meters->lifetime().reverse, last.registers.reverse);
  EXPECT_FALSE(finish_history(storage, *plan, SteadyTime{}).ok());
}

}  // namespace
}  // namespace maic::device
