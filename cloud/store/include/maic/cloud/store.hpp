// The server's storage: accounts, sessions, devices, their minute records
// and rollups, boards and output commands, behind one interface with two
// implementations that pass one contract suite (store_contract.hpp):
// SQLite (sqlite_store.hpp, the embedded default) and PostgreSQL
// (postgres_store.hpp, shared by several stateless maic-cloud processes).
//
// Contract, for every implementation:
//  - Every method is one transaction: it happens entirely or not at all.
//    A method that returns success has committed durably (SQLite: WAL with
//    synchronous=FULL; PostgreSQL: a committed transaction), so the server
//    may acknowledge what it stored.
//  - Failures of the database (I/O, lost connection, a full disk) are
//    returned as errors, never thrown; expected outcomes (an e-mail already
//    registered, a device owned by someone else) are values.
//  - Thread-safe: any method may be called from any thread at any time.
//  - Times are unix seconds handed in by the caller; nothing here reads a
//    clock.
//  - Text is stored as given (bound as parameters, never spliced into SQL).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "maic/core/calendar.hpp"
#include "maic/core/result.hpp"
#include "maic/core/rollup.hpp"
#include "maic/core/upload_codec.hpp"

namespace maic::cloud {

using UserId = std::int64_t;

// How the Dashboard is shown to a person (docs/api.md, "Profile"). The
// API checks the values; the store keeps them as given.
struct Preferences {
  std::string language;          // a BCP 47 tag of language.hpp; empty: the browser's
  std::string theme = "system";  // "system", "light" or "dark"
  std::string time_zone;         // an IANA zone for times shown; empty: the browser's
  friend bool operator==(const Preferences&, const Preferences&) = default;
};

struct User {
  UserId id = 0;
  std::string email;          // as registered, lower-case; unique
  std::string password_hash;  // a crypto_pwhash string (secrets.hpp)
  std::string api_key;        // 64 hex digits; unique
  std::int64_t created = 0;
  Preferences preferences;
  friend bool operator==(const User&, const User&) = default;
};

// A browser session. The cookie carries a random token; the store keeps only
// its hash, so a copy of the database opens no session.
struct Session {
  std::string token_hash;  // hex
  UserId user = 0;
  std::string csrf_token;  // echoed by the browser in X-CSRF-Token
  std::int64_t expires = 0;
  friend bool operator==(const Session&, const Session&) = default;
};

// What a device says of itself when it connects (docs/uplink.md).
struct DeviceIdentity {
  std::string devid;        // 10 digits
  std::string devtype;      // "D103"
  std::string firmware;     // version string
  int phases = 3;           // 1..3
  std::string secret_hash;  // hex BLAKE2b-256 of the factory secret
  std::string pin_salt;     // hex; the PIN's digest is pin_digest(salt, PIN)
  std::string pin_hash;     // hex
  friend bool operator==(const DeviceIdentity&, const DeviceIdentity&) = default;
};

struct DeviceRow {
  DeviceIdentity identity;
  UserId owner = 0;  // 0: nobody's yet
  std::string name;  // given by the owner
  std::string timezone = "UTC";
  bool timezone_chosen = false;     // by the owner; false: the device's own (or UTC)
  std::int64_t first_seen = 0;      // the first contact; 0: before schema 2 (unknown)
  std::int64_t last_seen = 0;       // the last contact, 0: never
  std::int64_t newest_minute = -1;  // the newest record's (booked) minute, -1: none
  std::uint32_t newest_seq = 0;     // the newest record's journal seq, 0: none
  bool output_on = false;           // as last reported by the device
  friend bool operator==(const DeviceRow&, const DeviceRow&) = default;
};

// A Dashboard board: at most one per layout ("pc", "mobile") per device,
// created when its owner accepts the pre-configured ones or stores one; the
// document is JSON text the API checked (board_schema.hpp). The store takes
// it as it is given.
struct Board {
  std::string layout;
  std::string document;
  friend bool operator==(const Board&, const Board&) = default;
};

// A request to switch a device's output, given by its owner.
struct Command {
  std::int64_t id = 0;  // increasing across the whole store
  std::string devid;
  bool output_on = false;
  std::int64_t created = 0;
  std::int64_t acked = 0;  // when the device confirmed it; 0: pending
  friend bool operator==(const Command&, const Command&) = default;
};

struct IngestResult {
  std::size_t inserted = 0;    // records that were new
  std::size_t duplicates = 0;  // records already stored (same device, stamp, seq): unchanged
  // Of the duplicates, those whose content differs from the stored record
  // (ingest_rules.hpp same_content): the stored one is kept, nothing is
  // overwritten. A repeat within one batch counts against its first.
  std::size_t conflicts = 0;
  // Their identities, for the log: (seq, stamped minute).
  std::vector<std::pair<std::uint32_t, std::int64_t>> conflicting;
};

struct PeriodValue {
  std::int64_t start = 0;    // unix seconds of the period's start
  PeriodRow row;             // rollup.row()
  RollupAccumulator rollup;  // as stored: merges exactly with others (totals over periods)
};

enum class ClaimOutcome { kClaimed, kUnknownDevice, kOwnedByOther, kAlreadyYours };
enum class HelloOutcome { kCreated, kUpdated, kWrongSecret };

class Store {
 public:
  virtual ~Store() = default;

  // --- Accounts ---------------------------------------------------------------
  // nullopt: the e-mail is registered already.
  virtual Result<std::optional<User>> create_user(const std::string& email,
                                                  const std::string& password_hash,
                                                  const std::string& api_key, std::int64_t now) = 0;
  virtual Result<std::optional<User>> user_by_id(UserId id) = 0;
  virtual Result<std::optional<User>> user_by_email(const std::string& email) = 0;
  virtual Result<std::optional<User>> user_by_api_key(const std::string& api_key) = 0;
  virtual Status set_password_hash(UserId id, const std::string& password_hash) = 0;
  virtual Status set_api_key(UserId id, const std::string& api_key) = 0;
  virtual Status set_preferences(UserId id, const Preferences& preferences) = 0;

