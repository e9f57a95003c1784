#include "maic/core/upload_codec.hpp"

#include <gtest/gtest.h>

namespace maic {
namespace {

UploadBatch batch_of(int n) {
  UploadBatch b;
  b.devid = "1828719372";
  for (int k = 0; k < n; ++k) {
    UploadRecord r;
    r.seq = static_cast<std::uint32_t>(100 + k);
    r.minute.minute = 1'700'000'040 + 60 * k;
    r.minute.temperature_c = 31.25;
    r.minute.readings = 12;
    r.minute.output_on = k % 2 == 1;
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      PhaseValues& ph = r.minute.phase[p];
      ph.volts = 230.1 + static_cast<double>(p) / 3;
      ph.amps = 1.25;
      ph.power_factor = 0.95;
      ph.hertz = 50.01;
      ph.wh_delta = 4.3125 + k;
      ph.rwh_delta = 0;
      ph.wh = 123456.789 + k;
      ph.rwh = 17;
      ph.watts = ph.wh_delta * 60;
    }
    b.records.push_back(r);
  }
  return b;
}

TEST(UploadCodec, NestingDeeperThanTheJsonLimitIsRefused) {
  const std::string deep =
      "{\"devid\":\"1828719372\",\"records\":[{\"x\":" + std::string(65'000, '[') +
      std::string(65'000, ']') + "}]}";
  auto refused = decode_upload(deep);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "nested deeper than 32 levels");
  // Brackets in a string are not nesting: this fails on its devid, not its depth.
  auto text = decode_upload("{\"devid\":\"" + std::string(100, '[') + "\",\"records\":[]}");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message.find("nested"), std::string::npos) << text.error().message;
}

TEST(UploadCodec, RoundTripsExactly) {
  const UploadBatch b = batch_of(5);
  auto back = decode_upload(encode_upload(b));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->devid, b.devid);
  ASSERT_EQ(back->records.size(), 5u);
  for (std::size_t k = 0; k < 5; ++k) {
    const auto& x = back->records[k];
    const auto& y = b.records[k];
    EXPECT_EQ(x.seq, y.seq);
    EXPECT_EQ(x.minute.minute, y.minute.minute);
    EXPECT_EQ(x.minute.output_on, y.minute.output_on);
    EXPECT_EQ(x.minute.readings, 12);
    EXPECT_EQ(x.minute.temperature_c, 31.25);
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      EXPECT_EQ(x.minute.phase[p].volts, y.minute.phase[p].volts);
      EXPECT_EQ(x.minute.phase[p].wh, y.minute.phase[p].wh);
      EXPECT_EQ(x.minute.phase[p].wh_delta, y.minute.phase[p].wh_delta);
      EXPECT_EQ(x.minute.phase[p].watts, y.minute.phase[p].watts);
    }
  }
}

TEST(UploadCodec, APartialMinuteCarriesItsCoveredTime) {
  UploadBatch b = batch_of(2);
  b.records[1].minute.covered = std::chrono::seconds(20);
  b.send_covered = true;  // the server's hello listed "s"
  const std::string json = encode_upload(b);
  // A full minute encodes as before the field existed.
  EXPECT_EQ(json.find("\"s\":"), json.rfind("\"s\":"));
  EXPECT_NE(json.find(R"("n":12,"s":20,"p":)"), std::string::npos) << json;
  auto back = decode_upload(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->records[0].minute.covered, kFullMinute);
  EXPECT_EQ(back->records[1].minute.covered, std::chrono::seconds(20));
  // 5.3125 Wh in 20 s is 956.25 W; in a full minute 4.3125 Wh is 258.75 W.
  EXPECT_DOUBLE_EQ(back->records[1].minute.phase[0].watts, 956.25);
  EXPECT_DOUBLE_EQ(back->records[0].minute.phase[0].watts, 258.75);
}

TEST(UploadCodec, AnUploadWithoutCoveredTimeIsAFullMinute) {
  auto b = decode_upload(
      R"({"devid":"1828719372","records":[{"seq":1,"minute":60,"phases":1,"out":0,"t":20,)"
      R"("n":12,"p":[{"v":230,"a":1,"pf":1,"hz":50,"wh_d":2,"rwh_d":0.5,"wh":5,"rwh":1}]}]})");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->records[0].minute.covered, kFullMinute);
  EXPECT_DOUBLE_EQ(b->records[0].minute.phase[0].watts, 120);
  EXPECT_DOUBLE_EQ(b->records[0].minute.phase[0].reverse_watts, 30);
}

