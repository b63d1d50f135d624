// Helpers for run caches (kernel.h), what kernels keep for their node between runs so that a
// planned run allocates nothing.
//
// InputsKey: what a run cache was computed from: the dtype and shape of each input, and the
// contents of the small inputs that steer a kernel (Reshape's shape, Resize's sizes). Checking
// it allocates nothing, so a kernel can tell on every run whether its cache still holds.
#pragma once

#include <cstring>
#include <vector>

#include "cpu/kernel.h"

namespace edgeinfer::cpu {

class InputsKey {
 public:
  // True when the inputs are those store() saw, with the same contents from input
  // `contents_from` on.
  bool matches(const KernelContext& ctx, size_t contents_from) const {
    if (!stored_ || inputs_.size() != ctx.input_count()) return false;
    size_t offset = 0;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const Input& k = inputs_[i];
      if (k.present != ctx.has_input(i)) return false;
      if (!k.present) continue;
      const TensorView& t = ctx.input(i);
      if (t.dtype != k.dtype || t.shape != k.shape) return false;
      if (i < contents_from) continue;
      const size_t bytes = t.bytes();
      if (bytes != 0 && std::memcmp(t.data, contents_.data() + offset, bytes) != 0) return false;
      offset += bytes;
    }
    return true;
  }

  void store(const KernelContext& ctx, size_t contents_from) {
    inputs_.resize(ctx.input_count());
    contents_.clear();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Input& k = inputs_[i];
      k.present = ctx.has_input(i);
      if (!k.present) continue;
      const TensorView& t = ctx.input(i);
      k.dtype = t.dtype;
      k.shape = t.shape;
      if (i < contents_from) continue;
      const auto* bytes = static_cast<const unsigned char*>(t.data);
      if (t.bytes() != 0) contents_.insert(contents_.end(), bytes, bytes + t.bytes());
    }
    stored_ = true;
  }

  void clear() { stored_ = false; }

 private:
  struct Input {
    bool present = false;
    DType dtype = DType::kUndefined;
    Shape shape;
  };
  bool stored_ = false;
  std::vector<Input> inputs_;
  std::vector<unsigned char> contents_;
};

// A run cache holding one shape (an output's), for kernels that only need to build a shape
// without allocating: assigning into it reuses its storage.
struct ShapeCache final : RunCache {
  Shape shape;
};

// Concat's storage, one type for both of its kernels (the reference one, and the executor's
// concat_into_slices once a plan exists), so the second does not replace the first's cache.
struct ConcatCache final : RunCache {
  std::vector<const TensorView*> inputs;
  Shape out;
  std::vector<std::vector<unsigned char>> saved;  // inputs overlapping the output, copied aside
};

}  // namespace edgeinfer::cpu
