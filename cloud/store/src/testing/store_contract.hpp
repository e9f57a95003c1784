// The behaviour every Store implementation shares (store.hpp), as one GTest
// suite run over each of them: SQLite (sqlite_store_test.cpp) and PostgreSQL
// (postgres_store_test.cpp), as core's storage_contract.hpp runs over its
// storages. For test binaries only: it includes GTest and date/tz.
//
// A typed suite rather than a value-parameterised one: TYPED_TEST_P bodies
// are templates, so two test files of one binary may both include this
// header. Use: a fixture type with a default constructor that prepares an
// empty database, a destructor that cleans up, and
//   std::unique_ptr<Store> make_store();
// which returns a fresh, empty store over it (nullptr: failed; it may call
// GTEST_SKIP() first where a server is missing). Each test calls it once.
// Then, in one test file:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreContract, SqliteFixture);
//
// Rollup values are checked against reference_rollups() below: a plain
// computation from the minutes with date/tz and doubles, deliberately not
// period_of() or RollupAccumulator, so a shared mistake there shows.
//
// What the suite pins down where store.hpp leaves room:
//  - a session is valid while now < expires;
//  - upsert_device keeps devtype, secret_hash and first_seen of the first
//    contact, and a hello with another secret changes nothing;
//  - ingest: newest_minute and newest_seq never go back (a re-sent older
//    batch leaves them), output_on follows a record only if it is newer than
//    newest_minute; an unknown device is an error;
//  - claim_device on a device already yours changes nothing;
//  - put_board takes any text as the document (the API checks boards);
//  - devices_of sorts by name (plain ASCII names here: collations differ).
#pragma once

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "maic/cloud/board_schema.hpp"
#include "maic/cloud/store.hpp"

namespace maic::cloud::contract {

// --- Test data -----------------------------------------------------------------------

inline constexpr std::int64_t kNow = 1'700'000'000;
inline constexpr std::int64_t kT0 = 1'717'372'800;  // 2024-06-03T00:00Z, a Monday

// Local midnights, from zdump: Berlin's 2024-10-27 is 25 hours long,
// 2024-03-31 23 hours (and 2024-04-01 is a Monday and a month's first);
// Kolkata is UTC+05:30 all year.
inline constexpr std::int64_t kBerlinOct27 = 1'729'980'000;
inline constexpr std::int64_t kBerlinOct28 = 1'730'070'000;
inline constexpr std::int64_t kBerlinMar31 = 1'711'839'600;
inline constexpr std::int64_t kBerlinApr01 = 1'711'922'400;
inline constexpr std::int64_t kKolkataJun03 = 1'717'353'000;

inline std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// A plausible minute of a device, a pure function of the minute (so any
// subset, order or repetition of minutes is the same data): load changing
// every minute, some generation, the meters rising, the output switching
// every few hours.
inline MinuteRecord sample_minute(std::int64_t minute, int phases = 3) {
  const std::uint64_t h = mix(static_cast<std::uint64_t>(minute));
  auto unit = [h](std::uint64_t k) {  // [0, 1) in millionths
    return static_cast<double>(mix(h + k) % 1'000'000) / 1e6;
  };
  MinuteRecord m;
  m.minute = minute;
  m.phases = phases;
  m.output_on = (minute / 3600 / 5) % 2 == 0;
  m.readings = 12;
  m.temperature_c = std::round(2000 + 1500 * unit(1)) / 100;
  const double hours = static_cast<double>(minute) / 3600;
  for (int p = 0; p < phases; ++p) {
    PhaseValues& v = m.phase[static_cast<std::size_t>(p)];
    const auto k = static_cast<std::uint64_t>(10 * (p + 1));
    v.volts = 225 + 10 * unit(k);
    v.amps = 25 * unit(k + 1) * unit(k + 2);
    v.power_factor = 0.5 + 0.5 * unit(k + 3);
    v.hertz = 49.9 + 0.2 * unit(k + 4);
    v.watts = v.volts * v.amps * v.power_factor;
    v.reverse_watts = unit(k + 5) < 0.3 ? 3000 * unit(k + 6) : 0;
    v.wh_delta = v.watts / 60;
    v.rwh_delta = v.reverse_watts / 60;
    v.wh = 1e6 + 300 * hours + p;
    v.rwh = 5e4 + 40 * hours;
  }
  return m;
}

inline std::vector<UploadRecord> sample_records(std::int64_t from, std::int64_t to,
                                                int phases = 3) {
  std::vector<UploadRecord> out;
  for (std::int64_t t = from; t < to; t += 60) {
    out.push_back(UploadRecord{static_cast<std::uint32_t>(t / 60), sample_minute(t, phases)});
  }
  return out;
}

inline std::vector<MinuteRecord> minutes_of(std::span<const UploadRecord> records) {
  std::vector<MinuteRecord> out;
  for (const auto& r : records) out.push_back(r.minute);
  return out;
}

inline DeviceIdentity sample_identity(const std::string& devid, int phases = 3) {
  return DeviceIdentity{devid,
                        "D103",
                        "0.4.0",
                        phases,
                        std::string(64, 'a'),
                        std::string(32, 'b'),
                        std::string(64, 'c')};
}

// --- The independent reference ---------------------------------------------------------

struct ReferencePhase {
  double volts = 0, amps = 0, power_factor = 0, hertz = 0;  // sums
  double wh_energy = 0, rwh_energy = 0;
  double min_volts = std::numeric_limits<double>::infinity();
  double max_volts = -std::numeric_limits<double>::infinity();
  double max_watts = 0, max_reverse_watts = 0;
  double wh = 0, rwh = 0;  // of the newest minute
};

struct ReferencePeriod {
  std::int64_t minutes = 0;
  std::int64_t last_minute = std::numeric_limits<std::int64_t>::min();
  int phases = 1;
  double temperature = 0;  // sum
  bool output_on = false;
  std::array<ReferencePhase, kMaxPhases> phase{};
};

using ReferenceRollups = std::map<std::pair<Period, std::int64_t>, ReferencePeriod>;

// The start of the period of kind `p` holding unix time `t`, the plain way:
// the local time by the offset in force; an hour is that local hour (so the
// two occurrences of a repeated hour differ by their offsets); longer
// periods begin at a local midnight. Throws (date::ambiguous_local_time) for
// a zone whose midnights are not unique: the suite uses none.
inline std::int64_t reference_start(Period p, std::int64_t t, const date::time_zone* zone) {
  using std::chrono::seconds;
  const std::int64_t offset = zone->get_info(date::sys_seconds(seconds(t))).offset.count();
  const std::int64_t local = t + offset;
  if (p == Period::kHour) return local - (((local % 3600) + 3600) % 3600) - offset;
  const auto day = date::floor<date::days>(date::local_seconds(seconds(local)));
  date::local_days first = day;
  const date::year_month_day ymd(day);
  if (p == Period::kWeek) first = day - (date::weekday(day) - date::Monday);
  if (p == Period::kMonth) first = date::local_days(ymd.year() / ymd.month() / 1);
  if (p == Period::kYear) first = date::local_days(ymd.year() / 1 / 1);
  return zone->to_sys(date::local_seconds(first)).time_since_epoch().count();
}

inline ReferenceRollups reference_rollups(std::span<const MinuteRecord> minutes,
                                          const std::string& zone_name) {
  const date::time_zone* zone = date::locate_zone(zone_name);
  ReferenceRollups out;
  for (const MinuteRecord& m : minutes) {
    for (Period p : {Period::kHour, Period::kDay, Period::kWeek, Period::kMonth, Period::kYear}) {
      ReferencePeriod& r = out[{p, reference_start(p, m.minute, zone)}];
      ++r.minutes;
      r.phases = std::max(r.phases, m.phases);
      r.temperature += m.temperature_c;
      const bool newest = m.minute > r.last_minute;
      if (newest) {
        r.last_minute = m.minute;
        r.output_on = m.output_on;
      }
      for (std::size_t k = 0; k < kMaxPhases; ++k) {
        const PhaseValues& in = m.phase[k];
        ReferencePhase& s = r.phase[k];
        s.volts += in.volts;
        s.amps += in.amps;
        s.power_factor += in.power_factor;
        s.hertz += in.hertz;
        s.wh_energy += in.wh_delta;
        s.rwh_energy += in.rwh_delta;
        s.min_volts = std::min(s.min_volts, in.volts);
        s.max_volts = std::max(s.max_volts, in.volts);
        s.max_watts = std::max(s.max_watts, in.watts);
        s.max_reverse_watts = std::max(s.max_reverse_watts, in.reverse_watts);
        if (newest) {
          s.wh = in.wh;
          s.rwh = in.rwh;
        }
      }
    }
  }
  return out;
}

// The store rounds each minute to fixed units before summing (mV, mA,
// millionths of PF, mHz, µWh, centi-degrees): a mean is off by at most half
// a unit, a sum of n minutes by n half units; the rest is double rounding.
inline void expect_matches(const PeriodRow& row, const ReferencePeriod& ref,
                           const std::string& where) {
  SCOPED_TRACE(where);
  ASSERT_EQ(row.minutes, ref.minutes);
  EXPECT_EQ(row.last_minute, ref.last_minute);
  EXPECT_EQ(row.phases, ref.phases);
  EXPECT_EQ(row.output_on, ref.output_on);
  const auto n = static_cast<double>(ref.minutes);
  auto mean_near = [n](double actual, double sum, double unit) {
    const double expected = sum / n;
    return std::abs(actual - expected) <= unit / 2 + 1e-9 * std::abs(expected);
  };
  // One value rounded to `unit`: off by half a unit, give or take the
  // double's own rounding of a value that ends in exactly half a unit.
  auto rounded_near = [](double actual, double expected, double unit) {
    return std::abs(actual - expected) <= unit / 2 + 1e-9 * std::abs(expected);
  };
  EXPECT_PRED3(mean_near, row.temperature_c, ref.temperature, 0.01);
  for (std::size_t k = 0; k < kMaxPhases; ++k) {
    SCOPED_TRACE("phase " + std::to_string(k));
    const PhaseRollup& a = row.phase[k];
    const ReferencePhase& e = ref.phase[k];
    EXPECT_PRED3(mean_near, a.volts, e.volts, 1e-3);
    EXPECT_PRED3(mean_near, a.amps, e.amps, 1e-3);
    EXPECT_PRED3(mean_near, a.power_factor, e.power_factor, 1e-6);
    EXPECT_PRED3(mean_near, a.hertz, e.hertz, 1e-3);
    const double energy_tolerance = n * 0.5e-6;
    EXPECT_NEAR(a.wh_energy, e.wh_energy, energy_tolerance + 1e-9 * e.wh_energy);
    EXPECT_NEAR(a.rwh_energy, e.rwh_energy, energy_tolerance + 1e-9 * e.rwh_energy);
    EXPECT_PRED3(rounded_near, a.min_volts, e.min_volts, 1e-3);
    EXPECT_PRED3(rounded_near, a.max_volts, e.max_volts, 1e-3);
    EXPECT_PRED3(rounded_near, a.max_watts, e.max_watts, 1e-3);
    EXPECT_PRED3(rounded_near, a.max_reverse_watts, e.max_reverse_watts, 1e-3);
    EXPECT_EQ(a.wh, e.wh) << "the meter at the period's end, as recorded";
    EXPECT_EQ(a.rwh, e.rwh);
  }
}

// Bit for bit: how backfilled and live rollups must compare.
inline void expect_identical(const PeriodRow& a, const PeriodRow& b, const std::string& where) {
  SCOPED_TRACE(where);
  auto bits = [](double d) { return std::bit_cast<std::uint64_t>(d); };
  EXPECT_EQ(a.minutes, b.minutes);
  EXPECT_EQ(a.last_minute, b.last_minute);
  EXPECT_EQ(a.phases, b.phases);
  EXPECT_EQ(a.output_on, b.output_on);
  EXPECT_EQ(bits(a.temperature_c), bits(b.temperature_c));
  for (std::size_t k = 0; k < kMaxPhases; ++k) {
    const PhaseRollup& x = a.phase[k];
    const PhaseRollup& y = b.phase[k];
    for (auto field :
         {&PhaseRollup::volts, &PhaseRollup::amps, &PhaseRollup::power_factor, &PhaseRollup::hertz,
          &PhaseRollup::wh_energy, &PhaseRollup::rwh_energy, &PhaseRollup::wh, &PhaseRollup::rwh,
          &PhaseRollup::min_volts, &PhaseRollup::max_volts, &PhaseRollup::max_watts,
          &PhaseRollup::max_reverse_watts}) {
      EXPECT_EQ(bits(x.*field), bits(y.*field)) << "phase " << k;
    }
  }
}

inline void expect_same_minute(const MinuteRecord& a, const MinuteRecord& b) {
  auto bits = [](double d) { return std::bit_cast<std::uint64_t>(d); };
  EXPECT_EQ(a.minute, b.minute);
  EXPECT_EQ(a.phases, b.phases);
  EXPECT_EQ(a.output_on, b.output_on);
  EXPECT_EQ(a.readings, b.readings);
  EXPECT_EQ(bits(a.temperature_c), bits(b.temperature_c));
  for (std::size_t k = 0; k < kMaxPhases; ++k) {
    const PhaseValues& x = a.phase[k];
    const PhaseValues& y = b.phase[k];
    for (auto field :
         {&PhaseValues::volts, &PhaseValues::amps, &PhaseValues::power_factor, &PhaseValues::watts,
          &PhaseValues::reverse_watts, &PhaseValues::hertz, &PhaseValues::wh_delta,
          &PhaseValues::rwh_delta, &PhaseValues::wh, &PhaseValues::rwh}) {
      EXPECT_EQ(bits(x.*field), bits(y.*field)) << "minute " << a.minute << " phase " << k;
    }
  }
}

inline constexpr std::array<Period, 5> kPeriods{Period::kHour, Period::kDay, Period::kWeek,
                                                Period::kMonth, Period::kYear};

// Every rollup of the device against the reference, and nothing more.
inline void expect_rollups_match(Store& store, const std::string& devid,
                                 std::span<const MinuteRecord> minutes, const std::string& zone) {
  const ReferenceRollups reference = reference_rollups(minutes, zone);
  for (Period p : kPeriods) {
    std::size_t expected_rows = 0;
    for (const auto& [key, value] : reference) expected_rows += key.first == p ? 1 : 0;
    auto rows = store.periods(devid, p, 0, std::numeric_limits<std::int64_t>::max(), 1'000'000);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(rows->size(), expected_rows) << period_name(p);
    std::int64_t previous = std::numeric_limits<std::int64_t>::min();
    for (const PeriodValue& v : *rows) {
      const std::string where = std::string(period_name(p)) + " " + std::to_string(v.start);
      EXPECT_GT(v.start, previous) << where << ": oldest first";
      previous = v.start;
      const auto it = reference.find({p, v.start});
      if (it == reference.end()) {
        ADD_FAILURE() << where << ": a period the reference does not have";
        continue;
      }
      expect_matches(v.row, it->second, where);
    }
  }
}

// --- An upgrade from schema version 1 ----------------------------------------------------
//
// Each store's upgrade test (sqlite_store_test.cpp, postgres_store_test.cpp)
// builds a database exactly as version 1 left it (that version's DDL, from
// migration_step_for_testing(1)), writes this data into it with plain SQL in
// version 1's stored forms (no version-1 store exists any more to write it),
// sets `user.id` and `device.owner` to the id the database gave the user,
// opens it with the current store and calls expect_upgraded_from_schema1().

struct Schema1Data {
  User user;
  DeviceRow device;  // first_seen 0: version 1 did not record it
  Board board;
  std::vector<UploadRecord> records;  // the stored minutes; rollups in UTC
};

inline Schema1Data schema1_data() {
  Schema1Data v1;
  v1.user = User{0, "ada@example.com", "$argon2id$hash-of-ada", std::string(64, 'f'), kNow, {}};
  v1.records = sample_records(kT0, kT0 + 3 * 3600);
  v1.device.identity = sample_identity("1828719372");
  v1.device.name = "Garage";
  v1.device.timezone = "UTC";
  v1.device.last_seen = kNow + 300;
  v1.device.newest_minute = v1.records.back().minute.minute;
  v1.device.newest_seq = v1.records.back().seq;
  v1.device.output_on = v1.records.back().minute.output_on;
  v1.board = Board{"pc", R"({"widgets":[]})"};
  return v1;
}

// Boards as schema 4 and before stored them, for the upgrade to schema 5:
// devices 1 (three phases) and 2 (one phase) are the user's, 3 nobody's.
struct Schema4Boards {
  struct Device {
    std::string devid;
    int phases;
    bool owned;
  };
  std::vector<Device> devices{
      {"0000000001", 3, true}, {"0000000002", 1, true}, {"0000000003", 3, false}};
  std::vector<std::pair<std::string, Board>> boards{
      {"0000000001", Board{"pc", R"({"widgets":[]})"}},
      // Valid already: kept as it is, byte for byte.
      {"0000000001", Board{"mobile", R"({"columns":1,"name":"Kitchen","version":2,"widgets":[)"
                                     R"({"h":2,"id":"out","type":"output","w":1,"x":0,"y":0}]})"}},
      // What schema 4's server created with a device.
      {"0000000002",
       Board{"pc", R"({"layout":"pc","version":1,"widgets":[{"quantity":"W","type":"value"}]})"}},
      {"0000000002", Board{"mobile", "not JSON at all"}},
      {"0000000002", Board{"watch", "{}"}},
      {"0000000003", Board{"pc", R"({"p":1})"}},
  };
};

inline void expect_boards_upgraded_from_schema4(Store& s, const Schema4Boards& old) {
  auto one = s.boards("0000000001");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, (std::vector<Board>{old.boards[1].second, Board{"pc", pc_preset(3).dump()}}));
  auto two = s.boards("0000000002");
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ(*two, (std::vector<Board>{Board{"mobile", mobile_preset(1).dump()},
                                      Board{"pc", pc_preset(1).dump()}}))
      << "presets of a single-phase device; no board of an unknown layout";
  EXPECT_TRUE(s.boards("0000000003")->empty()) << "nobody's device has no boards";
  for (const Board& b : *one) {
    EXPECT_EQ(board_problem(nlohmann::json::parse(b.document)), std::nullopt) << b.document;
  }
}

