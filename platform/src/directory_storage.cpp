#include "maic/platform/directory_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace maic::platform {
namespace {

// "pwrite /data/journal.bin: No space left on device". std::generic_category
// gives strerror's text without strerror's shared buffer.
Error os_error(std::string_view operation, const std::filesystem::path& path, int error) {
  return make_error(std::string(operation) + " " + path.string() + ": " +
                    std::generic_category().message(error));
}

Error bad_name(std::string_view name) {
  return make_error("invalid storage name '" + std::string(name) + "'");
}

// A name is passed to the *at() calls as a C string; valid names hold no
// NUL and no '/', so a copy is all it takes.
std::string c_name(std::string_view name) { return std::string(name); }

class DirectoryFile final : public File {
 public:
  DirectoryFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  ~DirectoryFile() override { ::close(fd_); }
  DirectoryFile(const DirectoryFile&) = delete;
  DirectoryFile& operator=(const DirectoryFile&) = delete;

  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) override {
    return transfer("pread", out.size(), [&](std::size_t done) {
      return ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    });
  }

  Status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    Result<std::size_t> written = transfer("pwrite", data.size(), [&](std::size_t done) {
      return ::pwrite(fd_, data.data() + done, data.size() - done,
                      static_cast<off_t>(offset + done));
    });
    if (!written) return written.error();
    if (*written != data.size()) return os_error("pwrite", path_, EIO);  // wrote nothing more
    return ok_status();
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return os_error("fdatasync", path_, errno);
    return ok_status();
  }

  Result<std::uint64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return os_error("fstat", path_, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  Status truncate(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return os_error("ftruncate", path_, errno);
    return ok_status();
  }

 private:
  // Repeats `io(done)` (a pread or pwrite of what is left) until `size`
  // bytes are done: both may do less than asked (signals), and EINTR means
  // try again. Only a read returns 0, at the end of the file: it stops there.
  template <typename Io>
  Result<std::size_t> transfer(std::string_view operation, std::size_t size, Io io) const {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = io(done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return os_error(operation, path_, errno);
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

  int fd_;
  std::filesystem::path path_;
};

}  // namespace

Result<std::unique_ptr<DirectoryStorage>> DirectoryStorage::open_directory(
    const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error("create directory " + dir.string() + ": " + ec.message());
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("open directory", dir, errno);
  return std::unique_ptr<DirectoryStorage>(new DirectoryStorage(dir, fd));
}

DirectoryStorage::DirectoryStorage(std::filesystem::path dir, int dir_fd)
    : dir_(std::move(dir)), dir_fd_(dir_fd) {}

DirectoryStorage::~DirectoryStorage() { ::close(dir_fd_); }

Status DirectoryStorage::sync_directory(std::string_view after) {
  if (::fsync(dir_fd_) != 0) {
    return os_error("fsync directory (after " + std::string(after) + ")", dir_, errno);
  }
  return ok_status();
}

Result<std::unique_ptr<File>> DirectoryStorage::open(std::string_view name, bool create) {
  if (!valid_storage_name(name)) return bad_name(name);
  const std::string n = c_name(name);
  const std::filesystem::path path = dir_ / n;
  int fd = -1;
  bool created = false;
  if (create) {
    // O_EXCL tells us whether this call made the file, so the directory is
    // synced only when its entries changed.
    do {
      fd = ::openat(dir_fd_, n.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    created = fd >= 0;
    if (fd < 0 && errno != EEXIST) return os_error("create", path, errno);
  }
  if (fd < 0) {
    do {
      fd = ::openat(dir_fd_, n.c_str(), O_RDWR | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return os_error("open", path, errno);
  }
  auto file = std::make_unique<DirectoryFile>(fd, path);
  if (created) {
    if (auto s = sync_directory("creating " + n); !s) return s.error();
  }
  return std::unique_ptr<File>(std::move(file));
}

Result<std::optional<std::vector<std::byte>>> DirectoryStorage::read_file(std::string_view name) {
  if (!valid_storage_name(name)) return bad_name(name);
  const std::string n = c_name(name);
  int fd = -1;
  do {
    fd = ::openat(dir_fd_, n.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::vector<std::byte>>();
    return os_error("open", dir_ / n, errno);
  }
  DirectoryFile file(fd, dir_ / n);
  auto size = file.size();
  if (!size) return size.error();
  // Read until the end rather than trusting the size: the file may grow.
  std::vector<std::byte> content(static_cast<std::size_t>(*size) + 1);
  std::size_t used = 0;
  for (;;) {
    auto n_read = file.read_at(used, std::span(content).subspan(used));
    if (!n_read) return n_read.error();
    used += *n_read;
    if (used < content.size()) break;
    content.resize(content.size() * 2);
  }
  content.resize(used);
  return std::optional(std::move(content));
}

Status DirectoryStorage::rename(std::string_view from, std::string_view to) {
  if (!valid_storage_name(from)) return bad_name(from);
  if (!valid_storage_name(to)) return bad_name(to);
  const std::string f = c_name(from);
  const std::string t = c_name(to);
  if (::renameat(dir_fd_, f.c_str(), dir_fd_, t.c_str()) != 0) {
    return make_error("rename " + (dir_ / f).string() + " to " + t + ": " +
                      std::generic_category().message(errno));
  }
  return sync_directory("renaming " + f + " to " + t);
}

Status DirectoryStorage::remove(std::string_view name) {
  if (!valid_storage_name(name)) return bad_name(name);
  const std::string n = c_name(name);
  if (::unlinkat(dir_fd_, n.c_str(), 0) != 0) {
    if (errno == ENOENT) return ok_status();
    return os_error("unlink", dir_ / n, errno);
  }
  return sync_directory("removing " + n);
}

Result<bool> DirectoryStorage::exists(std::string_view name) {
  if (!valid_storage_name(name)) return bad_name(name);
  const std::string n = c_name(name);
  struct stat st {};
  if (::fstatat(dir_fd_, n.c_str(), &st, 0) != 0) {
    if (errno == ENOENT) return false;
    return os_error("stat", dir_ / n, errno);
  }
  return true;
}

}  // namespace maic::platform
