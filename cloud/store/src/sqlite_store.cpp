#include "maic/cloud/sqlite_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "maic/cloud/board_schema.hpp"
#include "maic/cloud/ingest_rules.hpp"
#include "maic/cloud/period_deltas.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/minute_blob.hpp"

namespace maic::cloud {
namespace {

// --- The schema ------------------------------------------------------------------

Status upgrade_boards(sqlite3* db);

// Each step takes the schema from version - 1 to version, in one
// transaction: its SQL, then its conversion of stored documents if it has
// one. Append new steps; never edit a released one.
struct Migration {
  int version;
  const char* sql;
  Status (*convert)(sqlite3*) = nullptr;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  api_key TEXT NOT NULL UNIQUE,
  created INTEGER NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE TABLE devices (
  devid TEXT PRIMARY KEY,
  devtype TEXT NOT NULL,
  firmware TEXT NOT NULL,
  phases INTEGER NOT NULL,
  secret_hash TEXT NOT NULL,
  pin_salt TEXT NOT NULL,
  pin_hash TEXT NOT NULL,
  owner INTEGER REFERENCES users(id),  -- NULL: nobody's
  name TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT 'UTC',
  last_seen INTEGER NOT NULL DEFAULT 0,
  newest_minute INTEGER NOT NULL DEFAULT -1,
  newest_seq INTEGER NOT NULL DEFAULT 0,
  output_on INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX devices_by_owner ON devices(owner, name);
CREATE TABLE boards (
  devid TEXT NOT NULL REFERENCES devices(devid),
  layout TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (devid, layout)
) WITHOUT ROWID;
-- blob: minute_blob.hpp's encoding of the record.
CREATE TABLE minutes (
  devid TEXT NOT NULL REFERENCES devices(devid),
  minute INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (devid, minute)
) WITHOUT ROWID;
-- period: period_name(); blob: RollupAccumulator::encode().
CREATE TABLE rollups (
  devid TEXT NOT NULL REFERENCES devices(devid),
  period TEXT NOT NULL,
  start INTEGER NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (devid, period, start)
) WITHOUT ROWID;
-- AUTOINCREMENT: an id is never reused, even after release deleted the
-- newest, so commands_after() cannot miss a command.
CREATE TABLE commands (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  devid TEXT NOT NULL REFERENCES devices(devid),
  output_on INTEGER NOT NULL,
  created INTEGER NOT NULL,
  acked INTEGER NOT NULL DEFAULT 0  -- 0: pending
);
CREATE INDEX commands_pending ON commands(devid, id) WHERE acked = 0;
)sql"},
    // first_seen 0: the device was first seen before this version (when is unknown).
    {2, R"sql(
ALTER TABLE devices ADD COLUMN first_seen INTEGER NOT NULL DEFAULT 0;
)sql"},
    // Before this version only an owner could set a zone: one other than
    // UTC was their choice.
    {3, R"sql(
ALTER TABLE devices ADD COLUMN timezone_chosen INTEGER NOT NULL DEFAULT 0;
UPDATE devices SET timezone_chosen = 1 WHERE timezone <> 'UTC';
)sql"},
    // A record is (device, minute as stamped, seq) and is booked at `minute`
    // (ingest_rules.hpp); before this version the stamp was the booking.
    // lifetime: the newest record's lifetime registers (encode_lifetime).
    {4, R"sql(
CREATE TABLE minutes_by_stamp (
  devid TEXT NOT NULL REFERENCES devices(devid),
  stamp INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (devid, stamp, seq)
) WITHOUT ROWID;
INSERT INTO minutes_by_stamp (devid, stamp, seq, minute, blob)
  SELECT devid, minute, seq, minute, blob FROM minutes;
DROP TABLE minutes;
ALTER TABLE minutes_by_stamp RENAME TO minutes;
CREATE INDEX minutes_by_time ON minutes(devid, minute, seq);
ALTER TABLE devices ADD COLUMN lifetime BLOB;
)sql"},
    // Boards follow board schema 2 (board_schema.hpp): a stored board that
    // is not a valid one becomes its layout's preset (upgrade_boards). A
    // board belongs to an owner and to a layout: leftovers of either kind go.
    {5, R"sql(
DELETE FROM boards WHERE devid IN (SELECT devid FROM devices WHERE owner IS NULL);
DELETE FROM boards WHERE layout NOT IN ('pc', 'mobile');
)sql",
     upgrade_boards},
    // A person's Dashboard preferences (Preferences): empty follows the browser.
    {6, R"sql(
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN theme TEXT NOT NULL DEFAULT 'system';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
)sql",
     nullptr},
};
static_assert(std::size(kMigrations) == SqliteStore::kSchemaVersion);

// --- The statements, prepared once at open ---------------------------------------

