#include "maic/metering/modbus_meter.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <modbus/modbus.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <limits>

#include "maic/metering/sdm630_registers.hpp"
#include "maic/testing/modbus_test_server.hpp"

namespace maic::metering {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr SteadyTime kT0 = SteadyTime(hours(1000));

// Meter values that float32 holds exactly, different on every phase.
sdm630::Values meter_values() {
  sdm630::Values v;
  v.hertz = 50.0625;
  v.phase[0] = {230.5, 5.5, 1200.5, 0.875, 1234.5e3, 0.5e3};
  v.phase[1] = {229.25, 2.25, -800.25, -0.5, 20.25e3, 100.75e3};
  v.phase[2] = {231.0, 0.125, 0.0, 1.0, 3.125e3, 0.0};
  return v;
}

// ---------------------------------------------------------------------------
// The register map and its decoding, without I/O.

TEST(Sdm630Registers, FloatsAreHighWordFirst) {
  EXPECT_EQ(sdm630::decode_float(0x4366, 0x0000), 230.0F);  // 0x43660000
  EXPECT_EQ(sdm630::encode_float(-1.5F), (std::array<std::uint16_t, 2>{0xBFC0, 0x0000}));
  const auto words = sdm630::encode_float(1234.567F);
  EXPECT_EQ(modbus_get_float_abcd(words.data()), 1234.567F);  // libmodbus agrees
  EXPECT_EQ(sdm630::decode_float(words[0], words[1]), 1234.567F);
}

TEST(Sdm630Registers, ReadsInTwoRequestsWithinEastronsLimit) {
  const std::vector<sdm630::ReadBlock> plan = sdm630::plan_reads();
  EXPECT_EQ(plan, (std::vector<sdm630::ReadBlock>{{0x0000, 0x48}, {0x015A, 12}}));
  // Modbus's own limit would not merge them either; one value per request is the other extreme.
  EXPECT_EQ(sdm630::plan_reads(sdm630::kRegisters, MODBUS_MAX_READ_REGISTERS).size(), 2U);
  EXPECT_EQ(sdm630::plan_reads(sdm630::kRegisters, 2).size(), sdm630::kRegisters.size());
}

TEST(Sdm630Registers, MapInvariantsAreChecked) {
  EXPECT_TRUE(sdm630::well_formed(sdm630::kRegisters));
  const std::array unsorted = {sdm630::Register{0x0002, sdm630::Field::kVolts, 2, 1},
                               sdm630::Register{0x0000, sdm630::Field::kVolts, 1, 1}};
  EXPECT_FALSE(sdm630::well_formed(unsorted));
  const std::array overlapping = {sdm630::Register{0x0000, sdm630::Field::kVolts, 1, 1},
                                  sdm630::Register{0x0001, sdm630::Field::kVolts, 2, 1}};
  EXPECT_FALSE(sdm630::well_formed(overlapping));
  const std::array hertz_on_a_phase = {sdm630::Register{0x0046, sdm630::Field::kHertz, 1, 1}};
  EXPECT_FALSE(sdm630::well_formed(hertz_on_a_phase));
}

// Words placed by hand at the datasheet's addresses, independently of the
// table: a wrong row in kRegisters fails here.
TEST(Sdm630Registers, DecodesTheDatasheetAddresses) {
  std::vector<sdm630::RegisterBlock> blocks = {{0x0000, std::vector<std::uint16_t>(0x48)},
                                               {0x015A, std::vector<std::uint16_t>(12)}};
  auto put = [&](std::uint16_t address, float value) {
    for (sdm630::RegisterBlock& b : blocks) {
      if (address >= b.start && address + 1U < b.start + b.words.size()) {
        const auto w = sdm630::encode_float(value);
        b.words[address - b.start] = w[0];
        b.words[address - b.start + 1U] = w[1];
      }
    }
  };
  for (int p = 0; p < 3; ++p) {
    const auto offset = static_cast<std::uint16_t>(2 * p);
    const auto f = static_cast<float>(p + 1);
    put(static_cast<std::uint16_t>(0x0000 + offset), 230 + f);     // L-N volts
    put(static_cast<std::uint16_t>(0x0006 + offset), 10 + f);      // current
    put(static_cast<std::uint16_t>(0x000C + offset), -100 * f);    // active power
    put(static_cast<std::uint16_t>(0x001E + offset), -0.25F * f);  // power factor
    put(static_cast<std::uint16_t>(0x015A + offset), 1000 + f);    // import kWh
    put(static_cast<std::uint16_t>(0x0160 + offset), 2000 + f);    // export kWh
  }
  put(0x0046, 49.5F);  // frequency

  Result<sdm630::Values> v = sdm630::decode(blocks);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->hertz, 49.5);
  for (std::size_t p = 0; p < 3; ++p) {
    const double f = static_cast<double>(p + 1);
    SCOPED_TRACE(p);
    EXPECT_EQ(v->phase[p].volts, 230 + f);
    EXPECT_EQ(v->phase[p].amps, 10 + f);
    EXPECT_EQ(v->phase[p].watts, -100 * f);
    EXPECT_EQ(v->phase[p].power_factor, -0.25 * f);
    EXPECT_EQ(v->phase[p].import_wh, (1000 + f) * 1000);  // kWh -> Wh
    EXPECT_EQ(v->phase[p].export_wh, (2000 + f) * 1000);
  }
}

