#include "maic/core/rate_limiter.hpp"

#include <algorithm>

namespace maic {

RateLimiter::RateLimiter(const Clock& clock, double per_second, double burst,
                         std::size_t max_tracked)
    : clock_(clock), per_second_(per_second), burst_(burst), max_tracked_(max_tracked) {}

RateLimiter::Bucket& RateLimiter::refilled(std::string_view key, SteadyTime now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_) {
      // Forget full buckets first: they are the addresses that went quiet.
      std::erase_if(buckets_, [&](const auto& b) {
        return b.second.tokens + seconds(now - b.second.at) * per_second_ >= burst_;
      });
      if (buckets_.size() >= max_tracked_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + seconds(now - b.at) * per_second_);
  b.at = now;
  return b;
}

bool RateLimiter::allow(std::string_view key) {
  std::lock_guard lock(mutex_);
  Bucket& b = refilled(key, clock_.steady_now());
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void RateLimiter::refund(std::string_view key) {
  std::lock_guard lock(mutex_);
  Bucket& b = refilled(key, clock_.steady_now());
  b.tokens = std::min(burst_, b.tokens + 1);
}

double RateLimiter::seconds_until_allowed(std::string_view key) {
  std::lock_guard lock(mutex_);
  const Bucket& b = refilled(key, clock_.steady_now());
  return b.tokens >= 1 ? 0.0 : (1 - b.tokens) / per_second_;
}

}  // namespace maic
