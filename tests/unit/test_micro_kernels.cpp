// Each ISA's micro-kernels (cpu/kernels) one by one against plain loops: the SGEMM tile through
// the packing and driver, the depthwise window over phase-split planes, the row activations.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "cpu/fast/gemm_driver.h"
#include "cpu/fused_epilogue.h"
#include "cpu/kernels/kernel_set.h"

using namespace edgeinfer;
using namespace edgeinfer::cpu;

namespace {

std::vector<const kernels::KernelSet*> sets() {
  const kernels::KernelSet* s[8];
  const int n = kernels::available_kernel_sets(s, 8);
  return {s, s + n};
}

std::vector<float> random_values(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v)
    x = d(rng);
  return v;
}

}  // namespace

TEST_CASE("portable kernels are always available and the best set is one of them", "[kernels]") {
  const auto all = sets();
  REQUIRE(!all.empty());
  CHECK(std::string(all.back()->isa) == "portable");
  CHECK(&kernels::best_kernel_set() == all.front());
}

TEST_CASE("SGEMM micro-kernel with packing, bias, residual, clamp and HardSwish", "[kernels]") {
  std::mt19937 rng(7);
  for (const kernels::KernelSet* ks : sets()) {
    INFO("isa " << ks->isa);
    for (int trial = 0; trial < 40; ++trial) {
      std::uniform_int_distribution<int64_t> dim(1, 70);
      const int64_t m = dim(rng), n = dim(rng) + (trial % 3) * 40, k = dim(rng);
      const bool with_bias = trial % 2, with_residual = trial % 4 < 2, clamp = trial % 5 == 0;
      const bool hardswish = trial % 3 == 1;
      const std::vector<float> a = random_values(rng, m * k), b = random_values(rng, k * n);
      const std::vector<float> bias = random_values(rng, m), res = random_values(rng, m * n);
      const float lo = clamp ? -0.5f : -std::numeric_limits<float>::infinity();
      const float hi = clamp ? 0.75f : std::numeric_limits<float>::infinity();
      // A stored transposed (column stride m) to exercise both strides of pack_rows.
      std::vector<float> at(m * k);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p)
          at[p * m + i] = a[i * k + p];
      const fast::PackedRows packed = fast::pack_rows(at.data(), m, k, 1, m, ks->mr);
      std::vector<float> c(m * n, -99.f);
      // Two column chunks of unequal width, as the conv driver makes them.
      const int64_t split = n / 2;
      for (auto [n0, nc] : {std::pair<int64_t, int64_t>{0, split}, {split, n - split}}) {
        if (nc == 0) continue;
        std::vector<float> bp(k * fast::round_up(nc, ks->nr));
        fast::pack_columns(b.data(), n, k, n0, nc, ks->nr, bp.data());
        fast::gemm_packed(*ks, packed, 0, m, bp.data(), nc, c.data() + n0, n,
                          with_bias ? bias.data() : nullptr,
                          with_residual ? res.data() + n0 : nullptr, n, lo, hi, hardswish);
      }
      double worst = 0;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          double want = with_bias ? bias[i] : 0.0;
          for (int64_t p = 0; p < k; ++p)
            want += double(a[i * k + p]) * b[p * n + j];
          if (with_residual) want += res[i * n + j];
          want = std::min<double>(std::max<double>(want, lo), hi);
          if (hardswish) want *= std::min(1.0, std::max(0.0, want / 6 + 0.5));
          worst = std::max(worst, std::abs(want - c[i * n + j]));
        }
      }
      INFO("m " << m << " n " << n << " k " << k);
      REQUIRE(worst < 1e-4);
    }
  }
}

TEST_CASE("SGEMM micro-kernel keeps a NaN result NaN in full and edge tiles", "[kernels]") {
  for (const kernels::KernelSet* ks : sets()) {
    INFO("isa " << ks->isa);
    // m x n covers one full tile and an edge tile of every set; column 1 of B is NaN.
    const int64_t m = ks->mr + 1, n = 2 * ks->nr + 3, k = 5;
    std::vector<float> a(m * k, 0.5f), b(k * n, 1.f);
    for (int64_t p = 0; p < k; ++p)
      b[p * n + 1] = std::numeric_limits<float>::quiet_NaN();
    const fast::PackedRows packed = fast::pack_rows(a.data(), m, k, k, 1, ks->mr);
    std::vector<float> bp(k * fast::round_up(n, ks->nr));
    fast::pack_columns(b.data(), n, k, 0, n, ks->nr, bp.data());
    // No clamp (a convolution without activation): the NaN comes out as NaN.
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> c(m * n, 0.f);
    fast::gemm_packed(*ks, packed, 0, m, bp.data(), n, c.data(), n, nullptr, nullptr, 0, -inf, inf);
    for (int64_t i = 0; i < m; ++i) {
      INFO("row " << i);
      CHECK(std::isnan(c[i * n + 1]));
      CHECK(c[i * n] == 2.5f);
    }
  }
}

