#include "test_pass_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "cpu/executor.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::testing {

namespace {

ir::Value make_value(const std::string& name, ir::ValueKind kind, DType dtype, const Shape& shape) {
  ir::Value v;
  v.name = name;
  v.kind = kind;
  v.dtype = dtype;
  v.has_shape = true;
  for (int64_t d : shape)
    v.dims.push_back(ir::Dim::fixed(d));
  return v;
}

}  // namespace

ir::ValueId GraphBuilder::input(const std::string& name, const Shape& shape) {
  const ir::ValueId id =
      graph_.add_value(make_value(name, ir::ValueKind::kInput, DType::kFloat32, shape));
  graph_.inputs.push_back(id);
  return id;
}

ir::ValueId GraphBuilder::constant(const std::string& name, const Shape& shape,
                                   std::vector<float> data) {
  ir::Value v = make_value(name, ir::ValueKind::kConstant, DType::kFloat32, shape);
  v.constant =
      ir::Constant::copy_of(DType::kFloat32, shape, data.data(), data.size() * sizeof(float));
  return graph_.add_value(std::move(v));
}

ir::ValueId GraphBuilder::random_constant(const std::string& name, const Shape& shape, float lo,
                                          float hi) {
  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(name)));
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> data(static_cast<size_t>(shape_elements(shape)));
  for (float& x : data)
    x = dist(rng);
  return constant(name, shape, std::move(data));
}

ir::ValueId GraphBuilder::int64_constant(const std::string& name, const Shape& shape,
                                         std::vector<int64_t> data) {
  ir::Value v = make_value(name, ir::ValueKind::kConstant, DType::kInt64, shape);
  v.constant =
      ir::Constant::copy_of(DType::kInt64, shape, data.data(), data.size() * sizeof(int64_t));
  return graph_.add_value(std::move(v));
}

ir::ValueId GraphBuilder::node(const std::string& op, std::vector<ir::ValueId> inputs,
                               const std::string& out, const Shape& out_shape,
                               std::map<std::string, ir::Attribute> attributes, int opset) {
  const ir::ValueId id =
      graph_.add_value(make_value(out, ir::ValueKind::kIntermediate, DType::kFloat32, out_shape));
  ir::Node n;
  n.name = "node_" + out;
  n.op_type = op;
  n.opset = opset;
  n.inputs = std::move(inputs);
  n.outputs = {id};
  n.attributes = std::move(attributes);
  graph_.add_node(std::move(n));
  return id;
}

std::vector<std::vector<float>> run_graph(const ir::Graph& graph, uint32_t seed) {
  INFO(graph.to_string());
  REQUIRE(graph.validate().is_ok());
  std::vector<bool> keep(graph.values.size(), false);
  for (ir::ValueId id : graph.outputs)
    keep[id] = true;
  auto executor = cpu::Executor::create(graph, cpu::reference_kernels(), keep);
  INFO(executor.status().to_string());
  REQUIRE(executor.is_ok());
  auto memory = planner::make_tensor_memory(MemoryMode::kSeparate);
  std::vector<TensorView> values(graph.values.size());
  std::vector<bool> live(graph.values.size(), false);
  std::vector<std::vector<float>> inputs;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  for (ir::ValueId id : graph.inputs) {
    const ir::Value& v = graph.value(id);
    std::vector<float> data(static_cast<size_t>(shape_elements(v.static_shape())));
    for (float& x : data)
      x = dist(rng);
    inputs.push_back(std::move(data));
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ir::ValueId id = graph.inputs[i];
    values[id] = TensorView{DType::kFloat32, graph.value(id).static_shape(), inputs[i].data()};
    live[id] = true;
  }
  for (size_t id = 0; id < graph.values.size(); ++id) {
    if (graph.values[id].kind == ir::ValueKind::kConstant) {
      values[id] = graph.values[id].constant->view();
      live[id] = true;
    }
  }
  Status ran = executor->run(values, live, *memory, nullptr);
  INFO(ran.to_string());
  REQUIRE(ran.is_ok());
  std::vector<std::vector<float>> outputs;
  for (ir::ValueId id : graph.outputs) {
    const TensorView& t = values[id];
    REQUIRE(t.dtype == DType::kFloat32);
    outputs.emplace_back(t.as<float>(), t.as<float>() + t.elements());
  }
  return outputs;
}

float max_difference(const std::vector<std::vector<float>>& a,
                     const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return std::numeric_limits<float>::infinity();
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return std::numeric_limits<float>::infinity();
    for (size_t j = 0; j < a[i].size(); ++j) {
      const float d = std::fabs(a[i][j] - b[i][j]);
      if (std::isnan(d)) return std::numeric_limits<float>::infinity();
      worst = std::max(worst, d);
    }
  }
  return worst;
}

void check_same_outputs(const ir::Graph& before, const ir::Graph& after, float tolerance) {
  INFO("before:\n" << before.to_string() << "after:\n" << after.to_string());
  REQUIRE(after.validate().is_ok());
  for (uint32_t seed : {1u, 2u}) {
    const auto expected = run_graph(before, seed);
    const auto actual = run_graph(after, seed);
    CHECK(max_difference(expected, actual) <= tolerance);
  }
}

int count_ops(const ir::Graph& graph, const std::string& op_type) {
  int n = 0;
  for (const ir::Node& node : graph.nodes)
    n += node.op_type == op_type ? 1 : 0;
  return n;
}

const ir::Node& only_node(const ir::Graph& graph, const std::string& op_type) {
  REQUIRE(count_ops(graph, op_type) == 1);
  for (const ir::Node& node : graph.nodes) {
    if (node.op_type == op_type) return node;
  }
  FAIL("unreachable");
  return graph.nodes.front();
}

}  // namespace edgeinfer::testing
