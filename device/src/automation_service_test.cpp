// The automation as the daemon runs it: a real Device on memory storage and
// a virtual clock, a source whose voltages the test sets, the service wired
// as apps/maic-device wires it, and a spy service that sees every output
// command with its cause.
#include "maic/device/automation_service.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "automation_json.hpp"
#include "maic/core/storage.hpp"
#include "maic/device/device.hpp"
#include "maic/device/settings_json.hpp"

namespace maic::device {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// 2026-03-02 is a Monday; 07:00 UTC.
constexpr std::int64_t kMonday0700 = 1'772'434'800;

// One 5 s reading per poll with the voltages the test set.
class VoltageSource final : public metering::MeterSource {
 public:
  explicit VoltageSource(std::array<double, 3>& volts) : volts_(volts) {}
  std::string describe() const override { return "voltages"; }
  int phases() const override { return 3; }
  Status poll(SteadyTime now, std::vector<Reading>& out) override {
    Reading r;
    r.end = now;
    r.span = seconds(5);
    for (std::size_t p = 0; p < 3; ++p) {
      r.phase[p].volts = volts_[p];
      r.phase[p].hertz = 50;
    }
    out.push_back(r);
    return ok_status();
  }

 private:
  std::array<double, 3>& volts_;
};

class OutputSpy final : public Service {
 public:
  std::string_view name() const override { return "spy"; }
  Status start(const Settings&) override { return ok_status(); }
  Status reconfigure(const Settings&) override { return ok_status(); }
  void on_output(const OutputChange& c) override { changes.push_back(c); }
  void stop() override {}
  ServiceStatus report() const override { return {ServiceState::kConnected, "", 0}; }
  std::vector<OutputChange> changes;
};

struct Email {
  std::size_t condition;
  double value;
};

struct Rig {
  VirtualClock clock{from_unix_seconds(kMonday0700)};
  MemoryStorage storage;
  std::array<double, 3> volts{230, 230, 230};
  ServiceSet services;
  OutputSpy* spy = nullptr;
  AutomationService* automation = nullptr;
  std::vector<Email> emails;
  std::unique_ptr<Device> device;

  explicit Rig(const json& automation_settings) {
    DeviceOptions options;
    options.services = &services;
    const RandomBytes sevens = [](std::span<std::byte> out) {
      std::fill(out.begin(), out.end(), std::byte{7});
    };
    device = std::move(
        Device::open({clock, storage, std::make_unique<VoltageSource>(volts), sevens}, options)
            .value());
    EXPECT_TRUE(device->update_settings(json_patch({{"automation", automation_settings}})).ok());
    auto s = std::make_unique<OutputSpy>();
    spy = s.get();
    services.add(std::move(s));
    AutomationService::Hooks hooks;
    hooks.email = [this](std::size_t c, double v, const Reading&) { emails.push_back({c, v}); };
    auto a = std::make_unique<AutomationService>(*device, clock, hooks);
    automation = a.get();
    services.add(std::move(a));
    device->start_services();
  }

  // `n` readings, 5 s apart.
  void run(int n) {
    for (int i = 0; i < n; ++i) {
      clock.advance(seconds(5));
      device->step();
    }
  }
  // Readings until `seconds_` have passed.
  void run_for(int seconds_) { run(seconds_ / 5); }

  std::vector<OutputChange> automatic() const {
    std::vector<OutputChange> out;
    for (const OutputChange& c : spy->changes) {
      if (c.cause == OutputCause::kCondition || c.cause == OutputCause::kSchedule) out.push_back(c);
    }
    return out;
  }
};

// The manual's example (§9): V > 260 relay OFF, V < 250 relay ON; on three
// phases the second with "all" (docs/automation.md says why).
const json kOverVoltage = json::parse(R"({"delay_s": 60, "conditions": [
  {"enabled": true, "operand": "V", "compare": ">", "value": 260, "action": "off"},
  {"enabled": true, "operand": "V", "phases": "all", "compare": "<", "value": 250, "action": "on"}]})");

TEST(AutomationService, TheManualsOverVoltageExampleSwitchesByTheLastFulfilledCondition) {
  Rig rig(kOverVoltage);
  ASSERT_TRUE(rig.device->set_output({false, OutputCause::kJsonApi}).ok());
  rig.spy->changes.clear();
  rig.run(1);
  EXPECT_TRUE(rig.automatic().empty()) << "a person switched: the delay holds";
  rig.run_for(50);  // t0 + 55 s
  EXPECT_TRUE(rig.automatic().empty());
  rig.run(1);  // t0 + 60 s: the delay is over
  ASSERT_EQ(rig.automatic().size(), 1u);
  EXPECT_TRUE(rig.automatic()[0].on);
  EXPECT_EQ(rig.automatic()[0].condition, 2);
  EXPECT_TRUE(rig.device->output_on());

  rig.volts[1] = 265;  // an over-voltage on L2, from t0 + 65 s
  rig.run_for(55);     // t0 + 115 s
  EXPECT_TRUE(rig.device->output_on()) << "within the delay of the last switch";
  rig.run_for(10);
  EXPECT_FALSE(rig.device->output_on());
  EXPECT_EQ(rig.automatic().back().condition, 1);
  EXPECT_EQ(rig.automatic().back().cause, OutputCause::kCondition);

  rig.volts[1] = 255;  // below 260, not yet below 250: no inverse action
  rig.run_for(120);
  EXPECT_FALSE(rig.device->output_on());
  rig.volts[1] = 245;
  rig.run(1);
  EXPECT_TRUE(rig.device->output_on());
  EXPECT_EQ(rig.automatic().size(), 3u);
}

