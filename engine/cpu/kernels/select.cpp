// Picks the micro-kernels for this CPU once, from its features.
#include "cpu/kernels/kernel_set.h"

namespace edgeinfer::cpu::kernels {

namespace {

bool has_avx512() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
         __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool has_avx2() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

}  // namespace

int available_kernel_sets(const KernelSet** sets, int capacity) {
  int n = 0;
#if defined(__x86_64__)
  if (has_avx512() && n < capacity) sets[n++] = &avx512_kernel_set();
  if (has_avx2() && n < capacity) sets[n++] = &avx2_kernel_set();
#endif
  if (n < capacity) sets[n++] = &portable_kernel_set();
  return n;
}

const KernelSet& best_kernel_set() {
  static const KernelSet* best = [] {
    const KernelSet* sets[1];
    available_kernel_sets(sets, 1);
    return sets[0];
  }();
  return *best;
}

}  // namespace edgeinfer::cpu::kernels