enum Q : std::size_t {
  kBegin,
  kCommit,
  kRollback,
  kInsertUser,
  kUserById,
  kUserByEmail,
  kUserByApiKey,
  kSetPasswordHash,
  kSetApiKey,
  kSetPreferences,
  kInsertSession,
  kSession,
  kDeleteSession,
  kDeleteSessionsOf,
  kUpsertDevice,
  kDeviceSecret,
  kDevice,
  kDevicesOf,
  kDeviceOwner,
  kClaim,
  kDeleteBoards,
  kRename,
  kSetTimezone,
  kAdoptTimezone,
  kTimezoneChosen,
  kRelease,
  kDeletePendingCommands,
  kBoards,
  kPutBoard,
  kIngestDevice,
  kInsertMinute,
  kMinuteAt,
  kRollup,
  kPutRollup,
  kDeleteRollups,
  kAllMinuteBlobs,
  kMarkIngested,
  kTouchDevice,
  kMinutes,
  kPeriods,
  kSupersedeCommands,
  kInsertCommand,
  kPendingCommands,
  kCommandsAfter,
  kAckCommand,
  kSetOutput,
  kQueryCount,
};

constexpr std::pair<Q, const char*> kQueries[] = {
    {kBegin, "BEGIN IMMEDIATE"},
    {kCommit, "COMMIT"},
    {kRollback, "ROLLBACK"},
    {kInsertUser,
     "INSERT INTO users (email, password_hash, api_key, created) VALUES (?, ?, ?, ?) "
     "ON CONFLICT (email) DO NOTHING"},
    {kUserById,
     "SELECT id, email, password_hash, api_key, created, language, theme, time_zone FROM users "
     "WHERE id = ?"},
    {kUserByEmail,
     "SELECT id, email, password_hash, api_key, created, language, theme, time_zone FROM users "
     "WHERE email = ?"},
    {kUserByApiKey,
     "SELECT id, email, password_hash, api_key, created, language, theme, time_zone FROM users "
     "WHERE api_key = ?"},
    {kSetPasswordHash, "UPDATE users SET password_hash = ? WHERE id = ?"},
    {kSetApiKey, "UPDATE users SET api_key = ? WHERE id = ?"},
    {kSetPreferences, "UPDATE users SET language = ?, theme = ?, time_zone = ? WHERE id = ?"},
    {kInsertSession,
     "INSERT INTO sessions (token_hash, user_id, csrf_token, expires) VALUES (?, ?, ?, ?)"},
    {kSession,
     "SELECT token_hash, user_id, csrf_token, expires FROM sessions "
     "WHERE token_hash = ? AND expires > ?"},
    {kDeleteSession, "DELETE FROM sessions WHERE token_hash = ?"},
    {kDeleteSessionsOf, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?"},
    // first_seen is set by the insert only.
    {kUpsertDevice,
     "INSERT INTO devices (devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, "
     "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (devid) DO UPDATE SET "
     "firmware = excluded.firmware, phases = excluded.phases, pin_salt = excluded.pin_salt, "
     "pin_hash = excluded.pin_hash, last_seen = excluded.last_seen"},
    {kDeviceSecret, "SELECT secret_hash FROM devices WHERE devid = ?"},
    {kDevice,
     "SELECT devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, owner, name, "
     "timezone, last_seen, newest_minute, newest_seq, output_on, first_seen, timezone_chosen "
     "FROM devices WHERE devid = ?"},
    {kDevicesOf,
     "SELECT devid, devtype, firmware, phases, secret_hash, pin_salt, pin_hash, owner, name, "
     "timezone, last_seen, newest_minute, newest_seq, output_on, first_seen, timezone_chosen "
     "FROM devices WHERE owner = ? ORDER BY name, devid"},
    {kDeviceOwner, "SELECT owner FROM devices WHERE devid = ?"},
    {kClaim, "UPDATE devices SET owner = ?, name = ? WHERE devid = ? AND owner IS NULL"},
    {kDeleteBoards, "DELETE FROM boards WHERE devid = ?"},
    {kRename, "UPDATE devices SET name = ? WHERE devid = ? AND owner = ?"},
    {kSetTimezone,
     "UPDATE devices SET timezone = ?, timezone_chosen = 1 WHERE devid = ? AND owner = ?"},
    // The device's own zone, unless the owner chose one.
    {kAdoptTimezone,
     "UPDATE devices SET timezone = ? WHERE devid = ? AND timezone_chosen = 0 AND timezone <> ?"},
    {kTimezoneChosen, "SELECT timezone_chosen FROM devices WHERE devid = ?"},
    // The name was the owner's; the next owner gives their own.
    {kRelease,
     "UPDATE devices SET owner = NULL, name = '', timezone_chosen = 0 WHERE devid = ? AND owner = "
     "?"},
    {kDeletePendingCommands, "DELETE FROM commands WHERE devid = ? AND acked = 0"},
    {kBoards, "SELECT layout, document FROM boards WHERE devid = ? ORDER BY layout"},
    // Only a device somebody owns has boards.
    {kPutBoard,
     "INSERT INTO boards (devid, layout, document) SELECT devid, ?2, ?3 FROM devices "
     "WHERE devid = ?1 AND owner IS NOT NULL "
     "ON CONFLICT (devid, layout) DO UPDATE SET document = excluded.document"},
    {kIngestDevice,
     "SELECT timezone, newest_minute, newest_seq, output_on, lifetime FROM devices WHERE devid = "
     "?"},
    {kInsertMinute,
     "INSERT OR IGNORE INTO minutes (devid, stamp, seq, minute, blob) VALUES (?, ?, ?, ?, ?)"},
    {kMinuteAt, "SELECT blob FROM minutes WHERE devid = ? AND stamp = ? AND seq = ?"},
    {kRollup, "SELECT blob FROM rollups WHERE devid = ? AND period = ? AND start = ?"},
    {kPutRollup,
     "INSERT INTO rollups (devid, period, start, blob) VALUES (?, ?, ?, ?) "
     "ON CONFLICT (devid, period, start) DO UPDATE SET blob = excluded.blob"},
    {kDeleteRollups, "DELETE FROM rollups WHERE devid = ?"},
    {kAllMinuteBlobs, "SELECT blob FROM minutes WHERE devid = ? ORDER BY minute, seq"},
    // The device's progress: its newest record is the last one received.
    {kMarkIngested,
     "UPDATE devices SET last_seen = ?2, newest_minute = ?3, newest_seq = ?4, output_on = ?5, "
     "lifetime = ?6 WHERE devid = ?1"},
    {kTouchDevice, "UPDATE devices SET last_seen = ? WHERE devid = ?"},
    {kMinutes,
     "SELECT blob FROM minutes WHERE devid = ? AND minute BETWEEN ? AND ? ORDER BY minute, seq "
     "LIMIT ?"},
    {kPeriods,
     "SELECT start, blob FROM rollups WHERE devid = ? AND period = ? AND start BETWEEN ? AND ? "
     "ORDER BY start LIMIT ?"},
    {kSupersedeCommands, "UPDATE commands SET acked = ? WHERE devid = ? AND acked = 0"},
    {kInsertCommand, "INSERT INTO commands (devid, output_on, created) VALUES (?, ?, ?)"},
    {kPendingCommands,
     "SELECT id, devid, output_on, created, acked FROM commands WHERE devid = ? AND acked = 0 "
     "ORDER BY id"},
    {kCommandsAfter,
     "SELECT id, devid, output_on, created, acked FROM commands WHERE id > ? AND acked = 0 "
     "ORDER BY id LIMIT ?"},
    {kAckCommand, "UPDATE commands SET acked = ? WHERE id = ? AND devid = ? AND acked = 0"},
    {kSetOutput, "UPDATE devices SET output_on = ? WHERE devid = ?"},
};

constexpr bool queries_in_order() {
  for (std::size_t k = 0; k < std::size(kQueries); ++k) {
    if (kQueries[k].first != k) return false;
  }
  return std::size(kQueries) == kQueryCount;
}
static_assert(queries_in_order(), "kQueries must list every Q in order");

// --- Binding and stepping --------------------------------------------------------

// A blob parameter (a std::string would bind as text).
struct Blob {
  std::string_view bytes;
};

// SQLite's "copy the value now" destructor, SQLITE_TRANSIENT without its cast.
const sqlite3_destructor_type kTransient =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

Error error_of(sqlite3* db, int rc, std::string_view what) {
  return make_error(fmt::format("sqlite: {}: {} ({})", what, sqlite3_errmsg(db), rc));
}

// One use of a prepared statement: bind, step, read columns. Going out of
// scope resets it and clears its bindings, so the next use starts clean.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Binds the arguments to ?1, ?2, ... in order.
  template <typename... Args>
  Query& bind(const Args&... args) {
    int index = 0;
    (bind_one(++index, args), ...);
    return *this;
  }

  // true: a row is ready; false: done.
  Result<bool> step() {
    if (bind_rc_ != SQLITE_OK) return fail(bind_rc_);
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return fail(rc);
  }
  // Runs a statement that returns no rows.
  Status run() {
    auto r = step();
    if (!r) return r.error();
    return ok_status();
  }
  // Every remaining row, each made into a T by `row_to(*this)`.
  template <typename T, typename RowTo>
  Result<std::vector<T>> rows(RowTo row_to) {
    std::vector<T> out;
    for (;;) {
      auto row = step();
      if (!row) return row.error();
      if (!*row) return out;
      out.push_back(row_to(*this));
    }
  }
  // For another row's worth of parameters; the bindings stay.
  void reset() { sqlite3_reset(stmt_); }
  int changes() const { return sqlite3_changes(db_); }

  std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  // Valid until the next step or reset.
  std::string_view blob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    return p ? std::string_view(static_cast<const char*>(p),
                                static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }

 private:
  template <typename T>
  void bind_one(int i, const T& v) {
    int rc = SQLITE_OK;
    if constexpr (std::is_same_v<T, bool>) {
      rc = sqlite3_bind_int(stmt_, i, v ? 1 : 0);
    } else if constexpr (std::is_integral_v<T>) {
      rc = sqlite3_bind_int64(stmt_, i, static_cast<sqlite3_int64>(v));
    } else if constexpr (std::is_same_v<T, std::nullptr_t>) {
      rc = sqlite3_bind_null(stmt_, i);
    } else if constexpr (std::is_same_v<T, Blob>) {
      rc = sqlite3_bind_blob64(stmt_, i, v.bytes.data(), v.bytes.size(), kTransient);
    } else {
      const std::string_view s = v;
      rc = sqlite3_bind_text64(stmt_, i, s.data(), s.size(), kTransient, SQLITE_UTF8);
    }
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  Error fail(int rc) const { return error_of(db_, rc, sqlite3_sql(stmt_)); }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

std::int64_t sql_limit(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

User user_of(const Query& q) {
  return User{q.i64(0),  q.text(1), q.text(2),
              q.text(3), q.i64(4),  Preferences{q.text(5), q.text(6), q.text(7)}};
}

DeviceRow device_of(const Query& q) {
  DeviceRow d;
  d.identity.devid = q.text(0);
  d.identity.devtype = q.text(1);
  d.identity.firmware = q.text(2);
  d.identity.phases = static_cast<int>(q.i64(3));
  d.identity.secret_hash = q.text(4);
  d.identity.pin_salt = q.text(5);
  d.identity.pin_hash = q.text(6);
  d.owner = q.is_null(7) ? 0 : q.i64(7);
  d.name = q.text(8);
  d.timezone = q.text(9);
  d.last_seen = q.i64(10);
  d.newest_minute = q.i64(11);
  d.newest_seq = static_cast<std::uint32_t>(q.i64(12));
  d.output_on = q.i64(13) != 0;
  d.first_seen = q.i64(14);
  d.timezone_chosen = q.i64(15) != 0;
  return d;
}

Command command_of(const Query& q) {
  return Command{q.i64(0), q.text(1), q.i64(2) != 0, q.i64(3), q.i64(4)};
}

Status exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return make_error(fmt::format("sqlite: {} ({})", text, rc));
}

// The value of a one-row, one-column query; nullopt for no row.
Result<std::optional<std::string>> query_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return error_of(db, rc, sql);
  std::optional<std::string> value;
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const auto* p = sqlite3_column_text(stmt, 0);
    value = p ? reinterpret_cast<const char*>(p) : "";
    rc = SQLITE_DONE;
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return error_of(db, rc, sql);
  return value;
}

Result<int> schema_version(sqlite3* db) {
  auto exists = query_text(
      db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!exists) return exists.error();
  if (!*exists) return 0;
  auto v = query_text(db, "SELECT version FROM schema_version");
  if (!v) return v.error();
  if (!*v) return 0;
  int version = -1;
  const std::string& text = **v;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version < 0) {
    return make_error("schema_version holds '" + text + "', not a version");
  }
  return version;
}

