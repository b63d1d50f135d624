// Resize (opsets 10 to 19) and Upsample, nearest and linear, on tensors of rank <= 4. The
// host computes each axis's taps (input index and weight) exactly like the reference kernel's
// coordinate transformation; the shader then sums the products of the taps of all axes.
#include <algorithm>
#include <cmath>

#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

struct ResizeRule {
  bool linear = false;
  std::string transform = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";  // "simple" for the legacy forms
};

// Where output position x of an axis reads from (the reference kernel's source_coordinate,
// without tf_crop_and_resize).
double source_coordinate(const ResizeRule& r, double scale, int64_t in, int64_t out, int64_t x) {
  const double width = scale * static_cast<double>(in);
  const double xr = static_cast<double>(x);
  const std::string& t = r.transform;
  if (t == "asymmetric") return xr / scale;
  if (t == "pytorch_half_pixel") return width == 1.0 ? 0.0 : (xr + 0.5) / scale - 0.5;
  if (t == "tf_half_pixel_for_nearest") return (xr + 0.5) / scale;
  if (t == "align_corners") {
    return width == 1.0 ? 0.0 : xr * static_cast<double>(in - 1) / (width - 1.0);
  }
  if (t == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out) / width;
    const double center = static_cast<double>(in) / 2.0;
    return center * (1.0 - adjustment) + (xr + 0.5) / scale - 0.5;
  }
  return (xr + 0.5) / scale - 0.5;  // half_pixel
}

// Appends (index0, index1, weight0, weight1) for every output position of one axis.
void axis_taps(const ResizeRule& r, double scale, int64_t in, int64_t out,
               std::vector<float>& table) {
  for (int64_t x = 0; x < out; ++x) {
    const double xo = source_coordinate(r, scale, in, out, x);
    const double f = std::floor(xo);
    int64_t i0 = 0, i1 = 0;
    double w0 = 1.0, w1 = 0.0;
    if (!r.linear) {
      int64_t index;
      if (r.nearest_mode == "simple") {
        index = static_cast<int64_t>(scale < 1.0 ? std::ceil(xo) : f);
      } else if (xo == f) {
        index = static_cast<int64_t>(f);
      } else {
        const double ratio = xo - f;
        bool up = r.nearest_mode == "ceil";
        if (r.nearest_mode == "round_prefer_floor") up = ratio > 0.5;
        if (r.nearest_mode == "round_prefer_ceil") up = ratio >= 0.5;
        index = static_cast<int64_t>(f) + (up ? 1 : 0);
      }
      i0 = i1 = index;
    } else {
      // An integral coordinate counts as ratio 1 from the position before it, as in the ONNX
      // reference; its weights then select it exactly.
      const bool integral = xo == f;
      const int64_t base = static_cast<int64_t>(f) - (integral ? 1 : 0);
      const double ratio = integral ? 1.0 : xo - f;
      i0 = base;
      i1 = base + 1;
      w0 = 1.0 - ratio;
      w1 = ratio;
    }
    table.push_back(static_cast<float>(std::clamp<int64_t>(i0, 0, in - 1)));
    table.push_back(static_cast<float>(std::clamp<int64_t>(i1, 0, in - 1)));
    table.push_back(static_cast<float>(w0));
    table.push_back(static_cast<float>(w1));
  }
}

// The scales of every axis: from the constant scales input, else output / input sizes.
Result<std::vector<double>> axis_scales(OpBuilder& b, size_t scales_input) {
  const Shape x = b.input_shape(0), y = b.output_shape();
  std::vector<double> scales(x.size());
  const ir::Constant* c = b.constant(scales_input);
  if (c && c->view().elements() > 0) {
    const TensorView v = c->view();
    if (v.dtype != DType::kFloat32 || v.elements() != static_cast<int64_t>(x.size()))
      return b.unsupported("scales are not one float32 per axis");
    for (size_t i = 0; i < x.size(); ++i)
      scales[i] = v.as<float>()[i];
    return scales;
  }
  if (b.has_input(scales_input) && !c) return b.unsupported("scales are computed at run time");
  for (size_t i = 0; i < x.size(); ++i)
    scales[i] = x[i] > 0 ? static_cast<double>(y[i]) / static_cast<double>(x[i]) : 1.0;
  return scales;
}

Status resize(OpBuilder& b) {
  const ir::Node& n = b.node();
  const Shape x = b.input_shape(0), y = b.output_shape();
  if (x.size() > 4 || x.size() != y.size()) return b.unsupported("rank above 4");
  ResizeRule rule;
  const std::string mode = n.attr_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "bilinear")
    return b.unsupported("mode '" + mode + "'");
  rule.linear = mode != "nearest";
  const bool legacy = n.op_type == "Upsample" || n.opset < 11;
  size_t scales_input = 2;
  if (legacy) {
    if (n.op_type == "Upsample" && n.opset < 9) return b.unsupported("Upsample-7");
    rule.transform = "asymmetric";
    rule.nearest_mode = "simple";
    scales_input = 1;
  } else {
    rule.transform = n.attr_string("coordinate_transformation_mode", "half_pixel");
    if (rule.transform == "tf_half_pixel_for_nn") rule.transform = "tf_half_pixel_for_nearest";
    if (rule.transform == "tf_crop_and_resize") return b.unsupported("tf_crop_and_resize");
    rule.nearest_mode = n.attr_string("nearest_mode", "round_prefer_floor");
    if (n.attr_int("exclude_outside", 0) != 0 || n.attr_int("antialias", 0) != 0 ||
        n.has_attr("axes") || n.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch")
      return b.unsupported("exclude_outside, antialias, axes or keep_aspect_ratio_policy");
  }
  EI_ASSIGN_OR_RETURN(const std::vector<double> scales, axis_scales(b, scales_input));
  // Pad to 4 axes at the front (size 1, a single tap).
  const size_t pad = 4 - x.size();
  std::vector<float> table;
  Dispatch d;
  d.shader = ShaderId::kResize;
  for (size_t a = 0; a < 4; ++a) {
    d.params[9 + a] = static_cast<int32_t>(table.size());
    if (a < pad) {
      d.params[1 + a] = 1;
      d.params[5 + a] = 1;
      table.insert(table.end(), {0.f, 0.f, 1.f, 0.f});
      continue;
    }
    const size_t i = a - pad;
    d.params[1 + a] = static_cast<int32_t>(y[i]);
    d.params[5 + a] = static_cast<int32_t>(x[i]);
    if (scales[i] <= 0) return b.unsupported("non-positive scale");
    axis_taps(rule, scales[i], x[i], y[i], table);
  }
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  d.bindings[2] = b.upload(table);
  d.params[0] = static_cast<int32_t>(shape_elements(y));
  d.invocations = static_cast<uint64_t>(shape_elements(y));
  b.dispatch(d);
  return Status::ok();
}

}  // namespace

void register_resize(OpTable& table) {
  table["Resize"] = resize;
  table["Upsample"] = resize;
}

}  // namespace edgeinfer::vulkan
