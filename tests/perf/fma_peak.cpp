// The machine's arithmetic peak, measured: fp32 fused multiply-adds on registers only (no
// memory traffic), with the widest vectors the CPU has (AVX-512, else AVX2+FMA, else scalar),
// on 1..N threads. What docs/performance.md sets the kernels' achieved GFLOP/s against.
//
//   edgeinfer-fma-peak [THREADS...]     default: 1 and every core; prints one JSON line
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

constexpr long kIterations = 20'000'000;

// Twelve independent accumulator chains hide the FMA latency (4 cycles, 2 ports). Returns the
// flops done; `sink` keeps the compiler from dropping the loop.
#if defined(__x86_64__)
__attribute__((target("avx512f"))) double fma_avx512(float* sink) {
  __m512 acc[12];
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
  for (auto& r : acc)
    r = _mm512_set1_ps(1.0f);
  for (long i = 0; i < kIterations; ++i) {
    for (auto& r : acc)
      r = _mm512_fmadd_ps(r, a, b);
  }
  __m512 sum = acc[0];
  for (int k = 1; k < 12; ++k)
    sum = _mm512_add_ps(sum, acc[k]);
  float lanes[16];
  _mm512_storeu_ps(lanes, sum);
  *sink = lanes[0];
  return 2.0 * 16 * 12 * kIterations;
}

__attribute__((target("avx2,fma"))) double fma_avx2(float* sink) {
  __m256 acc[12];
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-7f);
  for (auto& r : acc)
    r = _mm256_set1_ps(1.0f);
  for (long i = 0; i < kIterations; ++i) {
    for (auto& r : acc)
      r = _mm256_fmadd_ps(r, a, b);
  }
  __m256 sum = acc[0];
  for (int k = 1; k < 12; ++k)
    sum = _mm256_add_ps(sum, acc[k]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  *sink = lanes[0];
  return 2.0 * 8 * 12 * kIterations;
}
#endif

double fma_scalar(float* sink) {
  float acc[12];
  std::fill(acc, acc + 12, 1.0f);
  for (long i = 0; i < kIterations / 4; ++i) {
    for (float& r : acc)
      r = r * 0.999f + 1e-7f;
  }
  *sink = acc[0] + acc[11];
  return 2.0 * 12 * (kIterations / 4);
}

using Probe = double (*)(float*);

std::pair<Probe, const char*> widest_probe() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return {fma_avx512, "avx512"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {fma_avx2, "avx2"};
#endif
  return {fma_scalar, "scalar"};
}

// GFLOP/s of `threads` threads running the probe at once (the best of three tries).
double measure(Probe probe, int threads) {
  double best = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<float> sinks(static_cast<size_t>(threads));
    std::vector<double> flops(static_cast<size_t>(threads));
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] { flops[t] = probe(&sinks[t]); });
    for (auto& w : workers)
      w.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double total = 0;
    for (double f : flops)
      total += f;
    best = std::max(best, total / seconds / 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts;
  for (int i = 1; i < argc; ++i) {
    const int n = std::atoi(argv[i]);
    if (n < 1) {
      std::fprintf(stderr, "usage: edgeinfer-fma-peak [THREADS...] (positive counts)\n");
      return 2;
    }
    thread_counts.push_back(n);
  }
  if (thread_counts.empty()) {
    thread_counts = {1};
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    if (cores > 1) thread_counts.push_back(cores);
  }
  const auto [probe, isa] = widest_probe();
  std::printf("{\"isa\": \"%s\", \"peak_gflops\": {", isa);
  for (size_t i = 0; i < thread_counts.size(); ++i) {
    std::printf("%s\"%d\": %.1f", i ? ", " : "", thread_counts[i],
                measure(probe, thread_counts[i]));
  }
  std::printf("}}\n");
  return 0;
}
