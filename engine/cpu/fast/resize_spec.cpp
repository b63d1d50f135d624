#include "cpu/fast/resize_spec.h"

#include <algorithm>
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

// The input coordinate of output position x on an axis of size `in` -> `out` with `scale`.
double source_coordinate(const std::string& t, double scale, int64_t in, int64_t out, int64_t x) {
  const double width = scale * static_cast<double>(in);  // the unrounded output size
  const double xr = static_cast<double>(x);
  if (t == "asymmetric") return xr / scale;
  if (t == "half_pixel") return (xr + 0.5) / scale - 0.5;
  if (t == "pytorch_half_pixel") return width == 1.0 ? 0.0 : (xr + 0.5) / scale - 0.5;
  if (t == "tf_half_pixel_for_nearest") return (xr + 0.5) / scale;
  if (t == "align_corners") {
    return width == 1.0 ? 0.0 : xr * static_cast<double>(in - 1) / (width - 1.0);
  }
  // half_pixel_symmetric
  const double adjustment = static_cast<double>(out) / width;
  const double center = static_cast<double>(in) / 2.0;
  return center * (1.0 - adjustment) + (xr + 0.5) / scale - 0.5;
}

int64_t nearest_index(const std::string& mode, double scale, double xo, int64_t in) {
  const double f = std::floor(xo);
  int64_t index;
  if (mode == "simple") {
    index = static_cast<int64_t>(scale < 1.0 ? std::ceil(xo) : f);
  } else if (xo == f) {
    index = static_cast<int64_t>(f);
  } else {
    const double ratio = xo - f;
    bool up;
    if (mode == "round_prefer_floor")
      up = ratio > 0.5;
    else if (mode == "round_prefer_ceil")
      up = ratio >= 0.5;
    else
      up = mode == "ceil";
    index = static_cast<int64_t>(f) + (up ? 1 : 0);
  }
  return std::clamp<int64_t>(index, 0, in - 1);
}

}  // namespace

std::optional<ResizeSpec> fast_resize_spec(const KernelContext& ctx) {
  if (!ctx.has_input(0) || ctx.input(0).dtype != DType::kFloat32) return std::nullopt;
  const Shape& in = ctx.input(0).shape;
  const ir::Node& node = ctx.node();
  const bool legacy = node.op_type == "Upsample" || node.opset < 11;
  return legacy ? legacy_spec(ctx, in) : resize_spec(ctx, in);
}

AxisTable plan_resize_axis(const ResizeSpec& spec, size_t axis, int64_t in, int64_t out) {
  AxisTable t;
  const double scale = spec.scales[axis];
  for (int64_t x = 0; x < out; ++x) {
    const double xo = source_coordinate(spec.transform, scale, in, out, x);
    if (spec.mode == ResizeMode::kNearest) {
      t.index0.push_back(nearest_index(spec.nearest_mode, scale, xo, in));
      continue;
    }
    const double f = std::floor(xo);
    const double ratio = xo - f;
    const int64_t base = static_cast<int64_t>(f);
    t.index0.push_back(std::clamp<int64_t>(base, 0, in - 1));
    t.index1.push_back(std::clamp<int64_t>(base + 1, 0, in - 1));
    t.weight0.push_back(static_cast<float>(1.0 - ratio));
    t.weight1.push_back(static_cast<float>(ratio));
  }
  return t;
}

bool is_identity(const AxisTable& t, ResizeMode mode) {
  for (size_t x = 0; x < t.index0.size(); ++x) {
    const int64_t i = static_cast<int64_t>(x);
    const bool same = mode == ResizeMode::kNearest ? t.index0[x] == i
                                                   : (t.index0[x] == i && t.weight0[x] == 1.0f) ||
                                                         (t.index1[x] == i && t.weight1[x] == 1.0f);
    if (!same) return false;
  }
  return true;
}

}  // namespace edgeinfer::cpu::fast
