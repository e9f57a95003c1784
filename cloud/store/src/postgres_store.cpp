#include "maic/cloud/postgres_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include "maic/cloud/board_schema.hpp"
#include "maic/cloud/ingest_rules.hpp"
#include "maic/cloud/period_deltas.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/minute_blob.hpp"
#include "postgres_arrays.hpp"

namespace maic::cloud {
namespace {

// pg_advisory_xact_lock keys ("maic" and a number): one for migrations, one
// that orders command ids (see add_command).
constexpr std::int64_t kMigrationLock = 0x6d616963'00000001;
constexpr std::int64_t kCommandLock = 0x6d616963'00000002;

// A transaction that failed on a deadlock or a serialization failure is
// tried again this often; one that found its connection broken, once.
constexpr int kRollbackRetries = 3;

// How many minutes a time-zone change re-reads at a time.
constexpr std::int64_t kRebuildChunk = 10000;

// Schema steps: kMigrations[k] takes a database from version k to k + 1.
// Minutes and rollups carry no foreign key: ingest checks the device under
// its lock once per batch instead of once per row.
constexpr std::array<std::string_view, PostgresStore::kSchemaVersion> kMigrations{
    R"sql(
CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  api_key TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE devices (
  devid TEXT PRIMARY KEY,
  devtype TEXT NOT NULL,
  firmware TEXT NOT NULL,
  phases INTEGER NOT NULL,
  secret_hash TEXT NOT NULL,
  pin_salt TEXT NOT NULL,
  pin_hash TEXT NOT NULL,
  owner BIGINT REFERENCES users (id),  -- NULL: nobody's
  name TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT 'UTC',
  last_seen BIGINT NOT NULL DEFAULT 0,
  newest_minute BIGINT NOT NULL DEFAULT -1,
  newest_seq BIGINT NOT NULL DEFAULT 0,
  output_on BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX devices_by_owner ON devices (owner, name);
CREATE TABLE boards (
  devid TEXT NOT NULL REFERENCES devices (devid),
  layout TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (devid, layout)
);
CREATE TABLE minutes (
  devid TEXT NOT NULL,
  minute BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  blob BYTEA NOT NULL,  -- minute_blob.hpp's encoding of the record
  PRIMARY KEY (devid, minute)
);
CREATE TABLE rollups (
  devid TEXT NOT NULL,
  period TEXT NOT NULL,  -- period_name()
  start BIGINT NOT NULL,
  blob BYTEA NOT NULL,  -- RollupAccumulator::encode()
  PRIMARY KEY (devid, period, start)
);
CREATE TABLE commands (
  id BIGSERIAL PRIMARY KEY,
  devid TEXT NOT NULL REFERENCES devices (devid),
  output_on BOOLEAN NOT NULL,
  created BIGINT NOT NULL,
  acked BIGINT NOT NULL DEFAULT 0  -- 0: pending
);
CREATE INDEX commands_pending ON commands (id) WHERE acked = 0;
CREATE INDEX commands_pending_by_device ON commands (devid, id) WHERE acked = 0;
)sql",
    // first_seen 0: the device was first seen before this version (when is unknown).
    R"sql(
ALTER TABLE devices ADD COLUMN first_seen BIGINT NOT NULL DEFAULT 0;
)sql",
    // Before this version only an owner could set a zone: one other than
    // UTC was their choice.
    R"sql(
ALTER TABLE devices ADD COLUMN timezone_chosen BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE devices SET timezone_chosen = TRUE WHERE timezone <> 'UTC';
)sql",
    // A record is (device, minute as stamped, seq) and is booked at `minute`
    // (ingest_rules.hpp); before this version the stamp was the booking.
    // lifetime: the newest record's lifetime registers (encode_lifetime).
    R"sql(
ALTER TABLE minutes ADD COLUMN stamp BIGINT;
UPDATE minutes SET stamp = minute;
ALTER TABLE minutes ALTER COLUMN stamp SET NOT NULL;
ALTER TABLE minutes DROP CONSTRAINT minutes_pkey;
ALTER TABLE minutes ADD PRIMARY KEY (devid, stamp, seq);
CREATE INDEX minutes_by_time ON minutes (devid, minute, seq);
ALTER TABLE devices ADD COLUMN lifetime BYTEA;
)sql",
    // Boards follow board schema 2 (board_schema.hpp): a stored board that
    // is not a valid one becomes its layout's preset (kConversions). A board
    // belongs to an owner and to a layout: leftovers of either kind go.
    R"sql(
DELETE FROM boards WHERE devid IN (SELECT devid FROM devices WHERE owner IS NULL);
DELETE FROM boards WHERE layout NOT IN ('pc', 'mobile');
)sql",
    // A person's Dashboard preferences (Preferences): empty follows the browser.
    R"sql(
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN theme TEXT NOT NULL DEFAULT 'system';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
)sql",
};

// Schema 5's conversion: every board as board schema 2 wants it
// (upgraded_board), in the migration's transaction.
void upgrade_boards(pqxx::work& tx) {
  const pqxx::result stored = tx.exec(
      "SELECT b.devid, b.layout, b.document, d.phases FROM boards b JOIN devices d "
      "ON d.devid = b.devid");
  for (const pqxx::row& row : stored) {
    const auto document = row[2].as<std::string>();
    const auto upgraded = upgraded_board(row[1].as<std::string>(), document, row[3].as<int>());
    if (!upgraded || *upgraded == document) continue;  // the step's SQL removed the others
    tx.exec_params0("UPDATE boards SET document = $3 WHERE devid = $1 AND layout = $2",
                    row[0].as<std::string>(), row[1].as<std::string>(), *upgraded);
  }
}

