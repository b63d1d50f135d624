#include "import/onnx/onnx_types.h"

#include "import/onnx/onnx_tensor_convert.h"
#include "ir/tensor_size.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import::onnx_detail {

namespace {

const char* type_case_name(const onnx::TypeProto& type) {
  switch (type.value_case()) {
    case onnx::TypeProto::kSequenceType:
      return "a sequence";
    case onnx::TypeProto::kMapType:
      return "a map";
    case onnx::TypeProto::kOptionalType:
      return "an optional";
    case onnx::TypeProto::kSparseTensorType:
      return "a sparse tensor";
    case onnx::TypeProto::kOpaqueType:
      return "an opaque value";
    default:
      return "untyped";
  }
}

}  // namespace

Result<ValueType> input_type(const onnx::TypeProto& type, const ImportOptions& options) {
  if (!type.has_tensor_type()) {
    return error(type.value_case() == onnx::TypeProto::VALUE_NOT_SET ? StatusCode::kInvalidModel
                                                                     : StatusCode::kUnsupported,
                 std::string("is ") + type_case_name(type) + ", only tensors are supported");
  }
  const auto& tensor = type.tensor_type();
  ValueType out;
  EI_ASSIGN_OR_RETURN(out.dtype, dtype_from_onnx(tensor.elem_type()));
  if (!tensor.has_shape()) return out;  // unknown rank: nothing to resolve
  out.has_shape = true;
  Shape shape;
  for (const auto& d : tensor.shape().dim()) {
    ir::Dim dim;
    if (d.has_dim_value()) {
      if (d.dim_value() < 0) {
        return error(StatusCode::kInvalidModel,
                     "has a negative dim " + std::to_string(d.dim_value()));
      }
      dim.value = d.dim_value();
    } else if (d.has_dim_param() && !d.dim_param().empty()) {
      dim.symbol = d.dim_param();
      auto it = options.dim_values.find(dim.symbol);
      dim.value = it == options.dim_values.end() ? 1 : it->second;
      if (dim.value < 0) {
        return error(StatusCode::kInvalidArgument,
                     "dim '" + dim.symbol + "' is given the value " + std::to_string(dim.value));
      }
    } else {
      dim.value = 1;
    }
    shape.push_back(dim.value);
    out.dims.push_back(std::move(dim));
  }
  auto elements = ir::checked_elements(shape);
  if (!elements) return elements.status();
  return out;
}

ValueType lenient_type(const onnx::TypeProto& type) {
  ValueType out;
  if (!type.has_tensor_type()) return out;
  const auto& tensor = type.tensor_type();
  auto dtype = dtype_from_onnx(tensor.elem_type());
  if (dtype) out.dtype = *dtype;
  if (!tensor.has_shape()) return out;
  Shape shape;
  bool all_static = true;
  for (const auto& d : tensor.shape().dim()) {
    ir::Dim dim;
    if (d.has_dim_value() && d.dim_value() >= 0 && d.dim_value() <= ir::kMaxTensorElements) {
      dim.value = d.dim_value();
    } else if (d.has_dim_param()) {
      dim.symbol = d.dim_param();
    }
    all_static = all_static && dim.is_static();
    shape.push_back(dim.value);
    out.dims.push_back(std::move(dim));
  }
  // A shape whose size overflows is no information worth passing on.
  if (all_static && !ir::checked_elements(shape)) {
    out.dims.clear();
    return out;
  }
  out.has_shape = true;
  return out;
}

}  // namespace edgeinfer::import::onnx_detail
