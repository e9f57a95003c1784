// A token bucket per key, for shedding load and slowing down guessing.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "maic/core/clock.hpp"

namespace maic {

// Limits requests per key (an address, an account): a token bucket of `burst` requests refilled at
// `per_second`. On the device a request beyond it is answered 429 (compat.md §1: a scraper
// polls every 5-6 s; one exporter understands "too many requests").
// Thread-safe.
class RateLimiter {
 public:
  RateLimiter(const Clock& clock, double per_second, double burst, std::size_t max_tracked = 4096);
  // True, taking a token, when `key` has one left.
  bool allow(std::string_view key);
  // Gives back a token allow() took, up to the burst: for a request that
  // turned out not to count (a log-in that succeeded). Taking first and
  // refunding after keeps concurrent requests within the budget.
  void refund(std::string_view key);
  // Seconds until `key` has a token again; 0 when it has one now.
  double seconds_until_allowed(std::string_view key);

 private:
  struct Bucket {
    double tokens;
    SteadyTime at;
  };
  const Clock& clock_;
  double per_second_;
  double burst_;
  std::size_t max_tracked_;
  // The bucket of `key`, refilled to now; created full when new. Called
  // with mutex_ held.
  Bucket& refilled(std::string_view key, SteadyTime now);

  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace maic
