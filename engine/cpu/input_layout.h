// The layout of a Conv's input 0. Models converted from TensorFlow take NHWC images and
// transpose them to NCHW for their first Conv; the pass absorb_nhwc_input_transposes
// (passes/pass.h) drops that Transpose and marks the Conv instead:
//
//   attribute "ei_input_layout"  string: "NHWC" = input 0 is channels-last, N x D1 x ... x C
//                                (absent, or "NCHW": the ONNX layout N x C x D1 x ...)
//
// Weights, bias, residual and output keep the ONNX layouts. Every Conv kernel honours it: the
// reference kernel, the fast CPU kernel (natively, or through an NCHW copy) and the Vulkan
// executor's, so the graph means the same on every executor.
//
// Blocked channel layouts ("NCHW16c", ...) use the same two attributes on the CPU executor's
// own copy of the graph: cpu/blocked_layout.h. known_layout() does not accept them: kernels
// route such nodes (uses_blocked_layout) before they look at NCHW or NHWC.
//
// The output side, for models that transpose their last layer's NCHW result to NHWC: the pass
// absorb_nhwc_output_transposes drops that Transpose and marks the ConvTranspose instead:
//
//   attribute "ei_output_layout" string: "NHWC" = output 0 is written channels-last,
//                                N x D1 x ... x C (absent, or "NCHW": the ONNX layout)
//
// Only on nodes without a fused residual (the kernels reject the pair). The reference kernel
// and the fast CPU kernel honour it; the Vulkan executor turns it back into a Transpose.
#pragma once

#include <string>

#include "ir/graph.h"

namespace edgeinfer::cpu {

inline constexpr const char* kInputLayoutAttr = "ei_input_layout";
inline constexpr const char* kChannelsLastLayout = "NHWC";

// True when the node's input 0 is channels-last.
inline bool reads_channels_last(const ir::Node& node) {
  return node.attr_string(kInputLayoutAttr, "NCHW") == kChannelsLastLayout;
}

// True when the layout attribute `attr` (kInputLayoutAttr or kOutputLayoutAttr) is absent or
// is a string naming a layout the kernels know.
inline bool known_layout(const ir::Node& node, const char* attr) {
  if (!node.has_attr(attr)) return true;
  const std::string layout = node.attr_string(attr, "");
  return layout == "NCHW" || layout == kChannelsLastLayout;
}

inline bool known_input_layout(const ir::Node& node) {
  return known_layout(node, kInputLayoutAttr);
}

inline constexpr const char* kOutputLayoutAttr = "ei_output_layout";

// True when the node's output 0 is written channels-last.
inline bool writes_channels_last(const ir::Node& node) {
  return node.attr_string(kOutputLayoutAttr, "NCHW") == kChannelsLastLayout;
}

inline bool known_output_layout(const ir::Node& node) {
  return known_layout(node, kOutputLayoutAttr);
}

}  // namespace edgeinfer::cpu
