// Integer arithmetic without undefined behaviour, for the elementwise reference kernels.
//
// ONNX integer ops wrap around on overflow (two's complement), like NumPy. In C++ signed
// overflow is undefined, so these helpers compute in an unsigned type at least as wide as
// `unsigned` (avoiding promotion to signed int) and convert back, which C++20 defines as
// modular. Each helper is the plain operator for floating-point types.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

namespace edgeinfer::cpu::reference {

template <typename T>
using wide_unsigned_t =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
T wrapping_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = wide_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

template <typename T>
T wrapping_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = wide_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}

template <typename T>
T wrapping_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = wide_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}

template <typename T>
T wrapping_neg(T a) {
  if constexpr (std::is_integral_v<T>) {
    using U = wide_unsigned_t<T>;
    return static_cast<T>(U{0} - static_cast<U>(a));
  } else {
    return -a;
  }
}

// Division truncating toward zero, like C. Precondition for integers: b != 0.
// The one overflowing case, min / -1, wraps to min.
template <typename T>
T truncating_div(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    if (b == -1) return wrapping_neg(a);
    return static_cast<T>(a / b);
  } else {
    return static_cast<T>(a / b);
  }
}

// Integer remainder with the sign of the divisor (Python's %, ONNX Mod with fmod=0).
// Precondition: b != 0.
template <typename T>
T floor_mod(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return 0;  // also avoids min % -1
    T r = static_cast<T>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    return static_cast<T>(a % b);
  }
}

// Integer remainder with the sign of the dividend (C's %, ONNX Mod with fmod=1).
// Precondition: b != 0.
template <typename T>
T trunc_mod(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return 0;
  }
  return static_cast<T>(a % b);
}

// base^exponent for an integer base and an integer exponent, wrapping on overflow.
// A negative exponent gives the truncated value of 1 / base^-exponent: 1 or -1 for a base of
// 1 or -1, 0 otherwise (0 for a zero base too, where the true value is infinite).
template <typename T, typename E>
T integer_pow(T base, E exponent) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if constexpr (std::is_signed_v<T>) {
      if (base == -1) return (exponent % 2 == 0) ? T{1} : T{-1};
    }
    return 0;
  }
  T result = 1;
  T factor = base;
  auto e = exponent;
  while (e > 0) {  // square and multiply
    if (e % 2 == 1) result = wrapping_mul(result, factor);
    factor = wrapping_mul(factor, factor);
    e /= 2;
  }
  return result;
}

// A floating-point value converted to integer type T: truncated toward zero, NaN gives 0, values
// past T's range give T's min or max (C++ leaves these cases undefined).
template <typename T>
T saturating_cast(double value) {
  if (std::isnan(value)) return 0;
  const double t = std::trunc(value);
  // min() and max() + 1 are powers of two, exact in double.
  const double lo = static_cast<double>(std::numeric_limits<T>::min());
  const double hi = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
  if (t <= lo) return std::numeric_limits<T>::min();
  if (t >= hi) return std::numeric_limits<T>::max();
  return static_cast<T>(t);
}

}  // namespace edgeinfer::cpu::reference
