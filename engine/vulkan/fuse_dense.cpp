#include "vulkan/fuse_dense.h"

#include "cpu/fused_epilogue.h"
#include "ir/tensor_size.h"
#include "passes/graph_edit.h"
#include "vulkan/aliases.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

namespace {

using passes::is_op;

// A float32 constant of n values that broadcasts along the last dim only ([n], [1,..,1,n]).
bool is_row_bias(const ir::Graph& g, ir::ValueId id, int64_t n) {
  if (!passes::float_constant(g, id)) return false;
  const Shape s = g.value(id).static_shape();
  if (s.empty() || s.back() != n) return false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != 1) return false;
  }
  return true;
}

bool try_fuse(ir::Graph& g, const passes::Uses& uses, ir::NodeId id) {
  const ir::Node& mm = g.nodes[id];
  if (!is_op(mm, "MatMul") || mm.inputs.size() != 2 || mm.outputs.size() != 1) return false;
  const Shape a = g.value(mm.inputs[0]).static_shape();
  const Shape b = g.value(mm.inputs[1]).static_shape();
  if (a.size() != 2 || b.size() != 2 || !passes::is_static_float(g.value(mm.outputs[0])))
    return false;
  const int64_t n = b[1];
  std::vector<ir::NodeId> dropped;
  ir::ValueId v = mm.outputs[0];
  // Reshapes, then Add(bias) (required), then an optional Relu or Sigmoid.
  ir::NodeId next = uses.sole_reader(v);
  while (next >= 0 && same_bytes_new_shape(g, g.nodes[next]) && g.nodes[next].inputs[0] == v) {
    dropped.push_back(next);
    v = g.nodes[next].outputs[0];
    next = uses.sole_reader(v);
  }
  if (next < 0 || !is_op(g.nodes[next], "Add")) return false;
  const ir::Node& add = g.nodes[next];
  if (add.inputs.size() != 2) return false;
  const ir::ValueId bias = add.inputs[0] == v ? add.inputs[1] : add.inputs[0];
  if (!is_row_bias(g, bias, n)) return false;
  const ir::ValueId sum = add.outputs[0];
  const Shape sum_shape = g.value(sum).static_shape();
  if (sum_shape.empty() || sum_shape.back() != n ||
      shape_elements(sum_shape) != shape_elements(g.value(v).static_shape()))
    return false;
  dropped.push_back(next);
  ir::ValueId last = sum;
  std::string activation;
  next = uses.sole_reader(sum);
  if (next >= 0 && (is_op(g.nodes[next], "Relu") || is_op(g.nodes[next], "Sigmoid")) &&
      g.nodes[next].outputs.size() == 1) {
    activation = g.nodes[next].op_type;
    dropped.push_back(next);
    last = g.nodes[next].outputs[0];
  }
  ir::Node& gemm = g.nodes[id];
  gemm.op_type = "Gemm";
  gemm.inputs.push_back(bias);
  if (!activation.empty()) gemm.attributes[cpu::kActivationAttr] = activation;
  passes::take_over_output(g, id, last);
  passes::remove_nodes(g, dropped);
  return true;
}

}  // namespace

Result<int> fuse_dense_chains(ir::Graph& graph, const std::vector<bool>& keep) {
  return passes::rewrite_to_fixed_point(graph, keep_options(graph, keep), try_fuse);
}

}  // namespace edgeinfer::vulkan