// What a step does after its SQL, if anything: kConversions[k] with kMigrations[k].
constexpr std::array<void (*)(pqxx::work&), PostgresStore::kSchemaVersion> kConversions{
    nullptr, nullptr, nullptr, nullptr, upgrade_boards, nullptr};

constexpr std::string_view kUserColumns =
    "id, email, password_hash, api_key, created, language, theme, time_zone";
constexpr std::string_view kSessionColumns = "token_hash, user_id, csrf_token, expires";
constexpr std::string_view kDeviceColumns =
    "devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, COALESCE(owner, 0), "
    "name, timezone, last_seen, newest_minute, newest_seq, output_on, first_seen, timezone_chosen";
constexpr std::string_view kCommandColumns = "id, devid, output_on, created, acked";

struct Statement {
  std::string_view name;
  std::string sql;
};

// Every statement the store runs, prepared on each connection. Text is
// always a parameter. Arrays ($n::bigint[], $n::bytea[], ...) come in
// PostgreSQL's binary array format (postgres_arrays.hpp).
const std::vector<Statement>& statements() {
  static const std::vector<Statement> all{
      // Accounts
      {"create_user", fmt::format("INSERT INTO users (email, password_hash, api_key, created) "
                                  "VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING "
                                  "RETURNING {}",
                                  kUserColumns)},
      {"user_by_id", fmt::format("SELECT {} FROM users WHERE id = $1", kUserColumns)},
      {"user_by_email", fmt::format("SELECT {} FROM users WHERE email = $1", kUserColumns)},
      {"user_by_api_key", fmt::format("SELECT {} FROM users WHERE api_key = $1", kUserColumns)},
      {"set_password_hash", "UPDATE users SET password_hash = $2 WHERE id = $1"},
      {"set_api_key", "UPDATE users SET api_key = $2 WHERE id = $1"},
      {"set_preferences",
       "UPDATE users SET language = $2, theme = $3, time_zone = $4 WHERE id = $1"},
      // Sessions
      {"create_session",
       "INSERT INTO sessions (token_hash, user_id, csrf_token, expires) VALUES ($1, $2, $3, $4)"},
      {"session", fmt::format("SELECT {} FROM sessions WHERE token_hash = $1 AND expires > $2",
                              kSessionColumns)},
      {"delete_session", "DELETE FROM sessions WHERE token_hash = $1"},
      {"delete_sessions_of", "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2"},
      // Devices
      // first_seen is set by the insert only.
      // A hello: the first contact inserts; a later one updates only after
      // its secret was compared with the stored one (upsert_device).
      {"insert_device",
       "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
       "first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
       "ON CONFLICT (devid) DO NOTHING"},
      {"lock_device_secret", "SELECT secret_hash FROM devices WHERE devid = $1 FOR UPDATE"},
      {"update_device",
       "UPDATE devices SET firmware = $2, phases = $3, pin_salt = $4, pin_hash = $5, "
       "last_seen = $6 WHERE devid = $1"},
      {"device", fmt::format("SELECT {} FROM devices WHERE devid = $1", kDeviceColumns)},
      {"devices_of",
       fmt::format("SELECT {} FROM devices WHERE owner = $1 ORDER BY name, devid", kDeviceColumns)},
      {"lock_device",
       "SELECT COALESCE(owner, 0), timezone, timezone_chosen FROM devices WHERE devid = $1 "
       "FOR UPDATE"},
      {"set_owner", "UPDATE devices SET owner = $2, name = $3 WHERE devid = $1"},
      {"rename_device", "UPDATE devices SET name = $3 WHERE devid = $1 AND owner = $2"},
      {"set_timezone", "UPDATE devices SET timezone = $2, timezone_chosen = $3 WHERE devid = $1"},
      // The name was the owner's; the next owner gives their own.
      {"release_device",
       "UPDATE devices SET owner = NULL, name = '', timezone_chosen = FALSE WHERE devid = $1"},
      {"delete_boards", "DELETE FROM boards WHERE devid = $1"},
      {"delete_pending_commands", "DELETE FROM commands WHERE devid = $1 AND acked = 0"},
      // Boards
      {"boards", "SELECT layout, document FROM boards WHERE devid = $1 ORDER BY layout"},
      {"put_board",
       "INSERT INTO boards (devid, layout, document) VALUES ($1, $2, $3) "
       "ON CONFLICT (devid, layout) DO UPDATE SET document = EXCLUDED.document"},
      // Minute data
      {"lock_device_for_ingest",
       "SELECT timezone, newest_minute, newest_seq, output_on, lifetime FROM devices "
       "WHERE devid = $1 FOR UPDATE"},
      // Not ON CONFLICT DO NOTHING: its speculative insertion made the
      // batch's insert half again as slow (bench/postgres_ingest_bench.cpp).
      // Exact because every ingest of the device holds its row lock, so no
      // other transaction inserts its minutes meanwhile; were one to, the
      // primary key would fail this one rather than duplicate a record.
      {"insert_minutes",
       "INSERT INTO minutes (devid, stamp, seq, minute, blob) "
       "SELECT $1, st, s, m, b "
       "FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bytea[]) AS t (st, s, m, b) "
       "WHERE NOT EXISTS (SELECT 1 FROM minutes x "
       "WHERE x.devid = $1 AND x.stamp = t.st AND x.seq = t.s) "
       "RETURNING stamp, seq"},
      // The stored versions of records a batch brought again.
      {"minutes_at",
       "SELECT m.stamp, m.seq, m.blob FROM minutes m "
       "JOIN unnest($2::bigint[], $3::bigint[]) AS k (st, s) ON m.stamp = k.st AND m.seq = k.s "
       "WHERE m.devid = $1"},
      {"rollups_for_update",
       "SELECT r.period, r.start, r.blob FROM rollups r "
       "JOIN unnest($2::text[], $3::bigint[]) AS k (period, start) "
       "ON r.period = k.period AND r.start = k.start WHERE r.devid = $1 FOR UPDATE OF r"},
      {"upsert_rollups",
       "INSERT INTO rollups (devid, period, start, blob) "
       "SELECT $1, p, s, b FROM unnest($2::text[], $3::bigint[], $4::bytea[]) AS t (p, s, b) "
       "ON CONFLICT (devid, period, start) DO UPDATE SET blob = EXCLUDED.blob"},
      // The device's progress: its newest record is the last one received.
      // An empty $6 is no lifetime registers.
      {"after_ingest",
       "UPDATE devices SET last_seen = $2, newest_minute = $3, newest_seq = $4, output_on = $5, "
       "lifetime = NULLIF($6, ''::bytea) WHERE devid = $1"},
      {"seen", "UPDATE devices SET last_seen = $2 WHERE devid = $1"},
      {"minutes",
       "SELECT blob FROM minutes WHERE devid = $1 AND minute BETWEEN $2 AND $3 "
       "ORDER BY minute, seq LIMIT $4"},
      {"minutes_after",
       "SELECT blob, seq FROM minutes WHERE devid = $1 AND (minute, seq) > ($2, $3) "
       "ORDER BY minute, seq LIMIT $4"},
      {"periods",
       "SELECT start, blob FROM rollups WHERE devid = $1 AND period = $2 "
       "AND start BETWEEN $3 AND $4 ORDER BY start LIMIT $5"},
      {"delete_rollups", "DELETE FROM rollups WHERE devid = $1"},
      // Commands
      {"command_lock", fmt::format("SELECT pg_advisory_xact_lock({})", kCommandLock)},
      {"supersede_commands", "UPDATE commands SET acked = $2 WHERE devid = $1 AND acked = 0"},
      {"add_command",
       fmt::format("INSERT INTO commands (devid, output_on, created) VALUES ($1, $2, $3) "
                   "RETURNING {}",
                   kCommandColumns)},
      {"pending_commands",
       fmt::format("SELECT {} FROM commands WHERE devid = $1 AND acked = 0 ORDER BY id",
                   kCommandColumns)},
      {"commands_after",
       fmt::format("SELECT {} FROM commands WHERE id > $1 AND acked = 0 ORDER BY id LIMIT $2",
                   kCommandColumns)},
      {"ack_command",
       "UPDATE commands SET acked = $3 WHERE id = $2 AND devid = $1 AND acked = 0 RETURNING id"},
      {"set_output", "UPDATE devices SET output_on = $2 WHERE devid = $1"},
  };
  return all;
}