TEST(Sdm630Registers, EncodeIsTheInverseOfDecode) {
  std::vector<sdm630::RegisterBlock> blocks;
  for (const sdm630::ReadBlock& b : sdm630::plan_reads()) {
    blocks.push_back({b.start, std::vector<std::uint16_t>(b.count)});
  }
  sdm630::encode(meter_values(), [&](std::uint16_t address, std::uint16_t word) {
    for (sdm630::RegisterBlock& b : blocks) {
      if (address >= b.start && address < b.start + b.words.size())
        b.words[address - b.start] = word;
    }
  });
  Result<sdm630::Values> v = sdm630::decode(blocks);
  ASSERT_TRUE(v) << v.error().message;
  for (const sdm630::Register& r : sdm630::kRegisters) {
    EXPECT_EQ(sdm630::value_of(*v, r), sdm630::value_of(meter_values(), r)) << describe(r);
  }
}

TEST(Sdm630Registers, GarbageAndGapsNameTheRegister) {
  std::vector<sdm630::RegisterBlock> blocks = {{0x0000, std::vector<std::uint16_t>(0x48)},
                                               {0x015A, std::vector<std::uint16_t>(12)}};
  const auto nan = sdm630::encode_float(std::numeric_limits<float>::quiet_NaN());
  blocks[0].words[0x46] = nan[0];
  blocks[0].words[0x47] = nan[1];
  Result<sdm630::Values> v = sdm630::decode(blocks);
  ASSERT_FALSE(v);
  EXPECT_THAT(v.error().message, HasSubstr("0x0046 (frequency)"));

  blocks[0].words[0x46] = blocks[0].words[0x47] = 0;
  blocks[1].words.resize(11);  // L3 export's low word missing
  v = sdm630::decode(blocks);
  ASSERT_FALSE(v);
  EXPECT_THAT(v.error().message, HasSubstr("0x0164 (L3 export energy) was not read"));
}

// ---------------------------------------------------------------------------
// From two snapshots to a reading, without I/O.

TEST(ModbusReading, SplitsSignedPowerAndCountsEnergyFromTheCounters) {
  sdm630::Values before = meter_values();
  sdm630::Values after = meter_values();
  after.phase[0].import_wh += 1.5;  // L1 consumes (1,200 W for 5 s: 1.67 Wh)
  after.phase[1].export_wh += 1;    // L2 generates
  after.phase[2].volts = 0;         // L3 lost its voltage

  MeterCounters counters;
  const Reading first = make_reading(counters, before, kT0, Duration{});
  for (const PhaseValues& p : first.phase) {
    EXPECT_EQ(p.wh_delta, 0);  // nothing to count from yet
    EXPECT_EQ(p.rwh_delta, 0);
  }
  const Reading r = make_reading(counters, after, kT0 + seconds(5), seconds(5));
  EXPECT_EQ(r.end, kT0 + seconds(5));
  EXPECT_EQ(r.span, seconds(5));
  EXPECT_EQ(r.phases, 3);

  EXPECT_EQ(r.phase[0].volts, 230.5);
  EXPECT_EQ(r.phase[0].amps, 5.5);
  EXPECT_EQ(r.phase[0].watts, 1200.5);
  EXPECT_EQ(r.phase[0].reverse_watts, 0);
  EXPECT_EQ(r.phase[0].power_factor, 0.875);
  EXPECT_EQ(r.phase[0].hertz, 50.0625);
  EXPECT_EQ(r.phase[0].wh_delta, 1.5);
  EXPECT_EQ(r.phase[0].rwh_delta, 0);

  EXPECT_EQ(r.phase[1].watts, 0);
  EXPECT_EQ(r.phase[1].reverse_watts, 800.25);
  EXPECT_EQ(r.phase[1].power_factor, 0.5);  // |PF|, whatever the meter's sign convention
  EXPECT_EQ(r.phase[1].wh_delta, 0);
  EXPECT_EQ(r.phase[1].rwh_delta, 1);

  EXPECT_EQ(r.phase[2].hertz, 0);  // no voltage, no frequency (reading.hpp)
  for (const PhaseValues& p : r.phase) {
    EXPECT_EQ(p.wh, 0);  // the cumulative meters are the caller's
    EXPECT_EQ(p.rwh, 0);
  }
}

