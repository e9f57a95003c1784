#include "maic/cloud/sqlite_store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "maic/cloud/period_deltas.hpp"
#include "maic/core/minute_blob.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/store_contract.hpp"

namespace maic::cloud {
namespace {

using contract::kBerlinOct27;
using contract::kNow;
using contract::kT0;
using contract::sample_identity;
using contract::sample_records;

class SqliteFixture {
 public:
  std::unique_ptr<Store> make_store() {
    auto store = SqliteStore::open((dir_.path() / "maic.db").string());
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

 private:
  maic::testing::TempDir dir_{"maic-sqlite"};
};

}  // namespace

namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreContract, SqliteFixture);
}  // namespace contract

namespace {

// A second connection to the file, as the sqlite3 shell or a backup would
// open it: to look at what the store wrote and to inject faults.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << sqlite3_errmsg(db_);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : "?");
    }
    sqlite3_free(message);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out = "<error>";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        const auto* p = sqlite3_column_text(stmt, 0);
        out = p ? reinterpret_cast<const char*>(p) : "<null>";
      } else if (rc == SQLITE_DONE) {
        out = "<none>";
      }
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "maic.db").string(); }

  std::unique_ptr<SqliteStore> open() {
    auto store = SqliteStore::open(path());
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A user with a claimed device in Berlin.
  UserId populate(Store& s) {
    auto user = s.create_user("ada@example.com", "h", std::string(64, 'a'), kNow);
    EXPECT_TRUE(user.ok() && user->has_value());
    const UserId id = (*user)->id;
    EXPECT_TRUE(s.upsert_device(sample_identity("0000000001"), kNow).ok());
    EXPECT_EQ(*s.claim_device("0000000001", id, "Garage"), ClaimOutcome::kClaimed);
    EXPECT_TRUE(*s.put_board("0000000001", Board{"pc", "{}"}));
    EXPECT_TRUE(*s.set_device_timezone("0000000001", id, *TimeZone::locate("Europe/Berlin")));
    return id;
  }

  maic::testing::TempDir dir_{"maic-sqlite"};
};

TEST_F(SqliteStoreTest, ReopeningKeepsEverything) {
  const auto records = sample_records(kBerlinOct27, kBerlinOct27 + 6 * 3600);
  UserId id = 0;
  std::int64_t command = 0;
  {
    auto s = open();
    ASSERT_NE(s, nullptr);
    id = populate(*s);
    ASSERT_TRUE(s->ingest("0000000001", records, kNow).ok());
    command = s->add_command("0000000001", true, kNow)->id;
  }
  auto s = open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ((*s->user_by_email("ada@example.com"))->id, id);
  auto device = s->device("0000000001");
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->name, "Garage");
  EXPECT_EQ((*device)->timezone, "Europe/Berlin");
  EXPECT_EQ((*device)->newest_minute, records.back().minute.minute);
  auto minutes = s->minutes("0000000001", 0, kNow * 2, 10'000);
  ASSERT_EQ(minutes->size(), records.size());
  contract::expect_same_minute(minutes->back(), records.back().minute);
  EXPECT_EQ(s->periods("0000000001", Period::kHour, 0, kNow * 2, 100)->size(), 6u);
  EXPECT_EQ(s->pending_commands("0000000001")->front().id, command);
  // Command ids keep increasing across a restart.
  EXPECT_GT(s->add_command("0000000001", false, kNow + 1)->id, command);
  auto again = s->ingest("0000000001", records, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, records.size());
}

TEST_F(SqliteStoreTest, TheFileIsAWalDatabaseAtTheCurrentSchemaVersion) {
  ASSERT_NE(open(), nullptr);
  RawDb raw(path());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.text("SELECT version FROM schema_version"),
            std::to_string(SqliteStore::kSchemaVersion));
  EXPECT_EQ(raw.text("SELECT count(*) FROM schema_version"), "1");
  for (const char* table :
       {"users", "sessions", "devices", "boards", "minutes", "rollups", "commands"}) {
    EXPECT_EQ(raw.text(std::string("SELECT name FROM sqlite_master WHERE name = '") + table + "'"),
              table);
  }
  // Opening again migrates nothing and changes nothing.
  ASSERT_NE(open(), nullptr);
  EXPECT_EQ(raw.text("SELECT count(*) FROM schema_version"), "1");
}