// Schema 5's conversion: every board as board schema 2 wants it
// (upgraded_board), in the transaction of the step.
Status upgrade_boards(sqlite3* db) {
  struct Statement {
    sqlite3_stmt* stmt = nullptr;
    ~Statement() { sqlite3_finalize(stmt); }
  };
  struct Stored {
    std::string devid, layout, document;
    int phases;
  };
  std::vector<Stored> stored;
  {
    const char* sql =
        "SELECT b.devid, b.layout, b.document, d.phases FROM boards b JOIN devices d "
        "ON d.devid = b.devid";
    Statement s;
    if (int rc = sqlite3_prepare_v2(db, sql, -1, &s.stmt, nullptr); rc != SQLITE_OK)
      return error_of(db, rc, sql);
    Query q(db, s.stmt);
    auto rows = q.rows<Stored>([](const Query& row) {
      return Stored{row.text(0), row.text(1), row.text(2), static_cast<int>(row.i64(3))};
    });
    if (!rows) return rows.error();
    stored = std::move(*rows);
  }
  const char* sql = "UPDATE boards SET document = ?3 WHERE devid = ?1 AND layout = ?2";
  Statement s;
  if (int rc = sqlite3_prepare_v2(db, sql, -1, &s.stmt, nullptr); rc != SQLITE_OK)
    return error_of(db, rc, sql);
  for (const Stored& b : stored) {
    const auto upgraded = upgraded_board(b.layout, b.document, b.phases);
    if (!upgraded || *upgraded == b.document) continue;  // the step's SQL removed the others
    Query q(db, s.stmt);
    if (auto done = q.bind(b.devid, b.layout, *upgraded).run(); !done) return done;
  }
  return ok_status();
}