// Issue 9 K1: the import counter read as 1000.000, 1000.001, 0, 1000.003,
// 1000.004 kWh (one bad read) books 4 Wh, not 1,000,005.
TEST(ModbusReading, AGlitchingReadBooksNothing) {
  MeterCounters counters;
  double booked = 0;
  int i = 0;
  for (double kwh : {1000.000, 1000.001, 0.0, 1000.003, 1000.004}) {
    sdm630::Values v = meter_values();
    v.phase[0].import_wh = kwh * 1000;
    booked += make_reading(counters, v, kT0 + seconds(5 * i), seconds(5)).phase[0].wh_delta;
    ++i;
  }
  EXPECT_NEAR(booked, 4, 1e-6);
}

TEST(ModbusReading, AReplacedMeterOrAResetCounterCountsOnFromTheNewValue) {
  MeterCounters counters;
  sdm630::Values before = meter_values();
  make_reading(counters, before, kT0, Duration{});
  sdm630::Values after = before;
  after.phase[0].import_wh = 0.5e3;  // meter replaced
  after.phase[1].export_wh = 0;      // counters reset
  after.phase[2].import_wh += 1;
  const Reading r = make_reading(counters, after, kT0 + seconds(5), seconds(5));
  EXPECT_EQ(r.phase[0].wh_delta, 0);  // not yet known: a glitch or a new meter
  EXPECT_EQ(r.phase[1].rwh_delta, 0);
  EXPECT_EQ(r.phase[2].wh_delta, 1);

  // The next read confirms: counting goes on from the new, lower value, and
  // the 5 s no counter measured count the reported power.
  sdm630::Values later = after;
  later.phase[0].import_wh += 1;
  later.phase[1].export_wh += 1;
  const Reading next = make_reading(counters, later, kT0 + seconds(10), seconds(5));
  EXPECT_DOUBLE_EQ(next.phase[0].wh_delta, 1200.5 * 5 / 3600 + 1);
  EXPECT_DOUBLE_EQ(next.phase[1].rwh_delta, 800.25 * 5 / 3600 + 1);
}

// The counters are float32 kWh, so a window's energy is quantised to their
// resolution (about 0.12 Wh near 1234 kWh), but windows telescope: their sum
// is the counter's increase, to the last bit.
TEST(ModbusReading, WindowsAddUpToTheCounterExactly) {
  MeterCounters counters;
  double sum = 0;
  float counter_kwh = 1234.5F;
  for (int i = 0; i < 1000; ++i) {
    counter_kwh += 0.01F;  // 10 Wh, not representable
    sdm630::Values current = meter_values();
    current.phase[0].import_wh = static_cast<double>(counter_kwh) * 1000;
    sum += make_reading(counters, current, kT0 + seconds(30 * i), seconds(30)).phase[0].wh_delta;
  }
  const double first_read = static_cast<double>(1234.5F + 0.01F) * 1000;
  EXPECT_EQ(sum, static_cast<double>(counter_kwh) * 1000 - first_read);
  EXPECT_NEAR(sum, 9'990, 100);
}

// ---------------------------------------------------------------------------
// URLs.

TEST(ModbusUrl, TcpWithDefaults) {
  Result<ModbusSettings> s = parse_modbus_url("tcp://192.168.1.20");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->transport, ModbusTransport::kTcp);
  EXPECT_EQ(s->host, "192.168.1.20");
  EXPECT_EQ(s->port, 502);
  EXPECT_EQ(s->unit, 1);
  EXPECT_EQ(s->response_timeout, milliseconds(500));
  EXPECT_EQ(s->poll_interval, seconds(5));
}

