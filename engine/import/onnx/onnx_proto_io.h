// Parsing protobuf messages from untrusted bytes, shared by the model and tensor readers.
#pragma once

#include <cstddef>
#include <string>

#include <google/protobuf/message_lite.h>

#include "edgeinfer/status.h"

namespace edgeinfer::import::onnx_detail {

// Parses `size` bytes into `message`, requiring that all of them are consumed.
// Messages larger than protobuf's 2 GiB limit are refused with a hint about external data.
// `what` names the message kind in errors ("ONNX model", "TensorProto").
Status parse_proto(const void* data, size_t size, google::protobuf::MessageLite& message,
                   const std::string& what);

}  // namespace edgeinfer::import::onnx_detail
