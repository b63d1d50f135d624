#include "import/onnx/onnx_attributes.h"

#include "import/onnx/onnx_tensor_convert.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import::onnx_detail {

namespace {

using onnx::AttributeProto;

// Very old exporters leave `type` unset; the populated field tells the kind instead.
AttributeProto::AttributeType kind_of(const AttributeProto& a) {
  if (a.type() != AttributeProto::UNDEFINED) return a.type();
  if (a.has_t()) return AttributeProto::TENSOR;
  if (a.has_g()) return AttributeProto::GRAPH;
  if (a.has_sparse_tensor()) return AttributeProto::SPARSE_TENSOR;
  if (a.floats_size()) return AttributeProto::FLOATS;
  if (a.ints_size()) return AttributeProto::INTS;
  if (a.strings_size()) return AttributeProto::STRINGS;
  if (a.graphs_size()) return AttributeProto::GRAPHS;
  if (a.has_f()) return AttributeProto::FLOAT;
  if (a.has_i()) return AttributeProto::INT;
  if (a.has_s()) return AttributeProto::STRING;
  return AttributeProto::UNDEFINED;
}

Status unsupported(const AttributeProto& a, const std::string& why) {
  return error(StatusCode::kUnsupported, "attribute '" + a.name() + "': " + why);
}

ir::ConstantPtr copy_values(DType dtype, Shape shape, const void* data, size_t bytes) {
  return ir::Constant::copy_of(dtype, std::move(shape), data, bytes);
}

}  // namespace

Result<ir::Attribute> convert_attribute(AttributeProto& a, const std::string& base_dir) {
  if (!a.ref_attr_name().empty()) {
    return unsupported(a, "refers to a function attribute outside a function");
  }
  switch (kind_of(a)) {
    case AttributeProto::INT:
      return ir::Attribute(int64_t{a.i()});
    case AttributeProto::FLOAT:
      return ir::Attribute(a.f());
    case AttributeProto::STRING:
      return ir::Attribute(a.s());
    case AttributeProto::INTS:
      return ir::Attribute(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    case AttributeProto::FLOATS:
      return ir::Attribute(std::vector<float>(a.floats().begin(), a.floats().end()));
    case AttributeProto::STRINGS:
      return ir::Attribute(std::vector<std::string>(a.strings().begin(), a.strings().end()));
    case AttributeProto::TENSOR: {
      auto constant = convert_tensor(*a.mutable_t(), base_dir);
      if (!constant) return constant.status().with_context("attribute '" + a.name() + "'");
      return ir::Attribute(std::move(constant).value());
    }
    case AttributeProto::GRAPH:
    case AttributeProto::GRAPHS:
      return unsupported(a, "subgraphs are not supported");
    case AttributeProto::SPARSE_TENSOR:
    case AttributeProto::SPARSE_TENSORS:
      return unsupported(a, "sparse tensors are not supported");
    case AttributeProto::TENSORS:
      return unsupported(a, "tensor lists are not supported");
    case AttributeProto::TYPE_PROTO:
    case AttributeProto::TYPE_PROTOS:
      return unsupported(a, "type attributes are not supported");
    case AttributeProto::UNDEFINED:
      break;
  }
  return error(StatusCode::kInvalidModel, "attribute '" + a.name() + "' has no value");
}

Result<ir::ConstantPtr> constant_node_value(onnx::NodeProto& node, const std::string& base_dir) {
  if (node.attribute_size() != 1) {
    return error(StatusCode::kInvalidModel,
                 "a Constant node needs exactly one value attribute, it has " +
                     std::to_string(node.attribute_size()));
  }
  AttributeProto& a = *node.mutable_attribute(0);
  const std::string& key = a.name();
  if (key == "value") {
    if (!a.has_t()) return error(StatusCode::kInvalidModel, "attribute 'value' is not a tensor");
    auto constant = convert_tensor(*a.mutable_t(), base_dir);
    if (!constant) return constant.status().with_context("attribute 'value'");
    return constant;
  }
  if (key == "value_float") {
    const float v = a.f();
    return copy_values(DType::kFloat32, {}, &v, sizeof v);
  }
  if (key == "value_int") {
    const int64_t v = a.i();
    return copy_values(DType::kInt64, {}, &v, sizeof v);
  }
  if (key == "value_floats") {
    const auto n = static_cast<int64_t>(a.floats_size());
    return copy_values(DType::kFloat32, {n}, a.floats().data(), sizeof(float) * a.floats_size());
  }
  if (key == "value_ints") {
    const auto n = static_cast<int64_t>(a.ints_size());
    return copy_values(DType::kInt64, {n}, a.ints().data(), sizeof(int64_t) * a.ints_size());
  }
  if (key == "sparse_value") {
    return error(StatusCode::kUnsupported, "sparse constants are not supported");
  }
  if (key == "value_string" || key == "value_strings") {
    return error(StatusCode::kUnsupported, "string constants are not supported");
  }
  return error(StatusCode::kInvalidModel, "unknown Constant attribute '" + key + "'");
}

}  // namespace edgeinfer::import::onnx_detail
