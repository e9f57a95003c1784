// The PostgreSQL store on a real server (testing/postgres_server.hpp): the
// shared Store contract, then what only a shared database has — several
// stores (as several maic-cloud processes) on one database, migrations run
// by each, a restarted server. Test names start with "Postgres", which gives
// them the ctest label `postgres` (cloud/CMakeLists.txt).
#include "maic/cloud/postgres_store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <latch>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "maic/cloud/period_deltas.hpp"
#include "maic/core/minute_blob.hpp"
#include "maic/testing/postgres_server.hpp"
#include "testing/store_contract.hpp"

namespace maic::cloud {
namespace {

using testing::PostgresServer;

constexpr std::int64_t kNow = 1'717'200'000;
constexpr std::int64_t kDay0 = 1'717'200'000 - 1'717'200'000 % 86'400;  // a UTC midnight

// Skips the test where PostgreSQL is not installed (a developer's machine);
// CI has it, and there a server that does not start is a failure.
void require_postgres() {
  if (!PostgresServer::installed()) GTEST_SKIP() << "PostgreSQL 15 is not installed";
}

#define REQUIRE_POSTGRES()                    \
  do {                                        \
    require_postgres();                       \
    if (::testing::Test::IsSkipped()) return; \
  } while (false)

// A fresh, empty database on the process's server.
std::string fresh_database() {
  auto server = PostgresServer::shared();
  if (!server) throw std::runtime_error(server.error().message);
  auto uri = (*server)->create_database();
  if (!uri) throw std::runtime_error(uri.error().message);
  return *uri;
}

std::unique_ptr<PostgresStore> open_store(const std::string& uri, std::size_t connections = 4) {
  auto store = PostgresStore::open(uri, connections);
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

DeviceIdentity identity(std::string devid) {
  DeviceIdentity d;
  d.devid = std::move(devid);
  d.devtype = "D103";
  d.firmware = "1.0";
  d.phases = 3;
  d.secret_hash = std::string(64, 'a');
  d.pin_salt = "00ff";
  d.pin_hash = std::string(64, 'b');
  return d;
}

// `count` minutes from `first`, seq numbers from `first_seq`, values that
// vary so that sums, means and extremes all matter.
std::vector<UploadRecord> batch(std::int64_t first, int count, std::uint32_t first_seq = 1) {
  std::vector<UploadRecord> out;
  for (int k = 0; k < count; ++k) {
    UploadRecord r;
    r.seq = first_seq + static_cast<std::uint32_t>(k);
    MinuteRecord& m = r.minute;
    m.minute = first + 60 * k;
    m.phases = 3;
    m.temperature_c = 20 + (k % 13) * 0.25;
    m.output_on = k % 2 == 0;
    m.readings = 60;
    for (std::size_t p = 0; p < kMaxPhases; ++p) {
      PhaseValues& ph = m.phase[p];
      ph.volts = 228 + static_cast<double>((k + static_cast<int>(p)) % 9) * 0.5;
      ph.amps = 1 + (k % 5) * 0.125;
      ph.power_factor = 0.95;
      ph.watts = 200 + (k % 17);
      ph.hertz = 50;
      ph.wh_delta = ph.watts / 60;
      ph.wh = 1000 + k * 3.5;
    }
    out.push_back(r);
  }
  return out;
}

std::vector<MinuteRecord> records_of(std::span<const UploadRecord> uploads) {
  std::vector<MinuteRecord> out;
  for (const UploadRecord& u : uploads) out.push_back(u.minute);
  return out;
}

void expect_same_row(const PeriodRow& a, const PeriodRow& b, const std::string& where) {
  EXPECT_EQ(a.minutes, b.minutes) << where;
  EXPECT_EQ(a.last_minute, b.last_minute) << where;
  EXPECT_EQ(a.phases, b.phases) << where;
  EXPECT_EQ(a.output_on, b.output_on) << where;
  EXPECT_EQ(a.temperature_c, b.temperature_c) << where;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const PhaseRollup& x = a.phase[p];
    const PhaseRollup& y = b.phase[p];
    EXPECT_EQ(x.volts, y.volts) << where;
    EXPECT_EQ(x.amps, y.amps) << where;
    EXPECT_EQ(x.power_factor, y.power_factor) << where;
    EXPECT_EQ(x.hertz, y.hertz) << where;
    EXPECT_EQ(x.wh_energy, y.wh_energy) << where;
    EXPECT_EQ(x.rwh_energy, y.rwh_energy) << where;
    EXPECT_EQ(x.wh, y.wh) << where;
    EXPECT_EQ(x.rwh, y.rwh) << where;
    EXPECT_EQ(x.min_volts, y.min_volts) << where;
    EXPECT_EQ(x.max_volts, y.max_volts) << where;
    EXPECT_EQ(x.max_watts, y.max_watts) << where;
    EXPECT_EQ(x.max_reverse_watts, y.max_reverse_watts) << where;
  }
}

// The store's rollups of `devid` are exactly what the minutes give in UTC.
void expect_rollups_of(Store& store, const std::string& devid,
                       std::span<const MinuteRecord> minutes) {
  const std::vector<PeriodDelta> expected = period_deltas(minutes, TimeZone::utc());
  for (Period p : kRollupPeriods) {
    auto stored = store.periods(devid, p, 0, std::numeric_limits<std::int64_t>::max(), 100000);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    std::vector<const PeriodDelta*> want;
    for (const PeriodDelta& d : expected) {
      if (d.period == p) want.push_back(&d);
    }
    ASSERT_EQ(stored->size(), want.size()) << period_name(p);
    for (std::size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ((*stored)[k].start, want[k]->start);
      expect_same_row((*stored)[k].row, want[k]->rollup.row(),
                      fmt::format("{} {}", period_name(p), want[k]->start));
    }
  }
}

// --- The contract -------------------------------------------------------------

// Each test its own database on the one server of the test process.
class PostgresFixture {
 public:
  std::unique_ptr<Store> make_store() {
    require_postgres();
    if (::testing::Test::IsSkipped()) return nullptr;
    auto server = PostgresServer::shared();
    if (!server) {
      ADD_FAILURE() << server.error().message;
      return nullptr;
    }
    auto uri = (*server)->create_database();
    if (!uri) {
      ADD_FAILURE() << uri.error().message;
      return nullptr;
    }
    auto store = PostgresStore::open(*uri);
    if (!store) {
      ADD_FAILURE() << store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }
};

}  // namespace
}  // namespace maic::cloud

namespace maic::cloud::contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreContract, maic::cloud::PostgresFixture);
}  // namespace maic::cloud::contract

