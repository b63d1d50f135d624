// What the graph passes fuse into a producing Conv, ConvTranspose or Gemm node: an activation
// and a residual Add, applied to each output element after the bias:
//
//     y = activation(conv(x, w) + bias + residual)
//
// In the IR a fused node keeps its ONNX op type and gains
//   attribute "ei_activation"         string: Relu Clip LeakyRelu PRelu Sigmoid HardSigmoid
//                                      HardSwish Tanh Swish Gelu Mish
//   attribute "ei_activation_params"  floats: Clip {min, max}; LeakyRelu {alpha};
//                                      HardSigmoid {alpha, beta}; none for the others
//   optional input 3 "residual"       same shape as the output (the other Add operand)
//   optional input 4 "slope"          PRelu: one value per output channel, or one value
// Every kernel of these ops, reference and fast, applies the epilogue through this header, so
// the reference executor runs fused graphs and fast kernels are tested against it.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "cpu/kernel.h"

namespace edgeinfer::cpu {

enum class Activation : uint8_t {
  kNone,
  kRelu,
  kClip,
  kLeakyRelu,
  kPRelu,
  kSigmoid,
  kHardSigmoid,
  kHardSwish,
  kTanh,
  kSwish,
  kGelu,
  kMish,
};

inline constexpr const char* kActivationAttr = "ei_activation";
inline constexpr const char* kActivationParamsAttr = "ei_activation_params";
inline constexpr size_t kResidualInput = 3;
inline constexpr size_t kSlopeInput = 4;

const char* activation_name(Activation activation);
// kNone for the empty string; an error for an unknown name.
Result<Activation> parse_activation(const std::string& name);

struct Epilogue {
  Activation activation = Activation::kNone;
  float alpha = 0;                  // Clip: min; LeakyRelu: alpha; HardSigmoid: alpha
  float beta = 0;                   // Clip: max; HardSigmoid: beta
  const float* residual = nullptr;  // laid out like the output; nullptr when not fused
  const float* slope = nullptr;     // PRelu slopes
  int64_t slope_count = 0;          // 1 (shared) or the number of output channels

  bool empty() const { return activation == Activation::kNone && residual == nullptr; }
  // The activation alone, for one element of output channel `channel`.
  float activate(float v, int64_t channel) const {
    switch (activation) {
      case Activation::kNone:
        return v;
      case Activation::kRelu:
        return v > 0.f ? v : 0.f;
      case Activation::kClip:
        return v < alpha ? alpha : (v > beta ? beta : v);
      case Activation::kLeakyRelu:
        return v >= 0.f ? v : alpha * v;
      case Activation::kPRelu:
        return v >= 0.f ? v : slope[slope_count == 1 ? 0 : channel] * v;
      case Activation::kSigmoid:
        return 1.f / (1.f + std::exp(-v));
      case Activation::kHardSigmoid:
        return std::fmax(0.f, std::fmin(1.f, alpha * v + beta));
      case Activation::kHardSwish:
        return v * std::fmax(0.f, std::fmin(1.f, v / 6.f + 0.5f));
      case Activation::kTanh:
        return std::tanh(v);
      case Activation::kSwish:
        return v / (1.f + std::exp(-v));
      case Activation::kGelu:
        return 0.5f * v * (1.f + std::erf(v * 0.70710678118654752f));
      case Activation::kMish:
        return v * std::tanh(std::log1p(std::exp(v)));
    }
    return v;
  }
};

// The epilogue a node carries (empty for an unfused node). Checks the attribute values, the
// residual's shape against `output_shape` and the slope's size against `channels`; errors
// name the node. The pointers refer to the node's input tensors (float32 only).
Result<Epilogue> epilogue_of(const KernelContext& ctx, const Shape& output_shape, int64_t channels);
// epilogue_of in two steps, so kernels can parse the node's attributes once (node_activation:
// the activation and its parameters, which allocates) and bind the inputs on every run
// (bind_epilogue: residual and slope, checked; allocates only for an error).
Result<Epilogue> node_activation(const KernelContext& ctx);
Result<Epilogue> bind_epilogue(const KernelContext& ctx, Epilogue activation,
                               const Shape& output_shape, int64_t channels);

// Applies `epilogue` in place to an NCHW-like float output: `outer` blocks of `channels`
// channels of `inner` elements each (residual, when present, has the same layout).
void apply_epilogue(const Epilogue& epilogue, float* y, int64_t outer, int64_t channels,
                    int64_t inner);

// For kernels of the fused ops: applies the node's epilogue (if any) to its output `y`, read as
// dim 0 x dim 1 (the channels) x the rest. A fused epilogue on a non-float32 output is an error.
Status apply_node_epilogue(const KernelContext& ctx, const TensorView& y);

}  // namespace edgeinfer::cpu
