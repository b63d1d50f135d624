// Conv and ConvTranspose over 1-D and 2-D NCHW tensors (1-D as height 1), every group count,
// with the fused epilogue of cpu/fused_epilogue.h (activation, residual, PRelu slope).
#include <cstdlib>
#include <string>

#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "cpu/reference/nn_window.h"
#include "vulkan/fuse_channel_scale.h"
#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

// Spatial geometry padded to 2-D: index 0 height, 1 width.
struct Geometry2d {
  int64_t kernel[2] = {1, 1}, strides[2] = {1, 1}, dilations[2] = {1, 1}, pads[2] = {0, 0};
};

Geometry2d to_2d(const cpu::reference::Window& w) {
  Geometry2d g;
  const size_t off = 2 - w.rank();
  for (size_t d = 0; d < w.rank(); ++d) {
    g.kernel[off + d] = w.kernel[d];
    g.strides[off + d] = w.strides[d];
    g.dilations[off + d] = w.dilations[d];
    g.pads[off + d] = w.pads_begin[d];
  }
  return g;
}

// N, C, H, W of a rank-3 or rank-4 shape.
void nchw(const Shape& s, int32_t* out) {
  out[0] = static_cast<int32_t>(s[0]);
  out[1] = static_cast<int32_t>(s[1]);
  out[2] = s.size() == 4 ? static_cast<int32_t>(s[2]) : 1;
  out[3] = static_cast<int32_t>(s.back());
}

// $EDGEINFER_VULKAN_CONV_K4=0 keeps every Conv on conv2d.comp (for comparisons).
bool prefer_four_channels() {
  static const bool on = [] {
    const char* v = std::getenv("EDGEINFER_VULKAN_CONV_K4");
    return !(v && std::string(v) == "0");
  }();
  return on;
}

// Fills the shared conv2d / conv_transpose2d params and bindings.
// Input 0 as an NCHW shape: a Conv that reads an NHWC tensor (cpu/input_layout.h) sees it
// permuted.
bool reads_nhwc(const OpBuilder& b) {
  return cpu::reads_channels_last(b.node());
}
Shape input_nchw(const OpBuilder& b) {
  const Shape x = b.input_shape(0);
  if (!reads_nhwc(b) || x.size() != 4) return x;
  return {x[0], x[3], x[1], x[2]};
}

Status record(OpBuilder& b, ShaderId shader, const Geometry2d& g, int64_t groups) {
  const Shape x = input_nchw(b), y = b.output_shape();
  const cpu::KernelContext& ctx = b.shape_context();
  EI_ASSIGN_OR_RETURN(const cpu::Epilogue e, cpu::epilogue_of(ctx, y, y[1]));
  Dispatch d;
  d.shader = shader;
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  EI_ASSIGN_OR_RETURN(d.bindings[2], b.input(1));
  if (b.has_input(2)) {
    EI_ASSIGN_OR_RETURN(d.bindings[3], b.input(2));
  }
  if (b.has_input(cpu::kResidualInput)) {
    EI_ASSIGN_OR_RETURN(d.bindings[4], b.input(cpu::kResidualInput));
  }
  if (e.activation == cpu::Activation::kPRelu) {
    EI_ASSIGN_OR_RETURN(d.bindings[5], b.input(cpu::kSlopeInput));
  }
  if (b.has_input(kChannelScaleInput)) {
    if (shader != ShaderId::kConv2d) return b.unsupported("channel scale on a ConvTranspose");
    EI_ASSIGN_OR_RETURN(d.bindings[6], b.input(kChannelScaleInput));
    d.params[23] = 1;
  }
  int32_t in[4], out[4];
  nchw(x, in);
  nchw(y, out);
  d.params[0] = in[0];
  d.params[1] = in[1];
  d.params[2] = in[2];
  d.params[3] = in[3];
  d.params[4] = out[1];
  d.params[5] = out[2];
  d.params[6] = out[3];
  for (int i = 0; i < 2; ++i) {
    d.params[7 + i] = static_cast<int32_t>(g.kernel[i]);
    d.params[9 + i] = static_cast<int32_t>(g.strides[i]);
    d.params[11 + i] = static_cast<int32_t>(g.pads[i]);
    d.params[13 + i] = static_cast<int32_t>(g.dilations[i]);
  }
  d.params[15] = static_cast<int32_t>(groups);
  d.params[16] = b.has_input(2) ? 1 : 0;
  d.params[17] = static_cast<int32_t>(e.activation);
  d.set_float(18, e.alpha);
  d.set_float(19, e.beta);
  d.params[20] = b.has_input(cpu::kResidualInput) ? 1 : 0;
  d.params[21] = static_cast<int32_t>(e.slope_count);
  // Input strides (elements) of n, c, h, w: NCHW, or NHWC read in place.
  const int32_t plane = in[2] * in[3];
  const bool nhwc = reads_nhwc(b);
  d.params[24] = in[1] * plane;
  d.params[25] = nhwc ? 1 : plane;
  d.params[26] = nhwc ? in[3] * in[1] : in[3];
  d.params[27] = nhwc ? in[1] : 1;
  // Lanes share out the input channels of the group, each with its kernel window.
  const uint64_t outputs = static_cast<uint64_t>(shape_elements(y));
  const int32_t lanes = lanes_per_output(outputs, static_cast<uint64_t>(in[1] / groups),
                                         static_cast<uint64_t>(g.kernel[0] * g.kernel[1]));
  d.params[22] = lanes;
  d.invocations = outputs * static_cast<uint64_t>(lanes);
  // Wide layers: four output channels per invocation, each input load used four times.
  if (shader == ShaderId::kConv2d && lanes == 1 && (out[1] / groups) % 4 == 0 &&
      prefer_four_channels()) {
    d.shader = ShaderId::kConv2dK4;
    d.invocations = outputs / 4;
  }
  b.dispatch(d);
  return Status::ok();
}