TEST(ModbusUrl, TcpWithEverything) {
  Result<ModbusSettings> s =
      parse_modbus_url("tcp://meter-1.local:5020?unit=247&timeout_ms=250&interval_s=10");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->host, "meter-1.local");
  EXPECT_EQ(s->port, 5020);
  EXPECT_EQ(s->unit, 247);
  EXPECT_EQ(s->response_timeout, milliseconds(250));
  EXPECT_EQ(s->poll_interval, seconds(10));
}

TEST(ModbusUrl, TcpIpv6InBrackets) {
  Result<ModbusSettings> s = parse_modbus_url("tcp://[::1]:1502?unit=3");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->port, 1502);
  s = parse_modbus_url("tcp://[fe80::1%eth0]");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->host, "fe80::1%eth0");
  EXPECT_EQ(s->port, 502);
}

TEST(ModbusUrl, Rtu) {
  Result<ModbusSettings> s =
      parse_modbus_url("rtu:/dev/ttyUSB0?baud=19200&parity=e&data=7&stop=2&unit=12");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->transport, ModbusTransport::kRtu);
  EXPECT_EQ(s->device, "/dev/ttyUSB0");
  EXPECT_EQ(s->baud, 19200);
  EXPECT_EQ(s->parity, 'E');
  EXPECT_EQ(s->data_bits, 7);
  EXPECT_EQ(s->stop_bits, 2);
  EXPECT_EQ(s->unit, 12);

  s = parse_modbus_url("rtu:/dev/serial/by-id/usb-FTDI_FT232R-if00-port0");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->baud, 9600);  // SDM630 factory settings: 9600 8N1
  EXPECT_EQ(s->parity, 'N');
  EXPECT_EQ(s->data_bits, 8);
  EXPECT_EQ(s->stop_bits, 1);
}

TEST(ModbusUrl, FormatParsesBackToTheSameSettings) {
  for (const char* url : {"tcp://10.0.0.5:1502?unit=9&timeout_ms=80&interval_s=60",
                          "tcp://[2001:db8::7]", "rtu:/dev/ttyAMA0?baud=38400&parity=O&stop=2"}) {
    Result<ModbusSettings> s = parse_modbus_url(url);
    ASSERT_TRUE(s) << s.error().message;
    const std::string canonical = format_modbus_url(*s);
    Result<ModbusSettings> again = parse_modbus_url(canonical);
    ASSERT_TRUE(again) << canonical << ": " << again.error().message;
    EXPECT_EQ(*again, *s) << canonical;
  }
  EXPECT_EQ(format_modbus_url(*parse_modbus_url("tcp://h")),
            "tcp://h:502?unit=1&timeout_ms=500&interval_s=5");
}

struct BadUrl {
  const char* url;
  const char* says;
};

