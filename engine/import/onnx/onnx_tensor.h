// Reading a serialized ONNX TensorProto (the .pb files of the ONNX backend test data) into an
// IR constant, with the same conversion the importer uses for initializers.
#pragma once

#include <cstddef>
#include <string>

#include "edgeinfer/status.h"
#include "ir/constant.h"

namespace edgeinfer::import {

// `name` (usually the file path) is used in error messages. External data is refused: a
// lone tensor file has no model directory to resolve it against.
Result<ir::ConstantPtr> read_onnx_tensor(const void* data, size_t size, const std::string& name);

}  // namespace edgeinfer::import