std::string_view bytes_of(const pqxx::binarystring& b) { return {b.get(), b.size()}; }

std::int64_t limit_param(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// Rollup rows of one device, by (period, start).
using RollupRows = std::map<std::pair<Period, std::int64_t>, RollupAccumulator>;

// Adds a delta to the rows: a new row is the delta itself.
void add_delta(RollupRows& rows, const PeriodDelta& d) {
  auto [at, added] = rows.try_emplace({d.period, d.start}, d.rollup);
  if (!added) at->second.merge(d.rollup);
}

User user_from(const pqxx::row& r) {
  return User{r[0].as<std::int64_t>(),
              r[1].as<std::string>(),
              r[2].as<std::string>(),
              r[3].as<std::string>(),
              r[4].as<std::int64_t>(),
              Preferences{r[5].as<std::string>(), r[6].as<std::string>(), r[7].as<std::string>()}};
}

std::optional<User> first_user(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  return user_from(r[0]);
}

DeviceRow device_from(const pqxx::row& r) {
  DeviceRow d;
  d.identity.devid = r[0].as<std::string>();
  d.identity.devtype = r[1].as<std::string>();
  d.identity.firmware = r[2].as<std::string>();
  d.identity.phases = r[3].as<int>();
  d.identity.secret_hash = r[4].as<std::string>();
  d.identity.pin_salt = r[5].as<std::string>();
  d.identity.pin_hash = r[6].as<std::string>();
  d.owner = r[7].as<std::int64_t>();
  d.name = r[8].as<std::string>();
  d.timezone = r[9].as<std::string>();
  d.last_seen = r[10].as<std::int64_t>();
  d.newest_minute = r[11].as<std::int64_t>();
  d.newest_seq = static_cast<std::uint32_t>(r[12].as<std::int64_t>());
  d.output_on = r[13].as<bool>();
  d.first_seen = r[14].as<std::int64_t>();
  d.timezone_chosen = r[15].as<bool>();
  return d;
}

Command command_from(const pqxx::row& r) {
  return Command{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<bool>(),
                 r[3].as<std::int64_t>(), r[4].as<std::int64_t>()};
}

std::vector<Command> commands_from(const pqxx::result& r) {
  std::vector<Command> out;
  out.reserve(r.size());
  for (const pqxx::row& row : r) out.push_back(command_from(row));
  return out;
}

Result<MinuteRecord> minute_from(const pqxx::field& f) {
  const pqxx::binarystring blob(f);
  return decode_minute_blob(bytes_of(blob));
}

Result<RollupAccumulator> accumulator_from(const pqxx::field& f) {
  const pqxx::binarystring blob(f);
  return RollupAccumulator::decode(bytes_of(blob));
}

// Writes the rows as rollup rows of `devid`.
void upsert_rollups(pqxx::work& tx, const std::string& devid, const RollupRows& rows) {
  BinaryArray periods(BinaryArray::kText, rows.size());
  BinaryArray starts(BinaryArray::kInt8, rows.size());
  BinaryArray blobs(BinaryArray::kBytea, rows.size());
  for (const auto& [key, acc] : rows) {
    periods.bytes(period_name(key.first));
    starts.i64(key.second);
    blobs.bytes(acc.encode());
  }
  tx.exec_prepared0("upsert_rollups", devid, periods.param(), starts.param(), blobs.param());
}

}  // namespace

