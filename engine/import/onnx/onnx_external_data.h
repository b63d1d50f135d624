// Reading the bytes of a tensor stored outside the model (data_location = EXTERNAL).
#pragma once

#include <cstddef>
#include <memory>
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

// Bytes of an external data file mapped read-only (weights mode `mapped`).
struct MappedExternalData {
  const unsigned char* data = nullptr;  // nullptr: not mapped (see map_external_data)
  std::shared_ptr<const void> mapping;  // keeps the mapping alive
};

// The same checks as read_external_data, then maps the bytes instead of reading them. When
// the data's offset in the file is not a multiple of `alignment` (so a pointer to it would be
// misaligned for its type) nothing is mapped and `data` is nullptr: the caller reads it.
Result<MappedExternalData> map_external_data(const onnx::TensorProto& tensor,
                                             const std::string& base_dir, size_t expected_bytes,
                                             size_t alignment);

}  // namespace edgeinfer::import::onnx_detail
