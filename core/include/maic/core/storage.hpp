// Storage: the file system as an object handed in (as leveldb's Env is), so
// that the device's persistence runs unchanged over a real directory
// (platform/directory_storage.hpp), over memory with a model of what a power
// cut keeps (MemoryStorage), and over a wrapper that tears writes and fails
// operations on purpose (FaultStorage). docs/storage.md says how the journal
// and the meter store use it and how crash safety is tested.
//
// Durability contract, common to every implementation:
//  - A write is visible to every later read at once, but it survives a power
//    cut only once a later sync() of that file has returned OK. Until then a
//    power cut may keep all of it, none of it, or any part of it.
//  - Creating a file (open with create), rename() and remove() are durable
//    when they return OK (the real implementation syncs the directory).
//  - write_file_atomic() replaces a file's whole content: after a power cut
//    the file holds the old content or the new one, never a mixture; after
//    it returned OK, the new one.
//  - A failed operation may have done part of its work (a write may have
//    written a prefix); callers treat a failure like a power cut at that
//    point.
//
// Names are flat (no directories): 1..255 characters of [A-Za-z0-9._-],
// not starting with '.'. write_file_atomic(name) uses "<name>.tmp" as its
// scratch file, so names ending in ".tmp" are best left to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "maic/core/result.hpp"

namespace maic {

// An open file with random access. Owned by whoever opened it; it must not
// outlive the Storage that opened it. Not thread-safe: one thread at a time.
class File {
 public:
  virtual ~File() = default;

  // Reads up to out.size() bytes at `offset`. Returns how many were read:
  // fewer only at the end of the file (0 at or past it).
  virtual Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) = 0;

  // Writes all of `data` at `offset`, extending the file if needed (a gap
  // before `offset` reads as zeros). Not durable until sync().
  virtual Status write_at(std::uint64_t offset, std::span<const std::byte> data) = 0;

  // Makes every earlier write and truncate of this file durable (fdatasync).
  virtual Status sync() = 0;

  virtual Result<std::uint64_t> size() = 0;

  // Shrinks the file to `size` bytes or extends it with zeros. Not durable
  // until sync().
  virtual Status truncate(std::uint64_t size) = 0;
};

// A directory of files. Not thread-safe unless an implementation says so.
class Storage {
 public:
  virtual ~Storage() = default;

  // Opens `name` for reading and writing. A missing file is an error unless
  // `create`, in which case it is created empty (durably: see above).
  virtual Result<std::unique_ptr<File>> open(std::string_view name, bool create) = 0;

  // The whole content of `name`; nullopt when it does not exist.
  virtual Result<std::optional<std::vector<std::byte>>> read_file(std::string_view name) = 0;

  // Atomically replaces `to` (if it exists) by `from`; durable on OK.
  virtual Status rename(std::string_view from, std::string_view to) = 0;

  // Deletes `name`; durable on OK. Deleting a missing file is OK.
  virtual Status remove(std::string_view name) = 0;

  virtual Result<bool> exists(std::string_view name) = 0;

  // Replaces the content of `name` by `data`, old-or-new across a power cut:
  // writes "<name>.tmp", syncs it, renames it over `name` (rename syncs the
  // directory). One algorithm over the primitives above for every
  // implementation, so the fault injector tears it like any other write.
  Status write_file_atomic(std::string_view name, std::span<const std::byte> data);
};

// Whether `name` is a valid flat file name (see the top of this header).
bool valid_storage_name(std::string_view name);

// Views of text as bytes and back, for files that hold text (JSON).
inline std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}
inline std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// --- In memory ------------------------------------------------------------

