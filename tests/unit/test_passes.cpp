#include <catch2/catch.hpp>

#include "passes/pass.h"

using namespace edgeinfer;
using namespace edgeinfer::ir;

namespace {

ValueId add_constant(Graph& g, const std::string& name, std::vector<float> data) {
  Value v;
  v.name = name;
  v.kind = ValueKind::kConstant;
  v.dtype = DType::kFloat32;
  v.has_shape = true;
  v.dims = {Dim::fixed(static_cast<int64_t>(data.size()))};
  v.constant = Constant::copy_of(DType::kFloat32, {static_cast<int64_t>(data.size())}, data.data(),
                                 data.size() * sizeof(float));
  return g.add_value(v);
}

ValueId add_activation(Graph& g, const std::string& name, ValueKind kind) {
  Value v;
  v.name = name;
  v.kind = kind;
  v.dtype = DType::kFloat32;
  v.has_shape = true;
  v.dims = {Dim::fixed(2)};
  return g.add_value(v);
}

void add_op(Graph& g, const std::string& op, std::vector<ValueId> in, ValueId out) {
  Node n;
  n.name = op + std::to_string(g.nodes.size());
  n.op_type = op;
  n.opset = 13;
  n.inputs = std::move(in);
  n.outputs = {out};
  g.add_node(n);
}

// y = x * (a + b); an unused branch z = Relu(x).
Graph folding_graph() {
  Graph g;
  ValueId x = add_activation(g, "x", ValueKind::kInput);
  g.inputs = {x};
  ValueId a = add_constant(g, "a", {1, 2});
  ValueId b = add_constant(g, "b", {10, 20});
  ValueId c = add_activation(g, "c", ValueKind::kIntermediate);
  ValueId y = add_activation(g, "y", ValueKind::kIntermediate);
  ValueId z = add_activation(g, "z", ValueKind::kIntermediate);
  add_op(g, "Add", {a, b}, c);
  add_op(g, "Mul", {x, c}, y);
  add_op(g, "Relu", {x}, z);
  g.outputs = {y};
  return g;
}

}  // namespace

TEST_CASE("constant folding evaluates constant-only nodes once", "[passes]") {
  Graph g = folding_graph();
  auto folded = passes::fold_constants(g, {});
  REQUIRE(folded.is_ok());
  CHECK(*folded == 1);
  const Value& c = g.value(g.find_value("c"));
  REQUIRE(c.kind == ValueKind::kConstant);
  CHECK(c.constant->as<float>()[0] == 11.0f);
  CHECK(c.constant->as<float>()[1] == 22.0f);
  CHECK(g.nodes.size() == 2);
  CHECK(g.validate().is_ok());
}

TEST_CASE("dead code elimination drops unread nodes and unreferenced values", "[passes]") {
  Graph g = folding_graph();
  REQUIRE(passes::run_default_passes(g, {}).is_ok());
  REQUIRE(g.nodes.size() == 1);
  CHECK(g.nodes[0].op_type == "Mul");
  CHECK(g.find_value("z") == kNoValue);
  CHECK(g.find_value("a") == kNoValue);  // only the folded constant c is still needed
  CHECK(g.find_value("c") != kNoValue);
  CHECK(g.validate().is_ok());
  CHECK(g.value(g.outputs[0]).name == "y");
}

TEST_CASE("kept tensors are neither folded away nor eliminated", "[passes]") {
  Graph g = folding_graph();
  passes::PassOptions options;
  options.keep = {"z", "c"};
  REQUIRE(passes::run_default_passes(g, options).is_ok());
  CHECK(g.find_value("z") != kNoValue);
  CHECK(g.value(g.find_value("c")).kind == ValueKind::kIntermediate);
  CHECK(g.nodes.size() == 3);
}
