// The compute shaders built from shaders/*.comp, embedded as SPIR-V.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgeinfer::vulkan {

enum class ShaderId : uint8_t {
  kUnary,
  kBinary,
  kStridedCopy,
  kChannelAffine,
  kConv2d,
  kConv2dK4,
  kConvTranspose2d,
  kPool2d,
  kPool2dReduce,
  kResize,
  kGemm,
  kSoftmax,
  kDensePair,
  kCount,
};

struct ShaderCode {
  const char* name;
  const uint32_t* words;
  size_t word_count;
};

// `fp16_storage`: the variant built with EI_FP16 (shaders/common.glsl), whose bindings may hold
// 16-bit floats (bit b of push constant 31 per binding b); it needs storageBuffer16BitAccess.
const ShaderCode& shader_code(ShaderId id, bool fp16_storage = false);

}  // namespace edgeinfer::vulkan