// After an upgrade from before schema 3: `utc_devid` (in UTC) takes the
// device's zone, `zoned_devid` (another zone, so its owner's choice) keeps its own.
inline void expect_zones_chosen_after_upgrade(Store& s, const std::string& utc_devid,
                                              const std::string& zoned_devid) {
  auto utc = s.device(utc_devid);
  ASSERT_TRUE(utc.ok() && utc->has_value());
  EXPECT_FALSE((*utc)->timezone_chosen);
  auto zoned = s.device(zoned_devid);
  ASSERT_TRUE(zoned.ok() && zoned->has_value());
  EXPECT_EQ((*zoned)->timezone, "Europe/Berlin");
  EXPECT_TRUE((*zoned)->timezone_chosen);

  const TimeZone kolkata = *TimeZone::locate("Asia/Kolkata");
  auto adopted = s.adopt_device_timezone(zoned_devid, kolkata);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message;
  EXPECT_FALSE(*adopted);
  EXPECT_EQ((*s.device(zoned_devid))->timezone, "Europe/Berlin");
  adopted = s.adopt_device_timezone(utc_devid, kolkata);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message;
  EXPECT_TRUE(*adopted);
  EXPECT_EQ((*s.device(utc_devid))->timezone, "Asia/Kolkata");
}

// Everything version 1 wrote reads back as it was, with first_seen unknown,
// and the store works on: hellos, ingest (new minutes and re-sent ones).
inline void expect_upgraded_from_schema1(Store& s, const Schema1Data& v1) {
  const std::string& devid = v1.device.identity.devid;
  auto user = s.user_by_email(v1.user.email);
  ASSERT_TRUE(user.ok()) << user.error().message;
  ASSERT_TRUE(user->has_value());
  EXPECT_EQ(**user, v1.user);

  auto device = s.device(devid);
  ASSERT_TRUE(device.ok()) << device.error().message;
  ASSERT_TRUE(device->has_value());
  EXPECT_EQ((*device)->first_seen, 0) << "unknown for a device of version 1";
  EXPECT_EQ(**device, v1.device);
  auto devices = s.devices_of(v1.user.id);
  ASSERT_TRUE(devices.ok()) << devices.error().message;
  EXPECT_EQ(*devices, std::vector<DeviceRow>{v1.device});
  // Not a board of schema 2 (schema 5 of the store): the layout's preset now.
  const Board preset{v1.board.layout, pc_preset(v1.device.identity.phases).dump()};
  EXPECT_EQ(*s.boards(devid), std::vector<Board>{preset});

  const std::vector<MinuteRecord> before = minutes_of(v1.records);
  auto minutes = s.minutes(devid, 0, std::numeric_limits<std::int64_t>::max(), 100'000);
  ASSERT_TRUE(minutes.ok()) << minutes.error().message;
  ASSERT_EQ(minutes->size(), before.size());
  for (std::size_t k = 0; k < before.size(); ++k) expect_same_minute((*minutes)[k], before[k]);
  expect_rollups_match(s, devid, before, "UTC");

  // A later hello is not the first contact: first_seen stays unknown.
  ASSERT_TRUE(s.upsert_device(v1.device.identity, kNow + 600).ok());
  device = s.device(devid);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->first_seen, 0);
  EXPECT_EQ((*device)->last_seen, kNow + 600);

  const std::int64_t end = v1.records.back().minute.minute + 60;
  const auto more = sample_records(end, end + 3600);
  auto added = s.ingest(devid, more, kNow + 700);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->inserted, more.size());
  EXPECT_EQ(added->duplicates, 0u);
  auto resent = s.ingest(devid, std::span(v1.records).last(30), kNow + 800);
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ(resent->inserted, 0u);
  EXPECT_EQ(resent->duplicates, 30u);
  device = s.device(devid);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->newest_minute, more.back().minute.minute);
  EXPECT_EQ((*device)->newest_seq, more.back().seq);
  EXPECT_EQ((*device)->first_seen, 0);
  std::vector<MinuteRecord> all = before;
  for (const UploadRecord& r : more) all.push_back(r.minute);
  expect_rollups_match(s, devid, all, "UTC");

  // A device new to the upgraded database has its first contact recorded.
  ASSERT_TRUE(s.upsert_device(sample_identity("0000000002"), kNow + 900).ok());
  auto newcomer = s.device("0000000002");
  ASSERT_TRUE(newcomer.ok() && newcomer->has_value());
  EXPECT_EQ((*newcomer)->first_seen, kNow + 900);
}

