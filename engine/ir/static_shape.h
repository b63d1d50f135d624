// Giving a value a fixed shape: what importers, folding and shape inference all do once they
// know a value's sizes.
#pragma once

#include "ir/graph.h"

namespace edgeinfer::ir {

// `value` gets this shape with every dim fixed (has_shape set, old dims replaced).
inline void set_static_shape(Value& value, const Shape& shape) {
  value.has_shape = true;
  value.dims.clear();
  value.dims.reserve(shape.size());
  for (int64_t d : shape)
    value.dims.push_back(Dim::fixed(d));
}

}  // namespace edgeinfer::ir
