// Guided calibration through the JSON API, on a virtual clock: the device's
// readings drive the measurement.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "maic/device/device.hpp"
#include "maic/device/web_api.hpp"
#include "maic/metering/synthetic.hpp"
#include "maic/metering/waveform_meter.hpp"

namespace maic::device {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// A synthetic source that reports its scales wrong (+4 % volts, -6 % amps)
// and does not know its current sensor leads by 3°.
class Miscalibrated final : public metering::WaveformSource {
 public:
  explicit Miscalibrated(std::shared_ptr<metering::SyntheticSource> inner)
      : inner_(std::move(inner)), info_(inner_->info()) {
    for (metering::PhaseCalibration& pc : info_.calibration) {
      pc.voltage.scale *= 1.04;
      pc.current.scale *= 0.94;
      pc.phase_deg = 0;
    }
  }
  const metering::WaveformInfo& info() const override { return info_; }
  Result<std::size_t> read(metering::SampleBuffer& b, std::size_t frames) override {
    return inner_->read(b, frames);
  }

 private:
  std::shared_ptr<metering::SyntheticSource> inner_;
  metering::WaveformInfo info_;
};

// Readings from elsewhere (a Modbus meter's, say): nothing to calibrate.
class Readings final : public metering::MeterSource {
 public:
  std::string describe() const override { return "modbus"; }
  int phases() const override { return 3; }
  Status poll(SteadyTime, std::vector<Reading>&) override { return ok_status(); }
};

constexpr int kLoadChangeS = 120;

std::shared_ptr<metering::SyntheticSource> synthetic() {
  metering::SyntheticConfig c;
  c.adc_offset = 2048;
  c.noise_lsb = 1;
  c.ct_phase_lead_deg = 3;
  const metering::PhaseLoad reference{230, 30, 60};  // PF 0.5 lagging
  const metering::ThreePhaseLoad other{{{234, 50, 20}, {228, 12, 0}, {236, 40, -25}}};
  c.profile = metering::step_profile(
      {{0, {reference, reference, reference}}, {static_cast<double>(kLoadChangeS), other}});
  return std::make_shared<metering::SyntheticSource>(c);
}

struct Site {
  VirtualClock clock;
  MemoryStorage storage;
  std::shared_ptr<metering::SyntheticSource> truth = synthetic();
  std::unique_ptr<Device> device;
  http::Router router;

  explicit Site(bool waveforms = true) { open(waveforms); }

  void open(bool waveforms) {
    std::unique_ptr<metering::MeterSource> source;
    if (waveforms) {
      source = std::move(metering::WaveformMeter::create(std::make_unique<Miscalibrated>(truth),
                                                         clock.steady_now(), "synthetic"))
                   .value();
    } else {
      source = std::make_unique<Readings>();
    }
    auto d = Device::open({clock, storage, std::move(source),
                           [](std::span<std::byte> out) {
                             for (auto& b : out) b = std::byte{7};
                           }},
                          {});
    ASSERT_TRUE(d.ok()) << d.error().message;
    device = std::move(d).value();
    router = http::Router();
    add_web_routes(router, *device, clock, [](const Request&) { return Response::text("site"); });
    ASSERT_EQ(call("GET", "/?page=devlogin&devpass=0000").status, 200);
  }

  Response call(std::string method, std::string target, std::string body = "") {
    Request q;
    q.method = std::move(method);
    const auto mark = target.find('?');
    q.path = target.substr(0, mark);
    if (mark != std::string::npos) q.query = *http::parse_query(target.substr(mark + 1));
    q.target = std::move(target);
    q.body = std::move(body);
    q.remote = "10.0.0.2";
    return router.handle(q);
  }