namespace maic::cloud {
namespace {

// --- The server helper --------------------------------------------------------

TEST(PostgresServer, GivesEachTestAFreshDatabase) {
  REQUIRE_POSTGRES();
  const std::string a = fresh_database();
  const std::string b = fresh_database();
  EXPECT_NE(a, b);
  pqxx::connection conn(a);
  pqxx::work tx(conn);
  EXPECT_EQ(tx.exec1("SELECT current_setting('fsync')")[0].as<std::string>(), "off");
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0].as<int>(), 0);
}

TEST(PostgresServer, CommittedDataSurvivesAKill) {
  REQUIRE_POSTGRES();
  auto server = PostgresServer::start();
  ASSERT_TRUE(server.ok()) << server.error().message;
  auto uri = (*server)->create_database();
  ASSERT_TRUE(uri.ok()) << uri.error().message;
  {
    pqxx::connection conn(*uri);
    pqxx::work tx(conn);
    tx.exec0("CREATE TABLE t (v INTEGER)");
    tx.exec0("INSERT INTO t VALUES (42)");
    tx.commit();
  }
  (*server)->kill();
  EXPECT_THROW(pqxx::connection{*uri}, pqxx::broken_connection);
  ASSERT_TRUE((*server)->restart().ok()) << (*server)->log();
  pqxx::connection conn(*uri);
  pqxx::work tx(conn);
  EXPECT_EQ(tx.exec1("SELECT v FROM t")[0].as<int>(), 42);
}

