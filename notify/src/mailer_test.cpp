#include "maic/notify/mailer.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "maic/testing/must.hpp"
#include "test_support.hpp"

namespace maic::notify {
namespace {

using testing::must;

constexpr std::int64_t kNoon = 1764504000;

// An SmtpSender that records what it is given and answers from a script:
// each queued answer is used once, then OK. `accepted_then_lost` models a
// connection that drops after the server took the message but before its
// answer arrived: recorded as received, reported as failed.
class FakeSender final : public SmtpSender {
 public:
  enum class Answer { kOk, kFail, kAcceptedThenLost };
  std::deque<Answer> script;
  std::vector<Mail> received;  // what a server got
  int calls = 0;

  Status send(const Mail& mail) override {
    ++calls;
    const Answer a = script.empty() ? Answer::kOk : script.front();
    if (!script.empty()) script.pop_front();
    if (a == Answer::kFail) return make_error("connect: Couldn't connect to server");
    received.push_back(mail);
    if (a == Answer::kAcceptedThenLost) return make_error("message refused: connection reset");
    return ok_status();
  }
};

std::string message_id_of(const Mail& m) {
  return test::parse_message(m.data).headers.at("message-id");
}

MailerOptions options() {
  MailerOptions o;
  o.device = {"Garage", "0123456789", TimeZone::utc()};
  o.language = "en";
  o.sender = "maic@example.org";
  o.recipients = {"me@example.org"};
  return o;
}

Notification event(Event e) {
  Notification n;
  n.event = e;
  return n;
}

struct MailerTest : ::testing::Test {
  MemoryStorage storage;
  FakeSender sender;
  std::unique_ptr<Outbox> outbox = must(Outbox::open(storage, {}));
};

TEST_F(MailerTest, SendsOldestFirstAndEmptiesTheOutbox) {
  must(outbox->offer(event(Event::kRestarted), kNoon));
  must(outbox->offer(event(Event::kTest), kNoon + 1));
  Mailer mailer(*outbox, sender, options());
  const MailerReport r = mailer.step(100);
  EXPECT_EQ(r.sent, 2u);
  EXPECT_FALSE(r.failed);
  ASSERT_EQ(sender.received.size(), 2u);
  EXPECT_EQ(message_id_of(sender.received[0]), "<1." + std::to_string(kNoon) + "@0123456789.maic>");
  EXPECT_EQ(sender.received[0].to, std::vector<std::string>{"me@example.org"});
  EXPECT_EQ(outbox->size(), 0u);
  EXPECT_EQ(outbox->counters().sent, 2u);
}

TEST_F(MailerTest, BacksOffDoublingAndResetsOnSuccess) {
  must(outbox->offer(event(Event::kRestarted), kNoon));
  sender.script = {FakeSender::Answer::kFail, FakeSender::Answer::kFail};
  MailerOptions o = options();
  o.backoff_min = 30;
  o.backoff_max = 50;
  Mailer mailer(*outbox, sender, o);

  MailerReport r = mailer.step(1000);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(r.retry_at, 1030);
  EXPECT_EQ(r.last_error, "connect: Couldn't connect to server");
  EXPECT_EQ(outbox->size(), 1u);
  EXPECT_EQ(outbox->front()->attempts, 1);
  EXPECT_EQ(outbox->front()->last_error, "connect: Couldn't connect to server");

  r = mailer.step(1029);  // backing off: the server is not even tried
  EXPECT_EQ(sender.calls, 1);
  EXPECT_EQ(r.retry_at, 1030);

  r = mailer.step(1030);
  EXPECT_EQ(sender.calls, 2);
  EXPECT_EQ(r.retry_at, 1080);  // 60 capped at 50

  r = mailer.step(1080);
  EXPECT_EQ(r.sent, 1u);
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.retry_at, 0);
  EXPECT_TRUE(r.last_error.empty());
  EXPECT_EQ(outbox->size(), 0u);
}

TEST_F(MailerTest, ReconfigureEndsTheBackOff) {
  must(outbox->offer(event(Event::kRestarted), kNoon));
  sender.script = {FakeSender::Answer::kFail};
  Mailer mailer(*outbox, sender, options());
  mailer.step(0);
  mailer.reconfigure(options());
  EXPECT_EQ(mailer.step(1).sent, 1u);
}

TEST_F(MailerTest, AtLeastOnceWhenTheAnswerIsLostWithTheSameMessageId) {
  must(outbox->offer(event(Event::kPhaseLost), kNoon));
  sender.script = {FakeSender::Answer::kAcceptedThenLost};
  Mailer mailer(*outbox, sender, options());
  EXPECT_TRUE(mailer.step(0).failed);
  EXPECT_EQ(outbox->size(), 1u);
  EXPECT_EQ(mailer.step(30).sent, 1u);
  ASSERT_EQ(sender.received.size(), 2u);
  EXPECT_EQ(message_id_of(sender.received[0]), message_id_of(sender.received[1]));
}

TEST_F(MailerTest, CrashMidSendResendsAfterRestartWithTheSameMessageId) {
  must(outbox->offer(event(Event::kRestarted), kNoon));
  // The server got the mail; the device lost power before mark_sent().
  const OutboxEntry entry = *outbox->front();
  const Mail first =
      compose(entry.notification, options().device, "en", "maic@example.org", {"me@example.org"});
  must(sender.send(first));
  outbox.reset();
  storage.crash();

  auto reopened = must(Outbox::open(storage, {}));
  Mailer mailer(*reopened, sender, options());
  EXPECT_EQ(mailer.step(0).sent, 1u);
  ASSERT_EQ(sender.received.size(), 2u);
  EXPECT_EQ(message_id_of(sender.received[1]), message_id_of(first));
  EXPECT_EQ(sender.received[1].data, first.data);
  EXPECT_EQ(reopened->size(), 0u);
}

TEST_F(MailerTest, AStepIsBounded) {
  for (int k = 0; k < 5; ++k) must(outbox->offer(event(Event::kTest), kNoon + k));
  MailerOptions o = options();
  o.max_per_step = 2;
  Mailer mailer(*outbox, sender, o);
  EXPECT_EQ(mailer.step(0).sent, 2u);
  EXPECT_EQ(outbox->size(), 3u);
}

TEST_F(MailerTest, AStorageThatCannotRecordTheSuccessBacksOffAndResendsLater) {
  FaultStorage faulty(storage);
  auto queue = must(Outbox::open(faulty, {}));
  must(queue->offer(event(Event::kTest), kNoon));
  Mailer mailer(*queue, sender, options());
  faulty.fail_next(1);  // the mark_sent's write
  const MailerReport r = mailer.step(0);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(queue->size(), 1u);
  EXPECT_EQ(mailer.step(r.retry_at).sent, 1u);
  EXPECT_EQ(sender.received.size(), 2u);
  EXPECT_EQ(queue->size(), 0u);
}

}  // namespace
}  // namespace maic::notify