// --- The suite -----------------------------------------------------------------------------

template <typename Fixture>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = fixture_.make_store();
    if (IsSkipped()) return;
    ASSERT_NE(store_, nullptr) << "the fixture could not make a store";
  }

  Store& store() { return *store_; }

  UserId new_user(const std::string& email) {
    auto u = store().create_user(email, "$argon2id$hash-of-" + email, api_key_for(email), kNow);
    EXPECT_TRUE(u.ok()) << u.error().message;
    EXPECT_TRUE(u.ok() && u->has_value());
    return u.ok() && u->has_value() ? (*u)->id : 0;
  }

  static std::string api_key_for(const std::string& email) {
    std::string key;
    for (std::uint64_t k = 0; k < 4; ++k) {
      constexpr std::string_view kHex = "0123456789abcdef";
      std::uint64_t h = mix(std::hash<std::string>{}(email) + k);
      for (int d = 0; d < 16; ++d, h >>= 4) key.push_back(kHex[h & 15]);
    }
    return key;
  }

  // A device that has said hello, claimed by `owner` (unless 0) in `zone`,
  // with both boards.
  void new_device(const std::string& devid, UserId owner, const std::string& zone = "UTC",
                  int phases = 3) {
    ASSERT_TRUE(store().upsert_device(sample_identity(devid, phases), kNow).ok());
    if (owner == 0) return;
    auto c = store().claim_device(devid, owner, "device " + devid);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(*c, ClaimOutcome::kClaimed);
    for (const Board& b : {Board{"mobile", "{\"m\":1}"}, Board{"pc", "{\"p\":1}"}}) {
      auto put = store().put_board(devid, b);
      ASSERT_TRUE(put.ok()) << put.error().message;
      ASSERT_TRUE(*put);
    }
    if (zone != "UTC") {
      auto tz = TimeZone::locate(zone);
      ASSERT_TRUE(tz.ok());
      auto set = store().set_device_timezone(devid, owner, *tz);
      ASSERT_TRUE(set.ok()) << set.error().message;
      ASSERT_TRUE(*set);
    }
  }

  // Ingests in batches of at most kMaxUploadRecords.
  IngestResult ingest_all(const std::string& devid, std::span<const UploadRecord> records,
                          std::size_t batch = kMaxUploadRecords) {
    IngestResult total;
    for (std::size_t from = 0; from < records.size(); from += batch) {
      const auto part = records.subspan(from, std::min(batch, records.size() - from));
      auto r = store().ingest(devid, part, kNow);
      EXPECT_TRUE(r.ok()) << r.error().message;
      if (!r.ok()) break;
      total.inserted += r->inserted;
      total.duplicates += r->duplicates;
    }
    return total;
  }

  std::vector<PeriodValue> all_periods(const std::string& devid, Period p) {
    auto rows = store().periods(devid, p, 0, std::numeric_limits<std::int64_t>::max(), 1'000'000);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : std::vector<PeriodValue>{};
  }

  // Every rollup of the device against the reference, and nothing more.
  void expect_rollups_match(const std::string& devid, std::span<const MinuteRecord> minutes,
                            const std::string& zone) {
    contract::expect_rollups_match(store(), devid, minutes, zone);
  }

  void expect_same_rollups(const std::string& a, const std::string& b) {
    for (Period p : kPeriods) {
      const auto x = all_periods(a, p);
      const auto y = all_periods(b, p);
      ASSERT_EQ(x.size(), y.size()) << period_name(p);
      for (std::size_t k = 0; k < x.size(); ++k) {
        EXPECT_EQ(x[k].start, y[k].start);
        expect_identical(x[k].row, y[k].row,
                         std::string(period_name(p)) + " " + std::to_string(x[k].start));
      }
    }
  }

  Fixture fixture_;  // outlives store_: members go in reverse order
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreContract);

// --- Accounts

TYPED_TEST_P(StoreContract, UsersAreCreatedAndFoundByIdEmailAndApiKey) {
  Store& s = this->store();
  auto created = s.create_user("ada@example.com", "$argon2id$x", std::string(64, '1'), kNow);
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_TRUE(created->has_value());
  const User ada = **created;
  EXPECT_GT(ada.id, 0);
  EXPECT_EQ(ada.email, "ada@example.com");
  EXPECT_EQ(ada.password_hash, "$argon2id$x");
  EXPECT_EQ(ada.api_key, std::string(64, '1'));
  EXPECT_EQ(ada.created, kNow);
  const UserId bob = this->new_user("bob@example.com");
  EXPECT_NE(bob, ada.id);

  auto by_id = s.user_by_id(ada.id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(*by_id, std::optional<User>(ada));
  auto by_email = s.user_by_email("ada@example.com");
  ASSERT_TRUE(by_email.ok());
  EXPECT_EQ(*by_email, std::optional<User>(ada));
  auto by_key = s.user_by_api_key(std::string(64, '1'));
  ASSERT_TRUE(by_key.ok());
  EXPECT_EQ(*by_key, std::optional<User>(ada));

  EXPECT_EQ(*s.user_by_id(ada.id + bob + 100), std::nullopt);
  EXPECT_EQ(*s.user_by_email("nobody@example.com"), std::nullopt);
  EXPECT_EQ(*s.user_by_email("ADA@example.com"), std::nullopt) << "the caller lower-cases";
  EXPECT_EQ(*s.user_by_api_key(std::string(64, '2')), std::nullopt);
  EXPECT_EQ(*s.user_by_api_key(""), std::nullopt);
}

TYPED_TEST_P(StoreContract, ARegisteredEmailGivesNullopt) {
  Store& s = this->store();
  const UserId first = this->new_user("ada@example.com");
  auto again = s.create_user("ada@example.com", "other", std::string(64, '9'), kNow + 1);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->has_value());
  auto user = s.user_by_email("ada@example.com");
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->id, first);
  EXPECT_EQ((*user)->created, kNow) << "the first registration stands";
  EXPECT_EQ(*s.user_by_api_key(std::string(64, '9')), std::nullopt);
}

TYPED_TEST_P(StoreContract, PasswordHashAndApiKeyAreReplaced) {
  Store& s = this->store();
  const UserId id = this->new_user("ada@example.com");
  const std::string old_key = this->api_key_for("ada@example.com");
  ASSERT_TRUE(s.set_password_hash(id, "$argon2id$new").ok());
  ASSERT_TRUE(s.set_api_key(id, std::string(64, 'f')).ok());
  auto user = s.user_by_id(id);
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->password_hash, "$argon2id$new");
  EXPECT_EQ((*user)->api_key, std::string(64, 'f'));
  EXPECT_EQ(*s.user_by_api_key(old_key), std::nullopt) << "the old key opens nothing";
  auto by_new = s.user_by_api_key(std::string(64, 'f'));
  ASSERT_TRUE(by_new.ok() && by_new->has_value());
  EXPECT_EQ((*by_new)->id, id);
}

TYPED_TEST_P(StoreContract, PreferencesStartAtTheBrowsersAndAreKeptPerPerson) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const UserId bob = this->new_user("bob@example.com");
  EXPECT_EQ(s.user_by_id(ada)->value().preferences, Preferences{});
  EXPECT_EQ(s.user_by_id(ada)->value().preferences.theme, "system");
  const Preferences chosen{"uk", "dark", "Europe/Kyiv"};
  ASSERT_TRUE(s.set_preferences(ada, chosen).ok());
  EXPECT_EQ(s.user_by_id(ada)->value().preferences, chosen);
  EXPECT_EQ(s.user_by_email("ada@example.com")->value().preferences, chosen);
  EXPECT_EQ(s.user_by_api_key(this->api_key_for("ada@example.com"))->value().preferences, chosen);
  EXPECT_EQ(s.user_by_id(bob)->value().preferences, Preferences{}) << "only ada's changed";
  ASSERT_TRUE(s.set_preferences(ada, Preferences{}).ok());
  EXPECT_EQ(s.user_by_id(ada)->value().preferences, Preferences{});
}

// --- Sessions

TYPED_TEST_P(StoreContract, SessionsAreFoundUntilTheyExpire) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const Session session{"hash-1", ada, "csrf-1", kNow + 3600};
  ASSERT_TRUE(s.create_session(session).ok());
  auto found = s.session("hash-1", kNow);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(*found, std::optional<Session>(session));
  EXPECT_TRUE(s.session("hash-1", kNow + 3599)->has_value());
  EXPECT_FALSE(s.session("hash-1", kNow + 3600)->has_value()) << "expired at `expires`";
  EXPECT_FALSE(s.session("hash-1", kNow + 7200)->has_value());
  EXPECT_FALSE(s.session("hash-2", kNow)->has_value());
  ASSERT_TRUE(s.delete_session("hash-1").ok());
  EXPECT_FALSE(s.session("hash-1", kNow)->has_value());
  EXPECT_TRUE(s.delete_session("hash-1").ok()) << "deleting twice is fine";
}

TYPED_TEST_P(StoreContract, APasswordChangeSetsHashAndKeyAndEndsTheOtherSessions) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const UserId bob = this->new_user("bob@example.com");
  for (const char* h : {"a1", "a2", "a3"}) {
    ASSERT_TRUE(s.create_session(Session{h, ada, "c", kNow + 100}).ok());
  }
  ASSERT_TRUE(s.create_session(Session{"b1", bob, "c", kNow + 100}).ok());
  const std::string key(64, 'e');
  ASSERT_TRUE(s.change_password(ada, "new-hash", key, "a2").ok());
  const auto changed = s.user_by_id(ada);
  ASSERT_TRUE(changed.ok() && changed->has_value());
  EXPECT_EQ((*changed)->password_hash, "new-hash");
  EXPECT_EQ((*changed)->api_key, key);
  EXPECT_EQ(s.user_by_api_key(key)->value().id, ada);
  EXPECT_FALSE(s.session("a1", kNow)->has_value());
  EXPECT_TRUE(s.session("a2", kNow)->has_value()) << "the caller's own session stays";
  EXPECT_FALSE(s.session("a3", kNow)->has_value());
  EXPECT_TRUE(s.session("b1", kNow)->has_value()) << "another user's sessions stay";
  ASSERT_TRUE(s.change_password(ada, "newer-hash", std::string(64, 'd'), "").ok());
  EXPECT_FALSE(s.session("a2", kNow)->has_value());
}

