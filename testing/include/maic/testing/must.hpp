// The value of a result a test cannot go on without. An error throws with
// its message, which GTest reports as the test's failure: one line at the
// call instead of an ASSERT and an unwrap.
#pragma once

#include <stdexcept>
#include <utility>

#include "maic/core/result.hpp"

namespace maic::testing {

template <typename T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

inline void must(const Status& s) {
  if (!s) throw std::runtime_error(s.error().message);
}

}  // namespace maic::testing