// Brings the schema to kSchemaVersion, one step per transaction; BEGIN
// IMMEDIATE so two processes opening a new file at once do not both migrate.
Status migrate(sqlite3* db) {
  for (;;) {
    if (auto s = exec(db, "BEGIN IMMEDIATE"); !s) return s;
    auto version = schema_version(db);
    Status step = ok_status();
    bool done = false;
    if (!version) {
      step = version.error();
    } else if (*version > SqliteStore::kSchemaVersion) {
      step = make_error(fmt::format(
          "the database has schema version {}, newer than this program's {}: it was written by "
          "a newer maic-cloud; run that or restore a backup",
          *version, SqliteStore::kSchemaVersion));
    } else if (*version == SqliteStore::kSchemaVersion) {
      done = true;
    } else {
      const Migration& m = kMigrations[*version];
      step = exec(db, m.sql);
      if (step && m.convert) step = m.convert(db);
      if (step) {
        step = exec(db, fmt::format("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
                                    "NOT NULL); DELETE FROM schema_version; "
                                    "INSERT INTO schema_version (version) VALUES ({});",
                                    m.version)
                            .c_str());
      }
      if (!step) {
        step = make_error(
            fmt::format("migrating the schema to version {}: {}", m.version, step.error().message));
      }
    }
    if (!step) {
      if (!sqlite3_get_autocommit(db)) (void)exec(db, "ROLLBACK");
      return step;
    }
    if (auto s = exec(db, "COMMIT"); !s) {
      if (!sqlite3_get_autocommit(db)) (void)exec(db, "ROLLBACK");
      return s;
    }
    if (done) return ok_status();
  }
}

}  // namespace

