#include "maic/device/history.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "meter_store.hpp"

namespace maic::device {
namespace {

constexpr double kMicroWhPerWh = 1e6;
constexpr int kMaxDays = 3660;

double wh_of(std::int64_t micro_wh) { return static_cast<double>(micro_wh) / kMicroWhPerWh; }

metering::MicroWhRegisters to_registers(const MeterValues& v) { return {v.forward, v.reverse}; }
MeterValues to_meter_values(const metering::MicroWhRegisters& r) { return {r.forward, r.reverse}; }

std::int64_t floor_to_minute(std::int64_t t) { return t - ((t % 60) + 60) % 60; }

}  // namespace

Result<HistoryDevice> read_history_device(Storage& storage, const RandomBytes& random,
                                          SteadyTime now) {
  auto config = load_or_create(storage, random);
  if (!config) return config.error();
  auto journal = Journal::open(storage);
  if (!journal) return make_error("journal: " + journal.error().message);
  auto meters = MeterStore::open(storage, journal->newest(), now);
  if (!meters) return make_error("meters: " + meters.error().message);
  HistoryDevice d;
  d.config = std::move(*config);
  d.offsets = meters->offsets();
  d.registers = meters->lifetime();
  if (journal->size() > 0) {
    auto oldest = journal->records_after(journal->oldest_seq() - 1, 1);
    if (!oldest) return make_error("journal: " + oldest.error().message);
    if (oldest->empty()) return make_error("journal: its oldest record cannot be read");
    const JournalRecord& r = oldest->front();
    d.journal_start = r.minute;
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      for (Flow f : kFlows) {
        d.registers[f][p] = unwrap_counter(r.phase[p].counter(f), meters->lifetime()[f][p]);
      }
    }
  }
  return d;
}

Result<HistoryPlan> plan_history(const HistoryDevice& device,
                                 const metering::HouseholdMinuteOptions& household, int days,
                                 WallTime end) {
  if (days < 1 || days > kMaxDays) {
    return make_error(fmt::format("days: 1..{} is required, not {}", kMaxDays, days));
  }
  HistoryPlan plan;
  plan.household = household;
  plan.offsets = device.offsets;
  plan.end_minute = device.journal_start.value_or(floor_to_minute(unix_seconds(end)));
  plan.first_minute = plan.end_minute - std::int64_t{days} * 86400;
  if (plan.first_minute < 0) return make_error("the history would start before 1970");
  if (!device.journal_start) {
    plan.start = to_registers(device.registers);
    plan.anchor = true;
    return plan;
  }
  // The history ends at the journal's registers: it starts that much lower.
  const metering::MicroWhRegisters total =
      metering::registers_after(household, plan.first_minute, plan.end_minute);
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    plan.start.forward[p] = device.registers.forward[p] - total.forward[p];
    plan.start.reverse[p] = device.registers.reverse[p] - total.reverse[p];
    if (plan.start.forward[p] < 0 || plan.start.reverse[p] < 0) {
      return make_error(fmt::format(
          "the device's registers at its journal's start (L{}: {:.1f} Wh, {:.1f} Wh generated) "
          "are less than {} days of history would bring ({:.1f} Wh, {:.1f} Wh): fewer days, "
          "or a new device",
          p + 1, wh_of(device.registers.forward[p]), wh_of(device.registers.reverse[p]), days,
          wh_of(total.forward[p]), wh_of(total.reverse[p])));
    }
  }
  return plan;
}

HistoryMinute history_minute(const HistoryPlan& plan, std::uint32_t seq) {
  metering::HouseholdHistory h(plan.household, plan.first_minute, plan.start);
  while (h.next_minute() < plan.first_minute + std::int64_t{seq - 1} * 60) h.next();
  MinuteRecord m = h.next();
  return {m, h.registers()};
}

