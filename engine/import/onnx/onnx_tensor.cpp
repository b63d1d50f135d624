#include "import/onnx/onnx_tensor.h"

#include "import/onnx/onnx_proto_io.h"
#include "import/onnx/onnx_tensor_convert.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import {

Result<ir::ConstantPtr> read_onnx_tensor(const void* data, size_t size, const std::string& name) {
  onnx::TensorProto tensor;
  Status parsed = onnx_detail::parse_proto(data, size, tensor, "ONNX TensorProto");
  if (!parsed) return parsed.with_context(name);
  auto constant = onnx_detail::convert_tensor(tensor, /*base_dir=*/"");
  if (!constant) {
    return constant.status().with_context(name + ": tensor '" + tensor.name() + "'");
  }
  return constant;
}

}  // namespace edgeinfer::import