// An SQL blob literal.
std::string blob_literal(std::string_view bytes) {
  std::string out = "X'";
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out + "'";
}

// A database exactly as schema version 1 left it: what its open() did (the
// pragmas, step 1, schema_version), then the data in its stored forms,
// written with plain SQL (see Schema1Data).
void write_schema1(const std::string& path, contract::Schema1Data& v1) {
  RawDb raw(path);
  raw.exec("PRAGMA page_size = 8192");
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec("BEGIN IMMEDIATE");
  raw.exec(std::string(SqliteStore::migration_step_for_testing(1)));
  raw.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); "
      "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (1);");
  raw.exec("COMMIT");

  // The test data holds no quotes: spliced, not bound.
  raw.exec(fmt::format(
      "INSERT INTO users (email, password_hash, api_key, created) VALUES ('{}', '{}', '{}', {})",
      v1.user.email, v1.user.password_hash, v1.user.api_key, v1.user.created));
  v1.user.id = std::stoll(raw.text("SELECT id FROM users WHERE email = '" + v1.user.email + "'"));
  DeviceRow& d = v1.device;
  d.owner = v1.user.id;
  raw.exec(fmt::format(
      "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
      "owner, name, timezone, last_seen, newest_minute, newest_seq, output_on) VALUES ('{}', "
      "'{}', '{}', {}, '{}', '{}', '{}', {}, '{}', '{}', {}, {}, {}, {})",
      d.identity.devid, d.identity.devtype, d.identity.firmware, d.identity.phases,
      d.identity.secret_hash, d.identity.pin_salt, d.identity.pin_hash, d.owner, d.name, d.timezone,
      d.last_seen, d.newest_minute, d.newest_seq, d.output_on ? 1 : 0));
  raw.exec(fmt::format("INSERT INTO boards (devid, layout, document) VALUES ('{}', '{}', '{}')",
                       d.identity.devid, v1.board.layout, v1.board.document));
  raw.exec("BEGIN");
  for (const UploadRecord& r : v1.records) {
    raw.exec(fmt::format("INSERT INTO minutes (devid, minute, seq, blob) VALUES ('{}', {}, {}, {})",
                         d.identity.devid, r.minute.minute, r.seq,
                         blob_literal(encode_minute_blob(r.minute))));
  }
  for (const PeriodDelta& p : period_deltas(contract::minutes_of(v1.records), TimeZone::utc())) {
    raw.exec(fmt::format(
        "INSERT INTO rollups (devid, period, start, blob) VALUES ('{}', '{}', {}, {})",
        d.identity.devid, period_name(p.period), p.start, blob_literal(p.rollup.encode())));
  }
  raw.exec("COMMIT");
}

TEST_F(SqliteStoreTest, AVersion1DatabaseIsUpgradedInPlace) {
  contract::Schema1Data v1 = contract::schema1_data();
  write_schema1(path(), v1);
  RawDb raw(path());
  const std::string has_first_seen =
      "SELECT count(*) FROM pragma_table_info('devices') WHERE name = 'first_seen'";
  ASSERT_EQ(raw.text("SELECT version FROM schema_version"), "1");
  ASSERT_EQ(raw.text(has_first_seen), "0");

  auto s = open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(raw.text("SELECT version FROM schema_version"),
            std::to_string(SqliteStore::kSchemaVersion));
  EXPECT_EQ(raw.text("SELECT count(*) FROM schema_version"), "1");
  EXPECT_EQ(raw.text(has_first_seen), "1");
  contract::expect_upgraded_from_schema1(*s, v1);
}

// Before schema 3 only an owner set a zone: one other than UTC was chosen.
TEST_F(SqliteStoreTest, TheUpgradeMarksAZoneOtherThanUtcChosen) {
  contract::Schema1Data v1 = contract::schema1_data();
  write_schema1(path(), v1);
  const DeviceIdentity berlin = contract::sample_identity("0000000002");
  RawDb(path()).exec(fmt::format(
      "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
      "owner, timezone) VALUES ('{}', '{}', '{}', {}, '{}', '{}', '{}', {}, 'Europe/Berlin')",
      berlin.devid, berlin.devtype, berlin.firmware, berlin.phases, berlin.secret_hash,
      berlin.pin_salt, berlin.pin_hash, v1.user.id));

  auto s = open();
  ASSERT_NE(s, nullptr);
  contract::expect_zones_chosen_after_upgrade(*s, v1.device.identity.devid, berlin.devid);
}