TEST(UploadCodec, ToAServerThatDoesNotReadItNoRecordCarriesCoveredTime) {
  UploadBatch b = batch_of(2);
  b.records[1].minute.covered = std::chrono::seconds(20);
  const std::string json = encode_upload(b);
  EXPECT_EQ(json.find("\"s\":"), std::string::npos) << json;
  auto back = decode_upload(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->records[1].minute.covered, kFullMinute);
}

TEST(UploadCodec, CoveredTimeOutOfRangeIsRefused) {
  UploadBatch b = batch_of(1);
  b.records[0].minute.covered = std::chrono::seconds(3601);
  b.send_covered = true;
  auto back = decode_upload(encode_upload(b));
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("records[0].s"), std::string::npos);
  fit_to_upload(b.records[0].minute);
  EXPECT_TRUE(decode_upload(encode_upload(b)).ok());
}

TEST(UploadCodec, FieldsInAnyOrder) {
  auto b = decode_upload(
      R"({"records":[{"p":[{"rwh":0,"wh":5,"rwh_d":0,"wh_d":1,"hz":50,"pf":1,"a":1,"v":230}],)"
      R"("phases":1,"n":12,"t":20,"out":1,"minute":60,"seq":1}],"devid":"1828719372"})");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->records[0].minute.phases, 1);
  EXPECT_TRUE(b->records[0].minute.output_on);
}

TEST(UploadCodec, HostileInputIsRefusedWithThePlaceNamed) {
  const std::string good = encode_upload(batch_of(2));
  struct Bad {
    std::string json;
    std::string says;
  };
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const Bad cases[] = {
      {"", "not JSON"},
      {"[1,2]", "object"},
      {"{\"devid\":\"1828719372\"}", "records"},
      {replace("\"devid\":\"1828719372\"", "\"devid\":\"18287\""), "devid"},
      {replace("\"devid\":\"1828719372\"", "\"devid\":1828719372"), "devid"},
      {replace("\"seq\":100", "\"seq\":0"), "records[0].seq"},
      {replace("\"seq\":101", "\"seq\":\"101\""), "records[1].seq"},
      {replace("\"minute\":1700000040", "\"minute\":1700000041"), "whole minute"},
      {replace("\"minute\":1700000040", "\"minute\":-60"), "records[0].minute"},
      {replace("\"phases\":3", "\"phases\":4"), "records[0].phases"},
      {replace("\"phases\":3", "\"phases\":2"), "one entry per phase"},
      {replace("\"pf\":0.95", "\"pf\":1.5"), "records[0].p[0].pf"},
      {replace("\"wh\":123456.789", "\"wh\":-1"), "records[0].p[0].wh"},
      {replace("\"v\":230.1", "\"v\":\"230\""), "records[0].p[0].v"},
      {replace("\"v\":230.1,", ""), "records[0].p[0]: needs"},
      {replace("\"n\":12", "\"n\":12,\"drop table\":1"), "unknown field 'drop table'"},
      {good + "garbage", "object"},  // simdjson refuses the document as a whole
  };
  for (const Bad& b : cases) {
    auto r = decode_upload(b.json);
    ASSERT_FALSE(r.ok()) << b.json;
    EXPECT_NE(r.error().message.find(b.says), std::string::npos)
        << b.json.substr(0, 120) << " -> " << r.error().message;
  }
}

// A repeated key never stands in for a missing one (nor replaces an
// earlier value): refused at the batch, the record and the phase level.
TEST(UploadCodec, RepeatedKeysAreRefusedAtEveryLevel) {
  const std::string good = encode_upload(batch_of(2));
  ASSERT_TRUE(decode_upload(good).ok());
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  struct Case {
    std::string json;
    std::string says;
  };
  const Case cases[] = {
      // Phase level: "v" twice in place of "a" (the count of fields is right).
      {replace("\"a\":1.25,", "\"v\":230.1,"), "records[0].p[0]: 'v' twice"},
      // ... and "a" twice besides all the others.
      {replace("\"a\":1.25,", "\"a\":1.25,\"a\":1.25,"), "records[0].p[0]: 'a' twice"},
      // Record level: "t" twice in place of "n", and "seq" twice.
      {replace("\"n\":12,", "\"t\":31.25,"), "records[0]: 't' twice"},
      {replace("\"seq\":101,", "\"seq\":101,\"seq\":102,"), "records[1]: 'seq' twice"},
      {replace("\"minute\":1700000040,", "\"minute\":1700000040,\"minute\":1700000100,"),
       "records[0]: 'minute' twice"},
      {replace("\"p\":[", "\"p\":[],\"p\":["), "records[0]: 'p' twice"},
      // Batch level.
      {replace("\"devid\":\"1828719372\",", "\"devid\":\"1828719372\",\"devid\":\"1828719372\","),
       "'devid' twice"},
      {replace("\"records\":[", "\"records\":[],\"records\":["), "'records' twice"},
      {R"({"devid":"1828719372","now":60,"now":120,"records":[]})", "'now' twice"},
  };
  for (const Case& c : cases) {
    auto r = decode_upload(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos)
        << c.json.substr(0, 160) << " -> " << r.error().message;
  }
}