TEST_CASE("depthwise micro-kernel over phase-split planes", "[kernels]") {
  std::mt19937 rng(11);
  for (const kernels::KernelSet* ks : sets()) {
    INFO("isa " << ks->isa);
    for (int trial = 0; trial < 120; ++trial) {
      std::uniform_int_distribution<int64_t> small(1, 3), out(1, 37);
      kernels::DepthwisePlane g{};
      g.kernel_h = std::vector<int64_t>{1, 2, 3, 5, 7}[trial % 5];
      g.kernel_w = std::vector<int64_t>{3, 5, 1, 4, 3}[(trial / 5) % 5];
      g.stride_h = small(rng);
      g.stride_w = small(rng);
      g.dilation_h = small(rng);
      g.dilation_w = small(rng);
      if (trial >= 60) {
        // The specialised windows (3x3 and 5x5, two rows at a time at stride 1 along the
        // height), with each inline activation.
        g.kernel_h = g.kernel_w = trial % 2 ? 3 : 5;
        g.stride_h = g.dilation_h = 1;
        g.dilation_w = 1 + (trial / 2) % 2;
        g.activation = trial % 4;
        g.clip_lo = -0.5f;
        g.clip_hi = 0.75f;
      }
      g.out_h = out(rng);
      g.out_w = out(rng);
      g.plane_h = (g.out_h - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1;
      const int64_t padded_w = (g.out_w - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w + 1;
      g.plane_w = (padded_w - 1) / g.stride_w + 1;
      // A padded input, then its column phases.
      const std::vector<float> padded = random_values(rng, g.plane_h * padded_w);
      std::vector<float> planes(g.stride_w * g.plane_h * g.plane_w, 0.f);
      for (int64_t p = 0; p < g.stride_w; ++p)
        for (int64_t r = 0; r < g.plane_h; ++r)
          for (int64_t j = 0; j < g.plane_w && j * g.stride_w + p < padded_w; ++j)
            planes[(p * g.plane_h + r) * g.plane_w + j] = padded[r * padded_w + j * g.stride_w + p];
      const std::vector<float> w = random_values(rng, g.kernel_h * g.kernel_w);
      std::vector<float> y(g.out_h * g.out_w);
      ks->depthwise(g, planes.data(), w.data(), 0.25f, y.data());
      double worst = 0;
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          double want = 0.25;
          for (int64_t ky = 0; ky < g.kernel_h; ++ky)
            for (int64_t kx = 0; kx < g.kernel_w; ++kx)
              want += double(w[ky * g.kernel_w + kx]) *
                      padded[(oy * g.stride_h + ky * g.dilation_h) * padded_w + ox * g.stride_w +
                             kx * g.dilation_w];
          if (g.activation == 1) want = want > 0 ? want : 0;
          if (g.activation == 2)
            want = std::min(std::max(want, double(g.clip_lo)), double(g.clip_hi));
          if (g.activation == 3) want = want * std::min(1.0, std::max(0.0, want / 6 + 0.5));
          worst = std::max(worst, std::abs(want - y[oy * g.out_w + ox]));
        }
      }
      REQUIRE(worst < 1e-5);
    }
  }
}

TEST_CASE("row activations match the fused epilogue's scalar definition", "[kernels]") {
  std::mt19937 rng(3);
  std::vector<float> x = random_values(rng, 67), res = random_values(rng, 67);
  for (float& v : x)
    v *= 8.f;  // cover both sides of every activation's knees
  const float slope = 0.3f;
  for (int a = 0; a <= static_cast<int>(Activation::kMish); ++a) {
    for (auto [alpha, beta] : {std::pair<float, float>{-0.5f, 2.f}, {1.5f, -1.f}}) {
      Epilogue e;
      e.activation = static_cast<Activation>(a);
      e.alpha = alpha;
      e.beta = beta;
      e.slope = &slope;
      e.slope_count = 1;
      for (const kernels::KernelSet* ks : sets()) {
        for (bool with_residual : {false, true}) {
          INFO("isa " << ks->isa << " activation " << activation_name(e.activation) << " alpha "
                      << alpha << " residual " << with_residual);
          std::vector<float> y = x;
          ks->activate_row(kernels::RowActivation{a, alpha, beta, slope}, y.data(),
                           with_residual ? res.data() : nullptr, static_cast<int64_t>(y.size()));
          for (size_t i = 0; i < y.size(); ++i) {
            const float want = e.activate(x[i] + (with_residual ? res[i] : 0.f), 0);
            REQUIRE(y[i] == Approx(want).margin(1e-5).epsilon(1e-5));
          }
        }
      }
    }
  }
}
