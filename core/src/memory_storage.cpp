#include <algorithm>
#include <cstring>
#include <map>

#include "maic/core/storage.hpp"

namespace maic {

namespace {

// One file of the model: what reads see, and what a power cut keeps. The
// bytes that may differ between the two lie in [dirty_begin, dirty_end), so
// a sync copies only those (a journal's 128-byte append must not copy the
// whole 2 MB).
struct Node {
  std::vector<std::byte> current;
  std::vector<std::byte> durable;
  std::size_t dirty_begin = 0;
  std::size_t dirty_end = 0;

  void mark_dirty(std::size_t begin, std::size_t end) {
    if (begin >= end) return;
    if (dirty_begin == dirty_end) {
      dirty_begin = begin;
      dirty_end = end;
    } else {
      dirty_begin = std::min(dirty_begin, begin);
      dirty_end = std::max(dirty_end, end);
    }
  }
  void sync() {
    durable.resize(current.size());
    const std::size_t end = std::min(dirty_end, current.size());
    if (dirty_begin < end) {
      std::memcpy(durable.data() + dirty_begin, current.data() + dirty_begin, end - dirty_begin);
    }
    dirty_begin = dirty_end = 0;
  }
};

Error bad_name(std::string_view name) {
  return make_error("invalid storage name '" + std::string(name) + "'");
}

}  // namespace

struct MemoryStorage::State {
  // The directory itself: creations, renames and removals are durable at
  // once (as the real implementation's directory sync makes them).
  std::map<std::string, std::shared_ptr<Node>, std::less<>> files;
  std::uint64_t epoch = 0;  // bumped by crash(); older handles are dead
};

namespace {

class MemoryFile final : public File {
 public:
  MemoryFile(std::shared_ptr<MemoryStorage::State> state, std::shared_ptr<Node> node,
             std::string name)
      : state_(std::move(state)),
        node_(std::move(node)),
        name_(std::move(name)),
        epoch_(state_->epoch) {}

  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) override {
    if (auto s = alive(); !s) return s.error();
    const auto& data = node_->current;
    if (offset >= data.size()) return std::size_t{0};
    const std::size_t n = std::min<std::size_t>(out.size(), data.size() - offset);
    std::memcpy(out.data(), data.data() + offset, n);
    return n;
  }

  Status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    if (auto s = alive(); !s) return s;
    auto& cur = node_->current;
    const std::size_t old_size = cur.size();
    const std::size_t end = offset + data.size();
    if (end > cur.size()) cur.resize(end);
    if (!data.empty()) std::memcpy(cur.data() + offset, data.data(), data.size());
    // Bytes of a gap past the old end are new too.
    node_->mark_dirty(std::min<std::size_t>(offset, old_size), end);
    return ok_status();
  }

  Status sync() override {
    if (auto s = alive(); !s) return s;
    node_->sync();
    return ok_status();
  }

  Result<std::uint64_t> size() override {
    if (auto s = alive(); !s) return s.error();
    return std::uint64_t{node_->current.size()};
  }

  Status truncate(std::uint64_t size) override {
    if (auto s = alive(); !s) return s;
    auto& cur = node_->current;
    const std::size_t old_size = cur.size();
    cur.resize(size);
    node_->mark_dirty(std::min<std::size_t>(size, old_size), std::max<std::size_t>(size, old_size));
    return ok_status();
  }

 private:
  Status alive() const {
    if (state_->epoch != epoch_) {
      return make_error("memory storage: " + name_ + " was opened before a crash");
    }
    return ok_status();
  }

  std::shared_ptr<MemoryStorage::State> state_;
  std::shared_ptr<Node> node_;
  std::string name_;
  std::uint64_t epoch_;
};

}  // namespace

MemoryStorage::MemoryStorage() : state_(std::make_shared<State>()) {}
MemoryStorage::~MemoryStorage() = default;

Result<std::unique_ptr<File>> MemoryStorage::open(std::string_view name, bool create) {
  if (!valid_storage_name(name)) return bad_name(name);
  auto it = state_->files.find(name);
  if (it == state_->files.end()) {
    if (!create) return make_error("memory storage: " + std::string(name) + " does not exist");
    it = state_->files.emplace(std::string(name), std::make_shared<Node>()).first;
  }
  return std::unique_ptr<File>(std::make_unique<MemoryFile>(state_, it->second, it->first));
}

Result<std::optional<std::vector<std::byte>>> MemoryStorage::read_file(std::string_view name) {
  if (!valid_storage_name(name)) return bad_name(name);
  const auto it = state_->files.find(name);
  if (it == state_->files.end()) return std::optional<std::vector<std::byte>>();
  return std::optional(it->second->current);
}

Status MemoryStorage::rename(std::string_view from, std::string_view to) {
  if (!valid_storage_name(from)) return bad_name(from);
  if (!valid_storage_name(to)) return bad_name(to);
  auto it = state_->files.find(from);
  if (it == state_->files.end()) {
    return make_error("memory storage: rename: " + std::string(from) + " does not exist");
  }
  // The node moves with its unsynced part: renaming data that was never
  // synced leaves it exposed to the next crash, as on a real file system.
  auto node = it->second;
  state_->files.erase(it);
  state_->files.insert_or_assign(std::string(to), std::move(node));
  return ok_status();
}

Status MemoryStorage::remove(std::string_view name) {
  if (!valid_storage_name(name)) return bad_name(name);
  if (auto it = state_->files.find(name); it != state_->files.end()) state_->files.erase(it);
  return ok_status();
}

Result<bool> MemoryStorage::exists(std::string_view name) {
  if (!valid_storage_name(name)) return bad_name(name);
  return state_->files.contains(name);
}

void MemoryStorage::crash(Crash mode) {
  for (auto& [name, node] : state_->files) {
    if (mode == Crash::kKeepUnsynced) {
      node->sync();
    } else {
      node->current = node->durable;
      node->dirty_begin = node->dirty_end = 0;
    }
  }
  ++state_->epoch;
}

std::vector<std::string> MemoryStorage::names() const {
  std::vector<std::string> out;
  for (const auto& entry : state_->files) out.push_back(entry.first);
  return out;
}

}  // namespace maic
