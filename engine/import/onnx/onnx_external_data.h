// Reading the bytes of a tensor stored outside the model (data_location = EXTERNAL).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "edgeinfer/status.h"

namespace onnx {
class TensorProto;
}

namespace edgeinfer::import::onnx_detail {

// Reads exactly `expected_bytes` bytes for `tensor` from the file named by its "location"
// key, relative to `base_dir`, at its "offset" (and checks its "length" if given). The file
// name comes from an untrusted model, so absolute paths, '..' components and reads past the
// end of the file are refused, and nothing is allocated before the file is known to hold
// the data.
Result<std::vector<unsigned char>> read_external_data(const onnx::TensorProto& tensor,
                                                      const std::string& base_dir,
                                                      size_t expected_bytes);

}  // namespace edgeinfer::import::onnx_detail
