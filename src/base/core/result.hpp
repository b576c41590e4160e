#pragma once
// The one return type of every operation that can fail: a value or an error, the error being an
// ordinary value the caller inspects. Nothing throws, which the packet path requires, and every
// layer reads a failure the same way instead of each picking its own variant or out-parameter.
//
// Read a result with `if (r)` / has_value(), `*r`, `r->` and r.error(). Never r.value(): for an
// error type other than error_code it needs throw_exception_from_error, and it throws.
//
// Boost's implicit constructors cannot tell a value from an error when T and E are the same type
// (or either converts to the other): give such an error a type of its own (a struct around the
// text, as RoomParamsError is) rather than spelling in_place_value/in_place_error at every return.
// error() returns a copy, and a default E when there is none, so E must be default-constructible.
#include <boost/system/result.hpp>

namespace shoal::core {

// Boost's result with one addition: [[nodiscard]], so a caller that drops a result, and with it
// the failure it may hold, does not compile (warnings are errors). `(void)` marks the rare call
// whose failure truly does not matter.
template <class T, class E>
class [[nodiscard]] Result : public boost::system::result<T, E> {
 public:
  using boost::system::result<T, E>::result;
};

}  // namespace shoal::core