TYPED_TEST_P(StoreContract, APasswordChangeThatFailsChangesNothing) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const UserId bob = this->new_user("bob@example.com");
  const auto bobs_key = s.user_by_id(bob)->value().api_key;
  const auto before = s.user_by_id(ada)->value();
  ASSERT_TRUE(s.create_session(Session{"a1", ada, "c", kNow + 100}).ok());
  // Bob's key is taken: setting it for Ada breaks the key's uniqueness, after
  // the password hash was written in the same transaction.
  EXPECT_FALSE(s.change_password(ada, "new-hash", bobs_key, "").ok());
  const auto after = s.user_by_id(ada)->value();
  EXPECT_EQ(after.password_hash, before.password_hash);
  EXPECT_EQ(after.api_key, before.api_key);
  EXPECT_TRUE(s.session("a1", kNow)->has_value());
}

// --- Devices

TYPED_TEST_P(StoreContract, TheFirstHelloCreatesTheDeviceAndLaterOnesUpdateIt) {
  Store& s = this->store();
  EXPECT_EQ(*s.device("1828719372"), std::nullopt);
  const DeviceIdentity first = sample_identity("1828719372");
  auto created = s.upsert_device(first, kNow);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(*created, HelloOutcome::kCreated);
  auto row = s.device("1828719372");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->identity, first);
  EXPECT_EQ((*row)->owner, 0);
  EXPECT_EQ((*row)->name, "");
  EXPECT_EQ((*row)->timezone, "UTC");
  EXPECT_EQ((*row)->first_seen, kNow);
  EXPECT_EQ((*row)->last_seen, kNow);
  EXPECT_EQ((*row)->newest_minute, -1);
  EXPECT_EQ((*row)->newest_seq, 0u);
  EXPECT_FALSE((*row)->output_on);

  DeviceIdentity later = first;
  later.firmware = "0.5.0";
  later.phases = 1;
  later.pin_salt = std::string(32, 'd');
  later.pin_hash = std::string(64, 'e');
  later.devtype = "D999";  // not the device's to change
  auto updated = s.upsert_device(later, kNow + 60);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(*updated, HelloOutcome::kUpdated);
  row = s.device("1828719372");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->identity.firmware, "0.5.0");
  EXPECT_EQ((*row)->identity.phases, 1);
  EXPECT_EQ((*row)->identity.pin_salt, later.pin_salt);
  EXPECT_EQ((*row)->identity.pin_hash, later.pin_hash);
  EXPECT_EQ((*row)->identity.devtype, "D103");
  EXPECT_EQ((*row)->identity.secret_hash, first.secret_hash);
  EXPECT_EQ((*row)->first_seen, kNow);
  EXPECT_EQ((*row)->last_seen, kNow + 60);
}

TYPED_TEST_P(StoreContract, AHelloWithAnotherSecretChangesNothing) {
  Store& s = this->store();
  const DeviceIdentity first = sample_identity("1828719372");
  ASSERT_EQ(*s.upsert_device(first, kNow), HelloOutcome::kCreated);
  DeviceIdentity impostor = first;
  impostor.secret_hash = std::string(64, '0');
  impostor.firmware = "6.6.6";
  impostor.pin_salt = std::string(32, 'd');
  impostor.pin_hash = std::string(64, 'e');
  auto refused = s.upsert_device(impostor, kNow + 60);
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(*refused, HelloOutcome::kWrongSecret);
  impostor.secret_hash = first.secret_hash.substr(0, 63);  // a prefix is not the hash
  EXPECT_EQ(*s.upsert_device(impostor, kNow + 60), HelloOutcome::kWrongSecret);
  const auto row = s.device("1828719372");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->identity, first);
  EXPECT_EQ((*row)->last_seen, kNow);
}

TYPED_TEST_P(StoreContract, ClaimingHasFourOutcomesAndCreatesNoBoard) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const UserId bob = this->new_user("bob@example.com");
  EXPECT_EQ(*s.claim_device("0000000001", ada, "Nowhere"), ClaimOutcome::kUnknownDevice);
  ASSERT_TRUE(s.upsert_device(sample_identity("0000000001"), kNow).ok());
  auto claimed = s.claim_device("0000000001", ada, "Garage");
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  EXPECT_EQ(*claimed, ClaimOutcome::kClaimed);
  auto row = s.device("0000000001");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->owner, ada);
  EXPECT_EQ((*row)->name, "Garage");
  auto stored = s.boards("0000000001");
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_TRUE(stored->empty()) << "boards come when the owner accepts them";
  ASSERT_TRUE(*s.put_board("0000000001", Board{"pc", "{}"}));

  EXPECT_EQ(*s.claim_device("0000000001", ada, "Again"), ClaimOutcome::kAlreadyYours);
  EXPECT_EQ(*s.claim_device("0000000001", bob, "Mine"), ClaimOutcome::kOwnedByOther);
  row = s.device("0000000001");
  EXPECT_EQ((*row)->owner, ada);
  EXPECT_EQ((*row)->name, "Garage") << "neither changed anything";
  EXPECT_EQ(*s.boards("0000000001"), (std::vector<Board>{Board{"pc", "{}"}}));
  EXPECT_TRUE(s.devices_of(bob)->empty());
}

TYPED_TEST_P(StoreContract, AUsersDevicesComeByName) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const UserId bob = this->new_user("bob@example.com");
  const std::array<std::pair<const char*, const char*>, 3> mine{
      {{"0000000003", "Workshop"}, {"0000000001", "House"}, {"0000000002", "Garage"}}};
  for (const auto& [devid, name] : mine) {
    ASSERT_TRUE(s.upsert_device(sample_identity(devid), kNow).ok());
    ASSERT_EQ(*s.claim_device(devid, ada, name), ClaimOutcome::kClaimed);
  }
  this->new_device("0000000004", bob);
  this->new_device("0000000005", 0);
  auto devices = s.devices_of(ada);
  ASSERT_TRUE(devices.ok()) << devices.error().message;
  std::vector<std::string> names;
  for (const auto& d : *devices) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Garage", "House", "Workshop"}));
  EXPECT_EQ((*devices)[0].identity.devid, "0000000002");
  EXPECT_EQ((*devices)[0].owner, ada);
  EXPECT_EQ(s.devices_of(bob)->size(), 1u);
  EXPECT_TRUE(s.devices_of(ada + bob + 100)->empty());
}

TYPED_TEST_P(StoreContract, OnlyTheOwnerRenamesOrSetsTheTimeZone) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const UserId bob = this->new_user("bob@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", 0);
  EXPECT_TRUE(*s.rename_device("0000000001", ada, "Cellar"));
  EXPECT_FALSE(*s.rename_device("0000000001", bob, "Mine"));
  EXPECT_FALSE(*s.rename_device("0000000002", ada, "Unclaimed"));
  EXPECT_FALSE(*s.rename_device("0000000009", ada, "Unknown"));
  EXPECT_EQ((*s.device("0000000001"))->name, "Cellar");
  EXPECT_EQ((*s.device("0000000002"))->name, "");

  const TimeZone berlin = *TimeZone::locate("Europe/Berlin");
  EXPECT_FALSE(*s.set_device_timezone("0000000001", bob, berlin));
  EXPECT_FALSE(*s.set_device_timezone("0000000002", ada, berlin));
  EXPECT_FALSE(*s.set_device_timezone("0000000009", ada, berlin));
  EXPECT_EQ((*s.device("0000000001"))->timezone, "UTC");
  EXPECT_TRUE(*s.set_device_timezone("0000000001", ada, berlin));
  EXPECT_EQ((*s.device("0000000001"))->timezone, "Europe/Berlin");
}

TYPED_TEST_P(StoreContract, ReleaseDeletesBoardsAndPendingCommandsAndKeepsTheData) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  const UserId bob = this->new_user("bob@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", ada);
  const auto records = sample_records(kT0, kT0 + 3 * 3600);
  ASSERT_EQ(this->ingest_all("0000000001", records).inserted, records.size());
  auto acked = s.add_command("0000000001", true, kNow);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  ASSERT_TRUE(*s.ack_command("0000000001", acked->id, true, kNow + 1));
  auto pending = s.add_command("0000000001", false, kNow + 2);
  ASSERT_TRUE(pending.ok());
  auto other = s.add_command("0000000002", true, kNow + 3);
  ASSERT_TRUE(other.ok());

  ASSERT_TRUE(*s.set_device_timezone("0000000001", ada, *TimeZone::locate("Europe/Berlin")));
  ASSERT_TRUE((*s.device("0000000001"))->timezone_chosen);

  EXPECT_FALSE(*s.release_device("0000000001", bob));
  EXPECT_EQ((*s.device("0000000001"))->owner, ada) << "not bob's to release";
  auto released = s.release_device("0000000001", ada);
  ASSERT_TRUE(released.ok()) << released.error().message;
  EXPECT_TRUE(*released);
  EXPECT_FALSE(*s.release_device("0000000001", ada)) << "not hers any more";

  auto row = s.device("0000000001");
  ASSERT_TRUE(row.ok() && row->has_value()) << "the row stays";
  EXPECT_EQ((*row)->owner, 0);
  // The next owner has chosen nothing: the device's own zone applies again
  // from its next hello.
  EXPECT_FALSE((*row)->timezone_chosen);
  EXPECT_TRUE(s.devices_of(ada)->size() == 1u);
  EXPECT_TRUE(s.boards("0000000001")->empty());
  EXPECT_TRUE(s.pending_commands("0000000001")->empty());
  auto after = s.commands_after(0, 100);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, other->id) << "another device's command stays";
  EXPECT_EQ(s.minutes("0000000001", 0, kNow * 2, 10'000)->size(), records.size());
  EXPECT_EQ(this->all_periods("0000000001", Period::kHour).size(), 3u);

  EXPECT_FALSE(*s.put_board("0000000001", Board{"pc", "{}"})) << "nobody's device has no board";
  EXPECT_TRUE(s.boards("0000000001")->empty());

  // Added again, by someone else: the data is there, no board until accepted.
  EXPECT_EQ(*s.claim_device("0000000001", bob, "Bob's"), ClaimOutcome::kClaimed);
  EXPECT_TRUE(s.boards("0000000001")->empty());
  EXPECT_TRUE(*s.put_board("0000000001", Board{"pc", "{}"}));
  EXPECT_EQ(*s.boards("0000000001"), (std::vector<Board>{Board{"pc", "{}"}}));
  EXPECT_EQ(s.minutes("0000000001", 0, kNow * 2, 10'000)->size(), records.size());
}

// --- Boards

TYPED_TEST_P(StoreContract, PutCreatesOrReplacesABoardOfAnOwnedDevice) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", 0);
  EXPECT_TRUE(*s.put_board("0000000001", Board{"pc", "{\"new\":true}"}));
  EXPECT_FALSE(*s.put_board("0000000002", Board{"pc", "{}"})) << "nobody owns it";
  EXPECT_FALSE(*s.put_board("0000000009", Board{"pc", "{}"})) << "no such device";
  auto boards = s.boards("0000000001");
  ASSERT_TRUE(boards.ok());
  EXPECT_EQ(*boards,
            (std::vector<Board>{Board{"mobile", "{\"m\":1}"}, Board{"pc", "{\"new\":true}"}}));
  EXPECT_TRUE(s.boards("0000000002")->empty());
  EXPECT_TRUE(s.boards("0000000009")->empty());

  // A device without boards gets one, and only that one.
  ASSERT_TRUE(s.upsert_device(sample_identity("0000000003"), kNow).ok());
  ASSERT_EQ(*s.claim_device("0000000003", ada, "Shed"), ClaimOutcome::kClaimed);
  EXPECT_TRUE(*s.put_board("0000000003", Board{"mobile", "{}"}));
  EXPECT_EQ(*s.boards("0000000003"), (std::vector<Board>{Board{"mobile", "{}"}}));
}

// --- Minute data

TYPED_TEST_P(StoreContract, IngestStoresRecordsExactlyAndUpdatesTheDevice) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada, "UTC", 1);
  const std::int64_t t0 = kT0;
  auto records = sample_records(t0, t0 + 120 * 60, 1);
  auto result = s.ingest("0000000001", records, kNow + 500);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->inserted, records.size());
  EXPECT_EQ(result->duplicates, 0u);

  auto stored = s.minutes("0000000001", t0, t0 + 120 * 60, 1000);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  ASSERT_EQ(stored->size(), records.size());
  for (std::size_t k = 0; k < records.size(); ++k) {
    expect_same_minute((*stored)[k], records[k].minute);
  }
  auto row = s.device("0000000001");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->newest_minute, records.back().minute.minute);
  EXPECT_EQ((*row)->newest_seq, records.back().seq);
  EXPECT_EQ((*row)->output_on, records.back().minute.output_on);
  EXPECT_EQ((*row)->last_seen, kNow + 500);

  // Out of order within a batch: the newest record decides, not the last.
  std::vector<UploadRecord> later = sample_records(t0 + 120 * 60, t0 + 130 * 60, 1);
  for (auto& r : later) r.minute.output_on = false;
  later[9].minute.output_on = true;
  std::swap(later[9], later[0]);
  ASSERT_TRUE(s.ingest("0000000001", later, kNow + 600).ok());
  row = s.device("0000000001");
  EXPECT_EQ((*row)->newest_minute, t0 + 129 * 60);
  EXPECT_EQ((*row)->newest_seq, static_cast<std::uint32_t>((t0 + 129 * 60) / 60));
  EXPECT_TRUE((*row)->output_on);

  // An empty batch only says the device was there.
  auto empty = s.ingest("0000000001", {}, kNow + 700);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(empty->inserted + empty->duplicates, 0u);
  EXPECT_EQ((*s.device("0000000001"))->last_seen, kNow + 700);
  EXPECT_EQ((*s.device("0000000001"))->newest_minute, t0 + 129 * 60);
}

