// Resize (opsets 10..19) and Upsample (7, 9): separable interpolation on any number of axes.
//
// Each axis is planned on its own: every output position gets a list of taps (input
// position, weight) from the coordinate transformation and the interpolation mode. An output
// element is then the sum, over the cartesian product of its axes' taps, of the product of the
// weights times the input element, computed in double. That is the tensor-product form of the
// ONNX reference, which interpolates one axis at a time.
#include <algorithm>
#include <cmath>
#include <functional>

#include "cpu/blocked_layout.h"
#include "cpu/reference/families.h"
#include "cpu/reference/tensor_ops.h"

namespace edgeinfer::cpu::reference {

namespace {

enum class Mode { kNearest, kLinear, kCubic };

struct ResizeSpec {
  Mode mode = Mode::kNearest;
  std::string transform = "half_pixel";             // coordinate_transformation_mode
  std::string nearest_mode = "round_prefer_floor";  // or "simple" (opset <= 10, Upsample)
  double cubic_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;
  double extrapolation = 0.0;
  Shape out;
  std::vector<double> scales;              // per axis of the input
  std::vector<double> roi_start, roi_end;  // per axis, for tf_crop_and_resize
};

struct Tap {
  int64_t index;
  double weight;
};

struct AxisPlan {
  std::vector<std::vector<Tap>> taps;  // per output position
  std::vector<bool> outside;           // per output position: use the extrapolation value
};

Result<Mode> parse_mode(const KernelContext& ctx, const std::string& mode, bool allow_cubic) {
  if (mode == "nearest") return Mode::kNearest;
  if (mode == "linear" || mode == "bilinear") return Mode::kLinear;
  if (mode == "cubic" && allow_cubic) return Mode::kCubic;
  return ctx.invalid("unknown mode '" + mode + "'");
}

// An input counts as given when it is present and not empty.
bool given(const KernelContext& ctx, size_t i) {
  return ctx.has_input(i) && ctx.input(i).elements() > 0;
}

// Output size of one axis from a scale: floor(in * scale), computed in double like the ONNX
// reference.
Status size_from_scale(const KernelContext& ctx, int64_t in, double scale, int64_t* out) {
  if (!(scale > 0.0) || !std::isfinite(scale)) {
    return ctx.invalid("scale " + std::to_string(scale) + " must be positive");
  }
  const double size = std::floor(static_cast<double>(in) * scale);
  if (size > static_cast<double>(int64_t{1} << 40)) {
    return ctx.fail(StatusCode::kOutOfMemory, "scale " + std::to_string(scale) + " of size " +
                                                  std::to_string(in) + " is too large");
  }
  *out = static_cast<int64_t>(size);
  return Status::ok();
}

// Upsample-7/9 and Resize-10: scales only, asymmetric coordinates, nearest or linear.
Result<ResizeSpec> legacy_spec(const KernelContext& ctx, const TensorView& x) {
  const ir::Node& node = ctx.node();
  ResizeSpec spec;
  EI_ASSIGN_OR_RETURN(spec.mode, parse_mode(ctx, node.attr_string("mode", "nearest"), false));
  spec.transform = "asymmetric";
  spec.nearest_mode = "simple";
  std::vector<float> scales;
  if (node.op_type == "Upsample" && node.opset < 9) {
    scales = node.attr_floats("scales");
  } else {
    EI_ASSIGN_OR_RETURN(scales, read_float_tensor(ctx, 1));
  }
  if (scales.size() != x.shape.size()) {
    return ctx.invalid(std::to_string(scales.size()) + " scales for input " +
                       shape_to_string(x.shape));
  }
  spec.out.resize(x.shape.size());
  for (size_t d = 0; d < x.shape.size(); ++d) {
    spec.scales.push_back(scales[d]);
    EI_RETURN_IF_ERROR(size_from_scale(ctx, x.shape[d], scales[d], &spec.out[d]));
  }
  return spec;
}

// Resize-11 and later: roi, scales or sizes; opset 18 adds axes, antialias and
// keep_aspect_ratio_policy.
Result<ResizeSpec> resize_spec(const KernelContext& ctx, const TensorView& x) {
  const ir::Node& node = ctx.node();
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  ResizeSpec spec;
  EI_ASSIGN_OR_RETURN(spec.mode, parse_mode(ctx, node.attr_string("mode", "nearest"), true));
  spec.transform = node.attr_string("coordinate_transformation_mode", "half_pixel");
  // Early opset-11 exporters (and ONNX's own 1.12 test data) spell it 'tf_half_pixel_for_nn'.
  if (spec.transform == "tf_half_pixel_for_nn") spec.transform = "tf_half_pixel_for_nearest";
  static const char* const kTransforms[] = {"half_pixel",
                                            "pytorch_half_pixel",
                                            "align_corners",
                                            "asymmetric",
                                            "tf_crop_and_resize",
                                            "half_pixel_symmetric",
                                            "tf_half_pixel_for_nearest"};
  if (std::find(std::begin(kTransforms), std::end(kTransforms), spec.transform) ==
      std::end(kTransforms)) {
    return ctx.invalid("unknown coordinate_transformation_mode '" + spec.transform + "'");
  }
  spec.nearest_mode = node.attr_string("nearest_mode", "round_prefer_floor");
  if (spec.nearest_mode != "round_prefer_floor" && spec.nearest_mode != "round_prefer_ceil" &&
      spec.nearest_mode != "floor" && spec.nearest_mode != "ceil") {
    return ctx.invalid("unknown nearest_mode '" + spec.nearest_mode + "'");
  }
  spec.cubic_a = node.attr_float("cubic_coeff_a", -0.75f);
  spec.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
  spec.extrapolation = node.attr_float("extrapolation_value", 0.0f);
  std::string policy = "stretch";
  std::vector<int64_t> axes;
  if (node.opset >= 18) {
    spec.antialias = node.attr_int("antialias", 0) != 0;
    policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller") {
      return ctx.invalid("unknown keep_aspect_ratio_policy '" + policy + "'");
    }
    if (node.has_attr("axes")) {
      EI_ASSIGN_OR_RETURN(axes, normalize_axes(ctx, node.attr_ints("axes"), rank));
    }
  }
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  const size_t k = axes.size();