TEST(ModbusUrl, EveryMistakeIsNamed) {
  const BadUrl cases[] = {
      {"", "missing scheme"},
      {"192.168.1.20", "missing scheme"},
      {"udp://h", "unknown scheme 'udp'"},
      {"modbus:tcp://h", "unknown scheme 'modbus'"},
      {"tcp:h", "starts with tcp://"},
      {"tcp://", "missing host"},
      {"tcp://:502", "missing host"},
      {"tcp://bad host", "bad host 'bad host'"},
      {"tcp://h/path", "bad host 'h/path'"},
      {"tcp://user@h", "bad host 'user@h'"},
      {"tcp://::1", "needs brackets"},
      {"tcp://[::1", "missing ']'"},
      {"tcp://[::1]x", "unexpected 'x' after IPv6"},
      {"tcp://[h]", "bad IPv6 address 'h'"},
      {"tcp://h:", "port must be a whole number, got ''"},
      {"tcp://h:http", "port must be a whole number, got 'http'"},
      {"tcp://h:0", "port must be 1..65535, got 0"},
      {"tcp://h:65536", "port must be 1..65535, got 65536"},
      {"tcp://h:-1", "port must be 1..65535, got -1"},
      {"tcp://h?", "empty parameter"},
      {"tcp://h?unit=1&", "empty parameter"},
      {"tcp://h?unit=1&&interval_s=5", "empty parameter"},
      {"tcp://h?unit", "parameter 'unit' has no value"},
      {"tcp://h?Unit=1", "unknown parameter 'Unit' (known: unit, timeout_ms, interval_s, baud"},
      {"tcp://h?unit=1&unit=2", "parameter 'unit' given twice"},
      {"tcp://h?unit=", "unit must be a whole number, got ''"},
      {"tcp://h?unit=1.5", "unit must be a whole number, got '1.5'"},
      {"tcp://h?unit=+1", "unit must be a whole number"},
      {"tcp://h?unit=248", "unit must be 0..247 or 255 over TCP, got 248"},
      {"tcp://h?unit=-1", "unit must be 0..247 or 255 over TCP, got -1"},
      {"tcp://h?unit=99999999999999999999", "unit must be a whole number"},
      {"tcp://h?timeout_ms=0", "timeout_ms must be 1..60000, got 0"},
      {"tcp://h?interval_s=0", "interval_s must be 1..3600, got 0"},
      {"tcp://h?interval_s=5s", "interval_s must be a whole number"},
      {"tcp://h?baud=9600", "parameter 'baud' applies to rtu only"},
      {"tcp://h?parity=N", "parameter 'parity' applies to rtu only"},
      {"rtu:", "missing serial device"},
      {"rtu:?baud=9600", "missing serial device"},
      {"rtu:ttyUSB0", "serial device must be an absolute path, got 'ttyUSB0'"},
      {"rtu:/dev/tty USB0", "bad serial device '/dev/tty USB0'"},
      {"rtu:/dev/ttyUSB0?baud=1234", "baud must be one of 1200, 2400,"},
      {"rtu:/dev/ttyUSB0?baud=fast", "baud must be a whole number"},
      {"rtu:/dev/ttyUSB0?parity=X", "parity must be N, E or O, got 'X'"},
      {"rtu:/dev/ttyUSB0?parity=none", "parity must be N, E or O, got 'none'"},
      {"rtu:/dev/ttyUSB0?data=9", "data must be 5..8, got 9"},
      {"rtu:/dev/ttyUSB0?stop=0", "stop must be 1..2, got 0"},
      {"rtu:/dev/ttyUSB0?unit=0", "unit must be 1..247 over RTU, got 0"},
  };
  for (const BadUrl& c : cases) {
    SCOPED_TRACE(c.url);
    Result<ModbusSettings> s = parse_modbus_url(c.url);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, StartsWith(std::string("modbus URL '") + c.url + "': "));
    EXPECT_THAT(s.error().message, HasSubstr(c.says));
  }
}

// Over TCP the unit id is 0..247 or 255 (a meter on the network answers 0
// or 255 as often as 1); on a serial line 1..247 (0 is broadcast, which no
// meter answers; 248..255 are reserved).
TEST(ModbusUrl, UnitIdsByTransport) {
  struct Case {
    int unit;
    bool tcp;
    bool rtu;
  };
  const Case cases[] = {
      {0, true, false},    {1, true, true},    {247, true, true},   {248, false, false},
      {254, false, false}, {255, true, false}, {256, false, false},
  };
  for (const Case& c : cases) {
    for (const bool tcp : {true, false}) {
      const std::string url =
          fmt::format("{}?unit={}", tcp ? "tcp://h" : "rtu:/dev/ttyUSB0", c.unit);
      SCOPED_TRACE(url);
      Result<ModbusSettings> s = parse_modbus_url(url);
      if (tcp ? c.tcp : c.rtu) {
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ(s->unit, c.unit);
        EXPECT_TRUE(validate(*s));
        // What the daemon prints is what it parses.
        EXPECT_EQ(parse_modbus_url(format_modbus_url(*s))->unit, c.unit);
      } else {
        ASSERT_FALSE(s);
        EXPECT_THAT(
            s.error().message,
            HasSubstr(tcp ? fmt::format("unit must be 0..247 or 255 over TCP, got {}", c.unit)
                          : fmt::format("unit must be 1..247 over RTU, got {}", c.unit)));
      }
    }
  }
}