TEST(UploadCodec, IntegersAreWholeAndInRange) {
  const std::string good = encode_upload(batch_of(1));
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = good;
    return s.replace(s.find(from), from.size(), to);
  };
  for (const std::string& bad :
       {replace("\"phases\":3", "\"phases\":4294967297"),
        replace("\"phases\":3", "\"phases\":18446744073709551617"),
        replace("\"phases\":3", "\"phases\":3.0"), replace("\"out\":0", "\"out\":4294967296"),
        replace("\"out\":0", "\"out\":0.5"), replace("\"seq\":100", "\"seq\":4294967397"),
        replace("\"n\":12", "\"n\":1.5")}) {
    EXPECT_FALSE(decode_upload(bad).ok()) << bad.substr(0, 120);
  }
}

TEST(UploadCodec, BatchesAreBounded) {
  const UploadBatch big = batch_of(static_cast<int>(kMaxUploadRecords) + 1);
  auto r = decode_upload(encode_upload(big));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("at most"), std::string::npos);
  EXPECT_TRUE(decode_upload(encode_upload(batch_of(static_cast<int>(kMaxUploadRecords)))).ok());
}

// The lifetime registers travel only to a server that reads them, in every
// phase or none; the device's clock only when set.
TEST(UploadCodec, LifetimeRegistersAndTheDevicesClockAreOptional) {
  UploadBatch b = batch_of(2);
  for (auto& r : b.records) {
    r.lifetime = LifetimeRegisters{{{1000.25, 0}, {2000.5, 1.5}, {3000.75, 0}}};
  }
  const std::string without = encode_upload(b);
  EXPECT_EQ(without.find("lwh"), std::string::npos);
  EXPECT_EQ(without.find("now"), std::string::npos);
  auto plain = decode_upload(without);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_FALSE(plain->records[0].lifetime.has_value());
  EXPECT_FALSE(plain->device_clock.has_value());

  b.send_lifetime = true;
  b.device_clock = 1'700'000'400;
  auto back = decode_upload(encode_upload(b));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_TRUE(back->records[1].lifetime.has_value());
  EXPECT_EQ(*back->records[1].lifetime, *b.records[1].lifetime);
  EXPECT_EQ(back->device_clock, 1'700'000'400);
  EXPECT_FALSE(back->records[0].stamped_minute.has_value()) << "never on the wire";
}

TEST(UploadCodec, LifetimeRegistersAreAllOrNothing) {
  UploadBatch b = batch_of(1);
  b.records[0].lifetime = LifetimeRegisters{};
  b.send_lifetime = true;
  const std::string good = encode_upload(b);
  ASSERT_TRUE(decode_upload(good).ok());
  const auto refused = [](std::string json, std::string_view message) {
    auto r = decode_upload(json);
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  };
  // One phase without them.
  std::string one_missing = good;
  one_missing.erase(one_missing.rfind(",\"lwh\""),
                    one_missing.rfind("}]") - one_missing.rfind(",\"lwh\""));
  refused(one_missing, "lwh in every phase or none");
  // lwh without lrwh.
  std::string half = good;
  const auto at = half.find(",\"lrwh\":0");
  half.erase(at, std::string(",\"lrwh\":0").size());
  refused(half, "and lwh with lrwh");
  // Twice, negative, not a number.
  std::string twice = good;
  twice.replace(twice.find("\"lwh\":0"), 7, "\"lwh\":0,\"lwh\":0");
  refused(twice, "'lwh' twice");
  std::string negative = good;
  negative.replace(negative.find("\"lwh\":0"), 7, "\"lwh\":-1");
  refused(negative, "records[0].p[0].lwh");
  refused(R"({"devid":"1828719372","now":-5,"records":[]})", "now");
  refused(R"({"devid":"1828719372","now":"soon","records":[]})", "now");
}

}  // namespace
}  // namespace maic