// --- The pool -----------------------------------------------------------------

// Up to `capacity` connections, opened when needed; a method borrows one
// for its transaction. Thread-safe.
class PostgresStore::Pool {
 public:
  Pool(std::string uri, std::size_t capacity)
      : uri_(std::move(uri)), capacity_(std::max<std::size_t>(capacity, 1)) {}

  // Runs `fn(tx)` in a transaction (READ COMMITTED) and commits if it
  // returns a value; an Error it returns rolls back. Database failures
  // become Errors naming `what`. `fn` may run more than once (see the
  // header), so it must not change anything outside the transaction.
  template <typename F>
  auto transact(std::string_view what, F&& fn) -> std::invoke_result_t<F&, pqxx::work&> {
    using R = std::invoke_result_t<F&, pqxx::work&>;
    return attempt<R>(what, [&](pqxx::connection& conn) -> R {
      pqxx::work tx(conn);
      R result = fn(tx);
      if (result) tx.commit();
      return result;
    });
  }

  // For one statement that only reads: no BEGIN and COMMIT round trips
  // (a single statement is atomic by itself).
  template <typename F>
  auto read(std::string_view what, F&& fn) -> std::invoke_result_t<F&, pqxx::nontransaction&> {
    using R = std::invoke_result_t<F&, pqxx::nontransaction&>;
    return attempt<R>(what, [&](pqxx::connection& conn) -> R {
      pqxx::nontransaction tx(conn);
      return fn(tx);
    });
  }

 private:
  using Connection = std::unique_ptr<pqxx::connection>;

  static Error failure(std::string_view what, const std::exception& e) {
    std::string message = e.what();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return make_error(fmt::format("postgres: {}: {}", what, message));
  }

  template <typename R, typename Body>
  R attempt(std::string_view what, Body&& body) {
    int rollbacks = 0;
    bool reconnected = false;
    for (;;) {
      Connection conn;
      try {
        conn = acquire();
        R result = body(*conn);
        release(std::move(conn));
        return result;
      } catch (const pqxx::in_doubt_error& e) {
        // The connection broke during COMMIT: it may or may not have happened.
        return failure(what, e);
      } catch (const pqxx::broken_connection& e) {
        // Probably a restarted server: the idle connections are as stale.
        drop_idle();
        if (conn) forget(std::move(conn));
        if (reconnected) return failure(what, e);
        reconnected = true;
      } catch (const pqxx::transaction_rollback& e) {
        release(std::move(conn));
        if (++rollbacks > kRollbackRetries) return failure(what, e);
      } catch (const std::exception& e) {
        if (conn && conn->is_open()) {
          release(std::move(conn));
        } else if (conn) {
          forget(std::move(conn));
        }
        return failure(what, e);
      }
    }
  }

  // An idle connection, or a new one while fewer than capacity_ are open;
  // else waits for one to be returned. Throws pqxx::broken_connection when
  // a new one cannot connect.
  Connection acquire() {
    {
      std::unique_lock lock(mutex_);
      returned_.wait(lock, [&] { return !idle_.empty() || open_ < capacity_; });
      if (!idle_.empty()) {
        Connection c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      ++open_;  // reserved; connecting happens outside the lock
    }
    try {
      auto c = std::make_unique<pqxx::connection>(uri_);
      for (const Statement& s : statements()) c->prepare(std::string(s.name), s.sql);
      return c;
    } catch (...) {
      forget(nullptr);
      throw;
    }
  }

  void release(Connection c) {
    if (!c) return;
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(c));
    }
    returned_.notify_one();
  }

  // A connection that is closed for good (or was never opened).
  void forget(Connection c) {
    c.reset();
    {
      std::lock_guard lock(mutex_);
      --open_;
    }
    returned_.notify_one();
  }

  void drop_idle() {
    std::vector<Connection> stale;
    {
      std::lock_guard lock(mutex_);
      stale.swap(idle_);
      open_ -= stale.size();
    }
    returned_.notify_all();
  }

  const std::string uri_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<Connection> idle_;
  std::size_t open_ = 0;  // idle and borrowed
};

// --- The store ----------------------------------------------------------------

std::string_view PostgresStore::migration_step_for_testing(int version) {
  if (version < 1 || version > kSchemaVersion) {
    throw std::out_of_range(fmt::format("no schema migration step {}", version));
  }
  return kMigrations[static_cast<std::size_t>(version - 1)];
}

PostgresStore::PostgresStore(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}
PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& uri,
                                                           std::size_t connections) {
  auto pool = std::make_unique<Pool>(uri, connections);
  // Under the advisory lock, processes starting together migrate one after
  // the other: the later ones find the schema current.
  Status migrated = pool->transact("migrate", [](pqxx::work& tx) -> Status {
    tx.exec_params1("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    tx.exec0("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)");
    const int current =
        tx.exec1("SELECT COALESCE(max(version), 0) FROM schema_version")[0].as<int>();
    if (current > kSchemaVersion) {
      return make_error(
          fmt::format("postgres: the database has schema version {}, newer than this program's {}",
                      current, kSchemaVersion));
    }
    for (int v = current; v < kSchemaVersion; ++v) {
      tx.exec0(std::string(kMigrations[static_cast<std::size_t>(v)]));
      if (auto convert = kConversions[static_cast<std::size_t>(v)]) convert(tx);
      tx.exec_params0("INSERT INTO schema_version (version) VALUES ($1)", v + 1);
    }
    return ok_status();
  });
  if (!migrated) return migrated.error();
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool)));
}