  // --- Sessions ---------------------------------------------------------------
  virtual Status create_session(const Session& s) = 0;
  // nullopt: unknown or expired at `now`.
  virtual Result<std::optional<Session>> session(const std::string& token_hash,
                                                 std::int64_t now) = 0;
  virtual Status delete_session(const std::string& token_hash) = 0;
  // A password change, in one transaction: the new password hash and API
  // key, and every session of the user but `keep_session` (a token hash;
  // "": all) ended. Either all of it happens or none.
  virtual Status change_password(UserId user, const std::string& password_hash,
                                 const std::string& api_key, const std::string& keep_session) = 0;

  // --- Devices ----------------------------------------------------------------
  // A device's hello, in one transaction: the first contact creates the row
  // with the identity's secret_hash and stamps first_seen (kCreated); a later
  // one whose secret_hash equals the stored one updates firmware, phases and
  // PIN (devtype and first_seen stay the first contact's) and stamps
  // last_seen (kUpdated); one with another secret_hash changes nothing
  // (kWrongSecret). Of concurrent first contacts with different secrets,
  // from any number of threads or processes, exactly one creates the row:
  // the others get kWrongSecret, so the row holds one caller's secret and
  // that caller's PIN digest. The hashes are compared in constant time.
  virtual Result<HelloOutcome> upsert_device(const DeviceIdentity& identity, std::int64_t now) = 0;
  virtual Result<std::optional<DeviceRow>> device(const std::string& devid) = 0;
  // The user's devices, by name.
  virtual Result<std::vector<DeviceRow>> devices_of(UserId user) = 0;
  // Makes `user` the owner (only if nobody owns it) and names it, in one
  // transaction. The device has no boards then: they come when the owner
  // accepts them (put_board).
  virtual Result<ClaimOutcome> claim_device(const std::string& devid, UserId user,
                                            const std::string& name) = 0;
  // false: not the user's device (nothing changed).
  virtual Result<bool> rename_device(const std::string& devid, UserId user,
                                     const std::string& name) = 0;
  // The owner's choice: sets the time zone, marks it chosen (the device's
  // own zone no longer replaces it) and recomputes the device's rollups in it.
  virtual Result<bool> set_device_timezone(const std::string& devid, UserId user,
                                           const TimeZone& zone) = 0;
  // The zone the device reports: taken, with the rollups recomputed as
  // set_device_timezone does, unless the owner chose one. false: the owner
  // chose, or no such device (nothing changed); true: the device is in `zone`.
  virtual Result<bool> adopt_device_timezone(const std::string& devid, const TimeZone& zone) = 0;
  // Gives up ownership; the data and the device's row stay (the device may
  // be added again), its boards and pending commands go.
  virtual Result<bool> release_device(const std::string& devid, UserId user) = 0;

  // --- Boards -----------------------------------------------------------------
  // The device's boards, by layout; only those that exist.
  virtual Result<std::vector<Board>> boards(const std::string& devid) = 0;
  // Creates the board of `board.layout`, or replaces the one there. false:
  // no such device, or nobody owns it (nothing changed): a board belongs to
  // an owner, and release_device takes it away.
  virtual Result<bool> put_board(const std::string& devid, const Board& board) = 0;

  // --- Minute data ------------------------------------------------------------
  // Stores the records (all of one device, known to the store) that are new,
  // identified by (devid, stamped minute, seq) and booked at their minute
  // (ingest_rules.hpp), with the gap records their lifetime registers
  // reveal (gap_before), and adds exactly those to the rollups of their
  // hour, day, week, month and year in the device's time zone; moves the
  // device's progress (newest_minute, newest_seq, output_on, lifetime) to
  // each newer record (is_newer), and stamps last_seen. A record already
  // stored is left as it is. All or nothing: on success the batch is
  // committed.
  virtual Result<IngestResult> ingest(const std::string& devid,
                                      std::span<const UploadRecord> records, std::int64_t now) = 0;
  // Minute records with from <= minute <= to, oldest first, at most `limit`
  // rows read; records of one minute are merged into one (append_minute).
  virtual Result<std::vector<MinuteRecord>> minutes(const std::string& devid, std::int64_t from,
                                                    std::int64_t to, std::size_t limit) = 0;
  // Rollup rows (period != kMinute) whose start is in [from, to], oldest
  // first, at most `limit`.
  virtual Result<std::vector<PeriodValue>> periods(const std::string& devid, Period period,
                                                   std::int64_t from, std::int64_t to,
                                                   std::size_t limit) = 0;

  // --- Output commands ----------------------------------------------------------
  // Queues a command for the device; an older pending one is superseded
  // (acked with `now`): only the newest wish counts.
  virtual Result<Command> add_command(const std::string& devid, bool output_on,
                                      std::int64_t now) = 0;
  virtual Result<std::vector<Command>> pending_commands(const std::string& devid) = 0;
  // Pending commands of all devices with id > after_id, oldest first: how a
  // process learns of commands given through another process.
  virtual Result<std::vector<Command>> commands_after(std::int64_t after_id, std::size_t limit) = 0;
  // Marks the device's command acknowledged and records the output state
  // the device reports. false: no such pending command of this device.
  virtual Result<bool> ack_command(const std::string& devid, std::int64_t id, bool output_on,
                                   std::int64_t now) = 0;
};

}  // namespace maic::cloud
