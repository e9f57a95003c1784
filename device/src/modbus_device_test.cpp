// The device over a real Modbus TCP meter (the testing library's SDM630
// register bank on loopback), on a virtual clock: what a glitching or
// replaced meter does to the device's meters and journal (docs/sources.md,
// "Meters that glitch or are reset").
#include <gtest/gtest.h>

#include <initializer_list>

#include "maic/device/device.hpp"
#include "maic/metering/modbus_meter.hpp"
#include "maic/testing/modbus_test_server.hpp"

namespace maic::device {
namespace {

using std::chrono::seconds;

constexpr std::int64_t kStart = 1'700'000'040;  // a minute's start
// Two steps of a float32 kWh counter near 1 MWh (2^-14 kWh each).
constexpr double kResolutionWh = 0.13;

class ModbusDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = maic::testing::ModbusTestServer::tcp();
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    values_.hertz = 50;
    for (auto& p : values_.phase) p = {230, 3.13, 720, 1, 0, 0};
    server_->set(values_);
    auto meter = metering::ModbusMeter::create(
        *metering::parse_modbus_url(server_->endpoint() + "?interval_s=5"));
    ASSERT_TRUE(meter.ok()) << meter.error().message;
    DeviceOptions options;
    options.firmware_version = "test";
    auto device = Device::open({clock_, storage_, std::move(meter).value(),
                                [](std::span<std::byte> out) {
                                  for (auto& b : out) b = std::byte{7};
                                }},
                               options);
    ASSERT_TRUE(device.ok()) << device.error().message;
    device_ = std::move(device).value();
  }

  // The meter's L1 import counter reads `kwh` at each 5-s poll in turn.
  void read_l1_import(std::initializer_list<double> kwh) {
    for (double v : kwh) {
      values_.phase[0].import_wh = v * 1000;
      server_->set(values_);
      clock_.advance(seconds(5));
      device_->step();
    }
  }

  VirtualClock clock_{from_unix_seconds(kStart)};
  MemoryStorage storage_;
  std::unique_ptr<maic::testing::ModbusTestServer> server_;
  metering::sdm630::Values values_;
  std::unique_ptr<Device> device_;
};

// Issue 9 K1: 1000.000, 1000.001, 0, 1000.003, 1000.004 kWh book 4 Wh.
TEST_F(ModbusDeviceTest, AGlitchingReadBooksNoEnergy) {
  read_l1_import({1000.000, 1000.001, 0, 1000.003, 1000.004});
  ASSERT_TRUE(device_->latest().has_value());
  // The counter is a float32 kWh: 0.06 Wh apart near 1 MWh.
  EXPECT_NEAR(device_->latest()->phase[0].wh, 4, kResolutionWh);
}

TEST_F(ModbusDeviceTest, TheJournaledMinuteHoldsNoGlitch) {
  // The first minute journaled, the glitch comes in the second.
  for (int i = 0; i < 12; ++i) read_l1_import({1000.000});
  read_l1_import({1000.001, 0, 1000.003, 1000.004});
  for (int i = 0; i < 9; ++i) read_l1_import({1000.004});
  const std::vector<MinuteRecord> minutes = device_->minutes(kStart + 60, kStart + 60);
  ASSERT_EQ(minutes.size(), 1u);
  EXPECT_NEAR(minutes[0].phase[0].wh_delta, 4, kResolutionWh);
}

TEST_F(ModbusDeviceTest, AReplacedMeterCountsOnFromItsNewValue) {
  // 720 W: 1 Wh every 5 s; then a new meter at 0.
  read_l1_import({1000.000, 1000.001, 1000.002, 0, 0.001, 0.002});
  // 2 Wh on the old meter, 720 W for the 5 s no counter measured, 2 Wh on the new one.
  EXPECT_NEAR(device_->latest()->phase[0].wh, 2 + 720.0 * 5 / 3600 + 2, kResolutionWh);
}

TEST_F(ModbusDeviceTest, AnUpwardJumpIsNotConsumption) {
  read_l1_import({1000.000, 1000.001, 9'000'000, 1000.002, 1000.003});
  EXPECT_NEAR(device_->latest()->phase[0].wh, 3, kResolutionWh);
}

}  // namespace
}  // namespace maic::device