TEST(ModbusUrl, SettingsBuiltInCodeAreValidatedToo) {
  ModbusSettings s;
  s.host = "127.0.0.1";
  EXPECT_TRUE(validate(s));
  s.unit = 0;
  EXPECT_TRUE(validate(s));  // TCP
  s.unit = 256;
  Result<std::unique_ptr<ModbusMeter>> meter = ModbusMeter::create(s);
  ASSERT_FALSE(meter);
  EXPECT_THAT(meter.error().message, HasSubstr("unit must be 0..247 or 255 over TCP"));
  s.unit = 1;
  s.poll_interval = seconds(0);
  EXPECT_THAT(validate(s).error().message, HasSubstr("interval_s"));
  s = ModbusSettings{};
  s.transport = ModbusTransport::kRtu;
  s.device = "/dev/ttyS0";
  s.parity = 'n';  // the struct wants the canonical upper case
  EXPECT_THAT(validate(s).error().message, HasSubstr("parity"));
}

// ---------------------------------------------------------------------------
// End to end against a real Modbus server.

std::unique_ptr<ModbusMeter> meter_for(const std::string& url) {
  Result<ModbusSettings> settings = parse_modbus_url(url);
  EXPECT_TRUE(settings) << settings.error().message;
  if (!settings) return nullptr;
  Result<std::unique_ptr<ModbusMeter>> meter = ModbusMeter::create(*settings);
  EXPECT_TRUE(meter) << meter.error().message;
  return meter ? std::move(*meter) : nullptr;
}

class ModbusTcpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<testing::ModbusTestServer>> s = testing::ModbusTestServer::tcp(1);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    values_ = meter_values();
    server_->set(values_);
    meter_ = meter_for(server_->endpoint() + "?unit=1&timeout_ms=500&interval_s=5");
    ASSERT_NE(meter_, nullptr);
  }

  Status poll(Duration since_t0) {
    out_.clear();
    return meter_->poll(kT0 + since_t0, out_);
  }

  std::unique_ptr<testing::ModbusTestServer> server_;
  sdm630::Values values_;
  std::unique_ptr<ModbusMeter> meter_;
  std::vector<Reading> out_;
};

TEST_F(ModbusTcpTest, FirstReadIsTheBaselineThenEachDuePollIsOneReading) {
  EXPECT_THAT(meter_->describe(), HasSubstr(server_->endpoint()));
  EXPECT_EQ(meter_->phases(), 3);

  ASSERT_TRUE(poll(seconds(0)));
  EXPECT_TRUE(out_.empty());          // baseline only
  EXPECT_EQ(server_->requests(), 2);  // two blocks, as planned

  // What the loads could use in 5 s, in steps a float32 kWh holds exactly.
  values_.phase[0].import_wh += 1.953125;  // 1/512 kWh
  values_.phase[1].export_wh += 1.953125;
  values_.phase[2].import_wh += 0.9765625;  // 1/1024 kWh
  values_.phase[0].watts = -42.5;           // L1 turned to generation
  server_->set(values_);

  ASSERT_TRUE(poll(seconds(1)));  // not due: no I/O at all
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(server_->requests(), 2);

  ASSERT_TRUE(poll(seconds(5)));
  ASSERT_EQ(out_.size(), 1U);
  const Reading& r = out_[0];
  EXPECT_EQ(r.end, kT0 + seconds(5));
  EXPECT_EQ(r.span, seconds(5));
  EXPECT_EQ(r.phase[0].volts, 230.5);
  EXPECT_EQ(r.phase[0].amps, 5.5);
  EXPECT_EQ(r.phase[0].watts, 0);
  EXPECT_EQ(r.phase[0].reverse_watts, 42.5);
  EXPECT_EQ(r.phase[0].power_factor, 0.875);
  EXPECT_EQ(r.phase[0].hertz, 50.0625);
  EXPECT_EQ(r.phase[0].wh_delta, 1.953125);
  EXPECT_EQ(r.phase[0].rwh_delta, 0);
  EXPECT_EQ(r.phase[1].wh_delta, 0);
  EXPECT_EQ(r.phase[1].rwh_delta, 1.953125);
  EXPECT_EQ(r.phase[1].reverse_watts, 800.25);
  EXPECT_EQ(r.phase[2].wh_delta, 0.9765625);
  EXPECT_EQ(server_->requests(), 4);

  ASSERT_TRUE(poll(seconds(10)));  // nothing moved: a reading with no energy
  ASSERT_EQ(out_.size(), 1U);
  EXPECT_EQ(out_[0].span, seconds(5));
  for (const PhaseValues& p : out_[0].phase) {
    EXPECT_EQ(p.wh_delta, 0);
    EXPECT_EQ(p.rwh_delta, 0);
  }
}