// --- The store ---------------------------------------------------------------------

struct SqliteStore::Impl {
  explicit Impl(sqlite3* connection) : db(connection) {}
  ~Impl() {
    for (sqlite3_stmt* s : statements) sqlite3_finalize(s);
    sqlite3_close_v2(db);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status prepare() {
    for (const auto& [q, sql] : kQueries) {
      const int rc =
          sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statements[q], nullptr);
      if (rc != SQLITE_OK) return error_of(db, rc, sql);
    }
    return ok_status();
  }

  Query query(Q q) { return Query(db, statements[q]); }

  // A write transaction; rolled back unless committed.
  class Transaction {
   public:
    explicit Transaction(Impl& impl) : impl_(impl) {}
    ~Transaction() {
      // A failed statement may have ended the transaction already (SQLite
      // rolls back by itself on some errors, e.g. a full disk).
      if (open_ && !sqlite3_get_autocommit(impl_.db)) (void)impl_.query(kRollback).run();
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Status begin() {
      auto s = impl_.query(kBegin).run();
      open_ = s.ok();
      return s;
    }
    Status commit() {
      auto s = impl_.query(kCommit).run();
      if (s) open_ = false;
      return s;
    }

   private:
    Impl& impl_;
    bool open_ = false;
  };

  // Runs `body()` in a write transaction (BEGIN IMMEDIATE), committing when it
  // returns a value; its Result type is the method's.
  template <typename F>
  auto in_transaction(F&& body) -> decltype(body()) {
    Transaction tx(*this);
    if (auto s = tx.begin(); !s) return s.error();
    auto result = body();
    if (!result) return result;
    if (auto s = tx.commit(); !s) return s.error();
    return result;
  }

  // Replaces the device's rollups with ones computed from all its minutes
  // in `zone`. The caller holds a transaction.
  Status rebuild_rollups(const std::string& devid, const TimeZone& zone) {
    if (auto s = query(kDeleteRollups).bind(devid).run(); !s) return s.error();
    // Rebuilt from the minutes in memory (a year of hours is ~9,000
    // accumulators), a chunk of minutes at a time, then written once.
    constexpr std::size_t kChunk = 4096;
    std::vector<PeriodDelta> all;
    std::vector<MinuteRecord> chunk;
    chunk.reserve(kChunk);
    Query q = query(kAllMinuteBlobs);
    q.bind(devid);
    for (;;) {
      auto row = q.step();
      if (!row) return row.error();
      if (*row) {
        auto m = decode_minute_blob(q.blob(0));
        if (!m) return make_error("device " + devid + ": " + m.error().message);
        chunk.push_back(*m);
      }
      if (chunk.size() == kChunk || (!*row && !chunk.empty())) {
        merge_deltas(all, period_deltas(chunk, zone));
        chunk.clear();
      }
      if (!*row) break;
    }
    for (const PeriodDelta& d : all) {
      const std::string blob = d.rollup.encode();
      if (auto s = query(kPutRollup).bind(devid, period_name(d.period), d.start, Blob{blob}).run();
          !s) {
        return s.error();
      }
    }
    return ok_status();
  }

  // Adds the minutes' period deltas to the stored rollups: read, merge, write.
  Status add_to_rollups(const std::string& devid, std::span<const MinuteRecord> new_minutes,
                        const TimeZone& zone) {
    for (const PeriodDelta& d : period_deltas(new_minutes, zone)) {
      RollupAccumulator acc = d.rollup;
      const std::string_view period = period_name(d.period);
      {
        Query get = query(kRollup);
        get.bind(devid, period, d.start);
        auto row = get.step();
        if (!row) return row.error();
        if (*row) {
          auto stored = RollupAccumulator::decode(get.blob(0));
          if (!stored) {
            return make_error(
                fmt::format("device {} {} {}: {}", devid, period, d.start, stored.error().message));
          }
          acc = std::move(*stored);
          acc.merge(d.rollup);
        }
      }
      const std::string blob = acc.encode();
      if (auto s = query(kPutRollup).bind(devid, period, d.start, Blob{blob}).run(); !s) return s;
    }
    return ok_status();
  }

