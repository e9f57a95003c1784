#include <algorithm>

#include "maic/core/storage.hpp"

namespace maic {

struct FaultStorage::State {
  bool power_cut = false;
  // Power cut triggers; nullopt: not armed.
  std::optional<std::uint64_t> bytes_left;
  std::optional<std::uint64_t> operations_left;
  std::uint64_t fail_next = 0;
  Counters counters;

  // Every call passes here first: transient errors take precedence.
  Status check_any() {
    if (fail_next > 0) {
      --fail_next;
      return make_error("injected I/O error");
    }
    return ok_status();
  }

  // A mutating call: fails once the power is cut, and counts towards an
  // operation budget.
  Status check_mutation() {
    ++counters.mutations;
    if (auto s = check_any(); !s) return s;
    if (power_cut) return power_cut_error();
    if (operations_left) {
      if (*operations_left == 0) {
        power_cut = true;
        return power_cut_error();
      }
      --*operations_left;
    }
    return ok_status();
  }

  static Error power_cut_error() { return make_error("power cut (fault injection)"); }
};

namespace {

class FaultFile final : public File {
 public:
  FaultFile(std::shared_ptr<FaultStorage::State> state, std::unique_ptr<File> base)
      : state_(std::move(state)), base_(std::move(base)) {}

  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) override {
    if (auto s = state_->check_any(); !s) return s.error();
    return base_->read_at(offset, out);
  }

  Status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    if (auto s = state_->check_mutation(); !s) return s;
    auto& st = *state_;
    std::size_t n = data.size();
    bool torn = false;
    if (st.bytes_left) {
      if (n > *st.bytes_left) {
        n = static_cast<std::size_t>(*st.bytes_left);
        torn = true;
      }
      *st.bytes_left -= n;
      if (*st.bytes_left == 0) st.power_cut = true;
    }
    if (n > 0) {
      ++st.counters.writes;
      st.counters.bytes_written += n;
      if (auto s = base_->write_at(offset, data.first(n)); !s) return s;
    }
    if (torn) return FaultStorage::State::power_cut_error();
    return ok_status();
  }

  Status sync() override {
    if (auto s = state_->check_mutation(); !s) return s;
    ++state_->counters.syncs;
    return base_->sync();
  }

  Result<std::uint64_t> size() override {
    if (auto s = state_->check_any(); !s) return s.error();
    return base_->size();
  }

  Status truncate(std::uint64_t size) override {
    if (auto s = state_->check_mutation(); !s) return s;
    ++state_->counters.metadata;
    return base_->truncate(size);
  }

 private:
  std::shared_ptr<FaultStorage::State> state_;
  std::unique_ptr<File> base_;
};

}  // namespace

FaultStorage::FaultStorage(Storage& base) : base_(base), state_(std::make_shared<State>()) {}
FaultStorage::~FaultStorage() = default;

void FaultStorage::cut_power_after_bytes(std::uint64_t bytes) {
  state_->bytes_left = bytes;
  if (bytes == 0) state_->power_cut = true;
}

void FaultStorage::cut_power_after_operations(std::uint64_t operations) {
  state_->operations_left = operations;
}

void FaultStorage::fail_next(std::uint64_t operations) { state_->fail_next = operations; }

void FaultStorage::restore_power() {
  state_->power_cut = false;
  state_->bytes_left.reset();
  state_->operations_left.reset();
  state_->fail_next = 0;
}

bool FaultStorage::power_cut() const { return state_->power_cut; }

const FaultStorage::Counters& FaultStorage::counters() const { return state_->counters; }

Result<std::unique_ptr<File>> FaultStorage::open(std::string_view name, bool create) {
  // Opening an existing file changes nothing, but with `create` it may make
  // one, so it counts as a mutation whether or not the file was there.
  if (create) {
    if (auto s = state_->check_mutation(); !s) return s.error();
    ++state_->counters.metadata;
  } else if (auto s = state_->check_any(); !s) {
    return s.error();
  }
  auto file = base_.open(name, create);
  if (!file) return file.error();
  return std::unique_ptr<File>(std::make_unique<FaultFile>(state_, std::move(*file)));
}

Result<std::optional<std::vector<std::byte>>> FaultStorage::read_file(std::string_view name) {
  if (auto s = state_->check_any(); !s) return s.error();
  return base_.read_file(name);
}

Status FaultStorage::rename(std::string_view from, std::string_view to) {
  if (auto s = state_->check_mutation(); !s) return s;
  ++state_->counters.metadata;
  return base_.rename(from, to);
}

Status FaultStorage::remove(std::string_view name) {
  if (auto s = state_->check_mutation(); !s) return s;
  ++state_->counters.metadata;
  return base_.remove(name);
}

Result<bool> FaultStorage::exists(std::string_view name) {
  if (auto s = state_->check_any(); !s) return s.error();
  return base_.exists(name);
}

}  // namespace maic