TEST_F(SqliteStoreTest, ADatabaseOfANewerSchemaIsRefused) {
  ASSERT_NE(open(), nullptr);
  const std::string future = std::to_string(SqliteStore::kSchemaVersion + 1);
  RawDb(path()).exec("UPDATE schema_version SET version = " + future);
  auto refused = SqliteStore::open(path());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(future), std::string::npos) << refused.error().message;
  EXPECT_EQ(RawDb(path()).text("SELECT version FROM schema_version"), future) << "untouched";
}

TEST_F(SqliteStoreTest, AVersionThatIsNotANumberIsRefused) {
  ASSERT_NE(open(), nullptr);
  RawDb(path()).exec("UPDATE schema_version SET version = '-1'");
  auto refused = SqliteStore::open(path());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("schema_version"), std::string::npos)
      << refused.error().message;
}

TEST_F(SqliteStoreTest, WhatIsNotADatabaseIsAnError) {
  {
    std::ofstream garbage(path(), std::ios::binary);
    garbage << std::string(8192, 'x');
  }
  auto store = SqliteStore::open(path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(path()), std::string::npos) << store.error().message;
  EXPECT_FALSE(SqliteStore::open((dir_.path() / "missing" / "maic.db").string()).ok());
}

// Faults injected with a trigger that fails a statement half way through a
// method: the method returns an error and nothing of it stays.
TEST_F(SqliteStoreTest, AFailedIngestLeavesNothingBehind) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  populate(*s);
  const auto first = sample_records(kBerlinOct27, kBerlinOct27 + 3600);
  ASSERT_TRUE(s->ingest("0000000001", first, kNow).ok());
  const auto hours_before = s->periods("0000000001", Period::kHour, 0, kNow * 2, 100);

  RawDb raw(path());
  // The minutes are in and the hour rollups written when the week's fails.
  raw.exec(
      "CREATE TRIGGER fail_week BEFORE INSERT ON rollups WHEN NEW.period = 'week' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  const auto second = sample_records(kBerlinOct27 + 3600, kBerlinOct27 + 3 * 3600);
  auto failed = s->ingest("0000000001", second, kNow + 60);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("injected"), std::string::npos) << failed.error().message;

  EXPECT_EQ(s->minutes("0000000001", 0, kNow * 2, 10'000)->size(), first.size());
  const auto hours_after = s->periods("0000000001", Period::kHour, 0, kNow * 2, 100);
  ASSERT_EQ(hours_after->size(), hours_before->size());
  EXPECT_EQ((*hours_after)[0].row.minutes, 60);
  auto device = s->device("0000000001");
  EXPECT_EQ((*device)->newest_minute, first.back().minute.minute);
  EXPECT_EQ((*device)->last_seen, kNow);

  raw.exec("DROP TRIGGER fail_week");
  auto retried = s->ingest("0000000001", second, kNow + 120);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->inserted, second.size()) << "the failed attempt stored none of them";
}

TEST_F(SqliteStoreTest, AFailedTimeZoneChangeKeepsTheOldZoneAndRollups) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  const UserId id = populate(*s);
  ASSERT_TRUE(s->ingest("0000000001", sample_records(kT0, kT0 + 5 * 3600), kNow).ok());
  const auto before = s->periods("0000000001", Period::kHour, 0, kNow * 2, 100);
  RawDb raw(path());
  raw.exec(
      "CREATE TRIGGER fail_year BEFORE INSERT ON rollups WHEN NEW.period = 'year' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  EXPECT_FALSE(s->set_device_timezone("0000000001", id, *TimeZone::locate("Asia/Kolkata")).ok());
  EXPECT_EQ((*s->device("0000000001"))->timezone, "Europe/Berlin");
  const auto after = s->periods("0000000001", Period::kHour, 0, kNow * 2, 100);
  ASSERT_EQ(after->size(), before->size());
  for (std::size_t k = 0; k < after->size(); ++k) {
    EXPECT_EQ((*after)[k].start, (*before)[k].start);
  }
  EXPECT_EQ(s->periods("0000000001", Period::kYear, 0, kNow * 2, 100)->size(), 1u);
}