// --- Migrations ---------------------------------------------------------------

TEST(PostgresStore, OpeningAgainMigratesNothingAndKeepsTheData) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  {
    auto store = open_store(uri);
    ASSERT_TRUE(store->create_user("a@example.com", "h", std::string(64, '1'), kNow).ok());
  }
  auto again = open_store(uri);
  auto user = again->user_by_email("a@example.com");
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_TRUE(user->has_value());
  pqxx::connection conn(uri);
  pqxx::work tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_version")[0].as<int>(),
            PostgresStore::kSchemaVersion);
  EXPECT_EQ(tx.exec1("SELECT max(version) FROM schema_version")[0].as<int>(),
            PostgresStore::kSchemaVersion);
}

TEST(PostgresStore, ProcessesStartingTogetherMigrateOnce) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  constexpr int kStores = 6;
  std::latch start(kStores);
  std::vector<std::string> errors(kStores);
  std::vector<std::thread> threads;
  for (int k = 0; k < kStores; ++k) {
    threads.emplace_back([&, k] {
      start.arrive_and_wait();
      auto store = PostgresStore::open(uri, 1);
      if (!store) errors[static_cast<std::size_t>(k)] = store.error().message;
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  pqxx::connection conn(uri);
  pqxx::work tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_version")[0].as<int>(),
            PostgresStore::kSchemaVersion);
}

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

// A database exactly as schema version 1 left it: what its open() did
// (schema_version, step 1), then the data in its stored forms, written with
// plain SQL (see Schema1Data).
void write_schema1(const std::string& uri, contract::Schema1Data& v1) {
  pqxx::connection conn(uri);
  pqxx::work tx(conn);
  tx.exec0("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)");
  tx.exec0(std::string(PostgresStore::migration_step_for_testing(1)));
  tx.exec0("INSERT INTO schema_version (version) VALUES (1)");

  v1.user.id = tx.exec_params1(
                     "INSERT INTO users (email, password_hash, api_key, created) "
                     "VALUES ($1, $2, $3, $4) RETURNING id",
                     v1.user.email, v1.user.password_hash, v1.user.api_key, v1.user.created)[0]
                   .as<std::int64_t>();
  DeviceRow& d = v1.device;
  d.owner = v1.user.id;
  tx.exec_params0(
      "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
      "owner, name, timezone, last_seen, newest_minute, newest_seq, output_on) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      d.identity.devid, d.identity.devtype, d.identity.firmware, d.identity.phases,
      d.identity.secret_hash, d.identity.pin_salt, d.identity.pin_hash, d.owner, d.name, d.timezone,
      d.last_seen, d.newest_minute, static_cast<std::int64_t>(d.newest_seq), d.output_on);
  tx.exec_params0("INSERT INTO boards (devid, layout, document) VALUES ($1, $2, $3)",
                  d.identity.devid, v1.board.layout, v1.board.document);
  for (const UploadRecord& r : v1.records) {
    tx.exec_params0(
        "INSERT INTO minutes (devid, minute, seq, blob) VALUES ($1, $2, $3, decode($4, 'hex'))",
        d.identity.devid, r.minute.minute, static_cast<std::int64_t>(r.seq),
        hex(encode_minute_blob(r.minute)));
  }
  for (const PeriodDelta& p : period_deltas(contract::minutes_of(v1.records), TimeZone::utc())) {
    tx.exec_params0(
        "INSERT INTO rollups (devid, period, start, blob) VALUES ($1, $2, $3, decode($4, 'hex'))",
        d.identity.devid, std::string(period_name(p.period)), p.start, hex(p.rollup.encode()));
  }
  tx.commit();
}

TEST(PostgresStore, AVersion1DatabaseIsUpgradedInPlace) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  contract::Schema1Data v1 = contract::schema1_data();
  write_schema1(uri, v1);
  const char* has_first_seen =
      "SELECT count(*) FROM information_schema.columns "
      "WHERE table_name = 'devices' AND column_name = 'first_seen'";
  {
    pqxx::connection conn(uri);
    pqxx::work tx(conn);
    ASSERT_EQ(tx.exec1("SELECT max(version) FROM schema_version")[0].as<int>(), 1);
    ASSERT_EQ(tx.exec1(has_first_seen)[0].as<int>(), 0);
  }

  auto store = open_store(uri);
  {
    pqxx::connection conn(uri);
    pqxx::work tx(conn);
    EXPECT_EQ(tx.exec1("SELECT max(version) FROM schema_version")[0].as<int>(),
              PostgresStore::kSchemaVersion);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_version")[0].as<int>(),
              PostgresStore::kSchemaVersion);
    EXPECT_EQ(tx.exec1(has_first_seen)[0].as<int>(), 1);
  }
  contract::expect_upgraded_from_schema1(*store, v1);
}

