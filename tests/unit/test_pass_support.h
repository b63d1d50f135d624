// Test support for the graph-pass tests: a small builder for graphs through the IR API, and
// a runner that executes a graph with the reference executor so a test can check that a
// rewritten graph computes what the original computed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "edgeinfer/tensor.h"
#include "ir/graph.h"

namespace edgeinfer::testing {

class GraphBuilder {
 public:
  ir::ValueId input(const std::string& name, const Shape& shape);
  ir::ValueId constant(const std::string& name, const Shape& shape, std::vector<float> data);
  // Uniform values in [lo, hi), deterministic per name.
  ir::ValueId random_constant(const std::string& name, const Shape& shape, float lo = -1.f,
                              float hi = 1.f);
  ir::ValueId int64_constant(const std::string& name, const Shape& shape,
                             std::vector<int64_t> data);
  // Adds a node with one float32 output named `out` of shape `out_shape`.
  ir::ValueId node(const std::string& op, std::vector<ir::ValueId> inputs, const std::string& out,
                   const Shape& out_shape, std::map<std::string, ir::Attribute> attributes = {},
                   int opset = 18);
  void output(ir::ValueId id) { graph_.outputs.push_back(id); }
  ir::Graph& graph() { return graph_; }

 private:
  ir::Graph graph_;
};

// Runs `graph` with the reference kernels (cpu::Executor) on inputs filled with a seeded
// uniform [-2, 2) pattern; returns every graph output as floats.
std::vector<std::vector<float>> run_graph(const ir::Graph& graph, uint32_t seed);

// Largest |a - b| over all outputs (infinity when the shapes of the lists differ).
float max_difference(const std::vector<std::vector<float>>& a,
                     const std::vector<std::vector<float>>& b);

// Runs `graph` before and after `pass` and checks the outputs agree within `tolerance`;
// returns the pass's rewrite count. `after` receives the rewritten graph.
template <typename Pass>
int rewrite_and_compare(const ir::Graph& graph, Pass pass, ir::Graph* after,
                        float tolerance = 1e-4f);

// Number of nodes of `op_type`.
int count_ops(const ir::Graph& graph, const std::string& op_type);
// The one node of `op_type` (fails the test otherwise).
const ir::Node& only_node(const ir::Graph& graph, const std::string& op_type);

// Compares outputs of `before` and `after` on two seeds (fails the test on a mismatch).
void check_same_outputs(const ir::Graph& before, const ir::Graph& after, float tolerance);

template <typename Pass>
int rewrite_and_compare(const ir::Graph& graph, Pass pass, ir::Graph* after, float tolerance) {
  *after = graph;
  const int count = pass(*after);
  check_same_outputs(graph, *after, tolerance);
  return count;
}

}  // namespace edgeinfer::testing
