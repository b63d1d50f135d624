// Reference Conv and ConvTranspose (ONNX opsets 1..18) for any number of spatial dims.
//
// Direct convolution: for every output plane, each (input channel, kernel offset) pair adds a
// scaled, shifted copy of an input row to an accumulator row, so the innermost loop walks
// contiguous memory. Accumulation is in double; the result is rounded to the tensor type once.
#include <algorithm>
#include <vector>

#include "cpu/blocked_layout.h"
#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "cpu/reference/dispatch.h"
#include "cpu/reference/families.h"
#include "cpu/reference/nn_window.h"

namespace edgeinfer::cpu::reference {
namespace {

// The [lo, hi) range of positions p in [0, count) with 0 <= p * stride + offset < limit.
void valid_range(int64_t count, int64_t stride, int64_t offset, int64_t limit, int64_t& lo,
                 int64_t& hi) {
  lo = offset >= 0 ? 0 : ceil_div(-offset, stride);
  hi = limit - 1 - offset < 0 ? 0 : std::min(count, floor_div(limit - 1 - offset, stride) + 1);
  if (hi < lo) hi = lo;
}

// Shared checks of the X / W / B operands.
Status check_operands(const KernelContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.invalid("needs inputs X and W");
  const TensorView& x = ctx.input(0);
  const TensorView& w = ctx.input(1);
  if (x.shape.size() < 3) {
    return ctx.invalid("input X must have shape N x C x D1 x ... (rank >= 3), got " +
                       shape_to_string(x.shape));
  }
  if (w.shape.size() != x.shape.size()) {
    return ctx.invalid("weights W " + shape_to_string(w.shape) + " must have the rank of X " +
                       shape_to_string(x.shape));
  }
  if (w.dtype != x.dtype) {
    return ctx.invalid(std::string("W is ") + dtype_name(w.dtype) + " but X is " +
                       dtype_name(x.dtype));
  }
  if (ctx.has_input(2) && ctx.input(2).dtype != x.dtype) {
    return ctx.invalid(std::string("bias B is ") + dtype_name(ctx.input(2).dtype) + " but X is " +
                       dtype_name(x.dtype));
  }
  return Status::ok();
}

// kernel_shape from W's spatial dims; a kernel_shape attribute must agree.
Result<std::vector<int64_t>> kernel_of(const KernelContext& ctx, const Shape& w_shape) {
  std::vector<int64_t> kernel(w_shape.begin() + 2, w_shape.end());
  if (ctx.node().has_attr("kernel_shape")) {
    const std::vector<int64_t> attr = ctx.node().attr_ints("kernel_shape");
    if (attr != kernel) {
      return ctx.invalid("kernel_shape " + dims_to_string(attr) + " does not match weights " +
                         shape_to_string(w_shape));
    }
  }
  return kernel;
}

Status check_bias(const KernelContext& ctx, int64_t channels) {
  if (ctx.has_input(2) && ctx.input(2).elements() != channels) {
    return ctx.invalid("bias B " + shape_to_string(ctx.input(2).shape) + " must have " +
                       std::to_string(channels) + " elements (one per output channel)");
  }
  return Status::ok();
}

template <typename T>
void conv_forward(const Window& win, const T* x, const T* w, const T* bias, T* y, int64_t batch,
                  int64_t in_channels, int64_t out_channels, int64_t group) {
  const size_t r = win.rank();
  const int64_t in_size = product(win.input);
  const int64_t out_size = product(win.output);
  const int64_t kernel_size = product(win.kernel);
  const int64_t in_last = win.input[r - 1];
  const int64_t out_last = win.output[r - 1];
  const int64_t rows = out_last == 0 ? 0 : out_size / out_last;
  const std::vector<int64_t> lead_out(win.output.begin(), win.output.end() - 1);
  const int64_t cg = in_channels / group;
  const int64_t mg = out_channels / group;
  const int64_t s = win.strides[r - 1];
  std::vector<double> acc(static_cast<size_t>(out_size));
  std::vector<int64_t> k(r), o;
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t g = 0; g < group; ++g) {
      for (int64_t m = 0; m < mg; ++m) {
        const int64_t oc = g * mg + m;
        std::fill(acc.begin(), acc.end(), bias ? static_cast<double>(bias[oc]) : 0.0);
        for (int64_t c = 0; c < cg; ++c) {
          const T* xp = x + (n * in_channels + g * cg + c) * in_size;
          const T* wp = w + (oc * cg + c) * kernel_size;
          for (int64_t ki = 0; ki < kernel_size; ++ki) {
            unflatten(ki, win.kernel, k);
            const double wv = static_cast<double>(wp[ki]);
            const int64_t off = k[r - 1] * win.dilations[r - 1] - win.pads_begin[r - 1];
            int64_t lo, hi;
            valid_range(out_last, s, off, in_last, lo, hi);
            if (lo >= hi) continue;
            for (int64_t row = 0; row < rows; ++row) {
              // Input row under this output row and kernel offset, if inside the input.
              unflatten(row, lead_out, o);
              int64_t in_row = 0;
              bool inside = true;
              for (size_t d = 0; d + 1 < r && inside; ++d) {
                const int64_t i =
                    o[d] * win.strides[d] + k[d] * win.dilations[d] - win.pads_begin[d];
                inside = i >= 0 && i < win.input[d];
                in_row = in_row * win.input[d] + i;
              }
              if (!inside) continue;
              double* a = acc.data() + row * out_last;
              const int64_t base = in_row * in_last + off;
              if (s == 1) {
                for (int64_t ox = lo; ox < hi; ++ox)
                  a[ox] += wv * static_cast<double>(xp[base + ox]);
              } else {
                for (int64_t ox = lo; ox < hi; ++ox) {
                  a[ox] += wv * static_cast<double>(xp[base + ox * s]);
                }
              }
            }
          }
        }
        T* yp = y + (n * out_channels + oc) * out_size;
        for (int64_t i = 0; i < out_size; ++i)
          yp[i] = static_cast<T>(acc[i]);
      }
    }
  }
}