HistoryFeed::HistoryFeed(DeviceConfig config, std::string server_url, HistoryPlan plan,
                         std::string firmware_version, Progress progress)
    : config_(std::move(config)),
      plan_(std::move(plan)),
      firmware_(std::move(firmware_version)),
      progress_(std::move(progress)) {
  config_.settings.server.url = std::move(server_url);
  checkpoints_[0] = plan_.start;
}

Status HistoryFeed::set_output(bool) {
  return make_error("a history upload does not switch the device's output");
}

JournalSpan HistoryFeed::journal_span() const {
  const std::uint32_t n = plan_.records();
  return {n > 0 ? 1u : 0u, n};
}

Result<std::vector<UploadRecord>> HistoryFeed::records_after(std::uint32_t seq,
                                                             std::size_t max) const {
  std::lock_guard lock(mutex_);
  const std::uint32_t total = plan_.records();
  std::vector<UploadRecord> out;
  if (seq >= total) return out;
  // From the nearest checkpoint at or before seq.
  auto it = std::prev(checkpoints_.upper_bound(seq));
  std::uint32_t at = it->first;
  metering::HouseholdHistory h(plan_.household, plan_.first_minute + std::int64_t{at} * 60,
                               it->second);
  const std::uint32_t last =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(total, std::uint64_t{seq} + max));
  out.reserve(last - seq);
  while (at < last) {
    MinuteRecord m = h.next();
    ++at;
    if (at <= seq) continue;
    const metering::MicroWhRegisters& r = h.registers();
    LifetimeRegisters lifetime{};
    for (std::size_t p = 0; p < static_cast<std::size_t>(m.phases); ++p) {
      lifetime[p] = {.wh = wh_of(r.forward[p]), .rwh = wh_of(r.reverse[p])};
      // The user's meters: the registers plus the offsets in force.
      m.phase[p].wh = wh_of(r.forward[p] + plan_.offsets.forward[p]);
      m.phase[p].rwh = wh_of(r.reverse[p] + plan_.offsets.reverse[p]);
    }
    UploadRecord& u = out.emplace_back(at, m);
    u.lifetime = lifetime;
  }
  checkpoints_[last] = h.registers();
  return out;
}

void HistoryFeed::report_server(const ServerReport& report) {
  Progress progress;
  {
    std::lock_guard lock(mutex_);
    const bool advanced = report.acked_seq > report_.acked_seq;
    report_ = report;
    if (advanced) progress = progress_;
  }
  if (progress) progress(report.acked_seq);
}

ServerReport HistoryFeed::server_report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

Result<std::optional<std::string>> HistoryFeed::read_state_file(std::string_view name) const {
  std::lock_guard lock(mutex_);
  const auto it = files_.find(name);
  if (it == files_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status HistoryFeed::write_state_file(std::string_view name, std::string_view text) {
  std::lock_guard lock(mutex_);
  files_[std::string(name)] = std::string(text);
  return ok_status();
}

Status finish_history(Storage& storage, const HistoryPlan& plan, SteadyTime now) {
  if (!plan.anchor || plan.records() == 0) return ok_status();
  auto journal = Journal::open(storage);
  if (!journal) return make_error("journal: " + journal.error().message);
  if (journal->size() > 0) {
    return make_error("the device has a journal by now: its meters are left as they are");
  }
  HistoryMinute last = history_minute(plan, plan.records());
  // The anchor stands for the history's last minute's end: it covers no
  // time (its means weigh nothing beside the history's record of that
  // minute) and carries the registers the device continues from.
  last.minute.covered = Duration::zero();
  const MeterValues registers = to_meter_values(last.registers);
  auto meters = MeterStore::open(storage, journal->newest(), now);
  if (!meters) return make_error("meters: " + meters.error().message);
  if (Status s = meters->update(registers, now); !s)
    return make_error("meters: " + s.error().message);
  if (Status s = meters->flush(now); !s) return make_error("meters: " + s.error().message);
  auto appended = journal->append(journal_record(last.minute, registers));
  if (!appended) return make_error("journal: " + appended.error().message);
  return ok_status();
}

}  // namespace maic::device
