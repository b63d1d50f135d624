// Winograd F(m x m, 3 x 3) convolution (m = 4 or 6) for dense 3x3 Conv at stride 1 and
// dilation 1: each m x m output tile costs (m + 2)^2 products per input/output channel pair
// instead of 9 m^2 (2.25x fewer for F(4,3), 3.06x for F(6,3)), at the price of input and output
// transforms and (m + 2)^2 / 9 times the weight storage.
//
// The image is cut into chunks of tiles. Per chunk the input transform writes, for every
// transform point, a C x tiles matrix already packed into the micro-kernel's column panels; one
// GEMM per point (weights K x C, transformed and packed at prepare time) gives K x tiles; the
// output transform adds bias and residual, applies the activation and stores the tiles. The
// chunk's size is chosen from the channel counts, never from the image, so the workspace is
// bounded: half a MB per thread, up to a few MB for layers with a thousand channels (a chunk
// is at least one panel of tiles).
#pragma once

#include <memory>

#include <cstdint>
#include <vector>

#include "cpu/fast/gemm_driver.h"
#include "cpu/kernels/kernel_set.h"
#include "cpu/thread_pool.h"

namespace edgeinfer::cpu::fast {

// The transformed weights of one layer: for each of the (m + 2)^2 transform points, the
// out_channels x in_channels matrix U = G g G^T at that point, packed into MR-row panels.
struct WinogradWeights {
  int m = 0;  // output tile size: 4 or 6
  int64_t out_channels = 0;
  int64_t in_channels = 0;
  std::vector<PackedRows> points;
};

// Whether F(m, 3) exists here (m = 4 or 6) and the kernel set's panel width suits the
// transforms (a multiple of their 8 lanes).
bool winograd_supported(int m, const kernels::KernelSet& ks);

// Floats of a layer's transformed weights: one packed K x C matrix per transform point.
size_t winograd_weight_floats(int m, int64_t out_channels, int64_t in_channels, int mr);

// Writes a layer's transformed weights, from OIHW 3x3 weights (computed in double, rounded once
// to float), into `dst` (winograd_weight_floats floats): what the weight cache stores.
void transform_winograd_weights(const float* w, int64_t out_channels, int64_t in_channels, int m,
                                int mr, float* dst);

// The weights transform_winograd_weights wrote at `values`, kept alive by `owner`.
WinogradWeights winograd_weights_at(const float* values, std::shared_ptr<const void> owner, int m,
                                    int64_t out_channels, int64_t in_channels, int mr);

struct WinogradGeometry {
  int64_t batch, in_h, in_w, out_h, out_w, pad_top, pad_left;
};

// y = epilogue(conv3x3(x, w) + bias): x is NCHW batch x in_channels x in_h x in_w, y is
// batch x out_channels x out_h x out_w; `bias` (out_channels values) may be null.
void run_winograd(ThreadPool* pool, const kernels::KernelSet& ks, const WinogradWeights& u,
                  const WinogradGeometry& g, const float* x, const float* bias, float* y,
                  const GemmEpilogue& ep);

}  // namespace edgeinfer::cpu::fast