// Before schema 3 only an owner set a zone: one other than UTC was chosen.
TEST(PostgresStore, TheUpgradeMarksAZoneOtherThanUtcChosen) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  contract::Schema1Data v1 = contract::schema1_data();
  write_schema1(uri, v1);
  const DeviceIdentity berlin = contract::sample_identity("0000000002");
  {
    pqxx::connection conn(uri);
    pqxx::work tx(conn);
    tx.exec_params0(
        "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
        "owner, timezone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Europe/Berlin')",
        berlin.devid, berlin.devtype, berlin.firmware, berlin.phases, berlin.secret_hash,
        berlin.pin_salt, berlin.pin_hash, v1.user.id);
    tx.commit();
  }

  auto store = open_store(uri);
  contract::expect_zones_chosen_after_upgrade(*store, v1.device.identity.devid, berlin.devid);
}

// A database as schema 4 left it, holding boards as that server stored
// them (Schema4Boards), written with plain SQL.
void write_schema4(const std::string& uri, const contract::Schema4Boards& old) {
  pqxx::connection conn(uri);
  pqxx::work tx(conn);
  tx.exec0("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)");
  for (int v = 1; v <= 4; ++v) {
    tx.exec0(std::string(PostgresStore::migration_step_for_testing(v)));
    tx.exec_params0("INSERT INTO schema_version (version) VALUES ($1)", v);
  }
  const auto user = tx.exec1(
                          "INSERT INTO users (email, password_hash, api_key, created) "
                          "VALUES ('ada@example.com', 'h', 'k', 0) RETURNING id")[0]
                        .as<std::int64_t>();
  for (const auto& d : old.devices) {
    const DeviceIdentity id = contract::sample_identity(d.devid, d.phases);
    tx.exec_params0(
        "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
        "owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id.devid, id.devtype, id.firmware, id.phases, id.secret_hash, id.pin_salt, id.pin_hash,
        d.owned ? std::optional<std::int64_t>(user) : std::nullopt);
  }
  for (const auto& [devid, board] : old.boards) {
    tx.exec_params0("INSERT INTO boards (devid, layout, document) VALUES ($1, $2, $3)", devid,
                    board.layout, board.document);
  }
  tx.commit();
}

TEST(PostgresStore, AVersion4DatabasesBoardsFollowTheNewSchema) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  const contract::Schema4Boards old;
  write_schema4(uri, old);
  auto store = open_store(uri);
  {
    pqxx::connection conn(uri);
    pqxx::work tx(conn);
    EXPECT_EQ(tx.exec1("SELECT max(version) FROM schema_version")[0].as<int>(),
              PostgresStore::kSchemaVersion);
  }
  contract::expect_boards_upgraded_from_schema4(*store, old);
}

TEST(PostgresStore, ANewerSchemaIsRefused) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  open_store(uri);
  {
    pqxx::connection conn(uri);
    pqxx::work tx(conn);
    tx.exec_params0("INSERT INTO schema_version (version) VALUES ($1)",
                    PostgresStore::kSchemaVersion + 1);
    tx.commit();
  }
  auto store = PostgresStore::open(uri);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

// --- Several processes on one database ----------------------------------------