// A channels-last tensor N x D1 x ... x C copied into the ONNX layout N x C x D1 x ...
template <typename T>
std::vector<T> channels_first(const TensorView& x) {
  const int64_t batch = x.shape.front(), channels = x.shape.back();
  const int64_t spatial = batch * channels == 0 ? 0 : x.elements() / (batch * channels);
  std::vector<T> out(static_cast<size_t>(x.elements()));
  const T* src = x.as<T>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t p = 0; p < spatial; ++p)
      for (int64_t c = 0; c < channels; ++c)
        out[(n * channels + c) * spatial + p] = src[(n * spatial + p) * channels + c];
  return out;
}

// An ONNX-layout tensor N x C x D1 x ... of shape `shape` copied channels-last into `out`.
template <typename T>
void copy_channels_last(const T* src, const Shape& shape, T* out) {
  const int64_t batch = shape[0], channels = shape[1];
  const int64_t spatial = batch * channels == 0 ? 0 : shape_elements(shape) / (batch * channels);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < spatial; ++p)
        out[(n * spatial + p) * channels + c] = src[(n * channels + c) * spatial + p];
}

// The channels-last shape of an ONNX-layout shape.
Shape channels_last_shape(const Shape& s) {
  Shape out{s.front()};
  out.insert(out.end(), s.begin() + 2, s.end());
  out.push_back(s[1]);
  return out;
}

// The shape of a channels-last tensor in the ONNX layout.
Shape channels_first_shape(const Shape& s) {
  Shape out{s.front(), s.back()};
  out.insert(out.end(), s.begin() + 1, s.end() - 1);
  return out;
}

Status conv(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(check_operands(ctx));
  if (!known_input_layout(ctx.node())) {
    return ctx.invalid(std::string("unknown ") + kInputLayoutAttr + " '" +
                       ctx.node().attr_string(kInputLayoutAttr, "") + "' (NCHW or NHWC)");
  }
  const bool channels_last = reads_channels_last(ctx.node());
  // X as the ONNX layout sees it: a channels-last input is read through an NCHW copy.
  TensorView x = ctx.input(0);
  if (channels_last) x.shape = channels_first_shape(x.shape);
  const TensorView& w = ctx.input(1);
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group < 1) return ctx.invalid("group " + std::to_string(group) + " must be positive");
  const int64_t channels = x.shape[1];
  const int64_t out_channels = w.shape[0];
  if (w.shape[1] * group != channels) {
    return ctx.invalid("channel mismatch: X " + shape_to_string(x.shape) + " has " +
                       std::to_string(channels) + " channels but W " + shape_to_string(w.shape) +
                       " with group " + std::to_string(group) + " expects " +
                       std::to_string(w.shape[1] * group));
  }
  if (out_channels % group != 0) {
    return ctx.invalid("W " + shape_to_string(w.shape) + " has " + std::to_string(out_channels) +
                       " output channels, not a multiple of group " + std::to_string(group));
  }
  EI_RETURN_IF_ERROR(check_bias(ctx, out_channels));
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, kernel_of(ctx, w.shape));
  const std::vector<int64_t> input(x.shape.begin() + 2, x.shape.end());
  EI_ASSIGN_OR_RETURN(Window win, forward_window(ctx, input, kernel, true, false));
  Shape out_shape{x.shape[0], out_channels};
  out_shape.insert(out_shape.end(), win.output.begin(), win.output.end());
  EI_RETURN_IF_ERROR(check_shape(ctx, out_shape));
  return dispatch<float, double>(ctx, x.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, out_shape));
    const TensorView& y = *y_view;
    const T* bias = ctx.has_input(2) ? ctx.input(2).as<T>() : nullptr;
    std::vector<T> copy;
    if (channels_last) copy = channels_first<T>(ctx.input(0));
    conv_forward<T>(win, channels_last ? copy.data() : x.as<T>(), w.as<T>(), bias, y.as<T>(),
                    x.shape[0], channels, out_channels, group);
    return apply_node_epilogue(ctx, y);
  });
}