  json status() {
    const Response r = call("GET", "/api/v1/calibration");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  std::vector<Reading> step_seconds(int seconds) {
    std::vector<Reading> out;
    for (int k = 0; k < seconds; k += 5) {
      clock.advance(std::chrono::seconds(5));
      for (const Reading& r : device->step()) out.push_back(r);
    }
    return out;
  }

  // The reference a reference meter shows of the calibration load.
  std::string measure_body(int seconds) const {
    const metering::Truth t = truth->truth(5, 10);
    json reference = json::array();
    for (std::size_t p = 0; p < 3; ++p) {
      const metering::PhaseTruth& pt = t.phase[p];
      reference.push_back({{"phase", p + 1},
                           {"volts", pt.volts},
                           {"amps", pt.amps},
                           {"watts", pt.watts},
                           {"power_factor", pt.power_factor}});
    }
    return json{{"seconds", seconds}, {"reference", reference}}.dump();
  }
};

TEST(Calibration, MeasureApplyAndTheBoundsHoldOnAnotherLoad) {
  Site s;
  json st = s.status();
  EXPECT_EQ(st["state"], "idle");
  EXPECT_EQ(st["calibratable"], true);
  EXPECT_EQ(st["current"][1]["current_gain"], 1.0);

  s.step_seconds(10);
  const Response started = s.call("POST", "/api/v1/calibration/measure", s.measure_body(30));
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(json::parse(started.body)["state"], "measuring");

  // The first reading is skipped (its window began before), then 6 of 5 s.
  s.step_seconds(5);
  st = s.status();
  EXPECT_EQ(st["state"], "measuring");
  EXPECT_EQ(st["progress"]["readings"], 0);
  EXPECT_EQ(st["progress"]["needed"], 6);
  s.step_seconds(15);
  st = s.status();
  EXPECT_EQ(st["progress"]["readings"], 3);
  EXPECT_NEAR(st["phases"][0]["measured"]["volts"].get<double>(), 230 * 1.04, 0.5);
  s.step_seconds(15);
  st = s.status();
  ASSERT_EQ(st["state"], "done") << st.dump(2);
  for (const json& p : st["phases"]) {
    EXPECT_NEAR(p["proposal"]["voltage_gain"].get<double>(), 1 / 1.04, 0.002);
    EXPECT_NEAR(p["proposal"]["current_gain"].get<double>(), 1 / 0.94, 0.002);
    EXPECT_NEAR(p["proposal"]["phase_deg"].get<double>(), 3, 0.1);
    EXPECT_EQ(p["proposal"]["phase_determined"], true);
    EXPECT_NEAR(p["error_before"]["volts_pct"].get<double>(), 4, 0.1);
    EXPECT_NEAR(p["error_before"]["amps_pct"].get<double>(), -6, 0.1);
    EXPECT_NEAR(p["error_after"]["watts_pct"].get<double>(), 0, 1e-6);
  }
  EXPECT_EQ(st["current"][0]["voltage_gain"], 1.0) << "not applied yet";

  const Response applied = s.call("POST", "/api/v1/calibration/apply");
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(json::parse(applied.body)["applied"], true);
  const json settings = json::parse(s.call("GET", "/api/v1/settings").body);
  EXPECT_NEAR(settings["calibration"]["phase2"]["current_gain"].get<double>(), 1 / 0.94, 0.002);

  // After the load changes, against the truth: the manual's bounds.
  s.step_seconds(kLoadChangeS + 60 - 45);
  const std::vector<Reading> after = s.step_seconds(60);
  ASSERT_EQ(after.size(), 12u);
  for (const Reading& r : after) {
    const double t1 = std::chrono::duration<double>(r.end - SteadyTime{}).count();
    const metering::Truth t = s.truth->truth(t1 - 5, t1);
    for (std::size_t p = 0; p < 3; ++p) {
      const metering::PhaseTruth& pt = t.phase[p];
      EXPECT_LT(std::abs(r.phase[p].volts - pt.volts) / pt.volts, 0.01);
      EXPECT_LT(std::abs(r.phase[p].amps - pt.amps) / pt.amps, 0.01);
      EXPECT_LT(std::abs(r.phase[p].wh_delta - pt.forward_wh) / pt.forward_wh, 0.005);
    }
  }

  // Kept through a factory reset, and through a restart.
  ASSERT_TRUE(s.device->factory_reset().ok());
  EXPECT_NEAR(s.device->settings().calibration.phases[0].voltage_gain, 1 / 1.04, 0.002);
  s.device.reset();
  s.open(true);
  EXPECT_NEAR(s.status()["current"][2]["phase_deg"].get<double>(), 3, 0.1);
}

TEST(Calibration, ASourceWithoutWaveformsIsRefused) {
  Site s(false);
  EXPECT_EQ(s.status()["calibratable"], false);
  const Response r = s.call("POST", "/api/v1/calibration/measure", s.measure_body(60));
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("modbus cannot be calibrated"), std::string::npos) << r.body;
  EXPECT_EQ(s.call("POST", "/api/v1/calibration/apply").status, 409);
  const Response patch =
      s.call("PATCH", "/api/v1/settings", R"({"calibration": {"phase1": {"voltage_gain": 1.01}}})");
  EXPECT_EQ(patch.status, 400);
  EXPECT_NE(patch.body.find("calibration: modbus cannot be calibrated"), std::string::npos);
  // Nothing of the refused change was stored: a restart reads 1/1/0.
  s.device.reset();
  s.open(false);
  EXPECT_EQ(s.device->settings().calibration, CalibrationSettings{});
}

TEST(Calibration, BadRequestsNameTheField) {
  Site s;
  const struct {
    const char* body;
    const char* error;
  } cases[] = {
      {R"({"reference": [{"phase": 1, "volts": 230, "power_factor": 0.5}]})",
       "reference[0].amps: amps or watts is needed"},
      {R"({"reference": [{"phase": 1, "volts": 230, "amps": 0, "power_factor": 1}]})",
       "reference[0].amps: must be > 0"},
      {R"({"seconds": 10, "reference": [{"phase": 1, "volts": 230, "amps": 5, "power_factor": 1}]})",
       "seconds: must be 30..600"},
      {R"({"reference": [{"phase": 4, "volts": 230, "amps": 5, "power_factor": 1}]})",
       "reference[0].phase: must be 1..3"},
      {R"({"reference": [{"phase": 1, "volts": "230", "amps": 5, "power_factor": 1}]})",
       "reference[0].volts: a number is expected"},
      {R"({"reference": []})", "reference: 1 to 3 phases are needed"},
  };
  for (const auto& c : cases) {
    const Response r = s.call("POST", "/api/v1/calibration/measure", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body.find(c.error), std::string::npos) << r.body;
  }
  EXPECT_EQ(s.status()["state"], "idle");
}

// A correction changed while measuring spoils the means: the measurement fails.
TEST(Calibration, AChangedCorrectionFailsTheMeasurement) {
  Site s;
  ASSERT_EQ(s.call("POST", "/api/v1/calibration/measure", s.measure_body(30)).status, 200);
  s.step_seconds(10);
  ASSERT_EQ(
      s.call("PATCH", "/api/v1/settings", R"({"calibration": {"phase1": {"voltage_gain": 0.97}}})")
          .status,
      200);
  const json st = s.status();
  EXPECT_EQ(st["state"], "failed");
  EXPECT_EQ(st["error"], "the calibration changed during the measurement");
  EXPECT_EQ(st["current"][0]["voltage_gain"], 0.97);
  ASSERT_EQ(s.call("POST", "/api/v1/calibration/cancel").status, 200);
  EXPECT_EQ(s.status()["state"], "idle");
}

TEST(Calibration, SettingsAreValidatedAndNamed) {
  Site s;
  const Response r =
      s.call("PATCH", "/api/v1/settings", R"({"calibration": {"phase3": {"current_gain": 2.5}}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("calibration.phase3.current_gain: must be 0.5..2"), std::string::npos)
      << r.body;
  const Response unknown =
      s.call("PATCH", "/api/v1/settings", R"({"calibration": {"phase1": {"gain": 1}}})");
  EXPECT_NE(unknown.body.find("calibration.phase1.gain: no such setting"), std::string::npos);
}

}  // namespace
}  // namespace maic::device