TEST(PostgresStore, TwoStoresSeeEachOthersCommands) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  auto a = open_store(uri);
  auto b = open_store(uri);
  ASSERT_TRUE(a->upsert_device(identity("1000000001"), kNow).ok());
  ASSERT_TRUE(a->upsert_device(identity("1000000002"), kNow).ok());

  auto first = a->add_command("1000000001", true, kNow);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto seen_by_b = b->commands_after(0, 100);
  ASSERT_TRUE(seen_by_b.ok()) << seen_by_b.error().message;
  ASSERT_EQ(seen_by_b->size(), 1u);
  EXPECT_EQ((*seen_by_b)[0], *first);

  auto second = b->add_command("1000000002", false, kNow + 1);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_GT(second->id, first->id);
  auto seen_by_a = a->commands_after(first->id, 100);
  ASSERT_TRUE(seen_by_a.ok());
  ASSERT_EQ(seen_by_a->size(), 1u);
  EXPECT_EQ((*seen_by_a)[0], *second);

  // A newer wish given through b supersedes a's; the ack through a is seen by b.
  auto third = b->add_command("1000000001", false, kNow + 2);
  ASSERT_TRUE(third.ok());
  auto pending = a->pending_commands("1000000001");
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, third->id);
  auto acked = a->ack_command("1000000001", third->id, false, kNow + 3);
  ASSERT_TRUE(acked.ok() && *acked);
  auto after = b->commands_after(0, 100);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, second->id);
}

TEST(PostgresStore, ConcurrentIngestOfOneBatchStoresEachMinuteOnce) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  auto a = open_store(uri);
  auto b = open_store(uri);
  const std::string devid = "1000000001";
  ASSERT_TRUE(a->upsert_device(identity(devid), kNow).ok());
  const std::vector<UploadRecord> records = batch(kDay0 - 3600, 1500);

  std::latch start(2);
  std::array<Result<IngestResult>, 2> results{make_error("not run"), make_error("not run")};
  std::array<Store*, 2> stores{a.get(), b.get()};
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < 2; ++k) {
    threads.emplace_back([&, k] {
      start.arrive_and_wait();
      results[k] = stores[k]->ingest(devid, records, kNow);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(results[0]->inserted + results[1]->inserted, records.size());
  EXPECT_EQ(results[0]->duplicates + results[1]->duplicates, records.size());

  auto stored = b->minutes(devid, 0, std::numeric_limits<std::int64_t>::max(), 100000);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->size(), records.size());
  expect_rollups_of(*a, devid, records_of(records));
}

TEST(PostgresStore, FirstContactsThroughSeveralServersHaveOneWinner) {
  // Several maic-cloud processes on one database, each with its own pool,
  // each taking a first hello for one new ID with its own secret and PIN.
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  constexpr int kServers = 4;
  std::vector<std::unique_ptr<PostgresStore>> stores;
  for (int k = 0; k < kServers; ++k) stores.push_back(open_store(uri, 1));
  for (int round = 0; round < 10; ++round) {
    const std::string devid = "20000000" + std::to_string(10 + round);
    std::vector<DeviceIdentity> contenders;
    for (int k = 0; k < kServers; ++k) {
      DeviceIdentity d = identity(devid);
      d.secret_hash = std::string(64, static_cast<char>('0' + k));
      d.pin_hash = std::string(64, static_cast<char>('a' + k));
      contenders.push_back(d);
    }
    std::latch start(kServers);
    std::vector<Result<HelloOutcome>> outcomes(kServers, make_error("not run"));
    std::vector<std::thread> threads;
    for (int k = 0; k < kServers; ++k) {
      threads.emplace_back([&, k] {
        const auto w = static_cast<std::size_t>(k);
        start.arrive_and_wait();
        outcomes[w] = stores[w]->upsert_device(contenders[w], kNow);
      });
    }
    for (std::thread& t : threads) t.join();
    std::vector<std::size_t> winners;
    for (std::size_t w = 0; w < outcomes.size(); ++w) {
      ASSERT_TRUE(outcomes[w].ok()) << outcomes[w].error().message;
      if (*outcomes[w] == HelloOutcome::kCreated) {
        winners.push_back(w);
      } else {
        EXPECT_EQ(*outcomes[w], HelloOutcome::kWrongSecret);
      }
    }
    ASSERT_EQ(winners.size(), 1u) << "round " << round;
    auto row = stores[0]->device(devid);
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->identity, contenders[winners[0]]);
  }
}