  spec.roi_start.assign(x.shape.size(), 0.0);
  spec.roi_end.assign(x.shape.size(), 1.0);
  if (spec.transform == "tf_crop_and_resize" && given(ctx, 1)) {
    EI_ASSIGN_OR_RETURN(const std::vector<float> roi, read_float_tensor(ctx, 1));
    if (roi.size() != 2 * k) {
      return ctx.invalid("roi has " + std::to_string(roi.size()) + " values, expected " +
                         std::to_string(2 * k) + " for input " + shape_to_string(x.shape));
    }
    for (size_t i = 0; i < k; ++i) {
      spec.roi_start[axes[i]] = roi[i];
      spec.roi_end[axes[i]] = roi[i + k];
    }
  }

  spec.out = x.shape;
  spec.scales.assign(x.shape.size(), 1.0);
  const bool has_scales = given(ctx, 2);
  const bool has_sizes = given(ctx, 3);
  if (has_scales == has_sizes) {
    return ctx.invalid("exactly one of 'scales' and 'sizes' must be given");
  }
  if (has_scales) {
    EI_ASSIGN_OR_RETURN(const std::vector<float> scales, read_float_tensor(ctx, 2));
    if (scales.size() != k) {
      return ctx.invalid(std::to_string(scales.size()) + " scales for " + std::to_string(k) +
                         " axes of input " + shape_to_string(x.shape));
    }
    for (size_t i = 0; i < k; ++i) {
      const int64_t a = axes[i];
      spec.scales[a] = scales[i];
      EI_RETURN_IF_ERROR(size_from_scale(ctx, x.shape[a], scales[i], &spec.out[a]));
    }
    return spec;
  }
  EI_ASSIGN_OR_RETURN(const std::vector<int64_t> sizes, read_int_tensor(ctx, 3));
  if (sizes.size() != k) {
    return ctx.invalid("sizes " + shape_to_string(sizes) + " do not match " + std::to_string(k) +
                       " axes of input " + shape_to_string(x.shape));
  }
  for (int64_t s : sizes) {
    if (s < 0) return ctx.invalid("sizes " + shape_to_string(sizes) + " has a negative size");
  }
  if (policy == "stretch") {
    for (size_t i = 0; i < k; ++i) {
      const int64_t a = axes[i];
      spec.out[a] = sizes[i];
      if (x.shape[a] > 0) spec.scales[a] = static_cast<double>(sizes[i]) / x.shape[a];
    }
  } else {
    // One scale for all axes: the largest that fits (not_larger) or the smallest that covers
    // (not_smaller); sizes are then rounded from it.
    double scale = policy == "not_larger" ? INFINITY : 0.0;
    for (size_t i = 0; i < k; ++i) {
      const int64_t in = x.shape[axes[i]];
      if (in == 0) continue;
      const double s = static_cast<double>(sizes[i]) / in;
      scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
    }
    if (!std::isfinite(scale)) scale = 1.0;
    for (size_t i = 0; i < k; ++i) {
      const int64_t a = axes[i];
      spec.scales[a] = scale;
      spec.out[a] = static_cast<int64_t>(std::floor(scale * x.shape[a] + 0.5));
    }
  }
  return spec;
}

// The input coordinate of output position x on one axis; sets *outside for tf_crop_and_resize
// positions outside the input.
double source_coordinate(const ResizeSpec& spec, size_t axis, int64_t in, int64_t out_size,
                         int64_t x, bool* outside) {
  const double s = spec.scales[axis];
  const double width = s * static_cast<double>(in);  // the unrounded output size
  const double xr = static_cast<double>(x);
  const std::string& t = spec.transform;
  *outside = false;
  if (t == "asymmetric") return xr / s;
  if (t == "half_pixel") return (xr + 0.5) / s - 0.5;
  if (t == "pytorch_half_pixel") return width == 1.0 ? 0.0 : (xr + 0.5) / s - 0.5;
  if (t == "tf_half_pixel_for_nearest") return (xr + 0.5) / s;
  if (t == "align_corners") {
    return width == 1.0 ? 0.0 : xr * static_cast<double>(in - 1) / (width - 1.0);
  }
  if (t == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out_size) / width;
    const double center = static_cast<double>(in) / 2.0;
    return center * (1.0 - adjustment) + (xr + 0.5) / s - 0.5;
  }
  // tf_crop_and_resize
  const double start = spec.roi_start[axis];
  const double end = spec.roi_end[axis];
  const double last = static_cast<double>(in - 1);
  double xo = width == 1.0 ? (end - start) * last / 2.0 : xr * (end - start) * last / (width - 1.0);
  xo += start * last;
  *outside = xo < 0.0 || xo > last;
  return xo;
}