  sqlite3* db;
  std::array<sqlite3_stmt*, kQueryCount> statements{};
  std::mutex mu;                    // the connection is used by one thread at a time
  std::vector<MinuteRecord> fresh;  // ingest's scratch, kept for its capacity
};

std::string_view SqliteStore::migration_step_for_testing(int version) {
  if (version < 1 || version > kSchemaVersion) {
    throw std::out_of_range(fmt::format("no schema migration step {}", version));
  }
  return kMigrations[version - 1].sql;
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: Impl::mu serialises the connection's use.
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(fmt::format("sqlite: opening {}: {}", path, message));
  }
  auto impl = std::make_unique<Impl>(db);
  auto failed = [&path](const Error& e) {
    return make_error(fmt::format("opening {}: {}", path, e.message));
  };
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  // page_size only takes on a new file. 8 KiB: SQLite's guidance for WITHOUT
  // ROWID tables is rows under a twentieth of a page, and a three-phase
  // minute row is ~300 bytes; it also cut ingest CPU by ~10% over 4 KiB.
  for (const char* pragma :
       {"PRAGMA page_size = 8192", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL"}) {
    if (auto s = exec(db, pragma); !s) return failed(s.error());
  }
  auto mode = query_text(db, "PRAGMA journal_mode = WAL");
  if (!mode) return failed(mode.error());
  if (!*mode || **mode != "wal") {
    return failed(make_error("the file system does not support a WAL journal (journal_mode: " +
                             mode->value_or("?") + ")"));
  }
  if (auto s = migrate(db); !s) return failed(s.error());
  if (auto s = impl->prepare(); !s) return failed(s.error());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

// --- Accounts ------------------------------------------------------------------------

namespace {

Result<std::optional<User>> one_user(Query& q) {
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return std::optional<User>();
  return std::optional<User>(user_of(q));
}

}  // namespace

Result<std::optional<User>> SqliteStore::create_user(const std::string& email,
                                                     const std::string& password_hash,
                                                     const std::string& api_key, std::int64_t now) {
  std::lock_guard lock(impl_->mu);
  // One statement: its own transaction. ON CONFLICT (email) turns a taken
  // e-mail into "no row"; a taken API key stays an error (keys are random).
  Query q = impl_->query(kInsertUser);
  if (auto s = q.bind(email, password_hash, api_key, now).run(); !s) return s.error();
  if (q.changes() == 0) return std::optional<User>();
  return std::optional<User>(
      User{sqlite3_last_insert_rowid(impl_->db), email, password_hash, api_key, now, {}});
}

Result<std::optional<User>> SqliteStore::user_by_id(UserId id) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kUserById);
  q.bind(id);
  return one_user(q);
}

Result<std::optional<User>> SqliteStore::user_by_email(const std::string& email) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kUserByEmail);
  q.bind(email);
  return one_user(q);
}

Result<std::optional<User>> SqliteStore::user_by_api_key(const std::string& api_key) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kUserByApiKey);
  q.bind(api_key);
  return one_user(q);
}

Status SqliteStore::set_password_hash(UserId id, const std::string& password_hash) {
  std::lock_guard lock(impl_->mu);
  return impl_->query(kSetPasswordHash).bind(password_hash, id).run();
}

Status SqliteStore::set_api_key(UserId id, const std::string& api_key) {
  std::lock_guard lock(impl_->mu);
  return impl_->query(kSetApiKey).bind(api_key, id).run();
}

Status SqliteStore::set_preferences(UserId id, const Preferences& p) {
  std::lock_guard lock(impl_->mu);
  return impl_->query(kSetPreferences).bind(p.language, p.theme, p.time_zone, id).run();
}

// --- Sessions ------------------------------------------------------------------------

Status SqliteStore::create_session(const Session& s) {
  std::lock_guard lock(impl_->mu);
  return impl_->query(kInsertSession).bind(s.token_hash, s.user, s.csrf_token, s.expires).run();
}

Result<std::optional<Session>> SqliteStore::session(const std::string& token_hash,
                                                    std::int64_t now) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kSession);
  q.bind(token_hash, now);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return std::optional<Session>();
  return std::optional<Session>(Session{q.text(0), q.i64(1), q.text(2), q.i64(3)});
}

Status SqliteStore::delete_session(const std::string& token_hash) {
  std::lock_guard lock(impl_->mu);
  return impl_->query(kDeleteSession).bind(token_hash).run();
}

Status SqliteStore::change_password(UserId user, const std::string& password_hash,
                                    const std::string& api_key, const std::string& keep_session) {
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Status {
    if (Status s = impl_->query(kSetPasswordHash).bind(password_hash, user).run(); !s) return s;
    if (Status s = impl_->query(kSetApiKey).bind(api_key, user).run(); !s) return s;
    return impl_->query(kDeleteSessionsOf).bind(user, keep_session).run();
  });
}

// --- Devices -------------------------------------------------------------------------

Result<HelloOutcome> SqliteStore::upsert_device(const DeviceIdentity& d, std::int64_t now) {
  std::lock_guard lock(impl_->mu);
  // BEGIN IMMEDIATE takes the database's write lock before the secret is
  // read, so another process's first contact cannot slip in between.
  return impl_->in_transaction([&]() -> Result<HelloOutcome> {
    bool known = false;
    {
      Query q = impl_->query(kDeviceSecret);
      q.bind(d.devid);
      auto row = q.step();
      if (!row) return row.error();
      if (*row) {
        if (!secret_hashes_equal(q.text(0), d.secret_hash)) return HelloOutcome::kWrongSecret;
        known = true;
      }
    }
    if (auto s = impl_->query(kUpsertDevice)
                     .bind(d.devid, d.devtype, d.firmware, d.phases, d.secret_hash, d.pin_salt,
                           d.pin_hash, now, now)
                     .run();
        !s)
      return s.error();
    return known ? HelloOutcome::kUpdated : HelloOutcome::kCreated;
  });
}