TYPED_TEST_P(StoreContract, IngestOfAnUnknownDeviceFails) {
  const auto records = sample_records(kT0, kT0 + 600);
  EXPECT_FALSE(this->store().ingest("0000000009", records, kNow).ok());
  EXPECT_TRUE(this->store().minutes("0000000009", 0, kNow * 2, 100)->empty());
}

TYPED_TEST_P(StoreContract, AResentBatchChangesNothing) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada, "Europe/Berlin");
  const auto records = sample_records(kBerlinOct27 - 3600, kBerlinOct27 + 5 * 3600);
  ASSERT_EQ(records.size(), 360u);
  auto first = s.ingest("0000000001", records, kNow);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->inserted, 360u);
  std::vector<std::vector<PeriodValue>> before;
  for (Period p : kPeriods) before.push_back(this->all_periods("0000000001", p));

  // The same minutes again, some with other values: the stored ones stay.
  auto again = records;
  for (auto& r : again) r.minute.phase[0].wh_delta += 1000;
  auto second = s.ingest("0000000001", again, kNow + 60);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->inserted, 0u);
  EXPECT_EQ(second->duplicates, 360u);
  EXPECT_EQ(second->conflicts, 360u);  // other content under the same identities
  ASSERT_EQ(second->conflicting.size(), 360u);
  EXPECT_EQ(second->conflicting[5],
            (std::pair<std::uint32_t, std::int64_t>(records[5].seq, records[5].minute.minute)));
  for (std::size_t k = 0; k < kPeriods.size(); ++k) {
    const auto after = this->all_periods("0000000001", kPeriods[k]);
    ASSERT_EQ(after.size(), before[k].size());
    for (std::size_t j = 0; j < after.size(); ++j) {
      EXPECT_EQ(after[j].start, before[k][j].start);
      expect_identical(after[j].row, before[k][j].row, std::string(period_name(kPeriods[k])));
    }
  }
  auto stored = s.minutes("0000000001", records[5].minute.minute, records[5].minute.minute, 10);
  ASSERT_EQ(stored->size(), 1u);
  expect_same_minute((*stored)[0], records[5].minute);

  // Half old, half new; and a record twice in one batch counts once.
  auto mixed = sample_records(kBerlinOct27 + 2 * 3600, kBerlinOct27 + 7 * 3600);
  mixed.push_back(mixed.back());
  auto third = s.ingest("0000000001", mixed, kNow + 120);
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(third->inserted, 120u);
  EXPECT_EQ(third->duplicates, 181u);
  EXPECT_EQ(third->conflicts, 0u);  // the same content again, and a repeat of a new one
  std::vector<MinuteRecord> all = minutes_of(records);
  for (std::size_t k = 180; k < 300; ++k) all.push_back(mixed[k].minute);
  this->expect_rollups_match("0000000001", all, "Europe/Berlin");
}

TYPED_TEST_P(StoreContract, AnOlderBatchDoesNotMoveTheNewestBack) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  const std::int64_t t0 = kT0;
  auto newer = sample_records(t0 + 3600, t0 + 7200);
  for (auto& r : newer) r.minute.output_on = true;
  ASSERT_TRUE(s.ingest("0000000001", newer, kNow).ok());
  auto older = sample_records(t0, t0 + 3600);  // a backfill after a restored journal
  for (auto& r : older) r.minute.output_on = false;
  auto result = s.ingest("0000000001", older, kNow + 60);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->inserted, 60u);
  auto row = s.device("0000000001");
  EXPECT_EQ((*row)->newest_minute, newer.back().minute.minute);
  EXPECT_EQ((*row)->newest_seq, newer.back().seq);
  EXPECT_TRUE((*row)->output_on) << "the newest record's output stands";
  EXPECT_EQ((*row)->last_seen, kNow + 60);
  EXPECT_EQ(s.minutes("0000000001", 0, kNow * 2, 1000)->size(), 120u);
}

// However the minutes arrive, the rollups come out the same, to the bit:
// live one by one, in one batch, or shuffled in uneven batches with
// repeats. Over the repeated hour of an autumn night and across a short
// day's end that is also a month's and a week's.
TYPED_TEST_P(StoreContract, BackfillsRollUpExactlyAsLiveData) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  for (const char* devid : {"0000000001", "0000000002", "0000000003"}) {
    this->new_device(devid, ada, "Europe/Berlin");
  }
  auto records = sample_records(kBerlinOct27 + 3600, kBerlinOct27 + 5 * 3600);
  const auto spring = sample_records(kBerlinApr01 - 3600, kBerlinApr01 + 3600);
  records.insert(records.end(), spring.begin(), spring.end());

  for (const auto& r : records) {
    auto one = s.ingest("0000000001", {&r, 1}, kNow);
    ASSERT_TRUE(one.ok()) << one.error().message;
    ASSERT_EQ(one->inserted, 1u);
  }
  EXPECT_EQ(this->ingest_all("0000000002", records).inserted, records.size());

  std::mt19937 rng(11);
  auto shuffled = records;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  std::size_t inserted = 0;
  for (std::size_t from = 0; from < shuffled.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 97, shuffled.size() - from);
    std::vector<UploadRecord> batch(shuffled.begin() + static_cast<std::ptrdiff_t>(from),
                                    shuffled.begin() + static_cast<std::ptrdiff_t>(from + n));
    if (from > 0) batch.push_back(shuffled[rng() % from]);  // a repeat
    auto r = s.ingest("0000000003", batch, kNow);
    ASSERT_TRUE(r.ok()) << r.error().message;
    inserted += r->inserted;
    from += n;
  }
  EXPECT_EQ(inserted, records.size());

  this->expect_same_rollups("0000000001", "0000000002");
  this->expect_same_rollups("0000000001", "0000000003");
  this->expect_rollups_match("0000000001", minutes_of(records), "Europe/Berlin");
}

// Berlin's 25- and 23-hour days: every rollup against the reference.
TYPED_TEST_P(StoreContract, RollupsAreRightAroundDaylightSavingChanges) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada, "Europe/Berlin");
  auto records = sample_records(kBerlinOct27 - 86400, kBerlinOct28 + 86400);
  const auto spring = sample_records(kBerlinMar31 - 3 * 3600, kBerlinApr01 + 3 * 3600);
  records.insert(records.end(), spring.begin(), spring.end());
  ASSERT_EQ(this->ingest_all("0000000001", records).inserted, records.size());
  this->expect_rollups_match("0000000001", minutes_of(records), "Europe/Berlin");

  auto days = s.periods("0000000001", Period::kDay, kBerlinOct27, kBerlinOct27, 10);
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].row.minutes, 25 * 60);
  days = s.periods("0000000001", Period::kDay, kBerlinMar31, kBerlinMar31, 10);
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].row.minutes, 23 * 60);
  auto hours = s.periods("0000000001", Period::kHour, kBerlinOct27, kBerlinOct28 - 1, 100);
  ASSERT_TRUE(hours.ok());
  EXPECT_EQ(hours->size(), 25u) << "the repeated hour is two periods";
  for (const auto& h : *hours) EXPECT_EQ(h.row.minutes, 60);
}

// Kolkata (UTC+05:30): hours start at half past in UTC, days at 18:30 UTC.
TYPED_TEST_P(StoreContract, RollupsAreRightInAHalfHourZone) {
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada, "Asia/Kolkata", 1);
  const auto records = sample_records(kKolkataJun03 - 2 * 3600, kKolkataJun03 + 26 * 3600, 1);
  ASSERT_EQ(this->ingest_all("0000000001", records).inserted, records.size());
  this->expect_rollups_match("0000000001", minutes_of(records), "Asia/Kolkata");
  const auto hours = this->all_periods("0000000001", Period::kHour);
  ASSERT_EQ(hours.size(), 28u);
  for (const auto& h : hours) EXPECT_EQ(h.start % 3600, 1800);
  const auto days = this->all_periods("0000000001", Period::kDay);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[1].start, kKolkataJun03);
  EXPECT_EQ(days[1].row.minutes, 24 * 60);
}