// Geometry of ConvTranspose: `win.input` is X's spatial shape and `win.output` the result's;
// each input position i and kernel offset k add to output position i*stride + k*dilation -
// pads_begin (pads may be negative when output_shape asks for more than the full result).
Result<Window> transpose_window(const KernelContext& ctx, const std::vector<int64_t>& input,
                                const std::vector<int64_t>& kernel) {
  const size_t rank = input.size();
  Window win;
  win.input = input;
  win.kernel = kernel;
  EI_ASSIGN_OR_RETURN(win.strides, spatial_attr(ctx, "strides", rank, 1, true));
  EI_ASSIGN_OR_RETURN(win.dilations, spatial_attr(ctx, "dilations", rank, 1, true));
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, spatial_attr(ctx, "pads", 2 * rank, 0, false));
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> output_padding,
                      spatial_attr(ctx, "output_padding", rank, 0, false));
  const std::string auto_pad = ctx.node().attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER" && !auto_pad.empty()) {
    return ctx.invalid("unknown auto_pad '" + auto_pad + "'");
  }
  std::vector<int64_t> output_shape = ctx.node().attr_ints("output_shape");
  if (output_shape.size() == rank + 2)
    output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  if (!output_shape.empty() && output_shape.size() != rank) {
    return ctx.invalid("output_shape " + dims_to_string(ctx.node().attr_ints("output_shape")) +
                       " does not fit " + std::to_string(rank) + " spatial dims");
  }
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  win.pads_begin.resize(rank);
  win.pads_end.resize(rank);
  win.output.resize(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t s = win.strides[d];
    if (output_padding[d] < 0) {
      return ctx.invalid("output_padding " + dims_to_string(output_padding) + " is negative");
    }
    // Size of the result with no padding removed.
    const int64_t full = s * (input[d] - 1) + output_padding[d] + win.extent(d);
    if (!output_shape.empty() || same) {
      const int64_t out = !output_shape.empty() ? output_shape[d] : input[d] * s;
      const int64_t total = full - out;
      // As the ONNX spec: the odd unit of padding goes to the end for SAME_UPPER, to the
      // beginning otherwise (floor division, so negative totals extend the result).
      const int64_t half = floor_div(total, 2);
      win.pads_begin[d] = auto_pad == "SAME_UPPER" ? half : total - half;
      win.pads_end[d] = total - win.pads_begin[d];
      win.output[d] = out;
    } else {
      if (auto_pad != "VALID") {
        win.pads_begin[d] = pads[d];
        win.pads_end[d] = pads[d + rank];
      }
      win.output[d] = full - win.pads_begin[d] - win.pads_end[d];
    }
    if (win.output[d] < 0 || input[d] < 1) {
      return ctx.invalid("input " + dims_to_string(input) + " with kernel " +
                         dims_to_string(kernel) + ", strides " + dims_to_string(win.strides) +
                         " and pads " + dims_to_string(pads) + " gives no valid output");
    }
  }
  return win;
}