Status check_shapes(OpBuilder& b) {
  if (!b.has_input(0) || !b.has_input(1)) return b.unsupported("needs X and W");
  if (!cpu::known_input_layout(b.node())) return b.unsupported("unknown input layout");
  const Shape x = input_nchw(b), w = b.input_shape(1), y = b.output_shape();
  if ((x.size() != 3 && x.size() != 4) || w.size() != x.size() || y.size() != x.size())
    return b.unsupported("only 1-D and 2-D convolutions");
  const int64_t groups = b.node().attr_int("group", 1);
  if (groups < 1 || x[1] % groups != 0 || y[1] % groups != 0) return b.unsupported("bad group");
  return Status::ok();
}

Status conv_on_device(OpBuilder& b) {
  EI_RETURN_IF_ERROR(check_shapes(b));
  const Shape x = input_nchw(b), w = b.input_shape(1);
  const cpu::KernelContext& ctx = b.shape_context();
  EI_ASSIGN_OR_RETURN(
      const cpu::reference::Window win,
      cpu::reference::forward_window(ctx, std::vector<int64_t>(x.begin() + 2, x.end()),
                                     std::vector<int64_t>(w.begin() + 2, w.end()), true, false));
  const Shape y = b.output_shape();
  if (win.output != std::vector<int64_t>(y.begin() + 2, y.end()))
    return b.unsupported("output shape differs from the window's");
  return record(b, ShaderId::kConv2d, to_2d(win), b.node().attr_int("group", 1));
}

Status conv(OpBuilder& b) {
  Status s = conv_on_device(b);
  // A Conv with a folded channel scale has no CPU equivalent (an NHWC input has).
  if (s.code() == StatusCode::kUnsupported && b.node().has_attr(kChannelScaleAttr))
    return error(StatusCode::kInternal, s.message() +
                                            " (with a fused channel scale, which only the Vulkan "
                                            "executor runs)");
  return s;
}

// ConvTranspose pads as the reference kernel resolves them: from output_shape or auto_pad
// when given, else from the pads attribute.
Status conv_transpose(OpBuilder& b) {
  EI_RETURN_IF_ERROR(check_shapes(b));
  const ir::Node& n = b.node();
  const Shape x = b.input_shape(0), w = b.input_shape(1), y = b.output_shape();
  const size_t rank = x.size() - 2;
  cpu::reference::Window win;
  win.kernel.assign(w.begin() + 2, w.end());
  win.strides = n.attr_ints("strides", std::vector<int64_t>(rank, 1));
  win.dilations = n.attr_ints("dilations", std::vector<int64_t>(rank, 1));
  const std::vector<int64_t> pads = n.attr_ints("pads", std::vector<int64_t>(2 * rank, 0));
  const std::vector<int64_t> output_padding =
      n.attr_ints("output_padding", std::vector<int64_t>(rank, 0));
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  if (win.strides.size() != rank || win.dilations.size() != rank || pads.size() != 2 * rank ||
      output_padding.size() != rank)
    return b.unsupported("attribute sizes");
  const bool derived =
      n.has_attr("output_shape") || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  win.pads_begin.resize(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t full = win.strides[d] * (x[d + 2] - 1) + output_padding[d] + win.extent(d);
    if (derived) {
      const int64_t total = full - y[d + 2];
      const int64_t half = cpu::reference::floor_div(total, 2);
      win.pads_begin[d] = auto_pad == "SAME_UPPER" ? half : total - half;
    } else {
      win.pads_begin[d] = auto_pad == "VALID" ? 0 : pads[d];
    }
  }
  return record(b, ShaderId::kConvTranspose2d, to_2d(win), n.attr_int("group", 1));
}

}  // namespace

void register_convolution(OpTable& table) {
  table["Conv"] = conv;
  table["ConvTranspose"] = conv_transpose;
}

}  // namespace edgeinfer::vulkan