// A Storage in memory that models durability: each file has the content
// that reads see and the content that has been synced. crash() is a power
// cut: afterwards only what the model says survives is left, and files
// opened before it fail every call (the process that held them is gone).
// Files persist for the lifetime of the MemoryStorage. Not thread-safe.
class MemoryStorage final : public Storage {
 public:
  // What a power cut does to data written but not yet synced. The real
  // answer is "any of it, in any part"; the tests run both extremes, and
  // FaultStorage's torn writes supply the parts in between.
  enum class Crash {
    kDropUnsynced,  // the medium never got it (leveldb's DropUnsyncedFileData)
    kKeepUnsynced,  // the medium got everything it was given, torn or not
  };

  MemoryStorage();
  ~MemoryStorage() override;
  MemoryStorage(const MemoryStorage&) = delete;
  MemoryStorage& operator=(const MemoryStorage&) = delete;

  Result<std::unique_ptr<File>> open(std::string_view name, bool create) override;
  Result<std::optional<std::vector<std::byte>>> read_file(std::string_view name) override;
  Status rename(std::string_view from, std::string_view to) override;
  Status remove(std::string_view name) override;
  Result<bool> exists(std::string_view name) override;

  // A simulated power cut (see Crash). Files opened before it are dead.
  void crash(Crash mode = Crash::kDropUnsynced);

  // The names of the files, sorted (for tests).
  std::vector<std::string> names() const;

  struct State;  // shared with the files it opened

 private:
  std::shared_ptr<State> state_;
};

// --- Fault injection -------------------------------------------------------

// Wraps a Storage and, on request, simulates a power cut or I/O errors, as
// leveldb's fault_injection_test does. Used to prove crash safety by tearing
// writes at every byte offset:
//
//   FaultStorage faulty(memory);
//   faulty.cut_power_after_bytes(k);   // the k+1-th byte never arrives
//   ... run the code under test over `faulty` until it reports an error ...
//   memory.crash();                    // what survived the cut
//   ... reopen over `memory` and check the invariants ...
//
// A power cut is permanent (until restore_power()): every later mutating
// operation (open with create, write_at, sync, truncate, rename, remove)
// fails. Reads keep working; the process is deemed dead anyway.
//
// `base` must outlive this and the files opened through it. Not
// thread-safe.
class FaultStorage final : public Storage {
 public:
  struct Counters {
    std::uint64_t writes = 0;         // write_at calls that reached the base
    std::uint64_t bytes_written = 0;  // bytes they carried (torn ones: the part written)
    std::uint64_t syncs = 0;
    std::uint64_t metadata = 0;   // creating opens, truncates, renames, removes
    std::uint64_t mutations = 0;  // every mutating operation attempted, failed or not
  };

  explicit FaultStorage(Storage& base);
  ~FaultStorage() override;
  FaultStorage(const FaultStorage&) = delete;
  FaultStorage& operator=(const FaultStorage&) = delete;

  // Power cut once `bytes` more bytes have been written: the write that
  // crosses the budget writes only its first part (a torn write) and fails;
  // a write that ends exactly on it succeeds, and the next operation fails.
  // bytes == 0 cuts the power at once.
  void cut_power_after_bytes(std::uint64_t bytes);

  // Power cut after `operations` more mutating operations have succeeded:
  // the next one fails having done nothing. Reaches the states between a
  // write's sync and a rename that byte budgets cannot tell apart.
  void cut_power_after_operations(std::uint64_t operations);

  // The next `operations` calls of any kind (reads too) fail with an I/O
  // error having done nothing; later calls work again.
  void fail_next(std::uint64_t operations);

  // Clears every fault.
  void restore_power();
  bool power_cut() const;

  const Counters& counters() const;

  Result<std::unique_ptr<File>> open(std::string_view name, bool create) override;
  Result<std::optional<std::vector<std::byte>>> read_file(std::string_view name) override;
  Status rename(std::string_view from, std::string_view to) override;
  Status remove(std::string_view name) override;
  Result<bool> exists(std::string_view name) override;

  struct State;  // shared with the files it opened

 private:
  Storage& base_;
  std::shared_ptr<State> state_;
};

}  // namespace maic