TEST(AutomationService, APersonsCommandStartsTheDelayAtOnce) {
  Rig rig(kOverVoltage);
  rig.run_for(120);
  ASSERT_TRUE(rig.device->output_on());  // condition 2
  const std::size_t before = rig.automatic().size();
  ASSERT_TRUE(rig.device->set_output({false, OutputCause::kMqtt}).ok());
  rig.run_for(55);
  EXPECT_FALSE(rig.device->output_on()) << "the person's state stands through the delay";
  EXPECT_EQ(rig.automatic().size(), before);
  rig.run_for(10);
  EXPECT_TRUE(rig.device->output_on()) << "then the conditions decide again";
}

TEST(AutomationService, TheScheduleActsAtItsLocalTimesWithItsCause) {
  // 07:02 UTC is 08:02 in Berlin on 2026-03-02 (winter time).
  Rig rig(json::parse(R"({"delay_s": 60, "schedule": {"weekly": [
      {"day": "mon", "time": "08:02", "on": true}, {"day": "mon", "time": "08:05", "on": false}]}})"));
  ASSERT_TRUE(rig.device->update_settings(json_patch({{"timezone", "Europe/Berlin"}})).ok());
  rig.run_for(115);
  EXPECT_TRUE(rig.automatic().empty()) << "07:01:55 UTC: nothing due yet";
  rig.run_for(10);
  ASSERT_EQ(rig.automatic().size(), 1u);
  EXPECT_TRUE(rig.automatic()[0].on);
  EXPECT_EQ(rig.automatic()[0].cause, OutputCause::kSchedule);
  rig.run_for(180);
  ASSERT_EQ(rig.automatic().size(), 2u);
  EXPECT_FALSE(rig.automatic()[1].on);
  const AutomationStatus s = rig.automation->status();
  EXPECT_EQ(s.switches, 2u);
  EXPECT_EQ(s.last_switch_cause, OutputCause::kSchedule);
  ASSERT_TRUE(s.next.has_value()) << "next Monday";
  EXPECT_EQ(s.next->at, kMonday0700 + 7 * 86'400 + 2 * 60);
}

TEST(AutomationService, EmailActionsReachTheNotificationsOnceUntilPastTheHysteresis) {
  Rig rig(json::parse(R"({"conditions": [
      {"enabled": true, "operand": "V1", "compare": ">", "value": 260, "action": "email",
       "hysteresis": 20}]})"));
  rig.volts[0] = 262;
  rig.run(3);
  ASSERT_EQ(rig.emails.size(), 1u);
  EXPECT_EQ(rig.emails[0].condition, 0u);
  EXPECT_DOUBLE_EQ(rig.emails[0].value, 262);
  rig.volts[0] = 245;  // back, but not past 240
  rig.run(2);
  rig.volts[0] = 263;
  rig.run(2);
  EXPECT_EQ(rig.emails.size(), 1u);
  rig.volts[0] = 239;
  rig.run(1);
  rig.volts[0] = 261;
  rig.run(1);
  EXPECT_EQ(rig.emails.size(), 2u);
  EXPECT_FALSE(rig.automatic().size()) << "an e-mail action never switches";
}

TEST(AutomationService, StatusShowsEachConditionAndTheDelay) {
  Rig rig(kOverVoltage);
  rig.run_for(30);
  const json j = automation_status_to_json(rig.automation->status());
  EXPECT_EQ(j["active"], true);
  ASSERT_EQ(j["conditions"].size(), 2u);
  EXPECT_EQ(j["conditions"][1]["fulfilled"], true);
  EXPECT_EQ(j["conditions"][1]["last_action"], "on");
  EXPECT_EQ(j["conditions"][0]["fulfilled"], false);
  EXPECT_EQ(j["last_switch"]["cause"], "condition");
  EXPECT_EQ(j["last_switch"]["condition"], 2);
  EXPECT_EQ(j["in_delay"], true);
  EXPECT_GT(j["delay_ends"].get<std::int64_t>(), unix_seconds(rig.clock.wall_now()));
}

TEST(AutomationService, ConditionsNamingAPhaseTheDeviceLacksAreRefused) {
  Rig rig(json::object());
  // The device has three phases: V3 is fine; a constant too.
  EXPECT_TRUE(rig.device
                  ->update_settings(json_patch(json::parse(R"({"automation": {"conditions": [
      {"enabled": true, "operand": "V3", "compare": ">", "value": 260, "action": "off"}]}})")))
                  .ok());
  const Settings before = rig.device->settings();
  const Status bad = rig.device->update_settings(json_patch(json::parse(R"({"automation": {
      "delay_s": 30}})")));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("automation.delay_s:", 0), 0u) << bad.error().message;
  EXPECT_EQ(rig.device->settings(), before);
}

}  // namespace
}  // namespace maic::device