// --- Accounts -----------------------------------------------------------------

Result<std::optional<User>> PostgresStore::create_user(const std::string& email,
                                                       const std::string& password_hash,
                                                       const std::string& api_key,
                                                       std::int64_t now) {
  return pool_->transact("create_user", [&](pqxx::work& tx) -> Result<std::optional<User>> {
    return first_user(tx.exec_prepared("create_user", email, password_hash, api_key, now));
  });
}

Result<std::optional<User>> PostgresStore::user_by_id(UserId id) {
  return pool_->read("user_by_id", [&](pqxx::nontransaction& tx) -> Result<std::optional<User>> {
    return first_user(tx.exec_prepared("user_by_id", id));
  });
}

Result<std::optional<User>> PostgresStore::user_by_email(const std::string& email) {
  return pool_->read("user_by_email", [&](pqxx::nontransaction& tx) -> Result<std::optional<User>> {
    return first_user(tx.exec_prepared("user_by_email", email));
  });
}

Result<std::optional<User>> PostgresStore::user_by_api_key(const std::string& api_key) {
  return pool_->read("user_by_api_key",
                     [&](pqxx::nontransaction& tx) -> Result<std::optional<User>> {
                       return first_user(tx.exec_prepared("user_by_api_key", api_key));
                     });
}

Status PostgresStore::set_password_hash(UserId id, const std::string& password_hash) {
  return pool_->transact("set_password_hash", [&](pqxx::work& tx) -> Status {
    tx.exec_prepared0("set_password_hash", id, password_hash);
    return ok_status();
  });
}

Status PostgresStore::set_api_key(UserId id, const std::string& api_key) {
  return pool_->transact("set_api_key", [&](pqxx::work& tx) -> Status {
    tx.exec_prepared0("set_api_key", id, api_key);
    return ok_status();
  });
}

Status PostgresStore::set_preferences(UserId id, const Preferences& p) {
  return pool_->transact("set_preferences", [&](pqxx::work& tx) -> Status {
    tx.exec_prepared0("set_preferences", id, p.language, p.theme, p.time_zone);
    return ok_status();
  });
}

// --- Sessions -----------------------------------------------------------------

Status PostgresStore::create_session(const Session& s) {
  return pool_->transact("create_session", [&](pqxx::work& tx) -> Status {
    tx.exec_prepared0("create_session", s.token_hash, s.user, s.csrf_token, s.expires);
    return ok_status();
  });
}

Result<std::optional<Session>> PostgresStore::session(const std::string& token_hash,
                                                      std::int64_t now) {
  return pool_->read("session", [&](pqxx::nontransaction& tx) -> Result<std::optional<Session>> {
    const pqxx::result r = tx.exec_prepared("session", token_hash, now);
    if (r.empty()) return std::optional<Session>();
    return std::optional<Session>(Session{r[0][0].as<std::string>(), r[0][1].as<std::int64_t>(),
                                          r[0][2].as<std::string>(), r[0][3].as<std::int64_t>()});
  });
}

Status PostgresStore::delete_session(const std::string& token_hash) {
  return pool_->transact("delete_session", [&](pqxx::work& tx) -> Status {
    tx.exec_prepared0("delete_session", token_hash);
    return ok_status();
  });
}

Status PostgresStore::change_password(UserId user, const std::string& password_hash,
                                      const std::string& api_key, const std::string& keep_session) {
  return pool_->transact("change_password", [&](pqxx::work& tx) -> Status {
    tx.exec_prepared0("set_password_hash", user, password_hash);
    tx.exec_prepared0("set_api_key", user, api_key);
    tx.exec_prepared0("delete_sessions_of", user, keep_session);
    return ok_status();
  });
}

// --- Devices ------------------------------------------------------------------

Result<HelloOutcome> PostgresStore::upsert_device(const DeviceIdentity& d, std::int64_t now) {
  return pool_->transact("upsert_device", [&](pqxx::work& tx) -> Result<HelloOutcome> {
    // Of concurrent inserts of one devid, one wins; the others wait for its
    // commit and insert nothing, then compare against the winner's secret
    // under the row lock.
    if (tx.exec_prepared("insert_device", d.devid, d.devtype, d.firmware, d.phases, d.secret_hash,
                         d.pin_salt, d.pin_hash, now)
            .affected_rows() > 0)
      return HelloOutcome::kCreated;
    const pqxx::result r = tx.exec_prepared("lock_device_secret", d.devid);
    // Deleted in between: no such thing as a device leaving the server.
    if (r.empty()) return make_error("postgres: device " + d.devid + " vanished during its hello");
    if (!secret_hashes_equal(r[0][0].as<std::string>(), d.secret_hash))
      return HelloOutcome::kWrongSecret;
    tx.exec_prepared0("update_device", d.devid, d.firmware, d.phases, d.pin_salt, d.pin_hash, now);
    return HelloOutcome::kUpdated;
  });
}

