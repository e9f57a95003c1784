#include "maic/core/rate_limiter.hpp"

#include <algorithm>

namespace maic {

RateLimiter::RateLimiter(const Clock& clock, double per_second, double burst,
                         std::size_t max_tracked)
    : clock_(clock), per_second_(per_second), burst_(burst), max_tracked_(max_tracked) {}

bool RateLimiter::allow(std::string_view address) {
  std::lock_guard lock(mutex_);
  const SteadyTime now = clock_.steady_now();
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_) {
      // Forget full buckets first: they are the addresses that went quiet.
      std::erase_if(buckets_, [&](const auto& b) {
        return b.second.tokens + seconds(now - b.second.at) * per_second_ >= burst_;
      });
      if (buckets_.size() >= max_tracked_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(std::string(address), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + seconds(now - b.at) * per_second_);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace maic
