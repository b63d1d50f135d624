// What the fast Resize/Upsample kernel needs from a node: the output size, scale and the
// coordinate rule of each axis, read with the same rules as the reference kernel.
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

}  // namespace edgeinfer::cpu::fast
