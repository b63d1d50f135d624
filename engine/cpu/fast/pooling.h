// Shared by the fast pooling kernels on the ONNX layout (pooling.cpp) and on blocked channel
// layouts (pooling_nchwc.cpp): the per-axis window tables, and the blocked entry point.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/kernel.h"
#include "cpu/reference/nn_window.h"

namespace edgeinfer::cpu::fast {

// Per output position along one axis: the first and one-past-last input index inside the
// input, and the divisor contribution (positions inside the input, or inside input and pads).
struct AxisWindows {
  std::vector<int64_t> begin, end;
  std::vector<float> count;
};

inline AxisWindows plan_pool_axis(const reference::Window& win, size_t d, bool count_include_pad) {
  AxisWindows a;
  const int64_t in = win.input[d];
  for (int64_t o = 0; o < win.output[d]; ++o) {
    const int64_t start = o * win.strides[d] - win.pads_begin[d];
    const int64_t stop = start + win.kernel[d];
    a.begin.push_back(std::clamp<int64_t>(start, 0, in));
    a.end.push_back(std::clamp<int64_t>(stop, 0, in));
    const int64_t padded =
        std::min(stop, in + win.pads_end[d]) - std::max(start, -win.pads_begin[d]);
    a.count.push_back(
        static_cast<float>(count_include_pad ? padded : a.end.back() - a.begin.back()));
  }
  return a;
}

enum class BlockedPool { kAverage, kMax, kGlobalAverage, kGlobalMax };

// The pooling kernels for a node with blocked layout attributes (pooling_nchwc.cpp): input and
// output in the same layout NCHW<b>c, 2-D images (N x C/b x H x W x b); anything
// else runs the reference kernel.
Status blocked_pool(KernelContext& ctx, BlockedPool kind);

}  // namespace edgeinfer::cpu::fast
