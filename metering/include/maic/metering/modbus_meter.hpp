// Readings from an SDM630-class energy meter over Modbus TCP or RTU.
//
// The meter has already done the metering; maic asks it every poll interval
// for its present values and its cumulative import/export counters, and turns
// the counters' increase since the previous read into the window's energy.
// Energy therefore comes from the meter's own counters, so nothing is lost
// between polls or while the meter is unreachable: the first read after an
// outage carries all the energy the meter counted during it.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/energy_counter.hpp"
#include "maic/metering/meter_source.hpp"
#include "maic/metering/sdm630_registers.hpp"

namespace maic::metering {

enum class ModbusTransport { kTcp, kRtu };

// Where the meter is and how often to ask it. Checked by validate().
struct ModbusSettings {
  ModbusTransport transport = ModbusTransport::kTcp;

  // TCP: a host name, an IPv4 address or an IPv6 address (without brackets).
  std::string host;
  int port = 502;  // 1..65535

  // RTU: the serial device (an absolute path) and its framing. SDM630
  // factory settings are 9600 baud, 8N1.
  std::string device;
  int baud = 9600;    // one of the standard rates, see validate()
  char parity = 'N';  // 'N', 'E' or 'O'
  int data_bits = 8;  // 5..8
  int stop_bits = 1;  // 1..2

  int unit = 1;  // Modbus unit (slave) id: 0..247 or 255 over TCP, 1..247 over RTU
  // How long to wait for an answer (and, for TCP, for the connection) before
  // the poll fails. 1..60000 ms.
  std::chrono::milliseconds response_timeout{500};
  // How often to read the meter: one reading per interval. 1..3600 s.
  std::chrono::seconds poll_interval{5};

  friend bool operator==(const ModbusSettings&, const ModbusSettings&) = default;
};

// Names the first bad field, in the URL's parameter names.
Status validate(const ModbusSettings& settings);

// Parses the part of `--source modbus:URL` after "modbus:". Two forms:
//
//   tcp://HOST[:PORT][?PARAMS]   HOST is a name, an IPv4 address or an IPv6
//                                address in brackets ([::1]); PORT defaults
//                                to 502
//   rtu:DEVICE[?PARAMS]          DEVICE is an absolute path (/dev/ttyUSB0)
//
// PARAMS are NAME=VALUE pairs joined by '&', each at most once:
//   unit=N             both   Modbus unit id (default 1): 0..247 or 255 over
//                             TCP, 1..247 over RTU
//   timeout_ms=1..60000 both  response timeout (default 500)
//   interval_s=1..3600 both   poll interval (default 5)
//   baud=N             rtu    1200, 2400, 4800, 9600 (default), 19200, 38400,
//                             57600, 115200 or 230400
//   parity=N|E|O       rtu    none (default), even, odd; any case
//   data=5..8          rtu    data bits (default 8)
//   stop=1|2           rtu    stop bits (default 1)
//
// Examples: tcp://192.168.1.20?unit=2, tcp://meter.local:5020?interval_s=10,
// rtu:/dev/ttyUSB0?baud=19200&parity=E&unit=3.
// Errors name the bad part (scheme, host, port, parameter and value).
Result<ModbusSettings> parse_modbus_url(std::string_view url);

// The canonical URL of `settings`, with every parameter spelled out; it
// parses back to the same settings.
std::string format_modbus_url(const ModbusSettings& settings);

// The meter's import and export counters, a phase each, read by the one
// rule for outside counters (core/energy_counter.hpp): a glitching read, a
// replaced meter or a reset counter books no energy that was never used.
struct MeterCounters {
  std::array<EnergyCounter, kMaxPhases> imported;
  std::array<EnergyCounter, kMaxPhases> exported;
};

// The reading for the window that ends at `end` with a successful read of
// the meter, `current`. No I/O, unit-tested on its own.
//  - volts, amps, power factor (as |PF|) and hertz are the meter's values at
//    `end` (it averages internally); hertz is 0 on a phase without voltage;
//  - watts = max(P, 0), reverse_watts = max(-P, 0) with P the meter's signed
//    active power (negative: energy flowing back to the grid);
//  - wh_delta / rwh_delta are what `counters` count for the import / export
//    counters' move since the previous read (0 for the first read; a step
//    no load could have made counts as EnergyCounter says, never
//    negative). The counters are float32 kWh, so one window's energy is
//    quantised to their resolution (0.12 Wh near 1 MWh, 1 Wh near 10 MWh);
//    the windows' sum is still exactly the counters' increase, as the
//    differences telescope without rounding.
// The cumulative meters (wh, rwh) and the wall time are left to the caller,
// as MeterSource::poll promises.
Reading make_reading(MeterCounters& counters, const sdm630::Values& current, SteadyTime end,
                     Duration span);

// A MeterSource that polls an SDM630 register map over Modbus with libmodbus.
//
// poll(now) reads the meter when `now` has reached the next due time (the
// first poll is due at once; then every poll_interval after the last
// attempt, successful or not). The first successful read only sets the
// energy baseline and appends no reading; each later successful read
// appends exactly one reading whose window runs from the previous successful
// read to `now`. A poll that comes late (the caller was busy, the meter was
// unreachable for an hour) thus gives one reading over the whole gap, not a
// burst.
//
// On an I/O error poll returns libmodbus's message (modbus_strerror) with
// the meter's address, closes the connection and keeps the baseline; the
// next due poll reconnects. No clock is read and nothing sleeps, but poll
// blocks on the network or the serial line: a few response timeouts at most
// (one connect, and one request per register block, see sdm630::plan_reads).
//
// Not thread-safe (as MeterSource): poll from one thread.
class ModbusMeter final : public MeterSource {
 public:
  // Checks the settings and prepares the connection without any I/O, so a
  // meter that is off at start-up is not an error here (the polls report it).
  static Result<std::unique_ptr<ModbusMeter>> create(const ModbusSettings& settings);

  ~ModbusMeter() override;
  ModbusMeter(const ModbusMeter&) = delete;
  ModbusMeter& operator=(const ModbusMeter&) = delete;

  std::string describe() const override;
  int phases() const override { return kMaxPhases; }
  Status poll(SteadyTime now, std::vector<Reading>& out) override;

  const ModbusSettings& settings() const { return settings_; }

 private:
  class Link;  // the libmodbus connection; keeps modbus.h out of this header

  ModbusMeter(ModbusSettings settings, std::unique_ptr<Link> link);
  Result<sdm630::Values> fetch();

  ModbusSettings settings_;
  std::unique_ptr<Link> link_;
  std::vector<sdm630::ReadBlock> plan_;
  std::vector<sdm630::RegisterBlock> blocks_;  // reused between polls
  std::optional<SteadyTime> next_due_;
  std::optional<SteadyTime> last_read_;  // the last successful read
  MeterCounters counters_;
};

}  // namespace maic::metering
