// The SMTP client against a real server: aiosmtpd on loopback
// (maic::testing::SmtpServer), plain, with AUTH, STARTTLS and implicit TLS.
#include "maic/notify/smtp.hpp"

#include <gtest/gtest.h>

#include "maic/notify/mailer.hpp"
#include "maic/testing/must.hpp"
#include "maic/testing/smtp_server.hpp"
#include "test_support.hpp"

namespace maic::notify {
namespace {

using testing::must;
using testing::SmtpServer;

// --- Settings -------------------------------------------------------------------

SmtpSettings good() {
  SmtpSettings s;
  s.host = "smtp.example.org";
  s.port = 587;
  s.sender = "maic@example.org";
  s.recipients = {"a@example.org"};
  return s;
}

std::string error_of(const SmtpSettings& s) {
  const Status st = validate(s);
  return st.ok() ? "OK" : st.error().message;
}

TEST(SmtpSettings, ValidatesAndNamesTheField) {
  EXPECT_EQ(error_of(good()), "OK");
  SmtpSettings s = good();
  s.host.clear();
  EXPECT_EQ(error_of(s), "smtp.host: required");
  s = good();
  s.host = "smtp.example.org/x";
  EXPECT_EQ(error_of(s), "smtp.host: not a host name or IP address");
  s = good();
  s.port = 0;
  EXPECT_EQ(error_of(s), "smtp.port: 1..65535");
  s = good();
  s.sender = "not an address";
  EXPECT_EQ(error_of(s), "smtp.sender: not an e-mail address");
  s = good();
  s.recipients.clear();
  EXPECT_EQ(error_of(s), "smtp.recipients: at least one is required");
  s = good();
  s.recipients = {"a@example.org", "b@example.org", "c@example.org", "d@example.org"};
  EXPECT_EQ(error_of(s), "smtp.recipients: at most 3");
  s = good();
  s.recipients = {"a@example.org", "b@"};
  EXPECT_EQ(error_of(s), "smtp.recipients[1]: not an e-mail address");
  s = good();
  s.password = "secret";
  EXPECT_EQ(error_of(s), "smtp.username: required with a password");
  s = good();
  s.username = "me\r\nRCPT TO:<x@y>";
  EXPECT_EQ(error_of(s), "smtp.username: no line breaks");
}

TEST(SmtpSettings, AddressShapes) {
  EXPECT_TRUE(valid_address("a@b"));
  EXPECT_TRUE(valid_address("first.last+tag@sub.example.org"));
  for (const char* bad :
       {"", "@b", "a@", "a@@b", "a b@c", "<a@b>", "a@b.", "a@.b", "a@b..c", "a@b\r\n", "a,b@c"}) {
    EXPECT_FALSE(valid_address(bad)) << bad;
  }
  EXPECT_FALSE(valid_address(std::string(65, 'x') + "@example.org"));
}

TEST(SmtpSettings, SecurityNames) {
  for (auto s : {SmtpSecurity::kNone, SmtpSecurity::kStartTls, SmtpSecurity::kTls}) {
    EXPECT_EQ(*parse_security(security_name(s)), s);
  }
  EXPECT_FALSE(parse_security("ssl").ok());
}

// --- Against aiosmtpd ---------------------------------------------------------------

// Short limits: everything is on loopback, and a failing test should fail fast.
constexpr SmtpTimeouts kTimeouts{std::chrono::milliseconds(3000), std::chrono::milliseconds(5000)};

SmtpSettings settings_for(const SmtpServer& server, SmtpSecurity security) {
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = server.port();
  s.security = security;
  s.sender = "maic@example.org";
  s.recipients = {"me@example.org"};
  s.ca_file = server.ca_file();
  return s;
}

Mail test_mail(const SmtpSettings& s, std::string id = "1.1764504000") {
  Notification n;
  n.id = std::move(id);
  n.event = Event::kTest;
  n.created = 1764504000;
  return compose(n, {"Garáž", "0123456789", TimeZone::utc()}, "cs", s.sender, s.recipients);
}

void expect_delivered(const testing::SmtpMessage& got, const Mail& sent) {
  EXPECT_EQ(got.from, sent.from);
  EXPECT_EQ(got.to, sent.to);
  EXPECT_EQ(got.data, sent.data);  // byte for byte, CRLF and all
}

TEST(SmtpAgainstAiosmtpd, Plain) {
  auto server = must(SmtpServer::start());
  const SmtpSettings s = settings_for(*server, SmtpSecurity::kNone);
  must(validate(s));
  const Mail mail = test_mail(s);
  must(curl_smtp_sender(s, kTimeouts)->send(mail));
  const auto got = server->wait_for(1);
  ASSERT_EQ(got.size(), 1u) << server->log();
  expect_delivered(got[0], mail);
  const auto parsed = test::parse_message(got[0].data);
  EXPECT_EQ(parsed.headers.at("message-id"), "<1.1764504000@0123456789.maic>");
  EXPECT_EQ(test::decode_words(parsed.headers.at("subject")), "Garáž: testovací e-mail");
  EXPECT_TRUE(got[0].login.empty());
}

TEST(SmtpAgainstAiosmtpd, ThreeRecipients) {
  auto server = must(SmtpServer::start());
  SmtpSettings s = settings_for(*server, SmtpSecurity::kNone);
  s.recipients = {"one@example.org", "two@example.net", "three@example.com"};
  must(validate(s));
  const Mail mail = test_mail(s);
  must(curl_smtp_sender(s, kTimeouts)->send(mail));
  const auto got = server->wait_for(1);
  ASSERT_EQ(got.size(), 1u) << server->log();
  expect_delivered(got[0], mail);
  EXPECT_EQ(test::parse_message(got[0].data).headers.at("to"),
            "one@example.org, two@example.net, three@example.com");
}

TEST(SmtpAgainstAiosmtpd, Authenticated) {
  auto server = must(SmtpServer::start({.username = "device", .password = "s3cret pass"}));
  SmtpSettings s = settings_for(*server, SmtpSecurity::kNone);
  s.username = "device";
  s.password = "s3cret pass";
  const Mail mail = test_mail(s);
  must(curl_smtp_sender(s, kTimeouts)->send(mail));
  const auto got = server->wait_for(1);
  ASSERT_EQ(got.size(), 1u) << server->log();
  EXPECT_EQ(got[0].login, "device");
  expect_delivered(got[0], mail);
}

TEST(SmtpAgainstAiosmtpd, RefusedLoginSaysSoWithoutThePassword) {
  auto server = must(SmtpServer::start({.username = "device", .password = "right"}));
  SmtpSettings s = settings_for(*server, SmtpSecurity::kNone);
  s.username = "device";
  s.password = "wrong-password";
  const Status st = curl_smtp_sender(s, kTimeouts)->send(test_mail(s));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().message.starts_with("authentication: ")) << st.error().message;
  EXPECT_NE(st.error().message.find("535"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().message.find("wrong-password"), std::string::npos);
  EXPECT_TRUE(server->messages().empty());
}

TEST(SmtpAgainstAiosmtpd, NoCredentialsWhereAuthIsRequired) {
  auto server = must(SmtpServer::start({.username = "device", .password = "right"}));
  const SmtpSettings s = settings_for(*server, SmtpSecurity::kNone);
  const Status st = curl_smtp_sender(s, kTimeouts)->send(test_mail(s));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().message.starts_with("sender refused: ")) << st.error().message;
  EXPECT_NE(st.error().message.find("530"), std::string::npos) << st.error().message;
}

TEST(SmtpAgainstAiosmtpd, RefusedRecipient) {
  auto server = must(SmtpServer::start());
  SmtpSettings s = settings_for(*server, SmtpSecurity::kNone);
  s.recipients = {"me@example.org", "refused@example.org"};
  const Status st = curl_smtp_sender(s, kTimeouts)->send(test_mail(s));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().message.starts_with("recipient refused: ")) << st.error().message;
  EXPECT_NE(st.error().message.find("550"), std::string::npos) << st.error().message;
}

