// The register-resident AVX-512 SGEMM tile (cpu/kernels/gemm_avx512_registers.h, the avx512
// kernel set's tile) against plain loops, on every edge-tile shape (mr 1..8, nr
// 1..32), several depths, and each epilogue: bias, residual, clamp, HardSwish; and its variant
// that reads B in place (row stride ldb) instead of from a packed panel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cpu/kernels/gemm_avx512_registers.h"
#include "cpu/kernels/kernel_set.h"

using namespace edgeinfer::cpu;

TEST_CASE("register-resident AVX-512 SGEMM tile matches plain loops", "[kernels]") {
  const kernels::KernelSet& ks = kernels::best_kernel_set();
  if (std::string(ks.isa) != "avx512") {
    WARN("no AVX-512 on this CPU: the register-resident tile is not used");
    return;
  }
  REQUIRE(ks.mr == 8);
  REQUIRE(ks.nr == 32);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  const float inf = std::numeric_limits<float>::infinity();
  int trial = 0;
  for (int64_t k : {1, 3, 16, 27, 96}) {
    for (int mr = 1; mr <= 8; ++mr) {
      for (int nr : {1, 5, 15, 16, 17, 31, 32}) {
        ++trial;
        const bool bias_on = trial % 2, residual_on = trial % 3 != 0, hardswish = trial % 4 == 1;
        const bool clamped = trial % 5 < 2;
        // Packed operands: k steps of 8 A values and of 32 B values, zero past mr and nr.
        std::vector<float> a(k * 8, 0.f), b(k * 32, 0.f);
        for (int64_t p = 0; p < k; ++p) {
          for (int i = 0; i < mr; ++i)
            a[p * 8 + i] = d(rng);
          for (int j = 0; j < nr; ++j)
            b[p * 32 + j] = d(rng);
        }
        std::vector<float> bias(8), residual(8 * 40);
        for (float& v : bias)
          v = d(rng);
        for (float& v : residual)
          v = d(rng);
        // Output with a row stride wider than the tile: what lies outside mr x nr must stay.
        const int64_t ldc = 40, ldr = 40;
        std::vector<float> got(8 * ldc, -99.f);
        kernels::GemmOutput out{got.data(),
                                ldc,
                                bias_on ? bias.data() : nullptr,
                                residual_on ? residual.data() : nullptr,
                                ldr,
                                clamped ? -0.5f : -inf,
                                clamped ? 0.75f : inf,
                                hardswish ? 1 : 0};
        kernels::avx512_gemm_8x32_registers(k, a.data(), b.data(), mr, nr, out);
        INFO("k " << k << " mr " << mr << " nr " << nr << " bias " << bias_on << " residual "
                  << residual_on << " clamp " << clamped << " hardswish " << hardswish);
        for (int i = 0; i < 8; ++i) {
          for (int j = 0; j < ldc; ++j) {
            const float g = got[i * ldc + j];
            if (i >= mr || j >= nr) {
              REQUIRE(g == -99.f);
              continue;
            }
            double want = bias_on ? bias[i] : 0.0;
            for (int64_t p = 0; p < k; ++p)
              want += double(a[p * 8 + i]) * b[p * 32 + j];
            if (residual_on) want += residual[i * ldr + j];
            if (clamped) want = std::min(std::max(want, -0.5), 0.75);
            if (hardswish) want *= std::min(1.0, std::max(0.0, want / 6 + 0.5));
            REQUIRE(std::abs(g - want) <= 1e-4 * std::max(1.0, std::abs(want)));
          }
        }
      }
    }
  }
}

TEST_CASE("AVX-512 SGEMM tile with B read in place matches plain loops", "[kernels]") {
  const kernels::KernelSet& ks = kernels::best_kernel_set();
  if (std::string(ks.isa) != "avx512") {
    WARN("no AVX-512 on this CPU: the unpacked-B tile is not used");
    return;
  }
  std::mt19937 rng(12);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  const float inf = std::numeric_limits<float>::infinity();
  int trial = 0;
  for (int64_t k : {1, 2, 16, 24, 97}) {
    for (int mr = 1; mr <= 8; ++mr) {
      for (int nr : {1, 7, 16, 23, 32}) {
        ++trial;
        const bool bias_on = trial % 2, residual_on = trial % 3 == 0, hardswish = trial % 4 == 2;
        const bool clamped = trial % 5 == 1;
        // B as the rows of an input plane: row stride ldb, the tile's columns at offset 3.
        const int64_t ldb = 45, offset = 3;
        std::vector<float> a(k * 8, 0.f), b(k * ldb + offset);
        for (int64_t p = 0; p < k; ++p)
          for (int i = 0; i < mr; ++i)
            a[p * 8 + i] = d(rng);
        for (float& v : b)
          v = d(rng);
        std::vector<float> bias(8), residual(8 * 33);
        for (float& v : bias)
          v = d(rng);
        for (float& v : residual)
          v = d(rng);
        const int64_t ldc = 33;
        std::vector<float> got(8 * ldc, -99.f);
        const kernels::GemmOutput out{got.data(),
                                      ldc,
                                      bias_on ? bias.data() : nullptr,
                                      residual_on ? residual.data() : nullptr,
                                      ldc,
                                      clamped ? -0.25f : -inf,
                                      clamped ? 0.5f : inf,
                                      hardswish ? 1 : 0};
        kernels::avx512_gemm_8x32_unpacked_b(k, a.data(), b.data() + offset, ldb, mr, nr, out);
        INFO("k " << k << " mr " << mr << " nr " << nr);
        for (int i = 0; i < 8; ++i) {
          for (int j = 0; j < ldc; ++j) {
            const float g = got[i * ldc + j];
            if (i >= mr || j >= nr) {
              REQUIRE(g == -99.f);
              continue;
            }
            double want = bias_on ? bias[i] : 0.0;
            for (int64_t p = 0; p < k; ++p)
              want += double(a[p * 8 + i]) * b[offset + p * ldb + j];
            if (residual_on) want += residual[i * ldc + j];
            if (clamped) want = std::min(std::max(want, -0.25), 0.5);
            if (hardswish) want *= std::min(1.0, std::max(0.0, want / 6 + 0.5));
            REQUIRE(std::abs(g - want) <= 1e-4 * std::max(1.0, std::abs(want)));
          }
        }
      }
    }
  }
}