double cubic_kernel(double x, double a) {
  x = std::fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

std::vector<Tap> nearest_taps(const ResizeSpec& spec, double scale, double xo, int64_t in) {
  int64_t index;
  const double f = std::floor(xo);
  if (spec.nearest_mode == "simple") {
    index = static_cast<int64_t>(scale < 1.0 ? std::ceil(xo) : f);
  } else if (xo == f) {
    index = static_cast<int64_t>(f);
  } else {
    const double ratio = xo - f;
    bool up = false;
    if (spec.nearest_mode == "round_prefer_floor")
      up = ratio > 0.5;
    else if (spec.nearest_mode == "round_prefer_ceil")
      up = ratio >= 0.5;
    else
      up = spec.nearest_mode == "ceil";
    index = static_cast<int64_t>(f) + (up ? 1 : 0);
  }
  return {{std::clamp<int64_t>(index, 0, in - 1), 1.0}};
}

// Linear and cubic taps, with the filter stretched by 1/scale when antialiasing a downscale.
std::vector<Tap> filter_taps(const ResizeSpec& spec, double scale, double xo, int64_t in) {
  // The taps left of xo start at `base`; an integral xo counts as ratio 1 from base = xo - 1,
  // as in the ONNX reference (its weights then select xo exactly).
  const double f = std::floor(xo);
  const bool integral = xo == f;
  const int64_t base = static_cast<int64_t>(f) - (integral ? 1 : 0);
  const double ratio = integral ? 1.0 : xo - f;
  const double support = spec.mode == Mode::kLinear ? 1.0 : 2.0;
  const double s = spec.antialias ? std::min(scale, 1.0) : 1.0;
  const int64_t first = static_cast<int64_t>(std::floor(-support / s)) + 1;
  const int64_t count = 2 - 2 * first;
  std::vector<Tap> taps;
  double sum = 0.0;
  for (int64_t i = first; i < first + count; ++i) {
    const double arg = s * (static_cast<double>(i) - ratio);
    const double w = spec.mode == Mode::kLinear ? std::clamp(1.0 - std::fabs(arg), 0.0, 1.0)
                                                : cubic_kernel(arg, spec.cubic_a);
    taps.push_back({base + i, w});
    sum += w;
  }
  if (spec.antialias) {
    for (Tap& t : taps)
      t.weight /= sum;
  }
  if (spec.exclude_outside) {
    sum = 0.0;
    for (Tap& t : taps) {
      if (t.index < 0 || t.index >= in) t.weight = 0.0;
      sum += t.weight;
    }
    for (Tap& t : taps)
      t.weight /= sum;
  }
  // Positions past the border read the edge element (edge padding).
  std::vector<Tap> kept;
  for (const Tap& t : taps) {
    if (t.weight != 0.0) kept.push_back({std::clamp<int64_t>(t.index, 0, in - 1), t.weight});
  }
  return kept;
}

AxisPlan plan_axis(const ResizeSpec& spec, size_t axis, int64_t in, int64_t out) {
  AxisPlan plan;
  const double scale = spec.scales[axis];
  for (int64_t x = 0; x < out; ++x) {
    bool outside = false;
    const double xo = source_coordinate(spec, axis, in, out, x, &outside);
    plan.outside.push_back(outside);
    if (outside) {
      plan.taps.emplace_back();
    } else if (spec.mode == Mode::kNearest) {
      plan.taps.push_back(nearest_taps(spec, scale, xo, in));
    } else {
      plan.taps.push_back(filter_taps(spec, scale, xo, in));
    }
  }
  return plan;
}

Status run_resize(KernelContext& ctx, const ResizeSpec& spec) {
  const TensorView& x = ctx.input(0);
  const size_t rank = x.shape.size();
  if (spec.mode != Mode::kNearest && (x.dtype == DType::kBool || !is_numeric(x.dtype))) {
    return ctx.unsupported(std::string("interpolation of ") + dtype_name(x.dtype));
  }
  EI_ASSIGN_OR_RETURN(const TensorView* y_view, allocate_checked(ctx, 0, x.dtype, spec.out));
  const TensorView& y = *y_view;
  if (y.elements() == 0) return Status::ok();
  if (x.elements() == 0)
    return ctx.invalid("cannot resize the empty input " + shape_to_string(x.shape) + " to " +
                       shape_to_string(spec.out));
  std::vector<AxisPlan> plans;
  for (size_t d = 0; d < rank; ++d)
    plans.push_back(plan_axis(spec, d, x.shape[d], spec.out[d]));
  const std::vector<int64_t> strides = strides_of(x.shape);
  const size_t elem = dtype_size(x.dtype);
  int64_t k = 0;
  for_each_index(spec.out, [&](const std::vector<int64_t>& index) {
    bool outside = false;
    for (size_t d = 0; d < rank; ++d)
      outside = outside || plans[d].outside[index[d]];
    if (outside) {
      store_from_double(x.dtype, y.data, k++, spec.extrapolation);
      return;
    }
    if (spec.mode == Mode::kNearest) {
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d)
        offset += plans[d].taps[index[d]][0].index * strides[d];
      std::memcpy(mutable_bytes_of(y) + static_cast<size_t>(k++) * elem,
                  bytes_of(x) + static_cast<size_t>(offset) * elem, elem);
      return;
    }
    // Sum over the cartesian product of the taps of every axis.
    std::function<double(size_t, int64_t)> sum = [&](size_t d, int64_t offset) -> double {
      if (d == rank) return load_as_double(x.dtype, x.data, offset);
      double total = 0.0;
      for (const Tap& t : plans[d].taps[index[d]]) {
        total += t.weight * sum(d + 1, offset + t.index * strides[d]);
      }
      return total;
    };
    store_from_double(x.dtype, y.data, k++, sum(0, 0));
  });
  return Status::ok();
}

Status resize(KernelContext& ctx) {
  const TensorView& x = ctx.input(0);
  if (ctx.node().opset < 11) {
    EI_ASSIGN_OR_RETURN(const ResizeSpec spec, legacy_spec(ctx, x));
    return run_resize(ctx, spec);
  }
  EI_ASSIGN_OR_RETURN(const ResizeSpec spec, resize_spec(ctx, x));
  return run_resize(ctx, spec);
}

Status upsample(KernelContext& ctx) {
  EI_ASSIGN_OR_RETURN(const ResizeSpec spec, legacy_spec(ctx, ctx.input(0)));
  return run_resize(ctx, spec);
}

}  // namespace

void register_resize(KernelRegistry& registry) {
  registry.add("Resize", with_blocked_layout<resize>);
  registry.add("Upsample", upsample);
}

}  // namespace edgeinfer::cpu::reference
