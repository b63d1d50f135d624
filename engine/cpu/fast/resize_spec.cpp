#include "cpu/fast/resize_spec.h"

#include <cmath>

#include "cpu/reference/dispatch.h"

namespace edgeinfer::cpu::fast {
namespace {

std::optional<ResizeMode> parse_mode(const std::string& mode) {
  if (mode == "nearest") return ResizeMode::kNearest;
  if (mode == "linear" || mode == "bilinear") return ResizeMode::kLinear;
  return std::nullopt;
}

bool given(const KernelContext& ctx, size_t i) {
  return ctx.has_input(i) && ctx.input(i).elements() > 0;
}

// out = floor(in * scale) in double, as the reference computes it.
bool size_from_scale(int64_t in, double scale, int64_t* out) {
  if (!(scale > 0.0) || !std::isfinite(scale)) return false;
  const double size = std::floor(static_cast<double>(in) * scale);
  if (size > static_cast<double>(int64_t{1} << 40)) return false;
  *out = static_cast<int64_t>(size);
  return true;
}

bool sizes_from_scales(const Shape& in, const std::vector<float>& scales, ResizeSpec* spec) {
  if (scales.size() != in.size()) return false;
  spec->out.resize(in.size());
  spec->scales.clear();
  for (size_t d = 0; d < in.size(); ++d) {
    spec->scales.push_back(scales[d]);
    if (!size_from_scale(in[d], scales[d], &spec->out[d])) return false;
  }
  return true;
}

// Upsample-7/9 and Resize-10: scales only, asymmetric coordinates.
std::optional<ResizeSpec> legacy_spec(const KernelContext& ctx, const Shape& in) {
  const ir::Node& node = ctx.node();
  ResizeSpec spec;
  const auto mode = parse_mode(node.attr_string("mode", "nearest"));
  if (!mode) return std::nullopt;
  spec.mode = *mode;
  spec.transform = "asymmetric";
  spec.nearest_mode = "simple";
  std::vector<float> scales;
  if (node.op_type == "Upsample" && node.opset < 9) {
    scales = node.attr_floats("scales");
  } else {
    auto read = reference::read_float_tensor(ctx, 1);
    if (!read) return std::nullopt;
    scales = *read;
  }
  if (!sizes_from_scales(in, scales, &spec)) return std::nullopt;
  return spec;
}

std::optional<ResizeSpec> resize_spec(const KernelContext& ctx, const Shape& in) {
  const ir::Node& node = ctx.node();
  ResizeSpec spec;
  const auto mode = parse_mode(node.attr_string("mode", "nearest"));
  if (!mode) return std::nullopt;
  spec.mode = *mode;
  spec.transform = node.attr_string("coordinate_transformation_mode", "half_pixel");
  if (spec.transform == "tf_half_pixel_for_nn") spec.transform = "tf_half_pixel_for_nearest";
  const std::string& t = spec.transform;
  if (t != "half_pixel" && t != "pytorch_half_pixel" && t != "align_corners" && t != "asymmetric" &&
      t != "half_pixel_symmetric" && t != "tf_half_pixel_for_nearest") {
    return std::nullopt;
  }
  spec.nearest_mode = node.attr_string("nearest_mode", "round_prefer_floor");
  const std::string& n = spec.nearest_mode;
  if (n != "round_prefer_floor" && n != "round_prefer_ceil" && n != "floor" && n != "ceil") {
    return std::nullopt;
  }
  if (spec.mode == ResizeMode::kLinear && node.attr_int("exclude_outside", 0) != 0) {
    return std::nullopt;
  }
  if (node.opset >= 18 && (node.attr_int("antialias", 0) != 0 || node.has_attr("axes") ||
                           node.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch")) {
    return std::nullopt;
  }
  const bool has_scales = given(ctx, 2);
  const bool has_sizes = given(ctx, 3);
  if (has_scales == has_sizes) return std::nullopt;
  if (has_scales) {
    auto scales = reference::read_float_tensor(ctx, 2);
    if (!scales || !sizes_from_scales(in, *scales, &spec)) return std::nullopt;
    return spec;
  }
  auto sizes = reference::read_int_tensor(ctx, 3);
  if (!sizes || sizes->size() != in.size()) return std::nullopt;
  spec.out = *sizes;
  spec.scales.assign(in.size(), 1.0);
  for (size_t d = 0; d < in.size(); ++d) {
    if (spec.out[d] < 0) return std::nullopt;
    if (in[d] > 0) spec.scales[d] = static_cast<double>(spec.out[d]) / in[d];
  }
  return spec;
}

}  // namespace

std::optional<ResizeSpec> fast_resize_spec(const KernelContext& ctx) {
  if (!ctx.has_input(0) || ctx.input(0).dtype != DType::kFloat32) return std::nullopt;
  const Shape& in = ctx.input(0).shape;
  const ir::Node& node = ctx.node();
  const bool legacy = node.op_type == "Upsample" || node.opset < 11;
  return legacy ? legacy_spec(ctx, in) : resize_spec(ctx, in);
}

}  // namespace edgeinfer::cpu::fast