TEST(SmtpAgainstAiosmtpd, StartTlsWithItsCertificate) {
  auto server =
      must(SmtpServer::start({.username = "device", .password = "pw", .security = "starttls"}));
  SmtpSettings s = settings_for(*server, SmtpSecurity::kStartTls);
  s.username = "device";
  s.password = "pw";
  const Mail mail = test_mail(s);
  must(curl_smtp_sender(s, kTimeouts)->send(mail));
  const auto got = server->wait_for(1);
  ASSERT_EQ(got.size(), 1u) << server->log();
  expect_delivered(got[0], mail);
  EXPECT_EQ(got[0].login, "device");
}

TEST(SmtpAgainstAiosmtpd, StartTlsRefusesAnUntrustedCertificate) {
  auto server = must(SmtpServer::start({.username = "", .password = "", .security = "starttls"}));
  SmtpSettings s = settings_for(*server, SmtpSecurity::kStartTls);
  s.ca_file.clear();  // the system's CAs do not know this self-signed one
  const Status st = curl_smtp_sender(s, kTimeouts)->send(test_mail(s));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().message.starts_with("TLS: ")) << st.error().message;
  EXPECT_TRUE(server->messages().empty());
}

TEST(SmtpAgainstAiosmtpd, StartTlsNeverFallsBackToPlain) {
  auto server = must(SmtpServer::start());  // offers no STARTTLS
  const SmtpSettings s = settings_for(*server, SmtpSecurity::kStartTls);
  const Status st = curl_smtp_sender(s, kTimeouts)->send(test_mail(s));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().message.starts_with("TLS: ")) << st.error().message;
  EXPECT_TRUE(server->messages().empty());
}