TEST_F(ModbusTcpTest, ALatePollIsOneReadingOverTheWholeGap) {
  ASSERT_TRUE(poll(seconds(0)));
  values_.phase[0].import_wh += 2000;  // 1.2 kW for an hour: within what the load could use
  server_->set(values_);
  ASSERT_TRUE(poll(hours(1)));
  ASSERT_EQ(out_.size(), 1U);
  EXPECT_EQ(out_[0].span, hours(1));
  EXPECT_EQ(out_[0].phase[0].wh_delta, 2000);
  // Due again one interval after the late poll, not at the missed slots.
  ASSERT_TRUE(poll(hours(1) + seconds(4)));
  EXPECT_TRUE(out_.empty());
  ASSERT_TRUE(poll(hours(1) + seconds(5)));
  EXPECT_EQ(out_.size(), 1U);
}

TEST_F(ModbusTcpTest, AnOutageIsAnErrorAndTheEnergyArrivesAfterIt) {
  ASSERT_TRUE(poll(seconds(0)));
  server_->stop();

  Status s = poll(seconds(5));  // the open connection was reset
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr(server_->endpoint()));
  EXPECT_TRUE(out_.empty());

  ASSERT_TRUE(poll(seconds(6)));  // a failed poll waits for the interval too
  s = poll(seconds(10));          // reconnecting, nobody listens
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message,
              HasSubstr("connect: " + std::string(modbus_strerror(ECONNREFUSED))));

  values_.phase[0].import_wh += 15.625;     // the meter kept counting (1/64 kWh)
  values_.phase[2].export_wh += 0.9765625;  // 1/1024 kWh: within the counter's slack
  server_->set(values_);
  ASSERT_TRUE(server_->start());
  ASSERT_TRUE(poll(seconds(15)));
  ASSERT_EQ(out_.size(), 1U);
  EXPECT_EQ(out_[0].span, seconds(15));  // since the last successful read
  EXPECT_EQ(out_[0].phase[0].wh_delta, 15.625);
  EXPECT_EQ(out_[0].phase[2].rwh_delta, 0.9765625);
}

TEST_F(ModbusTcpTest, GarbageFromTheMeterIsAnErrorAndChangesNothing) {
  ASSERT_TRUE(poll(seconds(0)));
  const auto nan = sdm630::encode_float(std::numeric_limits<float>::infinity());
  server_->set_input_register(0x015A, nan[0]);
  server_->set_input_register(0x015B, nan[1]);
  Status s = poll(seconds(5));
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("0x015A (L1 import energy) holds inf"));

  values_.phase[0].import_wh += 15.625;
  server_->set(values_);
  ASSERT_TRUE(poll(seconds(10)));
  ASSERT_EQ(out_.size(), 1U);
  EXPECT_EQ(out_[0].span, seconds(10));  // the bad read was not a baseline
  EXPECT_EQ(out_[0].phase[0].wh_delta, 15.625);
}

TEST_F(ModbusTcpTest, AnotherUnitIsAnErrorWithLibmodbusMessage) {
  auto other = meter_for(server_->endpoint() + "?unit=2&timeout_ms=200");
  ASSERT_NE(other, nullptr);
  std::vector<Reading> out;
  Status s = other->poll(kT0, out);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr(modbus_strerror(EMBXGTAR)));
  EXPECT_THAT(s.error().message, HasSubstr("reading input registers 0x0000..0x0047"));
}

