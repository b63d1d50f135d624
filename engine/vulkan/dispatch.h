// What the Vulkan executor records: compute dispatches over tensors that live in a few
// device buffers (regions), each bound by offset and range.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "vulkan/pipelines.h"
#include "vulkan/shaders.h"

namespace edgeinfer::vulkan {

enum class Region : uint8_t {
  kNone,     // an unused binding (a placeholder buffer is bound)
  kArena,    // intermediates at the memory planner's offsets
  kWeights,  // constants, uploaded once
  kInputs,   // the graph inputs
};

struct Binding {
  Region region = Region::kNone;
  size_t offset = 0;  // bytes
  size_t range = 0;   // bytes
  bool half = false;  // 16-bit floats (fp16 storage; shaders/common.glsl), else 4-byte elements

  bool overlaps(const Binding& other) const {
    return region != Region::kNone && region == other.region &&
           offset < other.offset + other.range && other.offset < offset + range;
  }
};

struct Dispatch {
  ShaderId shader = ShaderId::kUnary;
  // Binding 0 is the output (written); the others are read.
  std::array<Binding, kMaxBindings> bindings{};
  std::array<int32_t, kPushConstantWords> params{};
  uint64_t invocations = 0;

  void set_float(size_t i, float v) { std::memcpy(&params[i], &v, sizeof(float)); }
  // Bit k set when binding k holds 16-bit floats: the pipeline is the shader's fp16-storage
  // variant specialized for this mask (Pipelines::get); 0 for all-fp32 dispatches.
  uint32_t half_mask() const {
    uint32_t mask = 0;
    for (size_t k = 0; k < bindings.size(); ++k)
      if (bindings[k].half) mask |= 1u << k;
    return mask;
  }
};

}  // namespace edgeinfer::vulkan
