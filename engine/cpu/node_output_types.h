// What a node's outputs will be (dtype and shape) without running it: the node's reference
// kernel is called in a context that stops it when it asks for its last output buffer. Kernels
// compute every output shape before allocate_output (kernel.h), so the shape rules have one
// copy, and no arithmetic runs. Used by the static shape pass and by loading, which types a
// graph this way instead of running ONNX's shape inference.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "edgeinfer/tensor.h"
#include "ir/constant.h"
#include "ir/graph.h"

namespace edgeinfer::cpu {

struct OutputType {
  DType dtype = DType::kUndefined;
  Shape shape;
};

// Anonymous mappings handed out as placeholder tensors. A kernel stops before it reads a
// non-constant input, so their pages are never touched and cost neither zeroing nor faults
// (one a kernel did read would see zeros). Mappings stay until the end, so a view handed out
// stays valid when a larger one is needed.
class Placeholders {
 public:
  Placeholders() = default;
  Placeholders(const Placeholders&) = delete;
  Placeholders& operator=(const Placeholders&) = delete;
  ~Placeholders();

  // At least `bytes` of zeros, or nullptr where the mapping fails or `bytes` is absurd.
  void* get(size_t bytes);

 private:
  std::vector<std::pair<void*, size_t>> mappings_;
};

// The contents of a node input known at this point (a constant, or a small computed shape
// tensor), or nullptr when only its type is known.
using KnownContents = std::function<const ir::Constant*(ir::ValueId)>;

// The output types (one per node output; kUndefined for omitted ones) that `node`'s reference
// kernel computes, where they cannot depend on the contents of inputs `known` does not give;
// nothing when the op is not one whose shape rules are known to be content-free, an input it
// needs is unknown, or the kernel fails or throws before it asks for its outputs (a malformed
// node reports that error again when it runs).
std::optional<std::vector<OutputType>> node_output_types(const ir::Graph& graph,
                                                         const ir::Node& node,
                                                         const KnownContents& known,
                                                         Placeholders& placeholders);

}  // namespace edgeinfer::cpu
