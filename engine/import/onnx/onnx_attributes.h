// ONNX node attributes -> ir::Attribute, and Constant nodes -> constant data.
#pragma once

#include <string>

#include "edgeinfer/status.h"
#include "ir/attribute.h"

namespace onnx {
class AttributeProto;
class NodeProto;
}  // namespace onnx

namespace edgeinfer::import::onnx_detail {

// Converts one attribute. Subgraphs (If, Loop, Scan bodies), sparse tensors and type protos
// are kUnsupported. Tensor attributes may move their raw data out of `attribute`. Errors
// name the attribute but not the node: callers add that.
Result<ir::Attribute> convert_attribute(onnx::AttributeProto& attribute,
                                        const std::string& base_dir);

// The tensor a Constant node produces, from whichever of its value attributes it has.
Result<ir::ConstantPtr> constant_node_value(onnx::NodeProto& node, const std::string& base_dir);

}  // namespace edgeinfer::import::onnx_detail
