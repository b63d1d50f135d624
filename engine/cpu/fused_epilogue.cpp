#include "cpu/fused_epilogue.h"

#include <array>

namespace edgeinfer::cpu {

namespace {

constexpr std::array<std::pair<Activation, const char*>, 11> kNames = {{
    {Activation::kRelu, "Relu"},
    {Activation::kClip, "Clip"},
    {Activation::kLeakyRelu, "LeakyRelu"},
    {Activation::kPRelu, "PRelu"},
    {Activation::kSigmoid, "Sigmoid"},
    {Activation::kHardSigmoid, "HardSigmoid"},
    {Activation::kHardSwish, "HardSwish"},
    {Activation::kTanh, "Tanh"},
    {Activation::kSwish, "Swish"},
    {Activation::kGelu, "Gelu"},
    {Activation::kMish, "Mish"},
}};

// Number of entries "ei_activation_params" must have for each activation.
size_t param_count(Activation a) {
  switch (a) {
    case Activation::kClip:
    case Activation::kHardSigmoid:
      return 2;
    case Activation::kLeakyRelu:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

const char* activation_name(Activation activation) {
  for (const auto& [a, name] : kNames) {
    if (a == activation) return name;
  }
  return "";
}

Result<Activation> parse_activation(const std::string& name) {
  if (name.empty()) return Activation::kNone;
  for (const auto& [a, n] : kNames) {
    if (name == n) return a;
  }
  return error(StatusCode::kInvalidModel, "unknown fused activation '" + name + "'");
}

Result<Epilogue> node_activation(const KernelContext& ctx) {
  Epilogue e;
  const ir::Node& node = ctx.node();
  if (node.has_attr(kActivationAttr)) {
    auto a = parse_activation(node.attr_string(kActivationAttr, ""));
    if (!a) return ctx.invalid(a.status().message());
    e.activation = *a;
    const std::vector<float> params = node.attr_floats(kActivationParamsAttr);
    if (params.size() != param_count(e.activation)) {
      return ctx.invalid(std::string("fused ") + activation_name(e.activation) + " needs " +
                         std::to_string(param_count(e.activation)) + " parameters, not " +
                         std::to_string(params.size()));
    }
    if (params.size() > 0) e.alpha = params[0];
    if (params.size() > 1) e.beta = params[1];
  }
  return e;
}

Result<Epilogue> bind_epilogue(const KernelContext& ctx, Epilogue e, const Shape& output_shape,
                               int64_t channels) {
  if (ctx.has_input(kResidualInput)) {
    const TensorView& r = ctx.input(kResidualInput);
    if (r.dtype != DType::kFloat32 || r.shape != output_shape) {
      return ctx.invalid("fused residual " + shape_to_string(r.shape) +
                         " must be float32 with the output's shape " +
                         shape_to_string(output_shape));
    }
    e.residual = r.as<float>();
  }
  if (e.activation == Activation::kPRelu) {
    if (!ctx.has_input(kSlopeInput)) return ctx.invalid("fused PRelu without a slope input");
    const TensorView& s = ctx.input(kSlopeInput);
    if (s.dtype != DType::kFloat32 || (s.elements() != 1 && s.elements() != channels)) {
      return ctx.invalid("fused PRelu slope " + shape_to_string(s.shape) +
                         " must be float32 with 1 or " + std::to_string(channels) + " values");
    }
    e.slope = s.as<float>();
    e.slope_count = s.elements();
  }
  return e;
}

Result<Epilogue> epilogue_of(const KernelContext& ctx, const Shape& output_shape,
                             int64_t channels) {
  EI_ASSIGN_OR_RETURN(Epilogue e, node_activation(ctx));
  return bind_epilogue(ctx, e, output_shape, channels);
}

namespace {

// One row of one channel: the switch is outside the loop so each loop vectorises.
template <typename F>
void activate_row(float* p, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i)
    p[i] = f(p[i]);
}

void activate_channel(const Epilogue& e, float* p, int64_t n, int64_t channel) {
  const float alpha = e.alpha, beta = e.beta;
  switch (e.activation) {
    case Activation::kNone:
      return;
    case Activation::kRelu:
      return activate_row(p, n, [](float v) { return v > 0.f ? v : 0.f; });
    case Activation::kClip:
      return activate_row(p, n, [=](float v) { return v < alpha ? alpha : (v > beta ? beta : v); });
    case Activation::kLeakyRelu:
      return activate_row(p, n, [=](float v) { return v >= 0.f ? v : alpha * v; });
    case Activation::kPRelu: {
      const float s = e.slope[e.slope_count == 1 ? 0 : channel];
      return activate_row(p, n, [=](float v) { return v >= 0.f ? v : s * v; });
    }
    case Activation::kHardSigmoid:
      return activate_row(
          p, n, [=](float v) { return std::fmax(0.f, std::fmin(1.f, alpha * v + beta)); });
    case Activation::kHardSwish:
      return activate_row(
          p, n, [](float v) { return v * std::fmax(0.f, std::fmin(1.f, v / 6.f + 0.5f)); });
    default:
      for (int64_t i = 0; i < n; ++i)
        p[i] = e.activate(p[i], channel);
  }
}

}  // namespace

void apply_epilogue(const Epilogue& e, float* y, int64_t outer, int64_t channels, int64_t inner) {
  if (e.empty()) return;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (o * channels + c) * inner;
      float* p = y + base;
      if (e.residual) {
        const float* r = e.residual + base;
        for (int64_t i = 0; i < inner; ++i)
          p[i] += r[i];
      }
      if (inner == 1) {
        // Gemm-shaped output: one element per channel.
        p[0] = e.activate(p[0], c);
      } else {
        activate_channel(e, p, inner, c);
      }
    }
  }
}

Status apply_node_epilogue(const KernelContext& ctx, const TensorView& y) {
  const int64_t channels = y.shape.size() > 1 ? y.shape[1] : 1;
  EI_ASSIGN_OR_RETURN(Epilogue e, epilogue_of(ctx, y.shape, channels));
  if (e.empty()) return Status::ok();
  if (y.dtype != DType::kFloat32) {
    return ctx.unsupported(std::string("fused activation or residual on a ") + dtype_name(y.dtype) +
                           " output (float32 only)");
  }
  const int64_t outer = y.shape.empty() ? 1 : y.shape[0];
  const int64_t inner = channels == 0 || outer == 0 ? 0 : y.elements() / (outer * channels);
  apply_epilogue(e, y.as<float>(), outer, channels, inner);
  return Status::ok();
}

}  // namespace edgeinfer::cpu
