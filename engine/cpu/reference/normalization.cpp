// Reference normalization kernels (ONNX opsets 7..18): BatchNormalization (inference mode),
// InstanceNormalization, LRN and LayerNormalization. Statistics accumulate in double.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "cpu/reference/dispatch.h"
#include "cpu/reference/families.h"

namespace edgeinfer::cpu::reference {
namespace {

// Mean and (biased) variance of n values, accumulated in double; zeros for an empty span.
template <typename T>
std::pair<double, double> mean_and_variance(const T* x, int64_t n) {
  double mean = 0.0;
  for (int64_t i = 0; i < n; ++i)
    mean += static_cast<double>(x[i]);
  mean /= static_cast<double>(std::max<int64_t>(n, 1));
  double var = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mean;
    var += d * d;
  }
  return {mean, var / static_cast<double>(std::max<int64_t>(n, 1))};
}

// Reads a float16/32/64 parameter input as doubles and checks its element count.
Result<std::vector<double>> read_param(const KernelContext& ctx, size_t index, const char* what,
                                       int64_t expected) {
  if (!ctx.has_input(index)) return ctx.invalid(std::string("input ") + what + " is missing");
  EI_ASSIGN_OR_RETURN(std::vector<float> values, read_float_tensor(ctx, index));
  if (static_cast<int64_t>(values.size()) != expected) {
    return ctx.invalid(std::string("input ") + what + " " +
                       shape_to_string(ctx.input(index).shape) + " must have " +
                       std::to_string(expected) + " elements for X " +
                       shape_to_string(ctx.input(0).shape));
  }
  return std::vector<double>(values.begin(), values.end());
}

Status check_rank(const KernelContext& ctx, size_t min_rank) {
  if (!ctx.has_input(0)) return ctx.invalid("needs input X");
  const Shape& shape = ctx.input(0).shape;
  if (shape.size() < min_rank) {
    return ctx.invalid("input X " + shape_to_string(shape) +
                       " must have rank >= " + std::to_string(min_rank));
  }
  return Status::ok();
}

// y = scale * (x - mean) / sqrt(var + epsilon) + B per channel. With the legacy spatial=0
// (opsets < 9) the parameters may instead hold one value per C x D1 x ... element.
Status batch_normalization(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(check_rank(ctx, 2));
  const ir::Node& node = ctx.node();
  if (node.attr_int("training_mode", 0) != 0) {
    return ctx.unsupported("training_mode=1 is not supported (inference only)");
  }
  if (ctx.wants_output(3) || ctx.wants_output(4)) {
    return ctx.unsupported("outputs saved_mean/saved_var exist only in training mode");
  }
  const TensorView& x = ctx.input(0);
  const int64_t channels = x.shape[1];
  const int64_t inner =
      x.shape.size() > 2 ? shape_elements(Shape(x.shape.begin() + 2, x.shape.end())) : 1;
  int64_t per = channels;
  if (ctx.has_input(1) && ctx.input(1).elements() == channels * inner && inner != 1) {
    per = channels * inner;  // spatial=0: one parameter per element of a sample
  }
  EI_ASSIGN_OR_RETURN(std::vector<double> scale, read_param(ctx, 1, "scale", per));
  EI_ASSIGN_OR_RETURN(std::vector<double> bias, read_param(ctx, 2, "B", per));
  EI_ASSIGN_OR_RETURN(std::vector<double> mean, read_param(ctx, 3, "mean", per));
  EI_ASSIGN_OR_RETURN(std::vector<double> var, read_param(ctx, 4, "var", per));
  const double epsilon = node.attr_float("epsilon", 1e-5f);
  Status status = dispatch<float, double>(ctx, x.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, x.shape));
    const TensorView& y = *y_view;
    const T* xp = x.as<T>();
    T* yp = y.as<T>();
    const int64_t batch = x.shape[0];
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t base = (n * channels + c) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t p = per == channels ? c : c * inner + i;
          const double a = scale[p] / std::sqrt(var[p] + epsilon);
          yp[base + i] =
              static_cast<T>(a * (static_cast<double>(xp[base + i]) - mean[p]) + bias[p]);
        }
      }
    }
    return Status::ok();
  });
  EI_RETURN_IF_ERROR(status);
  // Running mean and variance are unchanged by inference: pass them through.
  for (size_t out = 1; out <= 2; ++out) {
    if (!ctx.wants_output(out)) continue;
    const TensorView& src = ctx.input(out + 2);
    EI_ASSIGN_OR_RETURN(const TensorView* dst_view,
                        ctx.allocate_output_view(out, src.dtype, src.shape));
    const TensorView& dst = *dst_view;
    if (src.bytes() > 0) std::memcpy(dst.data, src.data, src.bytes());
  }
  return Status::ok();
}

