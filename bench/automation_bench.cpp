// The automation's cost per reading (Google Benchmark): one pass of six
// conditions over a three-phase reading (the most the manual allows, with
// filters, a window and an e-mail hysteresis), the schedule's due firings
// over one 5 s pass and over a week, and the whole pass the daemon runs
// (conditions, schedule, arbiter). The device does this every 5 s.
//   build/release/bench/maic_automation_bench
#include <benchmark/benchmark.h>

#include <vector>

#include "maic/automation/conditions.hpp"
#include "maic/automation/output_arbiter.hpp"
#include "maic/automation/schedule.hpp"
#include "maic/core/calendar.hpp"

namespace maic::automation {
namespace {

constexpr std::int64_t kStart = 1'772'434'800;  // a Monday, 07:00 UTC

std::vector<Condition> six_conditions() {
  const auto c = [](Operand o, Comparison cmp, double v, ConditionAction a) {
    Condition k;
    k.enabled = true;
    k.operand = o;
    k.comparison = cmp;
    k.value = v;
    k.action = a;
    return k;
  };
  std::vector<Condition> out{
      c(Operand::constant_value(1), Comparison::kGreater, 0, ConditionAction::kRelayOff),
      c(Operand::of(Family::kVoltage), Comparison::kGreater, 260, ConditionAction::kRelayOff),
      c(Operand::of(Family::kVoltage, PhaseSelector::kAll), Comparison::kLess, 250,
        ConditionAction::kRelayOn),
      c(Operand::of(Family::kPower, PhaseSelector::kTotal), Comparison::kGreater, 3000,
        ConditionAction::kRelayOff),
      c(Operand::of(Family::kTemperature), Comparison::kGreater, 60, ConditionAction::kEmail),
      c(Operand::of(Family::kVoltage, PhaseSelector::kL2), Comparison::kGreater, 255,
        ConditionAction::kEmail),
  };
  out[1].filter_s = 10;
  out[3].window = TimeWindow{22 * 60, 6 * 60};
  out[5].hysteresis = 20;
  return out;
}

Reading reading(int k) {
  Reading r;
  r.phases = 3;
  for (std::size_t p = 0; p < 3; ++p) {
    r.phase[p].volts = 230 + (k % 40) + static_cast<double>(p);
    r.phase[p].watts = 900 + 10 * (k % 7);
  }
  r.temperature_c = 35;
  return r;
}

Schedule weekly_schedule() {
  Schedule s;
  for (int d = 0; d < 7; ++d) {
    s.weekly.push_back({static_cast<Weekday>(d), 7 * 60, true});
    s.weekly.push_back({static_cast<Weekday>(d), 22 * 60 + 30, false});
  }
  s.one_off.push_back({2026, 12, 24, 18 * 60, false});
  return s;
}

void BM_SixConditionsPass(benchmark::State& state) {
  ConditionEngine engine(six_conditions(), 3);
  SteadyTime now{};
  int k = 0;
  for (auto _ : state) {
    now += std::chrono::seconds(5);
    ++k;
    benchmark::DoNotOptimize(engine.evaluate(reading(k), now, (k / 12) % 1440));
  }
}
BENCHMARK(BM_SixConditionsPass);

void BM_ScheduleDueFiveSeconds(benchmark::State& state) {
  const Schedule s = weekly_schedule();
  const TimeZone zone = *TimeZone::locate("Europe/Berlin");
  std::int64_t t = kStart;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.last_due(t, t + 5, zone));
    t += 5;
  }
}
BENCHMARK(BM_ScheduleDueFiveSeconds);

void BM_ScheduleDueWeek(benchmark::State& state) {
  const Schedule s = weekly_schedule();
  const TimeZone zone = *TimeZone::locate("Europe/Berlin");
  for (auto _ : state) benchmark::DoNotOptimize(s.due(kStart, kStart + 7 * 86'400, zone));
}
BENCHMARK(BM_ScheduleDueWeek);

void BM_DaemonPass(benchmark::State& state) {
  ConditionEngine engine(six_conditions(), 3);
  const Schedule s = weekly_schedule();
  const TimeZone zone = *TimeZone::locate("Europe/Berlin");
  OutputArbiter arbiter(60);
  SteadyTime now{};
  std::int64_t wall = kStart;
  bool on = false;
  int k = 0;
  for (auto _ : state) {
    now += std::chrono::seconds(5);
    const int minute = local_minute_of_day(wall + 5, zone.offset_at(wall + 5));
    const ConditionPass pass = engine.evaluate(reading(++k), now, minute);
    const ArbiterDecision d = arbiter.decide(now, s.last_due(wall, wall + 5, zone), pass.relay, on);
    if (d.switch_to) on = *d.switch_to;
    wall += 5;
    benchmark::DoNotOptimize(on);
  }
}
BENCHMARK(BM_DaemonPass);

}  // namespace
}  // namespace maic::automation

BENCHMARK_MAIN();
