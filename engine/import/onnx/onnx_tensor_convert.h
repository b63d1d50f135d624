// TensorProto -> ir::Constant, the one conversion behind initializers, Constant nodes,
// tensor attributes and read_onnx_tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "ir/constant.h"

namespace onnx {
class TensorProto;
}

namespace edgeinfer::import::onnx_detail {

// Maps an ONNX element type (TensorProto::DataType) to a DType. Types EdgeInfer has no
// DType for (string, complex, bfloat16, ...) are kUnsupported, unknown numbers kInvalidModel.
Result<DType> dtype_from_onnx(int32_t elem_type);

// raw_data up to this size is copied, so the tensor stays whole for ONNX's shape inference,
// which reads the contents of small tensors (Reshape shapes, Resize scales, Slice starts).
constexpr size_t kKeepRawDataBytes = 64 * 1024;

// Converts `tensor`, checking its dims and that the data present matches them exactly.
// Takes the tensor by mutable reference so raw_data over kKeepRawDataBytes can be moved out
// rather than copied (the tensor is left without its raw_data). External data is read from files
// under `base_dir`; an empty base_dir refuses it. With `map_external`, external data whose offset
// suits its type is mapped read-only rather than read (weights mode `mapped`). Errors do not
// name the tensor: callers add that.
Result<ir::ConstantPtr> convert_tensor(onnx::TensorProto& tensor, const std::string& base_dir,
                                       bool map_external = false);

}  // namespace edgeinfer::import::onnx_detail