// Quarter- and half-hour zones, two of them with DST changing at 02:00
// local: Kathmandu (+05:45), Adelaide (+09:30, summer +10:30) around its
// 23-hour 2023-10-01, St. John's (-03:30, summer -02:30) around its 25-hour
// 2023-11-05. Every rollup against the reference; each hour starts on its
// local hour, each day at local midnight.
TYPED_TEST_P(StoreContract, RollupsAreRightInOffsetZonesWithDst) {
  struct Case {
    std::string devid;
    std::string zone;
    std::int64_t midnight;  // of the day checked, unix seconds
    std::int64_t hours;     // its length
  };
  const Case cases[] = {
      {"0000000001", "Asia/Kathmandu", 1'699'899'300, 24},      // 2023-11-14
      {"0000000002", "Australia/Adelaide", 1'696'084'200, 23},  // 2023-10-01
      {"0000000003", "America/St_Johns", 1'699'151'400, 25},    // 2023-11-05
  };
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.zone);
    this->new_device(c.devid, ada, c.zone);
    const auto records = sample_records(c.midnight - 3 * 3600, c.midnight + 28 * 3600);
    ASSERT_EQ(this->ingest_all(c.devid, records).inserted, records.size());
    this->expect_rollups_match(c.devid, minutes_of(records), c.zone);
    const TimeZone zone = *TimeZone::locate(c.zone);
    auto days = s.periods(c.devid, Period::kDay, c.midnight, c.midnight, 10);
    ASSERT_TRUE(days.ok());
    ASSERT_EQ(days->size(), 1u);
    EXPECT_EQ((*days)[0].row.minutes, c.hours * 60);
    auto hours =
        s.periods(c.devid, Period::kHour, c.midnight, c.midnight + c.hours * 3600 - 1, 100);
    ASSERT_TRUE(hours.ok());
    ASSERT_EQ(static_cast<std::int64_t>(hours->size()), c.hours);
    for (const auto& h : *hours) {
      EXPECT_EQ((h.start + zone.offset_at(h.start)) % 3600, 0) << h.start;
      EXPECT_EQ(h.row.minutes, 60) << h.start;
    }
  }
}

TYPED_TEST_P(StoreContract, ANewTimeZoneRecomputesTheRollups) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  auto records = sample_records(kKolkataJun03 - 6 * 3600, kKolkataJun03 + 30 * 3600);
  ASSERT_EQ(this->ingest_all("0000000001", records).inserted, records.size());
  this->expect_rollups_match("0000000001", minutes_of(records), "UTC");

  auto set = s.set_device_timezone("0000000001", ada, *TimeZone::locate("Asia/Kolkata"));
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_TRUE(*set);
  this->expect_rollups_match("0000000001", minutes_of(records), "Asia/Kolkata");

  // Later minutes roll up in the new zone, onto the recomputed periods.
  const auto more = sample_records(kKolkataJun03 + 30 * 3600, kKolkataJun03 + 33 * 3600);
  ASSERT_EQ(this->ingest_all("0000000001", more).inserted, more.size());
  records.insert(records.end(), more.begin(), more.end());
  this->expect_rollups_match("0000000001", minutes_of(records), "Asia/Kolkata");

  set = s.set_device_timezone("0000000001", ada, *TimeZone::locate("Europe/Berlin"));
  ASSERT_TRUE(set.ok() && *set);
  this->expect_rollups_match("0000000001", minutes_of(records), "Europe/Berlin");
}

TYPED_TEST_P(StoreContract, TheDevicesZoneIsAdoptedUntilTheOwnerChoosesOne) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", 0);
  const auto records = sample_records(kKolkataJun03 - 6 * 3600, kKolkataJun03 + 30 * 3600);
  ASSERT_EQ(this->ingest_all("0000000001", records).inserted, records.size());
  const TimeZone kolkata = *TimeZone::locate("Asia/Kolkata");

  auto adopted = s.adopt_device_timezone("0000000001", kolkata);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message;
  EXPECT_TRUE(*adopted);
  auto device = s.device("0000000001");
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->timezone, "Asia/Kolkata");
  EXPECT_FALSE((*device)->timezone_chosen) << "the device's zone, not the owner's choice";
  this->expect_rollups_match("0000000001", minutes_of(records), "Asia/Kolkata");
  auto days = s.periods("0000000001", Period::kDay, kKolkataJun03, kKolkataJun03, 10);
  ASSERT_TRUE(days.ok()) << days.error().message;
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].start, kKolkataJun03) << "a day starts at the local midnight";
  EXPECT_EQ((*days)[0].row.minutes, 24 * 60);
  adopted = s.adopt_device_timezone("0000000001", kolkata);
  ASSERT_TRUE(adopted.ok() && *adopted) << "the same zone again";
  this->expect_rollups_match("0000000001", minutes_of(records), "Asia/Kolkata");

  // A device nobody owns keeps its own zone too; an unknown one has none.
  EXPECT_TRUE(*s.adopt_device_timezone("0000000002", kolkata));
  EXPECT_EQ((*s.device("0000000002"))->timezone, "Asia/Kolkata");
  EXPECT_FALSE(*s.adopt_device_timezone("0000000009", kolkata));

  // The owner's choice stands against the device's zone.
  const TimeZone berlin = *TimeZone::locate("Europe/Berlin");
  ASSERT_TRUE(*s.set_device_timezone("0000000001", ada, berlin));
  EXPECT_TRUE((*s.device("0000000001"))->timezone_chosen);
  adopted = s.adopt_device_timezone("0000000001", kolkata);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message;
  EXPECT_FALSE(*adopted);
  EXPECT_EQ((*s.device("0000000001"))->timezone, "Europe/Berlin");
  this->expect_rollups_match("0000000001", minutes_of(records), "Europe/Berlin");
}

TYPED_TEST_P(StoreContract, MinutesAndPeriodsHonourRangesAndLimits) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", ada);
  const std::int64_t t0 = kT0;
  const auto records = sample_records(t0, t0 + 3 * 86400);
  ASSERT_EQ(this->ingest_all("0000000001", records).inserted, records.size());
  ASSERT_EQ(this->ingest_all("0000000002", sample_records(t0, t0 + 600)).inserted, 10u);

  auto m = s.minutes("0000000001", t0 + 60, t0 + 300, 100);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->size(), 5u) << "both ends are inclusive";
  EXPECT_EQ(m->front().minute, t0 + 60);
  EXPECT_EQ(m->back().minute, t0 + 300);
  m = s.minutes("0000000001", t0 + 61, t0 + 299, 100);
  EXPECT_EQ(m->size(), 3u);
  m = s.minutes("0000000001", t0, t0 + 3 * 86400, 7);
  ASSERT_EQ(m->size(), 7u);
  EXPECT_EQ(m->front().minute, t0) << "the oldest first";
  EXPECT_EQ(m->back().minute, t0 + 6 * 60);
  EXPECT_TRUE(s.minutes("0000000001", t0, t0 + 3600, 0)->empty());
  EXPECT_TRUE(s.minutes("0000000001", t0 + 300, t0 + 60, 100)->empty());
  EXPECT_EQ(s.minutes("0000000001", 0, std::numeric_limits<std::int64_t>::max(),
                      std::numeric_limits<std::size_t>::max())
                ->size(),
            records.size());
  EXPECT_EQ(s.minutes("0000000002", 0, t0 * 2, 10'000)->size(), 10u) << "devices apart";
  EXPECT_TRUE(s.minutes("0000000009", 0, t0 * 2, 10'000)->empty());

  auto hours = s.periods("0000000001", Period::kHour, t0 + 3600, t0 + 5 * 3600, 100);
  ASSERT_TRUE(hours.ok()) << hours.error().message;
  ASSERT_EQ(hours->size(), 5u);
  EXPECT_EQ(hours->front().start, t0 + 3600);
  EXPECT_EQ(hours->back().start, t0 + 5 * 3600);
  hours = s.periods("0000000001", Period::kHour, t0 + 1, t0 + 5 * 3600 - 1, 100);
  EXPECT_EQ(hours->size(), 4u) << "by start";
  hours = s.periods("0000000001", Period::kHour, 0, t0 * 2, 10);
  ASSERT_EQ(hours->size(), 10u);
  EXPECT_EQ(hours->front().start, t0);
  EXPECT_TRUE(s.periods("0000000001", Period::kHour, 0, t0 * 2, 0)->empty());
  auto days = s.periods("0000000001", Period::kDay, 0, t0 * 2, 100);
  ASSERT_EQ(days->size(), 3u);
  for (const auto& d : *days) EXPECT_EQ(d.row.minutes, 1440);
  EXPECT_EQ(s.periods("0000000001", Period::kWeek, 0, t0 * 2, 100)->size(), 1u);
  EXPECT_EQ(s.periods("0000000001", Period::kMonth, 0, t0 * 2, 100)->size(), 1u);
  EXPECT_EQ(s.periods("0000000001", Period::kYear, 0, t0 * 2, 100)->size(), 1u);
  EXPECT_EQ(s.periods("0000000002", Period::kDay, 0, t0 * 2, 100)->front().row.minutes, 10);
  EXPECT_TRUE(s.periods("0000000009", Period::kDay, 0, t0 * 2, 100)->empty());
}

// --- Output commands

TYPED_TEST_P(StoreContract, ANewCommandSupersedesThePendingOne) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", ada);
  auto on = s.add_command("0000000001", true, kNow);
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_EQ(on->devid, "0000000001");
  EXPECT_TRUE(on->output_on);
  EXPECT_EQ(on->created, kNow);
  EXPECT_EQ(on->acked, 0);
  EXPECT_EQ(*s.pending_commands("0000000001"), std::vector<Command>{*on});

  auto off = s.add_command("0000000001", false, kNow + 5);
  ASSERT_TRUE(off.ok());
  EXPECT_GT(off->id, on->id);
  EXPECT_EQ(*s.pending_commands("0000000001"), std::vector<Command>{*off}) << "only the newest";
  EXPECT_FALSE(*s.ack_command("0000000001", on->id, true, kNow + 6)) << "superseded: not pending";
  EXPECT_TRUE(s.pending_commands("0000000002")->empty());
  EXPECT_TRUE(s.pending_commands("0000000009")->empty());
}

TYPED_TEST_P(StoreContract, CommandsAfterListsThePendingOnesOfAllDevices) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", ada);
  this->new_device("0000000003", ada);
  const Command a = *s.add_command("0000000001", true, kNow);
  const Command b = *s.add_command("0000000002", true, kNow + 1);
  const Command c = *s.add_command("0000000003", false, kNow + 2);
  const Command a2 = *s.add_command("0000000001", false, kNow + 3);  // supersedes a
  EXPECT_LT(a.id, b.id);
  EXPECT_LT(b.id, c.id);
  EXPECT_LT(c.id, a2.id);
  EXPECT_EQ(*s.commands_after(0, 100), (std::vector<Command>{b, c, a2}));
  EXPECT_EQ(*s.commands_after(b.id, 100), (std::vector<Command>{c, a2}));
  EXPECT_EQ(*s.commands_after(0, 2), (std::vector<Command>{b, c}));
  EXPECT_TRUE(s.commands_after(a2.id, 100)->empty());
  EXPECT_TRUE(s.commands_after(0, 0)->empty());
  ASSERT_TRUE(*s.ack_command("0000000003", c.id, false, kNow + 4));
  EXPECT_EQ(*s.commands_after(0, 100), (std::vector<Command>{b, a2}));
}

TYPED_TEST_P(StoreContract, AnAckEndsTheCommandAndRecordsTheOutput) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  this->new_device("0000000002", ada);
  const Command on = *s.add_command("0000000001", true, kNow);
  EXPECT_FALSE(*s.ack_command("0000000002", on.id, true, kNow + 1)) << "another device's";
  EXPECT_FALSE(*s.ack_command("0000000001", on.id + 1000, true, kNow + 1)) << "no such command";
  EXPECT_FALSE((*s.device("0000000001"))->output_on) << "a refused ack records nothing";
  auto acked = s.ack_command("0000000001", on.id, true, kNow + 2);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_TRUE(*acked);
  EXPECT_TRUE(s.pending_commands("0000000001")->empty());
  EXPECT_TRUE((*s.device("0000000001"))->output_on);
  EXPECT_FALSE(*s.ack_command("0000000001", on.id, false, kNow + 3)) << "acked already";
  EXPECT_TRUE((*s.device("0000000001"))->output_on);
}

