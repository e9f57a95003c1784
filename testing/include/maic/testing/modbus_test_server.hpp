// A Modbus server that serves an SDM630 register bank, for tests: the real
// libmodbus server over real loopback TCP or a real pseudo-terminal, so the
// meter under test runs exactly the code it runs against hardware.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "maic/core/result.hpp"
#include "maic/metering/sdm630_registers.hpp"

namespace maic::testing {

// The server answers on its own thread; every method is called from the
// test's thread. Set the bank at any time: a request sees it before or after
// the change, never half of it.
class ModbusTestServer {
 public:
  // Modbus TCP on 127.0.0.1, on a port the kernel picks (the server binds
  // its own listening socket, so there is no window in which another process
  // could take the port). Answers `unit` only; other units get exception
  // 0x0B (gateway target failed to respond), as a TCP gateway would.
  static Result<std::unique_ptr<ModbusTestServer>> tcp(int unit = 1);

  // Modbus RTU on the master side of a new pseudo-terminal; the meter opens
  // device(), the slave side. Requests for other units go unanswered, as on
  // a bus. The framing settings of the meter do not matter: a pty carries
  // bytes, not bits.
  static Result<std::unique_ptr<ModbusTestServer>> rtu(int unit = 1);

  ~ModbusTestServer();  // stops; leaves no thread, socket or pty behind
  ModbusTestServer(const ModbusTestServer&) = delete;
  ModbusTestServer& operator=(const ModbusTestServer&) = delete;

  // Stops serving and joins the thread. TCP: closes the listening socket and
  // every connection (a client sees a reset, then refused connections).
  // RTU: stops answering (a client times out). The bank is kept. Idempotent.
  void stop();
  // Serves again on the same port or device. Precondition: stopped.
  Status start();

  // "tcp://127.0.0.1:PORT" or "rtu:/dev/pts/N": a modbus URL without parameters.
  std::string endpoint() const;

  // Writes the bank through the register map (metering::sdm630::encode).
  void set(const metering::sdm630::Values& values);
  void set_input_register(std::uint16_t address, std::uint16_t word);

  // Requests answered so far (exceptions included), counted before each
  // answer is sent: a client holding an answer sees it counted.
  int requests() const;

 private:
  struct Impl;
  explicit ModbusTestServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::testing