// Per (n, c): y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c] over the spatial dims.
Status instance_normalization(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(check_rank(ctx, 3));
  const TensorView& x = ctx.input(0);
  const int64_t channels = x.shape[1];
  EI_ASSIGN_OR_RETURN(std::vector<double> scale, read_param(ctx, 1, "scale", channels));
  EI_ASSIGN_OR_RETURN(std::vector<double> bias, read_param(ctx, 2, "B", channels));
  const double epsilon = ctx.node().attr_float("epsilon", 1e-5f);
  const int64_t inner = shape_elements(Shape(x.shape.begin() + 2, x.shape.end()));
  return dispatch<float, double>(ctx, x.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, x.shape));
    const TensorView& y = *y_view;
    const int64_t planes = x.shape[0] * channels;
    for (int64_t plane = 0; plane < planes; ++plane) {
      const T* xp = x.as<T>() + plane * inner;
      T* yp = y.as<T>() + plane * inner;
      const auto [mean, var] = mean_and_variance(xp, inner);
      const int64_t c = plane % channels;
      const double a = scale[c] / std::sqrt(var + epsilon);
      for (int64_t i = 0; i < inner; ++i) {
        yp[i] = static_cast<T>(a * (static_cast<double>(xp[i]) - mean) + bias[c]);
      }
    }
    return Status::ok();
  });
}

// y = x / (bias + alpha / size * sum of x^2 over the channels [c - (size-1)/2, c + size/2])^beta
Status lrn(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(check_rank(ctx, 2));
  const ir::Node& node = ctx.node();
  const int64_t size = node.attr_int("size", 0);
  if (size < 1) return ctx.invalid("attribute 'size' must be a positive integer");
  const double alpha = node.attr_float("alpha", 1e-4f);
  const double beta = node.attr_float("beta", 0.75f);
  const double bias = node.attr_float("bias", 1.0f);
  const TensorView& x = ctx.input(0);
  const int64_t channels = x.shape[1];
  const int64_t inner = shape_elements(Shape(x.shape.begin() + 2, x.shape.end()));
  const int64_t before = (size - 1) / 2;
  const int64_t after = size - 1 - before;
  return dispatch<float, double>(ctx, x.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, x.shape));
    const TensorView& y = *y_view;
    const T* xp = x.as<T>();
    T* yp = y.as<T>();
    for (int64_t n = 0; n < x.shape[0]; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t lo = std::max<int64_t>(0, c - before);
        const int64_t hi = std::min<int64_t>(channels - 1, c + after);
        for (int64_t i = 0; i < inner; ++i) {
          double square_sum = 0.0;
          for (int64_t j = lo; j <= hi; ++j) {
            const double v = static_cast<double>(xp[(n * channels + j) * inner + i]);
            square_sum += v * v;
          }
          const int64_t at = (n * channels + c) * inner + i;
          const double denom =
              std::pow(bias + alpha / static_cast<double>(size) * square_sum, beta);
          yp[at] = static_cast<T>(static_cast<double>(xp[at]) / denom);
        }
      }
    }
    return Status::ok();
  });
}