// --- Text

TYPED_TEST_P(StoreContract, TextWithSqlMetacharactersIsStoredVerbatim) {
  Store& s = this->store();
  const std::string email = "o'brien+\"x\"%_\\@example.com";
  const std::string hash = "$argon2id$v=19$'; DROP TABLE users; --";
  auto user = s.create_user(email, hash, std::string(64, '7'), kNow);
  ASSERT_TRUE(user.ok()) << user.error().message;
  ASSERT_TRUE(user->has_value());
  const UserId id = (*user)->id;
  auto found = s.user_by_email(email);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->email, email);
  EXPECT_EQ((*found)->password_hash, hash);
  EXPECT_EQ(*s.user_by_email("o'brien+\"x\"%%@example.com"), std::nullopt);
  EXPECT_EQ(*s.user_by_email("%"), std::nullopt) << "no pattern matching";
  EXPECT_EQ(*s.user_by_email("' OR '1'='1"), std::nullopt);

  const std::string devid = "0000000001";
  ASSERT_TRUE(s.upsert_device(sample_identity(devid), kNow).ok());
  const std::string name = "Robert'); DROP TABLE devices;-- \"Küche\" ☀ 100% \\ _";
  const std::string document = R"({"title":"it's \"quoted\"; DELETE FROM boards","x":[1,2]})";
  const Board board{"pc'; --", document};
  ASSERT_EQ(*s.claim_device(devid, id, name), ClaimOutcome::kClaimed);
  EXPECT_TRUE(*s.put_board(devid, board));
  EXPECT_EQ((*s.device(devid))->name, name);
  EXPECT_EQ(*s.boards(devid), std::vector<Board>{board});
  EXPECT_TRUE(*s.rename_device(devid, id, name + "'"));
  EXPECT_EQ((*s.device(devid))->name, name + "'");
  EXPECT_TRUE(*s.put_board(devid, Board{"pc'; --", document + "'"}));
  EXPECT_EQ(s.boards(devid)->front().document, document + "'");
  ASSERT_TRUE(s.create_session(Session{"h'--", id, "c\"sr'f", kNow + 10}).ok());
  EXPECT_EQ((*s.session("h'--", kNow))->csrf_token, "c\"sr'f");
  EXPECT_EQ(*s.device("' OR '1'='1"), std::nullopt);
}

// --- Threads

TYPED_TEST_P(StoreContract, CallsFromManyThreadsAllLand) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  constexpr int kThreads = 4;
  for (int k = 0; k < kThreads; ++k) this->new_device("000000000" + std::to_string(k), ada);
  const std::int64_t t0 = kT0;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < kThreads; ++k) {
    threads.emplace_back([&, k] {
      const std::string devid = "000000000" + std::to_string(k);
      for (int b = 0; b < 5; ++b) {
        const auto batch = sample_records(t0 + b * 3600, t0 + (b + 1) * 3600);
        if (!s.ingest(devid, batch, kNow).ok()) ++failures;
        if (!s.add_command(devid, b % 2 == 0, kNow + b).ok()) ++failures;
        if (!s.device(devid).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int k = 0; k < kThreads; ++k) {
    const std::string devid = "000000000" + std::to_string(k);
    EXPECT_EQ(s.minutes(devid, 0, kNow * 2, 10'000)->size(), 300u);
    EXPECT_EQ(this->all_periods(devid, Period::kHour).size(), 5u);
    EXPECT_EQ(s.pending_commands(devid)->size(), 1u);
  }
  EXPECT_EQ(s.commands_after(0, 100)->size(), static_cast<std::size_t>(kThreads));
}

TYPED_TEST_P(StoreContract, RacingFirstContactsHaveOneWinner) {
  Store& s = this->store();
  // Many would-be devices with one ID and different secrets and PINs say
  // hello at once, several rounds over fresh IDs: exactly one creates the
  // row, every other is refused, and the row holds the winner's secret with
  // the winner's PIN digest (never one's secret with another's PIN).
  constexpr int kThreads = 8;
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    const std::string devid = "10000000" + std::to_string(10 + round);
    std::vector<DeviceIdentity> contenders;
    for (int k = 0; k < kThreads; ++k) {
      DeviceIdentity id = sample_identity(devid);
      id.secret_hash = std::string(64, static_cast<char>('0' + k));
      id.pin_hash = std::string(63, 'c') + static_cast<char>('0' + k);
      contenders.push_back(id);
    }
    std::vector<Result<HelloOutcome>> outcomes(kThreads, make_error("not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < kThreads; ++k) {
      threads.emplace_back([&, k] {
        ready.fetch_add(1);
        while (ready.load() < kThreads) std::this_thread::yield();
        outcomes[static_cast<std::size_t>(k)] =
            s.upsert_device(contenders[static_cast<std::size_t>(k)], kNow);
      });
    }
    for (auto& t : threads) t.join();
    int winner = -1;
    for (int k = 0; k < kThreads; ++k) {
      const auto& o = outcomes[static_cast<std::size_t>(k)];
      ASSERT_TRUE(o.ok()) << o.error().message;
      if (*o == HelloOutcome::kCreated) {
        EXPECT_EQ(winner, -1) << "two first contacts won, round " << round;
        winner = k;
      } else {
        EXPECT_EQ(*o, HelloOutcome::kWrongSecret) << "contender " << k << ", round " << round;
      }
    }
    ASSERT_NE(winner, -1) << "round " << round;
    const auto row = s.device(devid);
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->identity, contenders[static_cast<std::size_t>(winner)]);
  }
}

// A record of `wh` Wh on phase 1, for the clock-step and outage tests.
inline UploadRecord energy_record(std::uint32_t seq, std::int64_t minute, double wh,
                                  double meter_after) {
  MinuteRecord m;
  m.minute = minute;
  m.phases = 1;
  m.readings = 12;
  m.phase[0].volts = 230;
  m.phase[0].wh_delta = wh;
  m.phase[0].wh = meter_after;
  set_mean_powers(m);
  return UploadRecord{seq, m};
}

// The field case: 31 records of 100 Wh in one hour, 10 of them stamped onto
// minutes already used (the clock stepped back 10 minutes). Every Wh the
// meter moved lands once: 3,100, not 2,100.
TYPED_TEST_P(StoreContract, RecordsOfARepeatedMinuteStampAllCount) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  const std::int64_t hour = kT0 / 3600 * 3600;
  std::vector<UploadRecord> records;
  double meter = 5000;
  for (std::uint32_t k = 0; k < 31; ++k) {
    // Minutes 0..20, then the clock steps back 10 minutes: 11..20 again.
    const std::int64_t minute = hour + 60 * (k <= 20 ? k : k - 10);
    meter += 100;
    records.push_back(energy_record(100 + k, minute, 100, meter));
  }
  auto result = s.ingest("0000000001", records, kNow);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->inserted, 31u);
  const auto hours = this->all_periods("0000000001", Period::kHour);
  ASSERT_EQ(hours.size(), 1u);
  EXPECT_NEAR(hours[0].row.phase[0].wh_energy, 3100, 1e-9);
  EXPECT_EQ(hours[0].row.phase[0].wh, meter) << "the meter of the newest record";

  // A minute list shows each minute once, with both records' energy.
  auto minutes = s.minutes("0000000001", hour, hour + 3600, 100);
  ASSERT_TRUE(minutes.ok()) << minutes.error().message;
  ASSERT_EQ(minutes->size(), 21u);
  double sum = 0;
  for (const MinuteRecord& m : *minutes) sum += m.phase[0].wh_delta;
  EXPECT_NEAR(sum, 3100, 1e-9);
  EXPECT_NEAR((*minutes)[15].phase[0].wh_delta, 200, 1e-9);
  EXPECT_NEAR((*minutes)[15].phase[0].watts, 200 * 60.0 / 2, 1e-9) << "over its 120 s";

  // The live state follows the newest seq, not the latest stamp.
  auto row = s.device("0000000001");
  EXPECT_EQ((*row)->newest_seq, 130u);
  EXPECT_EQ((*row)->newest_minute, hour + 60 * 20);

  // Sent again: nothing changes.
  auto again = s.ingest("0000000001", records, kNow + 60);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0u);
  EXPECT_EQ(again->duplicates, 31u);
  EXPECT_NEAR(this->all_periods("0000000001", Period::kHour)[0].row.phase[0].wh_energy, 3100, 1e-9);

  // A journal that starts its seqs again (a new file): its records are new
  // records, and the live state follows them forward.
  std::vector<UploadRecord> restarted;
  for (std::uint32_t k = 0; k < 5; ++k) {
    meter += 100;
    restarted.push_back(energy_record(1 + k, hour + 3600 + 60 * k, 100, meter));
  }
  auto fresh = s.ingest("0000000001", restarted, kNow + 120);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->inserted, 5u);
  row = s.device("0000000001");
  EXPECT_EQ((*row)->newest_seq, 5u);
  EXPECT_EQ((*row)->newest_minute, hour + 3600 + 240);
  const auto days = this->all_periods("0000000001", Period::kDay);
  double day_energy = 0;
  for (const auto& d : days) day_energy += d.row.phase[0].wh_energy;
  EXPECT_NEAR(day_energy, 3600, 1e-9);
}