Result<std::optional<DeviceRow>> PostgresStore::device(const std::string& devid) {
  return pool_->read("device", [&](pqxx::nontransaction& tx) -> Result<std::optional<DeviceRow>> {
    const pqxx::result r = tx.exec_prepared("device", devid);
    if (r.empty()) return std::optional<DeviceRow>();
    return std::optional<DeviceRow>(device_from(r[0]));
  });
}

Result<std::vector<DeviceRow>> PostgresStore::devices_of(UserId user) {
  return pool_->read("devices_of", [&](pqxx::nontransaction& tx) -> Result<std::vector<DeviceRow>> {
    std::vector<DeviceRow> out;
    for (const pqxx::row& row : tx.exec_prepared("devices_of", user)) {
      out.push_back(device_from(row));
    }
    return out;
  });
}

Result<ClaimOutcome> PostgresStore::claim_device(const std::string& devid, UserId user,
                                                 const std::string& name) {
  return pool_->transact("claim_device", [&](pqxx::work& tx) -> Result<ClaimOutcome> {
    const pqxx::result r = tx.exec_prepared("lock_device", devid);
    if (r.empty()) return ClaimOutcome::kUnknownDevice;
    const UserId owner = r[0][0].as<UserId>();
    if (owner == user) return ClaimOutcome::kAlreadyYours;
    if (owner != 0) return ClaimOutcome::kOwnedByOther;
    tx.exec_prepared0("set_owner", devid, user, name);
    // A release deleted the boards; this only guards against leftovers.
    tx.exec_prepared0("delete_boards", devid);
    return ClaimOutcome::kClaimed;
  });
}

Result<bool> PostgresStore::rename_device(const std::string& devid, UserId user,
                                          const std::string& name) {
  return pool_->transact("rename_device", [&](pqxx::work& tx) -> Result<bool> {
    return tx.exec_prepared("rename_device", devid, user, name).affected_rows() > 0;
  });
}

namespace {

// Replaces the device's rollups with ones computed from all its minutes in
// `zone`. The caller holds the device's row lock.
Status rebuild_rollups(pqxx::work& tx, const std::string& devid, const TimeZone& zone) {
  tx.exec_prepared0("delete_rollups", devid);
  // Every minute again, a chunk at a time, into one accumulator per
  // (period, start): a year of minutes is some 9,000 of them.
  RollupRows rows;
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  std::int64_t after_seq = 0;
  for (;;) {
    const pqxx::result chunk =
        tx.exec_prepared("minutes_after", devid, after, after_seq, kRebuildChunk);
    std::vector<MinuteRecord> minutes;
    minutes.reserve(chunk.size());
    for (const pqxx::row& row : chunk) {
      Result<MinuteRecord> m = minute_from(row[0]);
      if (!m) return make_error(fmt::format("postgres: device {}: {}", devid, m.error().message));
      minutes.push_back(*m);
    }
    for (const PeriodDelta& d : period_deltas(minutes, zone)) add_delta(rows, d);
    if (chunk.size() < static_cast<std::size_t>(kRebuildChunk)) break;
    after = minutes.back().minute;
    after_seq = chunk[chunk.size() - 1][1].as<std::int64_t>();
  }
  if (!rows.empty()) upsert_rollups(tx, devid, rows);
  return ok_status();
}

}  // namespace

Result<bool> PostgresStore::set_device_timezone(const std::string& devid, UserId user,
                                                const TimeZone& zone) {
  return pool_->transact("set_device_timezone", [&](pqxx::work& tx) -> Result<bool> {
    const pqxx::result r = tx.exec_prepared("lock_device", devid);
    if (r.empty() || r[0][0].as<UserId>() != user) return false;
    tx.exec_prepared0("set_timezone", devid, zone.name(), true);
    if (auto rebuilt = rebuild_rollups(tx, devid, zone); !rebuilt) return rebuilt.error();
    return true;
  });
}

Result<bool> PostgresStore::adopt_device_timezone(const std::string& devid, const TimeZone& zone) {
  return pool_->transact("adopt_device_timezone", [&](pqxx::work& tx) -> Result<bool> {
    const pqxx::result r = tx.exec_prepared("lock_device", devid);
    if (r.empty() || r[0][2].as<bool>()) return false;  // no such device, or the owner chose
    if (r[0][1].as<std::string>() == zone.name()) return true;
    tx.exec_prepared0("set_timezone", devid, zone.name(), false);
    if (auto rebuilt = rebuild_rollups(tx, devid, zone); !rebuilt) return rebuilt.error();
    return true;
  });
}

Result<bool> PostgresStore::release_device(const std::string& devid, UserId user) {
  return pool_->transact("release_device", [&](pqxx::work& tx) -> Result<bool> {
    const pqxx::result r = tx.exec_prepared("lock_device", devid);
    if (r.empty() || r[0][0].as<UserId>() != user) return false;
    tx.exec_prepared0("release_device", devid);
    tx.exec_prepared0("delete_boards", devid);
    tx.exec_prepared0("delete_pending_commands", devid);
    return true;
  });
}

// --- Boards -------------------------------------------------------------------

Result<std::vector<Board>> PostgresStore::boards(const std::string& devid) {
  return pool_->read("boards", [&](pqxx::nontransaction& tx) -> Result<std::vector<Board>> {
    std::vector<Board> out;
    for (const pqxx::row& row : tx.exec_prepared("boards", devid)) {
      out.push_back(Board{row[0].as<std::string>(), row[1].as<std::string>()});
    }
    return out;
  });
}

