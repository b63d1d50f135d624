#include "import/onnx/onnx_proto_io.h"

#include <climits>

#include <google/protobuf/io/coded_stream.h>

namespace edgeinfer::import::onnx_detail {

Status parse_proto(const void* data, size_t size, google::protobuf::MessageLite& message,
                   const std::string& what) {
  if (data == nullptr || size == 0) {
    return error(StatusCode::kInvalidModel, "empty data, not an " + what);
  }
  // CodedInputStream counts in int: anything past INT_MAX cannot be a single protobuf.
  if (size > static_cast<size_t>(INT_MAX)) {
    return error(StatusCode::kInvalidModel,
                 what + " of " + std::to_string(size) +
                     " bytes is over protobuf's 2 GiB limit (large weights belong in external "
                     "data files)");
  }
  google::protobuf::io::CodedInputStream input(static_cast<const uint8_t*>(data),
                                               static_cast<int>(size));
  // The default limit (64 MiB in older protobuf releases) would refuse real models.
  input.SetTotalBytesLimit(INT_MAX);
  if (!message.ParseFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    return error(StatusCode::kInvalidModel, "cannot parse " + what + " (" + std::to_string(size) +
                                                " bytes): corrupt, truncated or not an " + what);
  }
  return Status::ok();
}

}  // namespace edgeinfer::import::onnx_detail
