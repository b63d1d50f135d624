// Pieces shared by the fast kernels: declining to the reference kernel, the row-range split
// that threads will use, and small vectorisable math.
#pragma once

#include <bit>
#include <cstdint>

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

// Runs the reference kernel of this node's op type. A fast kernel calls it, before allocating
// any output, for the types and attribute combinations it does not handle.
Status run_reference(KernelContext& ctx);
// How many times run_reference has run in this process: lets tests tell a fast kernel that
// did the work from one that declined.
int64_t reference_fallback_count();

// True when inputs [0, count) are all present float32 tensors.
bool float_inputs(const KernelContext& ctx, size_t count);

// Calls body(begin, end) over the independent rows [0, count). Today in one piece, on the
// calling thread; once the thread pool is reachable from the context, this is where the
// range gets split.
template <typename Body>
void for_rows(KernelContext& ctx, int64_t count, Body&& body) {
  (void)ctx;
  if (count > 0) body(int64_t{0}, count);
}

// e^x in float, branch-free so loops over it vectorise. Range reduction x = n ln2 + r, a
// degree-6 polynomial for e^r on |r| <= ln2/2, and 2^n put into the exponent bits. Relative
// error about 2 ulp. Inputs are clamped to [-87.3, 88] so that 2^n stays a normal float:
// e^-inf gives ~1e-38 rather than 0 and e^100 gives ~1.7e38 rather than inf. NaN stays NaN.
inline float fast_exp(float x) {
  const bool nan = x != x;
  float v = nan ? 0.0f : x;
  v = v > 88.0f ? 88.0f : v;
  v = v < -87.3365447504f ? -87.3365447504f : v;
  // n = round(v / ln2): add 0.5, then floor (truncation corrected for negatives).
  const float fx = v * 1.44269504088896341f + 0.5f;
  int32_t n = static_cast<int32_t>(fx);
  n -= static_cast<float>(n) > fx ? 1 : 0;
  const float nf = static_cast<float>(n);
  // r = v - n ln2, with ln2 split in two parts so that r keeps its low bits.
  const float r = (v - nf * 0.693359375f) + nf * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  const float result = er * std::bit_cast<float>((n + 127) << 23);
  return nan ? x : result;
}

}  // namespace edgeinfer::cpu::fast