Result<bool> PostgresStore::put_board(const std::string& devid, const Board& board) {
  return pool_->transact("put_board", [&](pqxx::work& tx) -> Result<bool> {
    // The device's row lock orders this after a release or claim: a board
    // never outlives its owner's release.
    const pqxx::result r = tx.exec_prepared("lock_device", devid);
    if (r.empty() || r[0][0].as<UserId>() == 0) return false;
    tx.exec_prepared0("put_board", devid, board.layout, board.document);
    return true;
  });
}

// --- Minute data --------------------------------------------------------------

namespace {

// A batch of minute rows as the arrays insert_minutes takes.
struct MinuteArrays {
  explicit MinuteArrays(std::size_t n)
      : stamps(BinaryArray::kInt8, n),
        seqs(BinaryArray::kInt8, n),
        minutes(BinaryArray::kInt8, n),
        blobs(BinaryArray::kBytea, n) {}
  void add(const UploadRecord& r) {
    stamps.i64(r.identity_minute());
    seqs.i64(r.seq);
    minutes.i64(r.minute.minute);
    blobs.bytes(encode_minute_blob(r.minute));
  }
  // The (stamp, seq) of each row inserted.
  std::set<std::pair<std::int64_t, std::int64_t>> insert(pqxx::work& tx,
                                                         const std::string& devid) const {
    std::set<std::pair<std::int64_t, std::int64_t>> keys;
    for (const pqxx::row& row : tx.exec_prepared("insert_minutes", devid, stamps.param(),
                                                 seqs.param(), minutes.param(), blobs.param())) {
      keys.emplace(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
    }
    return keys;
  }
  BinaryArray stamps, seqs, minutes, blobs;
};

std::pair<std::int64_t, std::int64_t> identity_of(const UploadRecord& r) {
  return {r.identity_minute(), r.seq};
}

}  // namespace

Result<IngestResult> PostgresStore::ingest(const std::string& devid,
                                           std::span<const UploadRecord> records,
                                           std::int64_t now) {
  // Prepared outside the transaction, which may run twice: the batch without
  // repeats (the first of a record counts, as if stored one by one), encoded.
  std::vector<const UploadRecord*> unique;
  unique.reserve(records.size());
  std::set<std::pair<std::int64_t, std::int64_t>> seen;
  for (const UploadRecord& r : records) {
    if (seen.insert(identity_of(r)).second) unique.push_back(&r);
  }
  MinuteArrays rows(unique.size());
  for (const UploadRecord* r : unique) rows.add(*r);

  return pool_->transact("ingest", [&](pqxx::work& tx) -> Result<IngestResult> {
    // The device's row lock: ingests for one device, from any process, take turns.
    const pqxx::result device = tx.exec_prepared("lock_device_for_ingest", devid);
    if (device.empty()) return make_error("postgres: ingest: unknown device " + devid);
    if (records.empty()) {
      tx.exec_prepared0("seen", devid, now);
      return IngestResult{};
    }
    DeviceProgress progress;
    progress.newest_minute = device[0][1].as<std::int64_t>();
    progress.newest_seq = static_cast<std::uint32_t>(device[0][2].as<std::int64_t>());
    progress.output_on = device[0][3].as<bool>();
    if (!device[0][4].is_null()) {
      const pqxx::binarystring bytes(device[0][4]);
      Result<LifetimeRegisters> l = decode_lifetime(bytes_of(bytes));
      if (!l) return make_error(fmt::format("postgres: device {}: {}", devid, l.error().message));
      progress.lifetime = *l;
    }

    const auto inserted_keys = rows.insert(tx, devid);
    // The new records, and the gaps the newer ones reveal.
    std::vector<MinuteRecord> inserted;
    std::vector<UploadRecord> gaps;
    std::size_t new_records = 0;
    inserted.reserve(inserted_keys.size());
    for (const UploadRecord* r : unique) {
      if (inserted_keys.count(identity_of(*r)) == 0) continue;
      ++new_records;
      inserted.push_back(r->minute);
      if (!is_newer(progress, *r)) continue;
      if (auto gap = gap_before(progress, *r)) {
        gaps.push_back(*gap);
        inserted.push_back(gap->minute);
      }
      progress = progress_after(*r);
    }
    // The rest are duplicates (records stored before, or repeated within
    // the batch); those whose content differs from the stored version are
    // conflicts. Only a batch that brings duplicates asks for them.
    IngestResult result{new_records, records.size() - new_records, 0, {}};
    if (result.duplicates > 0) {
      std::set<std::pair<std::int64_t, std::int64_t>> first;
      std::vector<const UploadRecord*> again;
      for (const UploadRecord& r : records) {
        const bool is_first = first.insert(identity_of(r)).second;
        if (!is_first || inserted_keys.count(identity_of(r)) == 0) again.push_back(&r);
      }
      BinaryArray stamps(BinaryArray::kInt8, again.size());
      BinaryArray seqs(BinaryArray::kInt8, again.size());
      for (const UploadRecord* r : again) {
        stamps.i64(r->identity_minute());
        seqs.i64(r->seq);
      }
      std::map<std::pair<std::int64_t, std::int64_t>, std::string> stored;
      for (const pqxx::row& row :
           tx.exec_prepared("minutes_at", devid, stamps.param(), seqs.param())) {
        const pqxx::binarystring bytes(row[2]);
        stored.emplace(std::pair(row[0].as<std::int64_t>(), row[1].as<std::int64_t>()),
                       std::string(bytes_of(bytes)));
      }
      for (const UploadRecord* r : again) {
        const auto it = stored.find(identity_of(*r));
        if (it != stored.end() && !same_content(it->second, r->minute)) {
          ++result.conflicts;
          result.conflicting.emplace_back(r->seq, r->identity_minute());
        }
      }
    }
    if (!gaps.empty()) {
      MinuteArrays gap_rows(gaps.size());
      for (const UploadRecord& g : gaps) gap_rows.add(g);
      gap_rows.insert(tx, devid);
    }

    if (!inserted.empty()) {
      const std::string zone_name = device[0][0].as<std::string>();
      Result<TimeZone> zone = TimeZone::locate(zone_name);
      if (!zone) {
        return make_error(
            fmt::format("postgres: ingest: device {}: {}", devid, zone.error().message));
      }
      // Stored accumulators of the periods the new minutes touch, merged
      // with their deltas, written back.
      RollupRows rollup_rows;
      const std::vector<PeriodDelta> deltas = period_deltas(inserted, *zone);
      BinaryArray periods(BinaryArray::kText, deltas.size());
      BinaryArray starts(BinaryArray::kInt8, deltas.size());
      for (const PeriodDelta& d : deltas) {
        periods.bytes(period_name(d.period));
        starts.i64(d.start);
      }
      for (const pqxx::row& row :
           tx.exec_prepared("rollups_for_update", devid, periods.param(), starts.param())) {
        Result<Period> period = parse_period(row[0].as<std::string>());
        if (!period) {
          return make_error(fmt::format("postgres: device {}: {}", devid, period.error().message));
        }
        Result<RollupAccumulator> stored = accumulator_from(row[2]);
        if (!stored) {
          return make_error(fmt::format("postgres: device {}: {}", devid, stored.error().message));
        }
        rollup_rows.emplace(std::pair(*period, row[1].as<std::int64_t>()), std::move(*stored));
      }
      for (const PeriodDelta& d : deltas) add_delta(rollup_rows, d);
      upsert_rollups(tx, devid, rollup_rows);
    }

    const std::string lifetime = progress.lifetime ? encode_lifetime(*progress.lifetime) : "";
    tx.exec_prepared0("after_ingest", devid, now, progress.newest_minute,
                      static_cast<std::int64_t>(progress.newest_seq), progress.output_on,
                      pqxx::binarystring(lifetime.data(), lifetime.size()));
    return result;
  });
}

Result<std::vector<MinuteRecord>> PostgresStore::minutes(const std::string& devid,
                                                         std::int64_t from, std::int64_t to,
                                                         std::size_t limit) {
  return pool_->read("minutes", [&](pqxx::nontransaction& tx) -> Result<std::vector<MinuteRecord>> {
    std::vector<MinuteRecord> out;
    const pqxx::result r = tx.exec_prepared("minutes", devid, from, to, limit_param(limit));
    out.reserve(r.size());
    for (const pqxx::row& row : r) {
      Result<MinuteRecord> m = minute_from(row[0]);
      if (!m) {
        return make_error(fmt::format("postgres: device {}: {}", devid, m.error().message));
      }
      append_minute(out, *m);
    }
    return out;
  });
}

Result<std::vector<PeriodValue>> PostgresStore::periods(const std::string& devid, Period period,
                                                        std::int64_t from, std::int64_t to,
                                                        std::size_t limit) {
  if (period == Period::kMinute) return make_error("periods: minutes are not a rollup");
  return pool_->read("periods", [&](pqxx::nontransaction& tx) -> Result<std::vector<PeriodValue>> {
    std::vector<PeriodValue> out;
    const pqxx::result r = tx.exec_prepared("periods", devid, std::string(period_name(period)),
                                            from, to, limit_param(limit));
    out.reserve(r.size());
    for (const pqxx::row& row : r) {
      Result<RollupAccumulator> acc = accumulator_from(row[1]);
      if (!acc) {
        return make_error(fmt::format("postgres: device {}: {}", devid, acc.error().message));
      }
      out.push_back(PeriodValue{row[0].as<std::int64_t>(), acc->row(), *acc});
    }
    return out;
  });
}

// --- Output commands ----------------------------------------------------------

Result<Command> PostgresStore::add_command(const std::string& devid, bool output_on,
                                           std::int64_t now) {
  return pool_->transact("add_command", [&](pqxx::work& tx) -> Result<Command> {
    if (tx.exec_prepared("lock_device", devid).empty()) {
      return make_error("postgres: add_command: unknown device " + devid);
    }
    // Held to the commit: ids are taken and committed in order, so a reader
    // that saw id n never later finds a new command below n.
    tx.exec_prepared1("command_lock");
    tx.exec_prepared0("supersede_commands", devid, now);
    return command_from(tx.exec_prepared1("add_command", devid, output_on, now));
  });
}

Result<std::vector<Command>> PostgresStore::pending_commands(const std::string& devid) {
  return pool_->read("pending_commands",
                     [&](pqxx::nontransaction& tx) -> Result<std::vector<Command>> {
                       return commands_from(tx.exec_prepared("pending_commands", devid));
                     });
}

Result<std::vector<Command>> PostgresStore::commands_after(std::int64_t after_id,
                                                           std::size_t limit) {
  return pool_->read(
      "commands_after", [&](pqxx::nontransaction& tx) -> Result<std::vector<Command>> {
        return commands_from(tx.exec_prepared("commands_after", after_id, limit_param(limit)));
      });
}

Result<bool> PostgresStore::ack_command(const std::string& devid, std::int64_t id, bool output_on,
                                        std::int64_t now) {
  return pool_->transact("ack_command", [&](pqxx::work& tx) -> Result<bool> {
    if (tx.exec_prepared("lock_device", devid).empty()) return false;
    if (tx.exec_prepared("ack_command", devid, id, now).empty()) return false;
    tx.exec_prepared0("set_output", devid, output_on);
    return true;
  });
}

}  // namespace maic::cloud
