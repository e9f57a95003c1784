#include "maic/metering/sdm630_registers.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cmath>

namespace maic::metering::sdm630 {
namespace {

// What each field is called (in errors) and which member of a phase's
// values holds it; kHertz is meter-wide (Values::hertz), not a phase's.
struct FieldInfo {
  std::string_view name;
  double PhaseValues::*member;
};
// In Field's order: kVolts, kAmps, kWatts, kPowerFactor, kHertz, kImportWh, kExportWh.
constexpr std::array<FieldInfo, 7> kFields{{
    {"voltage", &PhaseValues::volts},
    {"current", &PhaseValues::amps},
    {"active power", &PhaseValues::watts},
    {"power factor", &PhaseValues::power_factor},
    {"frequency", nullptr},
    {"import energy", &PhaseValues::import_wh},
    {"export energy", &PhaseValues::export_wh},
}};
static_assert(kFields.size() == static_cast<std::size_t>(Field::kExportWh) + 1);

const FieldInfo& info(Field f) { return kFields[static_cast<std::size_t>(f)]; }

const RegisterBlock* block_holding(std::span<const RegisterBlock> blocks, std::uint16_t address) {
  for (const RegisterBlock& b : blocks) {
    if (address >= b.start &&
        std::size_t{address} + kWordsPerValue <= std::size_t{b.start} + b.words.size()) {
      return &b;
    }
  }
  return nullptr;
}

// One mapping for Values and const Values.
template <typename V>
auto member(V& values, const Register& r) -> decltype((values.hertz)) {
  if (r.field == Field::kHertz) return values.hertz;
  return values.phase[static_cast<std::size_t>(r.phase - 1)].*(info(r.field).member);
}

}  // namespace

std::string describe(const Register& r) {
  if (r.phase == 0) return std::string(info(r.field).name);
  return fmt::format("L{} {}", r.phase, info(r.field).name);
}

double& value_of(Values& values, const Register& r) { return member(values, r); }
double value_of(const Values& values, const Register& r) { return member(values, r); }

std::vector<ReadBlock> plan_reads(std::span<const Register> registers, int max_registers) {
  std::vector<ReadBlock> plan;
  for (const Register& r : registers) {
    const int end = r.address + kWordsPerValue;
    if (!plan.empty() && end - plan.back().start <= max_registers) {
      plan.back().count = static_cast<std::uint16_t>(end - plan.back().start);
    } else {
      plan.push_back({r.address, static_cast<std::uint16_t>(kWordsPerValue)});
    }
  }
  return plan;
}

float decode_float(std::uint16_t high, std::uint16_t low) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(high) << 16 | low);
}

std::array<std::uint16_t, 2> encode_float(float value) {
  const auto bits = std::bit_cast<std::uint32_t>(value);
  return {static_cast<std::uint16_t>(bits >> 16), static_cast<std::uint16_t>(bits & 0xFFFF)};
}

Result<Values> decode(std::span<const RegisterBlock> blocks, std::span<const Register> registers) {
  Values values;
  for (const Register& r : registers) {
    const RegisterBlock* b = block_holding(blocks, r.address);
    if (b == nullptr) {
      return make_error(fmt::format("register 0x{:04X} ({}) was not read", r.address, describe(r)));
    }
    const std::size_t i = r.address - b->start;
    const float raw = decode_float(b->words[i], b->words[i + 1]);
    if (!std::isfinite(raw)) {
      return make_error(
          fmt::format("register 0x{:04X} ({}) holds {}", r.address, describe(r), raw));
    }
    value_of(values, r) = static_cast<double>(raw) * r.scale;
  }
  return values;
}

}  // namespace maic::metering::sdm630
