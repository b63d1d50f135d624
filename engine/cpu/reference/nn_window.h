// Sliding-window geometry shared by the convolution and pooling reference kernels: reading
// kernel_shape/strides/dilations/pads/auto_pad and computing output sizes and begin pads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cpu/kernel.h"

namespace edgeinfer::cpu::reference {

// One sliding window over the spatial dims of an N x C x D1 x ... x Dn tensor.
struct Window {
  std::vector<int64_t> kernel;      // kernel extent per spatial dim (before dilation)
  std::vector<int64_t> strides;     // default 1
  std::vector<int64_t> dilations;   // default 1
  std::vector<int64_t> pads_begin;  // resolved (auto_pad applied)
  std::vector<int64_t> pads_end;
  std::vector<int64_t> input;   // input spatial sizes
  std::vector<int64_t> output;  // output spatial sizes

  size_t rank() const { return kernel.size(); }
  // Extent of the dilated kernel along dim d.
  int64_t extent(size_t d) const { return (kernel[d] - 1) * dilations[d] + 1; }
};

// Reads strides, dilations (when `use_dilations`), pads and auto_pad for a forward window
// (Conv, pooling) over `input` with the given kernel and computes the output sizes. With
// `ceil_mode` the output size rounds up, except that a window starting past the end of the
// (begin-padded) input is dropped. A kernel larger than the padded input is an error.
Result<Window> forward_window(const KernelContext& ctx, const std::vector<int64_t>& input,
                              const std::vector<int64_t>& kernel, bool use_dilations,
                              bool ceil_mode);

// Reads a per-spatial-dim int list attribute; `fallback` fills it when absent. Errors when the
// attribute has the wrong length or (with `positive`) a value below 1.
Result<std::vector<int64_t>> spatial_attr(const KernelContext& ctx, const std::string& name,
                                          size_t rank, int64_t fallback, bool positive);

// Floor division for possibly negative numerators (b > 0).
inline int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
// Ceiling division for possibly negative numerators (b > 0).
inline int64_t ceil_div(int64_t a, int64_t b) {
  return -floor_div(-a, b);
}

// Product of dims (1 for none).
inline int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

// Splits a flat row-major index into per-dim coordinates for the given dims.
inline void unflatten(int64_t index, const std::vector<int64_t>& dims,
                      std::vector<int64_t>& coords) {
  coords.resize(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    if (dims[d] == 0) {
      coords[d] = 0;
      continue;
    }
    coords[d] = index % dims[d];
    index /= dims[d];
  }
}

// Spatial sizes "[3,3]" for messages.
std::string dims_to_string(const std::vector<int64_t>& dims);

}  // namespace edgeinfer::cpu::reference