template <typename T>
void conv_transpose_planes(const Window& win, const T* x, const T* w, const T* bias, T* y,
                           int64_t batch, int64_t in_channels, int64_t out_channels,
                           int64_t group) {
  const size_t r = win.rank();
  const int64_t in_size = product(win.input);
  const int64_t out_size = product(win.output);
  const int64_t kernel_size = product(win.kernel);
  const int64_t in_last = win.input[r - 1];
  const int64_t out_last = win.output[r - 1];
  const int64_t rows = in_last == 0 ? 0 : in_size / in_last;
  const std::vector<int64_t> lead_in(win.input.begin(), win.input.end() - 1);
  const int64_t cg = in_channels / group;
  const int64_t mg = out_channels / group;
  const int64_t s = win.strides[r - 1];
  std::vector<double> acc(static_cast<size_t>(out_size));
  std::vector<int64_t> k(r), in_coord;
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t g = 0; g < group; ++g) {
      for (int64_t m = 0; m < mg; ++m) {
        const int64_t oc = g * mg + m;
        std::fill(acc.begin(), acc.end(), bias ? static_cast<double>(bias[oc]) : 0.0);
        for (int64_t c = 0; c < cg; ++c) {
          const int64_t ic = g * cg + c;
          const T* xp = x + (n * in_channels + ic) * in_size;
          const T* wp = w + (ic * mg + m) * kernel_size;  // W is C x M/group x k...
          for (int64_t ki = 0; ki < kernel_size; ++ki) {
            unflatten(ki, win.kernel, k);
            const double wv = static_cast<double>(wp[ki]);
            const int64_t off = k[r - 1] * win.dilations[r - 1] - win.pads_begin[r - 1];
            int64_t lo, hi;
            valid_range(in_last, s, off, out_last, lo, hi);
            if (lo >= hi) continue;
            for (int64_t row = 0; row < rows; ++row) {
              // Output row this input row and kernel offset land on, if inside the output.
              unflatten(row, lead_in, in_coord);
              int64_t out_row = 0;
              bool inside = true;
              for (size_t d = 0; d + 1 < r && inside; ++d) {
                const int64_t o =
                    in_coord[d] * win.strides[d] + k[d] * win.dilations[d] - win.pads_begin[d];
                inside = o >= 0 && o < win.output[d];
                out_row = out_row * win.output[d] + o;
              }
              if (!inside) continue;
              const T* xr = xp + row * in_last;
              const int64_t base = out_row * out_last + off;
              for (int64_t ix = lo; ix < hi; ++ix) {
                acc[base + ix * s] += wv * static_cast<double>(xr[ix]);
              }
            }
          }
        }
        T* yp = y + (n * out_channels + oc) * out_size;
        for (int64_t i = 0; i < out_size; ++i)
          yp[i] = static_cast<T>(acc[i]);
      }
    }
  }
}

Status conv_transpose(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(check_operands(ctx));
  const TensorView& x = ctx.input(0);
  const TensorView& w = ctx.input(1);
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group < 1) return ctx.invalid("group " + std::to_string(group) + " must be positive");
  const int64_t channels = x.shape[1];
  if (w.shape[0] != channels || channels % group != 0) {
    return ctx.invalid("channel mismatch: X " + shape_to_string(x.shape) + " has " +
                       std::to_string(channels) + " channels but W " + shape_to_string(w.shape) +
                       " (C x M/group x k...) with group " + std::to_string(group) + " expects " +
                       std::to_string(w.shape[0]) + ", a multiple of the group");
  }
  const int64_t out_channels = w.shape[1] * group;
  EI_RETURN_IF_ERROR(check_bias(ctx, out_channels));
  if (!known_output_layout(ctx.node())) {
    return ctx.invalid(std::string("unknown ") + kOutputLayoutAttr + " '" +
                       ctx.node().attr_string(kOutputLayoutAttr, "") + "' (NCHW or NHWC)");
  }
  const bool channels_last = writes_channels_last(ctx.node());
  // The residual would be channels-last too; the pass never asks for that, so neither does this.
  if (channels_last && ctx.has_input(kResidualInput)) {
    return ctx.invalid(std::string("a fused residual with ") + kOutputLayoutAttr + " NHWC");
  }
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, kernel_of(ctx, w.shape));
  const std::vector<int64_t> input(x.shape.begin() + 2, x.shape.end());
  EI_ASSIGN_OR_RETURN(Window win, transpose_window(ctx, input, kernel));
  Shape out_shape{x.shape[0], out_channels};
  out_shape.insert(out_shape.end(), win.output.begin(), win.output.end());
  EI_RETURN_IF_ERROR(check_shape(ctx, out_shape));
  return dispatch<float, double>(ctx, x.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(
        const TensorView* y_view,
        ctx.allocate_output_view(0, x.dtype,
                                 channels_last ? channels_last_shape(out_shape) : out_shape));
    const T* bias = ctx.has_input(2) ? ctx.input(2).as<T>() : nullptr;
    // A channels-last output is computed in the ONNX layout, then copied.
    std::vector<T> planes;
    TensorView y = *y_view;
    if (channels_last) {
      planes.resize(static_cast<size_t>(shape_elements(out_shape)));
      y = TensorView{x.dtype, out_shape, planes.data()};
    }
    conv_transpose_planes<T>(win, x.as<T>(), w.as<T>(), bias, y.as<T>(), x.shape[0], channels,
                             out_channels, group);
    EI_RETURN_IF_ERROR(apply_node_epilogue(ctx, y));
    if (channels_last) copy_channels_last<T>(planes.data(), out_shape, y_view->as<T>());
    return Status::ok();
  });
}

}  // namespace

void register_convolution(KernelRegistry& registry) {
  registry.add("Conv", with_blocked_layout<conv>);
  registry.add("ConvTranspose", with_blocked_layout<conv_transpose>);
}

}  // namespace edgeinfer::cpu::reference