TEST(SmtpAgainstAiosmtpd, ImplicitTls) {
  auto server =
      must(SmtpServer::start({.username = "device", .password = "pw", .security = "tls"}));
  SmtpSettings s = settings_for(*server, SmtpSecurity::kTls);
  s.username = "device";
  s.password = "pw";
  const Mail mail = test_mail(s);
  must(curl_smtp_sender(s, kTimeouts)->send(mail));
  const auto got = server->wait_for(1);
  ASSERT_EQ(got.size(), 1u) << server->log();
  expect_delivered(got[0], mail);
}

TEST(SmtpAgainstAiosmtpd, ImplicitTlsWithoutVerificationTrustsAnyCertificate) {
  auto server = must(SmtpServer::start({.username = "", .password = "", .security = "tls"}));
  SmtpSettings s = settings_for(*server, SmtpSecurity::kTls);
  s.ca_file.clear();
  s.verify_peer = false;
  must(curl_smtp_sender(s, kTimeouts)->send(test_mail(s)));
  EXPECT_EQ(server->wait_for(1).size(), 1u);
}

TEST(SmtpAgainstAiosmtpd, ServerDownThenBackTheEntryWaitsAndGoes) {
  auto server = must(SmtpServer::start());
  const SmtpSettings s = settings_for(*server, SmtpSecurity::kNone);
  server->kill();

  MemoryStorage storage;
  auto outbox = must(Outbox::open(storage, {}));
  Notification n;
  n.event = Event::kPhaseLost;
  n.values = {{"phase", "3"}, {"u3", "12.0 V"}};
  must(outbox->offer(n, 1764504000));
  auto sender = curl_smtp_sender(s, kTimeouts);
  MailerOptions options;
  options.device = {"Garage", "0123456789", TimeZone::utc()};
  options.sender = s.sender;
  options.recipients = s.recipients;
  Mailer mailer(*outbox, *sender, options);

  const MailerReport down = mailer.step(0);
  ASSERT_TRUE(down.failed);
  EXPECT_TRUE(down.last_error.starts_with("connect: ")) << down.last_error;
  EXPECT_EQ(outbox->size(), 1u);
  const std::string id = outbox->front()->notification.id;

  must(server->restart());
  EXPECT_EQ(mailer.step(down.retry_at).sent, 1u);
  const auto got = server->wait_for(1);
  ASSERT_EQ(got.size(), 1u) << server->log();
  EXPECT_EQ(test::parse_message(got[0].data).headers.at("message-id"),
            "<" + id + "@0123456789.maic>");
  EXPECT_EQ(outbox->size(), 0u);
}

TEST(SmtpAgainstAiosmtpd, NothingListeningIsAClearConnectError) {
  const int port = must(testing::free_port());
  SmtpSettings s = good();
  s.host = "127.0.0.1";
  s.port = port;
  s.security = SmtpSecurity::kNone;
  const Status st = curl_smtp_sender(s, kTimeouts)->send(test_mail(s));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().message.starts_with("connect: ")) << st.error().message;
}

}  // namespace
}  // namespace maic::notify