// For each index of the normalized block shape `block`, the index into a parameter of shape
// `param` broadcast to it (numpy rules, unidirectional); error when it does not broadcast.
Result<std::vector<int64_t>> broadcast_map(const KernelContext& ctx, const Shape& param,
                                           const Shape& block, const char* what) {
  if (param.size() > block.size()) {
    return ctx.invalid(std::string(what) + " " + shape_to_string(param) +
                       " does not broadcast to the normalized shape " + shape_to_string(block));
  }
  const size_t lead = block.size() - param.size();
  std::vector<int64_t> pstride(block.size(), 0);
  int64_t stride = 1;
  for (size_t d = param.size(); d-- > 0;) {
    if (param[d] != 1 && param[d] != block[lead + d]) {
      return ctx.invalid(std::string(what) + " " + shape_to_string(param) +
                         " does not broadcast to the normalized shape " + shape_to_string(block));
    }
    pstride[lead + d] = param[d] == 1 ? 0 : stride;
    stride *= param[d];
  }
  const int64_t count = shape_elements(block);
  std::vector<int64_t> map(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i;
    int64_t at = 0;
    for (size_t d = block.size(); d-- > 0;) {
      at += (rest % block[d]) * pstride[d];
      rest /= block[d];
    }
    map[i] = at;
  }
  return map;
}

// Normalizes over the dims from `axis` on; Mean and InvStdDev outputs are float32 (stash_type
// 1, the only one defined) with the normalized dims kept as 1.
Status layer_normalization(KernelContext& ctx) {
  EI_RETURN_IF_ERROR(check_rank(ctx, 1));
  const ir::Node& node = ctx.node();
  const TensorView& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  EI_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(ctx, node.attr_int("axis", -1), rank));
  const double epsilon = node.attr_float("epsilon", 1e-5f);
  const Shape block(x.shape.begin() + axis, x.shape.end());
  const int64_t inner = shape_elements(block);
  const int64_t outer = shape_elements(Shape(x.shape.begin(), x.shape.begin() + axis));
  if (!ctx.has_input(1)) return ctx.invalid("input Scale is missing");
  EI_ASSIGN_OR_RETURN(std::vector<float> scale, read_float_tensor(ctx, 1));
  EI_ASSIGN_OR_RETURN(std::vector<int64_t> scale_map,
                      broadcast_map(ctx, ctx.input(1).shape, block, "Scale"));
  std::vector<float> bias;
  std::vector<int64_t> bias_map;
  if (ctx.has_input(2)) {
    EI_ASSIGN_OR_RETURN(bias, read_float_tensor(ctx, 2));
    EI_ASSIGN_OR_RETURN(bias_map, broadcast_map(ctx, ctx.input(2).shape, block, "B"));
  }
  Shape stat_shape(x.shape.begin(), x.shape.begin() + axis);
  stat_shape.resize(x.shape.size(), 1);
  return dispatch<float, double>(ctx, x.dtype, [&]<typename T>() -> Status {
    EI_ASSIGN_OR_RETURN(const TensorView* y_view, ctx.allocate_output_view(0, x.dtype, x.shape));
    const TensorView& y = *y_view;
    float* mean_out = nullptr;
    float* inv_out = nullptr;
    if (ctx.wants_output(1)) {
      EI_ASSIGN_OR_RETURN(const TensorView* m_view,
                          ctx.allocate_output_view(1, DType::kFloat32, stat_shape));
      const TensorView& m = *m_view;
      mean_out = m.as<float>();
    }
    if (ctx.wants_output(2)) {
      EI_ASSIGN_OR_RETURN(const TensorView* s_view,
                          ctx.allocate_output_view(2, DType::kFloat32, stat_shape));
      const TensorView& s = *s_view;
      inv_out = s.as<float>();
    }
    for (int64_t o = 0; o < outer; ++o) {
      const T* xp = x.as<T>() + o * inner;
      T* yp = y.as<T>() + o * inner;
      const auto [mean, var] = mean_and_variance(xp, inner);
      const double inv_std = 1.0 / std::sqrt(var + epsilon);
      for (int64_t i = 0; i < inner; ++i) {
        double v = (static_cast<double>(xp[i]) - mean) * inv_std * scale[scale_map[i]];
        if (!bias.empty()) v += bias[bias_map[i]];
        yp[i] = static_cast<T>(v);
      }
      if (mean_out) mean_out[o] = static_cast<float>(mean);
      if (inv_out) inv_out[o] = static_cast<float>(inv_std);
    }
    return Status::ok();
  });
}

}  // namespace

void register_normalization(KernelRegistry& registry) {
  registry.add("BatchNormalization", batch_normalization);
  registry.add("InstanceNormalization", instance_normalization);
  registry.add("LRN", lrn);
  registry.add("LayerNormalization", layer_normalization);
}

}  // namespace edgeinfer::cpu::reference