// A record the server books elsewhere than its stamp (a clock that jumped
// ahead) keeps its stamp as its identity: sent again, it is the same record.
TYPED_TEST_P(StoreContract, ACorrectedRecordIsIdentifiedByItsStamp) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  const std::int64_t hour = kT0 / 3600 * 3600;
  UploadRecord r = energy_record(7, hour + 600, 50, 1050);
  r.stamped_minute = 2'100'000'000;  // 2036
  r.minute.status = kStatusClockCorrected;
  ASSERT_EQ(s.ingest("0000000001", std::vector{r}, kNow)->inserted, 1u);
  UploadRecord moved_again = r;
  moved_again.minute.minute = hour + 660;  // booked elsewhere on a second try
  auto again = s.ingest("0000000001", std::vector{moved_again}, kNow);
  EXPECT_EQ(again->duplicates, 1u);
  // Where the server booked it is not the device's content: no conflict.
  EXPECT_EQ(again->conflicts, 0u);
  auto minutes = s.minutes("0000000001", hour, hour + 3600, 100);
  ASSERT_EQ(minutes->size(), 1u);
  EXPECT_EQ((*minutes)[0].minute, hour + 600);
  EXPECT_EQ((*minutes)[0].status, kStatusClockCorrected);
  EXPECT_TRUE(s.minutes("0000000001", 2'000'000'000, 2'200'000'000, 10)->empty());
  const auto hours = this->all_periods("0000000001", Period::kHour);
  ASSERT_EQ(hours.size(), 1u);
  EXPECT_EQ(hours[0].row.status, kStatusClockCorrected);
  EXPECT_TRUE(this->all_periods("0000000001", Period::kYear).size() == 1u);
}

// A record sent again under its identity with other content (a journal
// replaced, or restored from another device's): the first version stays,
// each such record is a conflict, whether stored before or repeated in the
// batch; the same content again is a duplicate only.
TYPED_TEST_P(StoreContract, AResentRecordWithOtherContentIsAConflict) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  const std::int64_t hour = kT0 / 3600 * 3600;
  const std::vector<UploadRecord> first = {energy_record(1, hour, 10, 1010),
                                           energy_record(2, hour + 60, 10, 1020),
                                           energy_record(3, hour + 120, 10, 1030)};
  auto stored = s.ingest("0000000001", first, kNow);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->conflicts, 0u);
  EXPECT_TRUE(stored->conflicting.empty());
  const auto hours_before = this->all_periods("0000000001", Period::kHour);

  // Each kind of difference: energy, the output, the temperature, one bit.
  std::vector<UploadRecord> changed = first;
  changed[0].minute.phase[0].wh_delta = 11;
  changed[1].minute.output_on = !changed[1].minute.output_on;
  changed[2].minute.phase[0].volts = std::nextafter(changed[2].minute.phase[0].volts, 1e9);
  UploadRecord fresh = energy_record(4, hour + 180, 10, 1040);
  UploadRecord fresh_other = fresh;
  fresh_other.minute.temperature_c += 1;
  changed.push_back(fresh);
  changed.push_back(fresh_other);  // a repeat within the batch, with other content
  changed.push_back(first[0]);     // the stored content again: no conflict
  auto result = s.ingest("0000000001", changed, kNow + 60);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->inserted, 1u);
  EXPECT_EQ(result->duplicates, 5u);
  EXPECT_EQ(result->conflicts, 4u);
  using Id = std::pair<std::uint32_t, std::int64_t>;
  EXPECT_EQ(result->conflicting,
            (std::vector<Id>{{1, hour}, {2, hour + 60}, {3, hour + 120}, {4, hour + 180}}));

  // Nothing was overwritten.
  auto minutes = s.minutes("0000000001", hour, hour + 180, 10);
  ASSERT_TRUE(minutes.ok());
  ASSERT_EQ(minutes->size(), 4u);
  for (std::size_t k = 0; k < first.size(); ++k) expect_same_minute((*minutes)[k], first[k].minute);
  expect_same_minute((*minutes)[3], fresh.minute);
  const auto hours_after = this->all_periods("0000000001", Period::kHour);
  ASSERT_EQ(hours_after.size(), hours_before.size());
  const auto device = s.device("0000000001");
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->newest_seq, 4u);
}

// The outage longer than the journal: the oldest record the device still
// has follows a span the server never got. Period energy equals the
// lifetime registers' movement; the span is one gap record, flagged, out of
// the peaks and means.
TYPED_TEST_P(StoreContract, ASpanNoRecordCoversIsBookedAsAGap) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  const std::int64_t t0 = kT0 / 86400 * 86400;
  double lifetime = 10'000;
  double meter = 20'000;  // the user's meter: lifetime + an initial value
  const auto with_lifetime = [&](std::uint32_t seq, std::int64_t minute, double wh) {
    lifetime += wh;
    meter += wh;
    UploadRecord r = energy_record(seq, minute, wh, meter);
    r.lifetime = LifetimeRegisters{{{lifetime, 5}, {0, 0}, {0, 0}}};
    return r;
  };
  std::vector<UploadRecord> before;
  for (std::uint32_t k = 0; k < 60; ++k) before.push_back(with_lifetime(1 + k, t0 + 60 * k, 10));
  ASSERT_TRUE(s.ingest("0000000001", before, kNow).ok());
  const double lifetime_before = lifetime;

  // Two days later: 3,000 Wh went by unrecorded; the first record kept has
  // no predecessor, so it carries no energy of its own.
  lifetime += 3000;
  meter += 3000;
  const std::int64_t back = t0 + 2 * 86400;
  std::vector<UploadRecord> after;
  after.push_back(with_lifetime(5000, back, 0));
  for (std::uint32_t k = 1; k < 30; ++k)
    after.push_back(with_lifetime(5000 + k, back + 60 * k, 10));
  auto result = s.ingest("0000000001", after, kNow + 60);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->inserted, 30u);

  double booked = 0;
  double peak = 0;
  std::uint8_t status = 0;
  for (const PeriodValue& d : this->all_periods("0000000001", Period::kDay)) {
    booked += d.row.phase[0].wh_energy;
    peak = std::max(peak, d.row.phase[0].max_watts);
    status |= d.row.status;
  }
  EXPECT_NEAR(booked, lifetime - (lifetime_before - 600), 1e-6)
      << "every Wh the lifetime register moved, in some day";
  EXPECT_NEAR(peak, 600, 1e-9) << "the gap is no peak";
  EXPECT_EQ(status, kStatusGap);
  // The gap sits at the first minute after the last record, covering the span.
  auto gap = s.minutes("0000000001", t0 + 3600, t0 + 3600, 10);
  ASSERT_EQ(gap->size(), 1u);
  EXPECT_EQ((*gap)[0].status, kStatusGap);
  EXPECT_NEAR((*gap)[0].phase[0].wh_delta, 3000, 1e-6);
  EXPECT_EQ((*gap)[0].covered, std::chrono::seconds(back - (t0 + 3600)));
  EXPECT_NEAR((*gap)[0].phase[0].wh, meter - 290 - 0, 1e-6) << "the user's meter as r began";
  const auto day0 = this->all_periods("0000000001", Period::kDay)[0].row;
  EXPECT_EQ(day0.minutes, 60);
  EXPECT_EQ(day0.gaps, 1);
  EXPECT_NEAR(day0.phase[0].volts, 230, 1e-9) << "the gap is in no mean";

  // Sent again: no second gap.
  auto again = s.ingest("0000000001", after, kNow + 120);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0u);
  double rebooked = 0;
  for (const PeriodValue& d : this->all_periods("0000000001", Period::kDay))
    rebooked += d.row.phase[0].wh_energy;
  EXPECT_NEAR(rebooked, booked, 1e-9);

  // A new zone rebuilds the rollups from the stored rows, gap included.
  auto zone = TimeZone::locate("Asia/Kolkata");
  ASSERT_TRUE(zone.ok());
  ASSERT_TRUE(s.set_device_timezone("0000000001", ada, *zone).ok());
  double rebuilt = 0;
  std::int64_t gaps = 0;
  for (const PeriodValue& d : this->all_periods("0000000001", Period::kDay)) {
    rebuilt += d.row.phase[0].wh_energy;
    gaps += d.row.gaps;
  }
  EXPECT_NEAR(rebuilt, booked, 1e-6);
  EXPECT_EQ(gaps, 1);
}

// Records without lifetime registers (older devices, the MQTT bridge) book
// no gaps, and a device that stops sending them does not book one later.
TYPED_TEST_P(StoreContract, NoLifetimeRegistersNoGap) {
  Store& s = this->store();
  const UserId ada = this->new_user("ada@example.com");
  this->new_device("0000000001", ada);
  const std::int64_t t0 = kT0 / 3600 * 3600;
  UploadRecord a = energy_record(1, t0, 10, 1010);
  a.lifetime = LifetimeRegisters{{{1010, 0}, {}, {}}};
  UploadRecord b = energy_record(2, t0 + 60, 10, 1020);  // no registers
  UploadRecord c = energy_record(3, t0 + 120, 10, 5030);
  c.lifetime = LifetimeRegisters{{{5030, 0}, {}, {}}};
  ASSERT_TRUE(s.ingest("0000000001", std::vector{a, b, c}, kNow).ok());
  const auto hours = this->all_periods("0000000001", Period::kHour);
  ASSERT_EQ(hours.size(), 1u);
  EXPECT_NEAR(hours[0].row.phase[0].wh_energy, 30, 1e-9);
  EXPECT_EQ(hours[0].row.gaps, 0);
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreContract, UsersAreCreatedAndFoundByIdEmailAndApiKey, ARegisteredEmailGivesNullopt,
    PasswordHashAndApiKeyAreReplaced, PreferencesStartAtTheBrowsersAndAreKeptPerPerson,
    SessionsAreFoundUntilTheyExpire, APasswordChangeSetsHashAndKeyAndEndsTheOtherSessions,
    APasswordChangeThatFailsChangesNothing, TheFirstHelloCreatesTheDeviceAndLaterOnesUpdateIt,
    ClaimingHasFourOutcomesAndCreatesNoBoard, AUsersDevicesComeByName,
    OnlyTheOwnerRenamesOrSetsTheTimeZone, ReleaseDeletesBoardsAndPendingCommandsAndKeepsTheData,
    PutCreatesOrReplacesABoardOfAnOwnedDevice, IngestStoresRecordsExactlyAndUpdatesTheDevice,
    IngestOfAnUnknownDeviceFails, AResentBatchChangesNothing, AnOlderBatchDoesNotMoveTheNewestBack,
    BackfillsRollUpExactlyAsLiveData, RollupsAreRightAroundDaylightSavingChanges,
    RollupsAreRightInAHalfHourZone, RollupsAreRightInOffsetZonesWithDst,
    ANewTimeZoneRecomputesTheRollups, TheDevicesZoneIsAdoptedUntilTheOwnerChoosesOne,
    MinutesAndPeriodsHonourRangesAndLimits, ANewCommandSupersedesThePendingOne,
    CommandsAfterListsThePendingOnesOfAllDevices, AnAckEndsTheCommandAndRecordsTheOutput,
    TextWithSqlMetacharactersIsStoredVerbatim, CallsFromManyThreadsAllLand,
    AHelloWithAnotherSecretChangesNothing, RacingFirstContactsHaveOneWinner,
    RecordsOfARepeatedMinuteStampAllCount, ACorrectedRecordIsIdentifiedByItsStamp,
    ASpanNoRecordCoversIsBookedAsAGap, NoLifetimeRegistersNoGap,
    AResentRecordWithOtherContentIsAConflict);

}  // namespace maic::cloud::contract
