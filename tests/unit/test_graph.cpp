#include <catch2/catch.hpp>

#include "ir/graph.h"
#include "planner/lifetimes.h"

using namespace edgeinfer;
using namespace edgeinfer::ir;

namespace {

ValueId add_tensor(Graph& g, const std::string& name, ValueKind kind) {
  Value v;
  v.name = name;
  v.kind = kind;
  v.dtype = DType::kFloat32;
  v.has_shape = true;
  v.dims = {Dim::fixed(1), Dim::fixed(4)};
  return g.add_value(v);
}

NodeId add_op(Graph& g, const std::string& name, std::vector<ValueId> in,
              std::vector<ValueId> out) {
  Node n;
  n.name = name;
  n.op_type = "Relu";
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return g.add_node(n);
}

}  // namespace

TEST_CASE("topological order puts producers first and keeps ordered graphs stable", "[ir]") {
  Graph g;
  ValueId x = add_tensor(g, "x", ValueKind::kInput);
  g.inputs = {x};
  ValueId a = add_tensor(g, "a", ValueKind::kIntermediate);
  ValueId b = add_tensor(g, "b", ValueKind::kIntermediate);
  ValueId c = add_tensor(g, "c", ValueKind::kIntermediate);
  add_op(g, "n_c", {b}, {c});  // listed before its producer
  add_op(g, "n_a", {x}, {a});
  add_op(g, "n_b", {a}, {b});
  g.outputs = {c};
  auto order = g.topological_order();
  REQUIRE(order.is_ok());
  CHECK(*order == std::vector<NodeId>{1, 2, 0});
  CHECK(g.validate().is_ok());
}

TEST_CASE("cycles and dangling inputs are errors naming the node", "[ir]") {
  Graph g;
  ValueId a = add_tensor(g, "a", ValueKind::kIntermediate);
  ValueId b = add_tensor(g, "b", ValueKind::kIntermediate);
  add_op(g, "first", {b}, {a});
  add_op(g, "second", {a}, {b});
  g.outputs = {b};
  auto order = g.topological_order();
  REQUIRE_FALSE(order.is_ok());
  CHECK(order.status().message().find("cycle") != std::string::npos);

  Graph h;
  ValueId dangling = add_tensor(h, "nowhere", ValueKind::kIntermediate);
  ValueId out = add_tensor(h, "out", ValueKind::kIntermediate);
  add_op(h, "reader", {dangling}, {out});
  h.outputs = {out};
  Status s = h.validate();
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message().find("nowhere") != std::string::npos);
  CHECK(s.message().find("reader") != std::string::npos);
}

TEST_CASE("lower bound is the largest sum of live intermediate bytes", "[planner]") {
  // x -> a -> b -> c (output); a also feeds c's producer: a lives across b.
  Graph g;
  ValueId x = add_tensor(g, "x", ValueKind::kInput);
  ValueId a = add_tensor(g, "a", ValueKind::kIntermediate);
  ValueId b = add_tensor(g, "b", ValueKind::kIntermediate);
  ValueId c = add_tensor(g, "c", ValueKind::kIntermediate);
  g.inputs = {x};
  add_op(g, "pa", {x}, {a});
  add_op(g, "pb", {a}, {b});
  add_op(g, "pc", {a, b}, {c});
  g.outputs = {c};
  auto order = g.topological_order();
  REQUIRE(order.is_ok());
  auto lifetimes = planner::compute_lifetimes(g, *order, {});
  CHECK(lifetimes[a].first == 0);
  CHECK(lifetimes[a].last == 2);
  CHECK(lifetimes[c].last == 3);  // graph output lives to the end
  std::vector<size_t> bytes = {0, 100, 10, 1000};
  CHECK(planner::lower_bound_bytes(lifetimes, bytes, order->size()) == 1110);
  auto releases = planner::releases_per_step(lifetimes, order->size());
  CHECK(releases[2] == std::vector<ValueId>{a, b});
}
