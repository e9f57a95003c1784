// The real Storage: files in one directory of the local file system.
//
// Every call is a system call relative to a descriptor of the directory
// (openat, renameat, unlinkat), so a later chdir or a rename of the
// directory's parents does not redirect it. Durability (core/storage.hpp):
//  - File::sync() is fdatasync(): the data and the size, not the times, so
//    a journal append costs one data block and no inode update;
//  - creating a file, rename() and remove() fsync the directory before
//    returning OK, so the name change itself survives a power cut.
// Errors name the operation, the path and strerror: "fdatasync
// /var/lib/maic/journal.bin: Input/output error".
//
// Thread-safety: the storage's methods may be called from any thread at
// once (it holds no mutable state); each File is used by one thread at a
// time.
#pragma once

#include <filesystem>
#include <memory>

#include "maic/core/storage.hpp"

namespace maic::platform {

class DirectoryStorage final : public Storage {
 public:
  // Opens `dir`, creating it (and its parents) when missing.
  static Result<std::unique_ptr<DirectoryStorage>> open_directory(const std::filesystem::path& dir);

  ~DirectoryStorage() override;
  DirectoryStorage(const DirectoryStorage&) = delete;
  DirectoryStorage& operator=(const DirectoryStorage&) = delete;

  Result<std::unique_ptr<File>> open(std::string_view name, bool create) override;
  Result<std::optional<std::vector<std::byte>>> read_file(std::string_view name) override;
  Status rename(std::string_view from, std::string_view to) override;
  Status remove(std::string_view name) override;
  Result<bool> exists(std::string_view name) override;

  const std::filesystem::path& path() const { return dir_; }

 private:
  DirectoryStorage(std::filesystem::path dir, int dir_fd);

  Status sync_directory(std::string_view after);

  std::filesystem::path dir_;
  int dir_fd_;
};

}  // namespace maic::platform
