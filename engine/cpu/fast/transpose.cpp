// Fast Transpose for 1, 2, 4 and 8-byte elements of any type.
//
// The permutation is first simplified: size-1 dims are dropped and input dims that stay
// neighbours in the output are merged. If the innermost dim is unchanged, the copy is a loop of
// contiguous runs (memcpy). Otherwise the two dims that matter, the output's innermost (a) and
// the input's innermost (b), are copied in square tiles so both reads and writes stay within a
// few cache lines; the remaining dims are outer loops. NHWC <-> NCHW becomes one tiled 2-D
// transpose per image. Bad permutations and other element sizes go to the reference kernel.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/fast/channel_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/families.h"

namespace edgeinfer::cpu::fast {
namespace {

// The transpose after simplification: output dim i has size dims[i] and reads input stride
// in_stride[i] (elements).
struct Permutation {
  std::vector<int64_t> dims;
  std::vector<int64_t> in_stride;
  // For tiled_copy: the output's strides, and the outer dims (every dim but the output's
  // innermost and the one reading input stride 1), computed once with the plan.
  std::vector<int64_t> out_stride;
  std::vector<size_t> outer;
};

Permutation simplify(const Shape& shape, const std::vector<int64_t>& perm) {
  const size_t rank = shape.size();
  std::vector<int64_t> strides(rank, 1);
  for (size_t d = rank; d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  Permutation p;
  int64_t previous = -2;  // input dim of the last kept output dim
  for (size_t i = 0; i < rank; ++i) {
    const int64_t d = perm[i];
    if (shape[d] == 1) continue;
    // The next input dim after `previous`, skipping size-1 dims, continues it contiguously.
    int64_t next = previous + 1;
    while (previous >= 0 && next < static_cast<int64_t>(rank) && next != d && shape[next] == 1)
      ++next;
    if (previous >= 0 && next == d) {
      p.dims.back() *= shape[d];
      p.in_stride.back() = strides[d];
    } else {
      p.dims.push_back(shape[d]);
      p.in_stride.push_back(strides[d]);
    }
    previous = d;
  }
  return p;
}

constexpr int64_t kTile = 16;

// Splitting interleaved channels into planes (NHWC -> NCHW with a few channels) and the reverse:
// with the channel count a constant the compiler vectorises the strided side with permutes,
// where square tiles of a few columns would copy element by element.
template <typename T, int kChannels>
EI_VECTOR_CLONES void deinterleave(const T* __restrict x, T* __restrict y, int64_t plane_stride,
                                   int64_t pixels) {
  for (int64_t i = 0; i < pixels; ++i) {
    for (int c = 0; c < kChannels; ++c)
      y[c * plane_stride + i] = x[i * kChannels + c];
  }
}

template <typename T, int kChannels>
EI_VECTOR_CLONES void interleave(const T* __restrict x, T* __restrict y, int64_t plane_stride,
                                 int64_t pixels) {
  for (int64_t i = 0; i < pixels; ++i) {
    for (int c = 0; c < kChannels; ++c)
      y[i * kChannels + c] = x[c * plane_stride + i];
  }
}

// The few-channel cases of one outer row (see tiled_copy); false when the shape is not one.
template <typename T>
bool few_channels(const T* src, T* dst, int64_t na, int64_t nb, int64_t sa, int64_t ob) {
  if (sa == nb && nb >= 2 && nb <= 4) {  // input interleaved, output planes
    if (nb == 2) deinterleave<T, 2>(src, dst, ob, na);
    if (nb == 3) deinterleave<T, 3>(src, dst, ob, na);
    if (nb == 4) deinterleave<T, 4>(src, dst, ob, na);
    return true;
  }
  if (ob == na && na >= 2 && na <= 4) {  // input planes, output interleaved
    if (na == 2) interleave<T, 2>(src, dst, sa, nb);
    if (na == 3) interleave<T, 3>(src, dst, sa, nb);
    if (na == 4) interleave<T, 4>(src, dst, sa, nb);
    return true;
  }
  return false;
}

// The input and output offsets of outer row `o` (see tiled_copy).
void outer_offsets(const Permutation& p, int64_t o, int64_t* in_base, int64_t* out_base) {
  *in_base = 0;
  *out_base = 0;
  for (size_t k = p.outer.size(); k-- > 0;) {
    const size_t d = p.outer[k];
    const int64_t i = o % p.dims[d];
    o /= p.dims[d];
    *in_base += i * p.in_stride[d];
    *out_base += i * p.out_stride[d];
  }
}

// Outer rows [begin, end) of a transpose whose innermost dim moves: `a` is the output's
// innermost dim, `b` the output dim that reads input stride 1; every other dim is an outer loop.
template <typename T>
void tiled_copy(const Permutation& p, size_t b, const T* x, T* y, int64_t begin, int64_t end) {
  const size_t a = p.dims.size() - 1;
  const int64_t na = p.dims[a];
  const int64_t nb = p.dims[b];
  const int64_t sa = p.in_stride[a];   // input stride along a (b reads stride 1)
  const int64_t ob = p.out_stride[b];  // output stride along b (a writes stride 1)
  for (int64_t o = begin; o < end; ++o) {
    int64_t in_base = 0;
    int64_t out_base = 0;
    outer_offsets(p, o, &in_base, &out_base);
    const T* src = x + in_base;
    T* dst = y + out_base;
    if (few_channels(src, dst, na, nb, sa, ob)) continue;
    for (int64_t b0 = 0; b0 < nb; b0 += kTile) {
      const int64_t b1 = std::min(nb, b0 + kTile);
      for (int64_t a0 = 0; a0 < na; a0 += kTile) {
        const int64_t a1 = std::min(na, a0 + kTile);
        for (int64_t j = b0; j < b1; ++j) {
          T* __restrict out = dst + j * ob;
          const T* __restrict in = src + j;
          for (int64_t i = a0; i < a1; ++i)
            out[i] = in[i * sa];
        }
      }
    }
  }
}

// Innermost dim unchanged: copies runs of dims.back() elements.
void run_copy(const Permutation& p, const unsigned char* x, unsigned char* y, size_t elem,
              int64_t begin, int64_t end) {
  const size_t rank = p.dims.size();
  const size_t run = static_cast<size_t>(p.dims.back()) * elem;
  for (int64_t r = begin; r < end; ++r) {
    int64_t rest = r;
    int64_t in_offset = 0;
    for (size_t d = rank - 1; d-- > 0;) {
      in_offset += (rest % p.dims[d]) * p.in_stride[d];
      rest /= p.dims[d];
    }
    std::memcpy(y + static_cast<size_t>(r) * run, x + static_cast<size_t>(in_offset) * elem, run);
  }
}

// A few-channel transpose (few_channels) split by pixels rather than outer rows: the NHWC image
// at a model's input is one outer row, which would run on one thread. Each thread gets the same
// pixel range of every plane, the rows of the image that a convolution split by output rows
// reads next. False when the shape is not one.
template <typename T>
bool few_channels_by_pixels(KernelContext& ctx, const Permutation& p, size_t b, int64_t outer,
                            const T* x, T* y) {
  const size_t a = p.dims.size() - 1;
  const int64_t na = p.dims[a];
  const int64_t nb = p.dims[b];
  const int64_t sa = p.in_stride[a];
  const int64_t ob = p.out_stride[b];
  const bool planes_out = sa == nb && nb >= 2 && nb <= 4;  // few_channels' two cases
  const bool planes_in = ob == na && na >= 2 && na <= 4;
  if (!planes_out && !planes_in) return false;
  const int64_t pixels = planes_out ? na : nb;
  for_elements(ctx, outer * pixels, [&](int64_t begin, int64_t end) {
    while (begin < end) {
      const int64_t o = begin / pixels;
      const int64_t first = begin % pixels;
      const int64_t count = std::min(pixels - first, end - begin);
      int64_t in_base = 0;
      int64_t out_base = 0;
      outer_offsets(p, o, &in_base, &out_base);
      if (planes_out) {  // pixel i at input i * sa, output i
        few_channels(x + in_base + first * sa, y + out_base + first, count, nb, sa, ob);
      } else {  // pixel i at input i, output i * ob
        few_channels(x + in_base + first, y + out_base + first * ob, na, count, sa, ob);
      }
      begin += count;
    }
  });
  return true;
}

template <typename T>
void transpose_typed(KernelContext& ctx, const Permutation& p, const void* x, void* y) {
  const size_t rank = p.dims.size();
  size_t b = 0;
  while (p.in_stride[b] != 1)
    ++b;
  int64_t outer = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (d != b && d != rank - 1) outer *= p.dims[d];
  }
  const T* xt = static_cast<const T*>(x);
  T* yt = static_cast<T*>(y);
  if (few_channels_by_pixels(ctx, p, b, outer, xt, yt)) return;
  for_rows(ctx, outer, p.dims.back() * p.dims[b],
           [&](int64_t begin, int64_t end) { tiled_copy<T>(p, b, xt, yt, begin, end); });
}

// Fills p.out_stride and p.outer for tiled_copy, with `b` the dim that reads input stride 1.
void plan_tiles(Permutation& p, size_t b) {
  const size_t rank = p.dims.size();
  const size_t a = rank - 1;
  p.out_stride.assign(rank, 1);
  for (size_t d = rank - 1; d-- > 0;)
    p.out_stride[d] = p.out_stride[d + 1] * p.dims[d + 1];
  p.outer.clear();
  for (size_t d = 0; d < rank; ++d) {
    if (d != a && d != b) p.outer.push_back(d);
  }
}

// The output shape and the simplified permutation of an input shape, kept for the next run.
struct TransposeRunCache final : RunCache {
  bool ready = false;
  bool fast = false;  // false: the reference kernel handles this node
  DType dtype = DType::kUndefined;
  Shape x_shape;
  Shape out;
  Permutation p;
};

void plan_transpose(const KernelContext& ctx, TransposeRunCache& rc) {
  rc.fast = false;
  const TensorView& x = ctx.input(0);
  const size_t rank = x.shape.size();
  const size_t elem = dtype_size(x.dtype);
  std::vector<int64_t> perm(rank);
  if (ctx.node().has_attr("perm")) {
    perm = ctx.node().attr_ints("perm");
  } else {
    for (size_t i = 0; i < rank; ++i)
      perm[i] = static_cast<int64_t>(rank - 1 - i);
  }
  std::vector<bool> used(rank, false);
  bool valid = perm.size() == rank && (elem == 1 || elem == 2 || elem == 4 || elem == 8);
  for (size_t i = 0; valid && i < rank; ++i) {
    valid = perm[i] >= 0 && perm[i] < static_cast<int64_t>(rank) && !used[perm[i]];
    if (valid) used[perm[i]] = true;
  }
  if (!valid || x.elements() == 0) return;
  rc.out.resize(rank);
  for (size_t i = 0; i < rank; ++i)
    rc.out[i] = x.shape[perm[i]];
  rc.p = simplify(x.shape, perm);
  if (rc.p.dims.size() > 1 && rc.p.in_stride.back() != 1) {
    size_t b = 0;
    while (rc.p.in_stride[b] != 1)
      ++b;
    plan_tiles(rc.p, b);
  }
  rc.fast = true;
}

Status transpose_kernel(KernelContext& ctx) {
  if (!ctx.has_input(0)) return run_reference(ctx);
  const TensorView& x = ctx.input(0);
  const size_t elem = dtype_size(x.dtype);
  TransposeRunCache& rc = run_cache_of<TransposeRunCache>(ctx);
  if (!rc.ready || rc.dtype != x.dtype || rc.x_shape != x.shape) {
    rc.ready = false;
    plan_transpose(ctx, rc);
    rc.dtype = x.dtype;
    rc.x_shape = x.shape;
    rc.ready = true;
  }
  if (!rc.fast) return run_reference(ctx);
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, rc.out));
  const TensorView& y = *y_view;
  const Permutation& p = rc.p;
  if (p.dims.size() <= 1 || p.in_stride.back() == 1) {
    if (p.dims.empty()) {
      std::memcpy(y.data, x.data, elem);
      return Status::ok();
    }
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < p.dims.size(); ++d)
      rows *= p.dims[d];
    for_rows(ctx, rows, p.dims.back(), [&](int64_t begin, int64_t end) {
      run_copy(p, static_cast<const unsigned char*>(x.data), static_cast<unsigned char*>(y.data),
               elem, begin, end);
    });
    return Status::ok();
  }
  switch (elem) {
    case 1:
      transpose_typed<uint8_t>(ctx, p, x.data, y.data);
      break;
    case 2:
      transpose_typed<uint16_t>(ctx, p, x.data, y.data);
      break;
    case 4:
      transpose_typed<uint32_t>(ctx, p, x.data, y.data);
      break;
    default:
      transpose_typed<uint64_t>(ctx, p, x.data, y.data);
      break;
  }
  return Status::ok();
}

