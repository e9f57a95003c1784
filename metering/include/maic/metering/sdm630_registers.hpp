// The register map of an Eastron SDM630 (and of meters that copy it), as data.
//
// Everything maic reads is an input register (function code 0x04). Each
// value is an IEEE-754 float32 in two consecutive registers, high word first
// (byte order ABCD), in the meter's own unit; `scale` turns it into maic's
// unit (the energy counters are kWh, maic counts Wh).
//
// Addresses are the zero-based protocol addresses (the datasheet's register
// 30001 is address 0x0000). Checked against the Eastron SDM630 Modbus
// protocol table as reproduced in volkszaehler/mbmd (meters/rs485/sdm.go,
// "Opcodes as defined by Eastron SDM630") and in
// plebann/eastron_SDM_HA_integration (docs/registers-sdm630.md).
//
// Eastron meters answer at most 40 parameters (80 registers) per request and
// raise an exception beyond that, which is tighter than Modbus's own 125.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"

namespace maic::metering::sdm630 {

// What the meter reports, in maic's units.
struct PhaseValues {
  double volts = 0;         // line to neutral, V
  double amps = 0;          // A
  double watts = 0;         // active power, W; negative when energy flows back (export)
  double power_factor = 0;  // signed as the meter signs it; |PF| is what maic shows
  double import_wh = 0;     // the meter's cumulative import counter, Wh
  double export_wh = 0;     // the meter's cumulative export counter, Wh
};

struct Values {
  std::array<PhaseValues, kMaxPhases> phase{};
  double hertz = 0;  // of the supply; the meter measures one frequency for all phases
};

enum class Field : std::uint8_t {
  kVolts,
  kAmps,
  kWatts,
  kPowerFactor,
  kHertz,     // meter-wide: phase 0
  kImportWh,  // register holds kWh
  kExportWh,  // register holds kWh
};

struct Register {
  std::uint16_t address;  // of the high word; the low word follows
  Field field;
  int phase;     // 1..3, or 0 for a meter-wide value
  double scale;  // maic unit per meter unit
};

inline constexpr int kWordsPerValue = 2;
inline constexpr int kMaxRegistersPerRead = 80;  // Eastron: 40 parameters per request

// Sorted by address; every row is read on every poll. The comments give the
// datasheet's register numbers (30001 + address).
// clang-format off
inline constexpr std::array kRegisters = std::to_array<Register>({
    {0x0000, Field::kVolts,       1, 1.0},     // 30001 phase 1 line to neutral volts
    {0x0002, Field::kVolts,       2, 1.0},     // 30003
    {0x0004, Field::kVolts,       3, 1.0},     // 30005
    {0x0006, Field::kAmps,        1, 1.0},     // 30007 phase 1 current
    {0x0008, Field::kAmps,        2, 1.0},     // 30009
    {0x000A, Field::kAmps,        3, 1.0},     // 30011
    {0x000C, Field::kWatts,       1, 1.0},     // 30013 phase 1 active power, signed
    {0x000E, Field::kWatts,       2, 1.0},     // 30015
    {0x0010, Field::kWatts,       3, 1.0},     // 30017
    {0x001E, Field::kPowerFactor, 1, 1.0},     // 30031 phase 1 power factor, signed
    {0x0020, Field::kPowerFactor, 2, 1.0},     // 30033
    {0x0022, Field::kPowerFactor, 3, 1.0},     // 30035
    {0x0046, Field::kHertz,       0, 1.0},     // 30071 frequency of supply voltages
    {0x015A, Field::kImportWh,    1, 1000.0},  // 30347 L1 import kWh
    {0x015C, Field::kImportWh,    2, 1000.0},  // 30349
    {0x015E, Field::kImportWh,    3, 1000.0},  // 30351
    {0x0160, Field::kExportWh,    1, 1000.0},  // 30353 L1 export kWh
    {0x0162, Field::kExportWh,    2, 1000.0},  // 30355
    {0x0164, Field::kExportWh,    3, 1000.0},  // 30357
});
// clang-format on

// A map's invariants: sorted by address without overlap, meter-wide fields
// (frequency) at phase 0, the others at phases 1..3.
constexpr bool well_formed(std::span<const Register> registers) {
  int next_free = 0;
  for (const Register& r : registers) {
    if (r.address < next_free || !(r.scale > 0)) return false;
    if ((r.field == Field::kHertz) != (r.phase == 0)) return false;
    if (r.phase < 0 || r.phase > kMaxPhases) return false;
    next_free = r.address + kWordsPerValue;
  }
  return true;
}
static_assert(well_formed(kRegisters));

// "L2 import energy", "frequency": for error messages and logs.
std::string describe(const Register& r);

// The member of `values` that register `r` fills. Precondition: r is a row
// of a well_formed() map.
double& value_of(Values& values, const Register& r);
double value_of(const Values& values, const Register& r);

// One read request: `count` registers from `start`.
struct ReadBlock {
  std::uint16_t start = 0;
  std::uint16_t count = 0;
  friend bool operator==(const ReadBlock&, const ReadBlock&) = default;
};

// The fewest requests that cover `registers` (sorted by address) with at
// most `max_registers` registers each. A request may span addresses between
// rows that maic does not use; the SDM630 accepts that (ESPHome's sdm_meter
// reads 0x0000..0x004F in one request).
std::vector<ReadBlock> plan_reads(std::span<const Register> registers = kRegisters,
                                  int max_registers = kMaxRegistersPerRead);

// Words as read: `words[i]` is the register at `start + i`.
struct RegisterBlock {
  std::uint16_t start = 0;
  std::vector<std::uint16_t> words;
};

// float32 from two registers, high word first, and back.
float decode_float(std::uint16_t high, std::uint16_t low);
std::array<std::uint16_t, 2> encode_float(float value);

// Decodes every row of `registers` from the blocks. Fails, naming the
// register, when a row is not covered or holds NaN or infinity (a meter
// that answers garbage must not reach the energy counters).
Result<Values> decode(std::span<const RegisterBlock> blocks,
                      std::span<const Register> registers = kRegisters);

// The inverse of decode (rounded to float32), for emulators and tests: calls
// `write(address, word)` for both words of every row.
template <typename Write>
void encode(const Values& values, Write&& write, std::span<const Register> registers = kRegisters) {
  for (const Register& r : registers) {
    const auto words = encode_float(static_cast<float>(value_of(values, r) / r.scale));
    write(r.address, words[0]);
    write(static_cast<std::uint16_t>(r.address + 1), words[1]);
  }
}

}  // namespace maic::metering::sdm630