Result<std::optional<DeviceRow>> SqliteStore::device(const std::string& devid) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kDevice);
  q.bind(devid);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return std::optional<DeviceRow>();
  return std::optional<DeviceRow>(device_of(q));
}

Result<std::vector<DeviceRow>> SqliteStore::devices_of(UserId user) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kDevicesOf);
  q.bind(user);
  return q.rows<DeviceRow>(device_of);
}

Result<ClaimOutcome> SqliteStore::claim_device(const std::string& devid, UserId user,
                                               const std::string& name) {
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Result<ClaimOutcome> {
    {
      Query q = impl_->query(kDeviceOwner);
      q.bind(devid);
      auto row = q.step();
      if (!row) return row.error();
      if (!*row) return ClaimOutcome::kUnknownDevice;
      if (!q.is_null(0)) {
        return q.i64(0) == user ? ClaimOutcome::kAlreadyYours : ClaimOutcome::kOwnedByOther;
      }
    }
    if (auto s = impl_->query(kClaim).bind(user, name, devid).run(); !s) return s.error();
    // A release deleted the boards; this only guards against leftovers.
    if (auto s = impl_->query(kDeleteBoards).bind(devid).run(); !s) return s.error();
    return ClaimOutcome::kClaimed;
  });
}

Result<bool> SqliteStore::rename_device(const std::string& devid, UserId user,
                                        const std::string& name) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kRename);
  if (auto s = q.bind(name, devid, user).run(); !s) return s.error();
  return q.changes() > 0;
}

Result<bool> SqliteStore::set_device_timezone(const std::string& devid, UserId user,
                                              const TimeZone& zone) {
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Result<bool> {
    {
      Query q = impl_->query(kSetTimezone);
      if (auto s = q.bind(zone.name(), devid, user).run(); !s) return s.error();
      if (q.changes() == 0) return false;
    }
    if (auto s = impl_->rebuild_rollups(devid, zone); !s) return s.error();
    return true;
  });
}

Result<bool> SqliteStore::adopt_device_timezone(const std::string& devid, const TimeZone& zone) {
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Result<bool> {
    {
      Query q = impl_->query(kTimezoneChosen);
      q.bind(devid);
      auto row = q.step();
      if (!row) return row.error();
      if (!*row || q.i64(0) != 0) return false;  // no such device, or the owner chose
    }
    Query q = impl_->query(kAdoptTimezone);
    if (auto s = q.bind(zone.name(), devid, zone.name()).run(); !s) return s.error();
    if (q.changes() == 0) return true;  // already in this zone
    if (auto s = impl_->rebuild_rollups(devid, zone); !s) return s.error();
    return true;
  });
}

Result<bool> SqliteStore::release_device(const std::string& devid, UserId user) {
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Result<bool> {
    {
      Query q = impl_->query(kRelease);
      if (auto s = q.bind(devid, user).run(); !s) return s.error();
      if (q.changes() == 0) return false;
    }
    if (auto s = impl_->query(kDeleteBoards).bind(devid).run(); !s) return s.error();
    if (auto s = impl_->query(kDeletePendingCommands).bind(devid).run(); !s) return s.error();
    return true;
  });
}

// --- Boards --------------------------------------------------------------------------

Result<std::vector<Board>> SqliteStore::boards(const std::string& devid) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kBoards);
  q.bind(devid);
  return q.rows<Board>([](const Query& row) { return Board{row.text(0), row.text(1)}; });
}

Result<bool> SqliteStore::put_board(const std::string& devid, const Board& board) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kPutBoard);
  if (auto s = q.bind(devid, board.layout, board.document).run(); !s) return s.error();
  return q.changes() > 0;
}

// --- Minute data ---------------------------------------------------------------------