// `count` pixels from interleaved channels to planes `plane_stride` apart (or back), the
// channel count a constant for 2 to 4 channels.
void pixels_to_planes(const float* x, float* y, int64_t channels, int64_t plane_stride,
                      int64_t count) {
  if (channels == 2) return deinterleave<float, 2>(x, y, plane_stride, count);
  if (channels == 3) return deinterleave<float, 3>(x, y, plane_stride, count);
  if (channels == 4) return deinterleave<float, 4>(x, y, plane_stride, count);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t c = 0; c < channels; ++c)
      y[c * plane_stride + i] = x[i * channels + c];
}

void planes_to_pixels(const float* x, float* y, int64_t channels, int64_t plane_stride,
                      int64_t count) {
  if (channels == 2) return interleave<float, 2>(x, y, plane_stride, count);
  if (channels == 3) return interleave<float, 3>(x, y, plane_stride, count);
  if (channels == 4) return interleave<float, 4>(x, y, plane_stride, count);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t c = 0; c < channels; ++c)
      y[i * channels + c] = x[c * plane_stride + i];
}

// Both copies: each thread takes a range of the batch's pixels (all their channels).
template <bool kToPlanes>
void copy_layout(KernelContext& ctx, const float* x, int64_t batch, int64_t channels,
                 int64_t pixels, float* y) {
  for_elements(ctx, batch * pixels, [&](int64_t begin, int64_t end) {
    while (begin < end) {
      const int64_t n = begin / pixels, first = begin % pixels;
      const int64_t count = std::min(pixels - first, end - begin);
      const int64_t interleaved = (n * pixels + first) * channels;
      const int64_t planes = n * channels * pixels + first;
      if (kToPlanes) {
        pixels_to_planes(x + interleaved, y + planes, channels, pixels, count);
      } else {
        planes_to_pixels(x + planes, y + interleaved, channels, pixels, count);
      }
      begin += count;
    }
  });
}

}  // namespace

void register_fast_transpose(KernelRegistry& registry) {
  registry.add("Transpose", transpose_kernel);
}

void copy_to_channels_first(KernelContext& ctx, const float* x, int64_t batch, int64_t channels,
                            int64_t pixels, float* y) {
  copy_layout<true>(ctx, x, batch, channels, pixels, y);
}

void copy_to_channels_last(KernelContext& ctx, const float* x, int64_t batch, int64_t channels,
                           int64_t pixels, float* y) {
  copy_layout<false>(ctx, x, batch, channels, pixels, y);
}

}  // namespace edgeinfer::cpu::fast
