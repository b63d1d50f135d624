// NumPy (ONNX "multidirectional") broadcasting: the output shape of several input shapes, and
// the map from an output element to the input element it reads.
//
// Shapes are aligned at their last dim; missing leading dims count as 1. In each dim the sizes
// must be equal or 1 (a 1 stretches to the other size, also to 0).
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/kernel.h"

namespace edgeinfer::cpu::reference {

// The broadcast shape of `shapes`, or kInvalidModel naming the node and the shapes.
Result<Shape> broadcast_shapes(const KernelContext& ctx, const std::vector<Shape>& shapes);

// True when `from` broadcasts to exactly `to` without changing `to` (ONNX "unidirectional"
// broadcasting, e.g. PRelu's slope).
bool broadcasts_to(const Shape& from, const Shape& to);

// Offset of the input element read for each output element.
// Precondition: broadcasts_to(input, output).
class BroadcastIndex {
 public:
  BroadcastIndex(const Shape& output, const Shape& input);
  int64_t operator()(int64_t output_index) const;

 private:
  enum class Kind { kSame, kScalar, kGeneral };
  Kind kind_ = Kind::kGeneral;
  Shape output_;                 // output dims
  std::vector<int64_t> stride_;  // input stride per output dim; 0 where the input is stretched
};

}  // namespace edgeinfer::cpu::reference