Result<IngestResult> SqliteStore::ingest(const std::string& devid,
                                         std::span<const UploadRecord> records, std::int64_t now) {
  // Encoded before taking the lock: SQLite has one writer, so everything
  // done under the lock is done one request at a time.
  std::vector<std::string> blobs;
  blobs.reserve(records.size());
  for (const UploadRecord& r : records) blobs.push_back(encode_minute_blob(r.minute));
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Result<IngestResult> {
    std::optional<TimeZone> zone;
    DeviceProgress progress;
    {
      Query q = impl_->query(kIngestDevice);
      q.bind(devid);
      auto row = q.step();
      if (!row) return row.error();
      if (!*row) return make_error("ingest: unknown device " + devid);
      auto z = TimeZone::locate(q.text(0));
      if (!z) return make_error("device " + devid + ": " + z.error().message);
      zone = *z;
      progress.newest_minute = q.i64(1);
      progress.newest_seq = static_cast<std::uint32_t>(q.i64(2));
      progress.output_on = q.i64(3) != 0;
      if (!q.is_null(4)) {
        auto l = decode_lifetime(q.blob(4));
        if (!l) return make_error("device " + devid + ": " + l.error().message);
        progress.lifetime = *l;
      }
    }
    if (records.empty()) {
      if (auto s = impl_->query(kTouchDevice).bind(now, devid).run(); !s) return s.error();
      return IngestResult{};
    }

    // INSERT OR IGNORE keeps a stored record as it is; changes() says
    // whether this one was new, and only new ones (with the gaps they
    // reveal) go into the rollups.
    IngestResult result;
    std::vector<MinuteRecord>& fresh = impl_->fresh;
    fresh.clear();
    {
      Query insert = impl_->query(kInsertMinute);
      const auto put = [&](const UploadRecord& r, std::string_view blob) -> Result<bool> {
        insert.bind(devid, r.identity_minute(), r.seq, r.minute.minute, Blob{blob});
        if (auto s = insert.run(); !s) return s.error();
        const bool inserted = insert.changes() > 0;
        insert.reset();
        return inserted;
      };
      for (std::size_t i = 0; i < records.size(); ++i) {
        const UploadRecord& r = records[i];
        auto inserted = put(r, blobs[i]);
        if (!inserted) return inserted.error();
        if (!*inserted) {
          ++result.duplicates;
          // Kept as stored; a re-send with other content is a conflict.
          Query stored = impl_->query(kMinuteAt);
          stored.bind(devid, r.identity_minute(), r.seq);
          auto row = stored.step();
          if (!row) return row.error();
          if (*row && !same_content(stored.blob(0), r.minute)) {
            ++result.conflicts;
            result.conflicting.emplace_back(r.seq, r.identity_minute());
          }
          continue;
        }
        ++result.inserted;
        fresh.push_back(r.minute);
        if (!is_newer(progress, r)) continue;
        if (auto gap = gap_before(progress, r)) {
          auto gap_inserted = put(*gap, encode_minute_blob(gap->minute));
          if (!gap_inserted) return gap_inserted.error();
          if (*gap_inserted) fresh.push_back(gap->minute);
        }
        progress = progress_after(r);
      }
    }
    if (auto s = impl_->add_to_rollups(devid, fresh, *zone); !s) return s.error();
    const std::string lifetime = progress.lifetime ? encode_lifetime(*progress.lifetime) : "";
    Query mark = impl_->query(kMarkIngested);
    if (progress.lifetime) {
      mark.bind(devid, now, progress.newest_minute, progress.newest_seq, progress.output_on,
                Blob{lifetime});
    } else {
      mark.bind(devid, now, progress.newest_minute, progress.newest_seq, progress.output_on,
                nullptr);
    }
    if (auto s = mark.run(); !s) return s.error();
    return result;
  });
}

Result<std::vector<MinuteRecord>> SqliteStore::minutes(const std::string& devid, std::int64_t from,
                                                       std::int64_t to, std::size_t limit) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kMinutes);
  q.bind(devid, from, to, sql_limit(limit));
  std::vector<MinuteRecord> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    auto m = decode_minute_blob(q.blob(0));
    if (!m) return make_error("device " + devid + ": " + m.error().message);
    append_minute(out, *m);
  }
}

Result<std::vector<PeriodValue>> SqliteStore::periods(const std::string& devid, Period period,
                                                      std::int64_t from, std::int64_t to,
                                                      std::size_t limit) {
  if (period == Period::kMinute) return make_error("periods: minutes are not a rollup");
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kPeriods);
  q.bind(devid, period_name(period), from, to, sql_limit(limit));
  std::vector<PeriodValue> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    auto acc = RollupAccumulator::decode(q.blob(1));
    if (!acc) return make_error("device " + devid + ": " + acc.error().message);
    out.push_back(PeriodValue{q.i64(0), acc->row(), *acc});
  }
}

// --- Output commands -------------------------------------------------------------------

Result<Command> SqliteStore::add_command(const std::string& devid, bool output_on,
                                         std::int64_t now) {
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Result<Command> {
    if (auto s = impl_->query(kSupersedeCommands).bind(now, devid).run(); !s) return s.error();
    if (auto s = impl_->query(kInsertCommand).bind(devid, output_on, now).run(); !s) {
      return s.error();
    }
    return Command{sqlite3_last_insert_rowid(impl_->db), devid, output_on, now, 0};
  });
}

Result<std::vector<Command>> SqliteStore::pending_commands(const std::string& devid) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kPendingCommands);
  q.bind(devid);
  return q.rows<Command>(command_of);
}

Result<std::vector<Command>> SqliteStore::commands_after(std::int64_t after_id, std::size_t limit) {
  std::lock_guard lock(impl_->mu);
  Query q = impl_->query(kCommandsAfter);
  q.bind(after_id, sql_limit(limit));
  return q.rows<Command>(command_of);
}

Result<bool> SqliteStore::ack_command(const std::string& devid, std::int64_t id, bool output_on,
                                      std::int64_t now) {
  std::lock_guard lock(impl_->mu);
  return impl_->in_transaction([&]() -> Result<bool> {
    {
      Query q = impl_->query(kAckCommand);
      if (auto s = q.bind(now, id, devid).run(); !s) return s.error();
      if (q.changes() == 0) return false;
    }
    if (auto s = impl_->query(kSetOutput).bind(output_on, devid).run(); !s) return s.error();
    return true;
  });
}

}  // namespace maic::cloud
