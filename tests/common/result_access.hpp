#pragma once
// Reading a core::Result in tests that expect one outcome. Unlike `*r` or r.error() alone, a
// result holding the other outcome fails the test: r.error() on a value would quietly give a
// default error (often the first enumerator) and `*r` on an error is undefined. Throwing is fine
// here: gtest reports an escaped exception as the test's failure, as std::get did before.
#include "core/result.hpp"

#include <stdexcept>
#include <utility>

namespace shoal::test {

// The value of a result the test expects to succeed.
template <class T, class E>
T value_of(shoal::core::Result<T, E> result) {
  if (!result) throw std::logic_error("expected a value, the result holds an error");
  return *std::move(result);
}

// The error of a result the test expects to fail.
template <class T, class E>
E error_of(const shoal::core::Result<T, E>& result) {
  if (result) throw std::logic_error("expected an error, the result holds a value");
  return result.error();
}

}  // namespace shoal::test
