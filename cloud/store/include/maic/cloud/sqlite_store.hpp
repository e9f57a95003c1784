// The embedded Store: one SQLite file, for a single maic-cloud process.
//
// Durability: WAL journal with synchronous=FULL, so a method that returned
// success survives a crash or power loss; every method is one transaction
// (writes BEGIN IMMEDIATE), so a failure leaves nothing half done.
// Threads: one connection behind a mutex; any method from any thread (the
// writes serialise anyway, SQLite has a single writer). Other processes may
// open the file too (a backup, the sqlite3 shell): a busy database is waited
// for up to 5 s, then the call fails.
//
// Minute rows and rollups are stored as blobs (minute_blob.hpp and
// RollupAccumulator::encode): a record comes back bit for bit and a rollup
// is the exact integer sums, so merging new minutes into it on ingest gives
// what a rebuild from the minutes would give.
//
// The schema is versioned (the schema_version table) and migrated forward
// on open, one transaction per step; a database written by a newer version
// is refused rather than misread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "maic/cloud/store.hpp"

namespace maic::cloud {

class SqliteStore final : public Store {
 public:
  // The schema version this build writes and the newest it can read.
  static constexpr int kSchemaVersion = 6;

  // For tests only: the SQL of the migration step that takes the schema from
  // `version` - 1 to `version` (1 <= version <= kSchemaVersion), to build a
  // database exactly as an older version left it. Throws std::out_of_range
  // for another version.
  static std::string_view migration_step_for_testing(int version);

  // Opens the database at `path`, creating the file if it is missing (not
  // its directory), and migrates its schema to kSchemaVersion.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

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
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::cloud
