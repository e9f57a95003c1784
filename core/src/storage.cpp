#include "maic/core/storage.hpp"

#include <string>

namespace maic {

bool valid_storage_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status Storage::write_file_atomic(std::string_view name, std::span<const std::byte> data) {
  if (!valid_storage_name(name)) {
    return make_error("invalid storage name '" + std::string(name) + "'");
  }
  const std::string temp = std::string(name) + ".tmp";
  // The order is the whole point: the new content must be durable under the
  // temporary name before the rename makes it the file; a rename of unsynced
  // data can leave an empty or partial file under `name` after a power cut.
  Status status = [&]() -> Status {
    auto file = open(temp, /*create=*/true);
    if (!file) return file.error();
    // A leftover from an earlier interrupted write may be longer.
    if (auto s = (*file)->truncate(0); !s) return s;
    if (auto s = (*file)->write_at(0, data); !s) return s;
    if (auto s = (*file)->sync(); !s) return s;
    return ok_status();
  }();
  if (!status) {
    (void)remove(temp);  // best effort: a leftover is harmless, the next write truncates it
    return status;
  }
  return rename(temp, name);
}

}  // namespace maic
