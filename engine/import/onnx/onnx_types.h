// ONNX value types (TypeProto) -> IR dtype and dims, for graph inputs (strict: the caller
// feeds them) and for everything else (lenient: types only inform planning).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "import/importer.h"
#include "ir/graph.h"

namespace onnx {
class TypeProto;
}

namespace edgeinfer::import::onnx_detail {

struct ValueType {
  DType dtype = DType::kUndefined;
  bool has_shape = false;
  std::vector<ir::Dim> dims;
};

// A graph input's type with every dim resolved: dim_value as is, dim_param from
// options.dim_values (else 1, the symbol kept), absent dims 1. Non-tensor types, unknown
// element types, negative dims and absurd element counts are errors.
Result<ValueType> input_type(const onnx::TypeProto& type, const ImportOptions& options);

// Whatever a declared or inferred type tells; unknown or implausible parts stay unknown.
ValueType lenient_type(const onnx::TypeProto& type);

}  // namespace edgeinfer::import::onnx_detail