// A meter on the network that answers unit 0 or 255 only (many do) is read.
TEST(ModbusTcp, UnitZeroAndUnitNotSignificant) {
  for (const int unit : {0, 255}) {
    SCOPED_TRACE(unit);
    Result<std::unique_ptr<testing::ModbusTestServer>> server =
        testing::ModbusTestServer::tcp(unit);
    ASSERT_TRUE(server) << server.error().message;
    sdm630::Values values = meter_values();
    (*server)->set(values);
    auto meter = meter_for(fmt::format("{}?unit={}&timeout_ms=500", (*server)->endpoint(), unit));
    ASSERT_NE(meter, nullptr);
    std::vector<Reading> out;
    Status s = meter->poll(kT0, out);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ((*server)->requests(), 2);
    values.phase[0].import_wh += 1.953125;  // 1/512 kWh: exact in a float32 kWh register
    (*server)->set(values);
    s = meter->poll(kT0 + seconds(5), out);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].phase[0].wh_delta, 1.953125);
  }
}

TEST(ModbusTcp, NobodyListening) {
  Result<std::unique_ptr<testing::ModbusTestServer>> server = testing::ModbusTestServer::tcp();
  ASSERT_TRUE(server) << server.error().message;
  (*server)->stop();  // the port was free a moment ago and nobody listens now
  auto meter = meter_for((*server)->endpoint() + "?timeout_ms=200");
  ASSERT_NE(meter, nullptr);
  std::vector<Reading> out;
  Status s = meter->poll(kT0, out);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("connect"));
  EXPECT_TRUE(out.empty());
}

int open_descriptors() {
  return static_cast<int>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                        std::filesystem::directory_iterator{}));
}

TEST(ModbusTestServer, LeavesNoDescriptorBehind) {
  const int before = open_descriptors();
  {
    auto tcp = testing::ModbusTestServer::tcp();
    auto rtu = testing::ModbusTestServer::rtu();
    ASSERT_TRUE(tcp && rtu);
    auto meter = meter_for((*tcp)->endpoint());
    std::vector<Reading> out;
    ASSERT_TRUE(meter->poll(kT0, out));  // a live connection on both sides
    (*tcp)->stop();
    ASSERT_TRUE((*tcp)->start());
  }
  EXPECT_EQ(open_descriptors(), before);
}

// RTU over a pseudo-terminal: libmodbus's RTU client opens the pty's slave
// side as it would /dev/ttyUSB0 (termios and all), the server answers on the
// master side.
class ModbusRtuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<testing::ModbusTestServer>> s = testing::ModbusTestServer::rtu(7);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    server_->set(meter_values());
  }
  std::unique_ptr<testing::ModbusTestServer> server_;
};

TEST_F(ModbusRtuTest, BaselineReadingOutageAndRecovery) {
  auto meter = meter_for(server_->endpoint() + "?baud=19200&parity=E&unit=7&timeout_ms=200");
  ASSERT_NE(meter, nullptr);
  std::vector<Reading> out;
  Status s = meter->poll(kT0, out);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(out.empty());

  sdm630::Values v = meter_values();
  v.phase[0].import_wh += 1.953125;  // 1/512 kWh
  server_->set(v);
  s = meter->poll(kT0 + seconds(5), out);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].phase[0].wh_delta, 1.953125);
  EXPECT_EQ(out[0].phase[1].reverse_watts, 800.25);

  server_->stop();  // a silent bus: the request times out
  out.clear();
  s = meter->poll(kT0 + seconds(10), out);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr(modbus_strerror(ETIMEDOUT)));
  EXPECT_THAT(s.error().message, HasSubstr(server_->endpoint()));

  v.phase[0].import_wh += 15.625;  // 1/64 kWh
  server_->set(v);
  ASSERT_TRUE(server_->start());
  s = meter->poll(kT0 + seconds(15), out);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].span, seconds(10));
  EXPECT_EQ(out[0].phase[0].wh_delta, 15.625);
}

TEST_F(ModbusRtuTest, AnotherUnitNeverAnswers) {
  auto meter = meter_for(server_->endpoint() + "?unit=3&timeout_ms=100");
  ASSERT_NE(meter, nullptr);
  std::vector<Reading> out;
  Status s = meter->poll(kT0, out);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr(modbus_strerror(ETIMEDOUT)));
  EXPECT_EQ(server_->requests(), 0);
}

TEST(ModbusRtu, MissingDeviceIsAnErrorAtPollNotAtCreate) {
  auto meter = meter_for("rtu:/dev/maic-no-such-tty?timeout_ms=100");
  ASSERT_NE(meter, nullptr);
  std::vector<Reading> out;
  Status s = meter->poll(kT0, out);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("rtu:/dev/maic-no-such-tty: connect: "));
}

}  // namespace
}  // namespace maic::metering