TEST_F(SqliteStoreTest, AFailedClaimLeavesTheDeviceUnclaimed) {
  auto s = open();
  ASSERT_NE(s, nullptr);
  auto user = s->create_user("ada@example.com", "h", std::string(64, 'a'), kNow);
  ASSERT_TRUE(s->upsert_device(sample_identity("0000000001"), kNow).ok());
  // A leftover board, whose removal (the claim's last step) fails.
  RawDb raw(path());
  raw.exec("INSERT INTO boards (devid, layout, document) VALUES ('0000000001', 'pc', '{}')");
  raw.exec(
      "CREATE TRIGGER fail_pc BEFORE DELETE ON boards WHEN OLD.layout = 'pc' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  EXPECT_FALSE(s->claim_device("0000000001", (*user)->id, "Garage").ok());
  EXPECT_EQ((*s->device("0000000001"))->owner, 0);
  EXPECT_EQ((*s->device("0000000001"))->name, "");
}

// A database as schema 4 left it, holding boards as that server stored them
// (Schema4Boards), written with plain SQL.
void write_schema4(const std::string& path, const contract::Schema4Boards& old) {
  RawDb raw(path);
  raw.exec("PRAGMA page_size = 8192");
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec("BEGIN IMMEDIATE");
  for (int v = 1; v <= 4; ++v) raw.exec(std::string(SqliteStore::migration_step_for_testing(v)));
  raw.exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); "
      "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (4);");
  raw.exec(
      "INSERT INTO users (id, email, password_hash, api_key, created) "
      "VALUES (1, 'ada@example.com', 'h', 'k', 0)");
  for (const auto& d : old.devices) {
    const DeviceIdentity id = sample_identity(d.devid, d.phases);
    raw.exec(fmt::format(
        "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
        "owner) VALUES ('{}', '{}', '{}', {}, '{}', '{}', '{}', {})",
        id.devid, id.devtype, id.firmware, id.phases, id.secret_hash, id.pin_salt, id.pin_hash,
        d.owned ? "1" : "NULL"));
  }
  // The documents hold no quotes: spliced, not bound.
  for (const auto& [devid, board] : old.boards) {
    raw.exec(fmt::format("INSERT INTO boards (devid, layout, document) VALUES ('{}', '{}', '{}')",
                         devid, board.layout, board.document));
  }
  raw.exec("COMMIT");
}

TEST_F(SqliteStoreTest, AVersion4DatabasesBoardsFollowTheNewSchema) {
  const contract::Schema4Boards old;
  write_schema4(path(), old);
  auto s = open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(RawDb(path()).text("SELECT version FROM schema_version"),
            std::to_string(SqliteStore::kSchemaVersion));
  contract::expect_boards_upgraded_from_schema4(*s, old);
}

TEST_F(SqliteStoreTest, AFailedBoardUpgradeLeavesVersion4AsItWas) {
  const contract::Schema4Boards old;
  write_schema4(path(), old);
  RawDb raw(path());
  raw.exec(
      "CREATE TRIGGER fail_board BEFORE UPDATE ON boards WHEN OLD.devid = '0000000002' "
      "BEGIN SELECT RAISE(ABORT, 'injected'); END");
  auto refused = SqliteStore::open(path());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("schema to version 5"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(raw.text("SELECT version FROM schema_version"), "4");
  EXPECT_EQ(raw.text("SELECT document FROM boards WHERE devid = '0000000001' AND layout = 'pc'"),
            old.boards[0].second.document);
  EXPECT_EQ(raw.text("SELECT count(*) FROM boards"), std::to_string(old.boards.size()));

  raw.exec("DROP TRIGGER fail_board");
  auto s = open();
  ASSERT_NE(s, nullptr);
  contract::expect_boards_upgraded_from_schema4(*s, old);
}

}  // namespace
}  // namespace maic::cloud
