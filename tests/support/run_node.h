// Test support: run one operator on given tensors with the reference kernels, without a model
// file (cpu::evaluate_node underneath). Used by kernel unit tests.
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "ir/graph.h"

namespace edgeinfer::testing {

// An owned tensor for tests.
struct HostTensor {
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<unsigned char> bytes;

  template <typename T>
  static HostTensor of(DType dtype, Shape shape, const std::vector<T>& values) {
    HostTensor t{dtype, std::move(shape), {}};
    t.bytes.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
  }
  static HostTensor f32(Shape shape, const std::vector<float>& values) {
    return of(DType::kFloat32, std::move(shape), values);
  }
  static HostTensor i64(Shape shape, const std::vector<int64_t>& values) {
    return of(DType::kInt64, std::move(shape), values);
  }
  template <typename T>
  std::vector<T> values() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
};

// An omitted optional input (its slot reads kNoValue).
inline HostTensor omitted() {
  return HostTensor{DType::kUndefined, {}, {}};
}

struct NodeSpec {
  std::string op_type;
  std::map<std::string, ir::Attribute> attributes;
  int opset = 18;
  // Inputs in order; an entry with dtype kUndefined stands for an omitted optional input.
  std::vector<HostTensor> inputs;
  size_t output_count = 1;
};

// A graph of the one node: inputs marked in `constant` become graph constants (weights that an
// executor may prepare), the others graph inputs; every output is a graph output.
ir::Graph single_node_graph(const NodeSpec& spec, const std::vector<bool>& constant);

// Runs the node with the reference kernels; returns its outputs or the error.
Result<std::vector<HostTensor>> run_node(const NodeSpec& spec);

}  // namespace edgeinfer::testing