TEST(PostgresStore, OverlappingBatchesFromManyWritersRollUpExactly) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  const std::string devid = "1000000001";
  constexpr int kWriters = 4;
  std::vector<std::unique_ptr<PostgresStore>> stores;
  for (int k = 0; k < kWriters; ++k) stores.push_back(open_store(uri, 2));
  ASSERT_TRUE(stores[0]->upsert_device(identity(devid), kNow).ok());
  const std::vector<UploadRecord> all = batch(kDay0 - 7200, 2400);

  // Writer k sends minutes [300k, 300k + 1200) in batches of 100: every
  // minute but the first few hundred comes from several writers at once.
  std::latch start(kWriters);
  std::vector<std::string> errors(kWriters);
  std::vector<std::size_t> inserted(kWriters, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < kWriters; ++k) {
    threads.emplace_back([&, k] {
      const auto w = static_cast<std::size_t>(k);
      start.arrive_and_wait();
      for (std::size_t from = 300 * w; from < 300 * w + 1200; from += 100) {
        auto r = stores[w]->ingest(devid, std::span(all).subspan(from, 100), kNow);
        if (!r) {
          errors[w] = r.error().message;
          return;
        }
        inserted[w] += r->inserted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  std::size_t total = 0;
  for (std::size_t n : inserted) total += n;
  const std::size_t covered = 300 * (kWriters - 1) + 1200;
  EXPECT_EQ(total, covered);
  const auto sent = std::span(all).first(covered);
  expect_rollups_of(*stores[0], devid, records_of(sent));

  auto device = stores[1]->device(devid);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->newest_minute, sent.back().minute.minute);
  EXPECT_EQ((*device)->newest_seq, sent.back().seq);
}

TEST(PostgresStore, MoreThreadsThanConnectionsTakeTurns) {
  REQUIRE_POSTGRES();
  const std::string uri = fresh_database();
  auto store = open_store(uri, 2);
  constexpr int kThreads = 8;
  constexpr int kUsersEach = 10;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kUsersEach; ++k) {
        const std::string email = fmt::format("u{}-{}@example.com", t, k);
        auto u = store->create_user(email, "h", fmt::format("{:064}", t * 1000 + k), kNow);
        if (!u || !u->has_value()) ++failures[static_cast<std::size_t>(t)];
        auto back = store->user_by_email(email);
        if (!back || !back->has_value()) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// --- A restarted server -------------------------------------------------------

TEST(PostgresStore, ABrokenConnectionIsReplaced) {
  REQUIRE_POSTGRES();
  auto server = PostgresServer::start();
  ASSERT_TRUE(server.ok()) << server.error().message;
  auto uri = (*server)->create_database();
  ASSERT_TRUE(uri.ok()) << uri.error().message;
  auto store = open_store(*uri, 2);
  ASSERT_TRUE(store->upsert_device(identity("1000000001"), kNow).ok());

  (*server)->kill();
  auto down = store->device("1000000001");
  ASSERT_FALSE(down.ok());  // an error, not an exception
  EXPECT_NE(down.error().message.find("postgres: device"), std::string::npos)
      << down.error().message;

  ASSERT_TRUE((*server)->restart().ok()) << (*server)->log();
  auto up = store->device("1000000001");
  ASSERT_TRUE(up.ok()) << up.error().message;
  ASSERT_TRUE(up->has_value());
  auto ingested = store->ingest("1000000001", batch(kDay0, 10), kNow);
  ASSERT_TRUE(ingested.ok()) << ingested.error().message;
  EXPECT_EQ(ingested->inserted, 10u);
}

}  // namespace
}  // namespace maic::cloud
