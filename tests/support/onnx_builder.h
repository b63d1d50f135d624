// Small ONNX models written in tests: a model with one graph, float inputs and outputs of fixed
// shapes, deterministic float initializers and Conv nodes with their int attributes.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace edgeinfer::testing {

// An opset-13 model with one empty graph named `name`.
inline onnx::ModelProto onnx_model(const std::string& name) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  m.mutable_graph()->set_name(name);
  return m;
}

// A float32 graph input or output of fixed shape: add_io(g->add_input(), "X", {1, 3, 8, 8}).
inline void add_io(onnx::ValueInfoProto* vi, const std::string& name,
                   const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims)
    t->mutable_shape()->add_dim()->set_dim_value(d);
}

// A float32 initializer with the repeating values -0.3, -0.2, ..., 0.3.
inline void add_weight(onnx::GraphProto* g, const std::string& name,
                       const std::vector<int64_t>& dims) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i)
    t->add_float_data(static_cast<float>(i % 7) * 0.1f - 0.3f);
}

inline onnx::NodeProto* add_conv(onnx::GraphProto* g, const std::string& name, const std::string& x,
                                 const std::string& w, const std::string& y) {
  auto* n = g->add_node();
  n->set_op_type(std::string("Conv"));
  n->set_name(name);
  n->add_input(x);
  n->add_input(w);
  n->add_output(y);
  return n;
}

inline void set_ints(onnx::NodeProto* node, const std::string& name,
                     const std::vector<int64_t>& values) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values)
    a->add_ints(v);
}

inline void set_int(onnx::NodeProto* node, const std::string& name, int64_t value) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

inline std::string serialized(const onnx::ModelProto& m) {
  std::string bytes;
  REQUIRE(m.SerializeToString(&bytes));
  return bytes;
}

}  // namespace edgeinfer::testing
