// The Store on PostgreSQL (libpqxx 6): for several stateless maic-cloud
// processes behind a balancer, sharing one database.
//
// Same tables and the same stored forms as the SQLite store: a minute row
// holds its record as minute_blob.hpp's blob, a rollup row its
// RollupAccumulator::encode(), and ingest folds exactly the newly inserted
// minutes into the rollups through period_deltas.hpp, so both stores answer
// alike, bit for bit.
//
// Across processes:
//  - open() applies the schema migrations (table schema_version) in one
//    transaction under an advisory lock: processes starting together on one
//    database migrate it once; a database already current is left alone.
//  - A transaction that touches several of a device's rows locks its
//    devices row first (SELECT ... FOR UPDATE): two processes ingesting for
//    one device take turns (which is what lets ingest skip stored minutes
//    with a plain NOT EXISTS), and locks are always taken in one order. A
//    deadlock or serialization failure all the same is retried (3 times).
//  - Command ids come from a sequence under a transaction-level advisory
//    lock, so they commit in id order: commands_after(last seen id) never
//    skips a command that committed late.
//
// Connections: a pool of up to `connections`, opened as needed. A method
// holds one for its transaction; when all are busy it waits for one (no
// time limit: transactions are short). Thread-safe, as store.hpp requires. A
// connection found broken (the server restarted) is dropped with the idle
// ones and the method retried once on a new connection; a transaction that
// was committing when the connection broke is reported as an error
// (it may or may not have committed; ingest is idempotent).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "maic/cloud/store.hpp"

namespace maic::cloud {

class PostgresStore final : public Store {
 public:
  // Connects to `uri` (a libpq connection string or
  // postgresql://user@host:port/database), migrates the schema, and returns
  // the store. Fails when the server is unreachable or the schema is newer
  // than this program knows.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& uri,
                                                     std::size_t connections = 4);

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // The schema version this build writes and the newest it can read.
  static constexpr int kSchemaVersion = 6;

  // For tests only: the SQL of the migration step that takes the schema from
  // `version` - 1 to `version` (1 <= version <= kSchemaVersion), to build a
  // database exactly as an older version left it. Throws std::out_of_range
  // for another version.
  static std::string_view migration_step_for_testing(int version);

  Result<std::optional<User>> create_user(const std::string& email,
                                          const std::string& password_hash,
                                          const std::string& api_key, std::int64_t now) override;
  Result<std::optional<User>> user_by_id(UserId id) override;
  Result<std::optional<User>> user_by_email(const std::string& email) override;
  Result<std::optional<User>> user_by_api_key(const std::string& api_key) override;
  Status set_password_hash(UserId id, const std::string& password_hash) override;
  Status set_api_key(UserId id, const std::string& api_key) override;
  Status set_preferences(UserId id, const Preferences& preferences) override;

  Status create_session(const Session& s) override;
  Result<std::optional<Session>> session(const std::string& token_hash, std::int64_t now) override;
  Status delete_session(const std::string& token_hash) override;
  Status change_password(UserId user, const std::string& password_hash, const std::string& api_key,
                         const std::string& keep_session) override;

  Result<HelloOutcome> upsert_device(const DeviceIdentity& identity, std::int64_t now) override;
  Result<std::optional<DeviceRow>> device(const std::string& devid) override;
  Result<std::vector<DeviceRow>> devices_of(UserId user) override;
  Result<ClaimOutcome> claim_device(const std::string& devid, UserId user,
                                    const std::string& name) override;
  Result<bool> rename_device(const std::string& devid, UserId user,
                             const std::string& name) override;
  Result<bool> set_device_timezone(const std::string& devid, UserId user,
                                   const TimeZone& zone) override;
  Result<bool> adopt_device_timezone(const std::string& devid, const TimeZone& zone) override;
  Result<bool> release_device(const std::string& devid, UserId user) override;

  Result<std::vector<Board>> boards(const std::string& devid) override;
  Result<bool> put_board(const std::string& devid, const Board& board) override;

  Result<IngestResult> ingest(const std::string& devid, std::span<const UploadRecord> records,
                              std::int64_t now) override;
  Result<std::vector<MinuteRecord>> minutes(const std::string& devid, std::int64_t from,
                                            std::int64_t to, std::size_t limit) override;
  Result<std::vector<PeriodValue>> periods(const std::string& devid, Period period,
                                           std::int64_t from, std::int64_t to,
                                           std::size_t limit) override;

  Result<Command> add_command(const std::string& devid, bool output_on, std::int64_t now) override;
  Result<std::vector<Command>> pending_commands(const std::string& devid) override;
  Result<std::vector<Command>> commands_after(std::int64_t after_id, std::size_t limit) override;
  Result<bool> ack_command(const std::string& devid, std::int64_t id, bool output_on,
                           std::int64_t now) override;

 private:
  class Pool;
  explicit PostgresStore(std::unique_ptr<Pool> pool);
  std::unique_ptr<Pool> pool_;
};

}  // namespace maic::cloud
