// The plugin side of GstEdgeinferTensorMeta: registration and attaching tensors to a buffer.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "edgeinfer-tensor-meta.h"
#include "edgeinfer/tensor.h"

namespace edgeinfer::gst {

GType tensor_meta_api_get_type();
const GstMetaInfo* tensor_meta_get_info();

struct NamedTensor {
  std::string name;
  TensorView view;
};

// Adds a meta holding copies of `tensors` to `buffer` (which must be writable).
GstEdgeinferTensorMeta* add_tensor_meta(GstBuffer* buffer, const std::string& model, uint64_t frame,
                                        const std::vector<NamedTensor>& tensors);

}  // namespace edgeinfer::gst
