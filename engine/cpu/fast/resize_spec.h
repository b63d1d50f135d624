// What the fast Resize/Upsample kernels (resize.cpp, and resize_nchwc.cpp on blocked channel
// layouts) need from a node: the output size, scale and the coordinate rule of each axis, read
// with the same rules as the reference kernel, and the per-axis tables of input positions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

enum class ResizeMode { kNearest, kLinear };

struct ResizeSpec {
  ResizeMode mode = ResizeMode::kNearest;
  std::string transform;       // coordinate_transformation_mode, tf_half_pixel_for_nn normalised
  std::string nearest_mode;    // "simple" for Upsample and Resize-10
  Shape out;                   // output shape
  std::vector<double> scales;  // per axis of the input
};

// The spec of a float32 Resize/Upsample node the fast kernel covers: nearest or linear,
// without antialias, axes, exclude_outside (linear), tf_crop_and_resize or an aspect-ratio
// policy. std::nullopt for anything else, including malformed nodes, which the reference
// kernel then reports.
std::optional<ResizeSpec> fast_resize_spec(const KernelContext& ctx);

// Per output position of one axis: nearest uses index0 only; linear blends index0 and index1
// with weight0 and weight1 (indices clamped to the input: edge padding).
struct AxisTable {
  std::vector<int64_t> index0, index1;
  std::vector<float> weight0, weight1;
};

// The table of axis `axis` (sized `in` -> `out`), computed in double with the reference's
// coordinate rules.
AxisTable plan_resize_axis(const ResizeSpec& spec, size_t axis, int64_t in, int64_t out);

// True when the table maps every output position to the same input position (a leading axis
// of scale 1: true for most transforms, not for tf_half_pixel_for_nearest, which shifts by half
// a pixel even there).
bool is_identity(const AxisTable& t, ResizeMode mode);

// The Resize kernel for a node with blocked layout attributes (resize_nchwc.cpp): input and
// output in the same layout NCHW<b>c, roi/scales/sizes meant for the ONNX-layout 4-D tensor;
// what it does not cover runs the reference kernel.
Status blocked_resize(KernelContext& ctx);

}  // namespace edgeinfer::cpu::fast
