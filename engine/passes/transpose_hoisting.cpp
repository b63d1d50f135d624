// Constant ops moved before a Transpose: converted models end with
//     Add(Transpose(ConvTranspose(x), to_nhwc), bias)
// where the bias broadcasts along the last (channel) axis, two values per pixel: an
// elementwise pass with a tiny inner loop. Applying the op before the Transpose, with the
// constant's shape permuted to match, computes the same values; there the constant is per
// channel of the producer's output, so Mul/Add folding then moves it into the weights and the
// op disappears. Only constants that vary along at most one axis are moved (their data order
// does not change with the shape), and only when the Transpose reads a Conv, ConvTranspose or
// Gemm that folding can absorb them into.
#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

bool is_constant_op(const ir::Node& node) {
  return (is_op(node, "Mul") || is_op(node, "Add") || is_op(node, "Sub") || is_op(node, "Div")) &&
         node.inputs.size() == 2 && node.outputs.size() == 1 && node.outputs[0] != ir::kNoValue;
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& op = graph.nodes[id];
  if (!is_constant_op(op) || !op.has_input(0) || !op.has_input(1)) return false;
  for (size_t k = 0; k < 2; ++k) {
    const ir::ValueId tv = op.inputs[k];
    const ir::ValueId c = op.inputs[1 - k];
    const ir::Node* t = producer_of(graph, tv);
    if (!t || !is_op(*t, "Transpose") || !t->has_input(0) || !t->has_attr("perm") ||
        t->outputs.size() != 1 || uses.sole_reader(tv) != id) {
      continue;
    }
    const ir::NodeId t_id = graph.value(tv).producer;
    const ir::ValueId x = t->inputs[0];
    const ir::Node* source = producer_of(graph, x);
    if (t_id >= id || !source || !is_fusable_producer(graph, *source, true)) continue;
    const std::vector<int64_t> perm = t->attr_ints("perm");
    const ir::Value& xv = graph.value(x);
    const ir::Value& cv = graph.value(c);
    const float* data = float_constant(graph, c);
    const size_t rank = perm.size();
    if (!data || !is_static_float(cv) || !xv.has_shape || xv.dims.size() != rank ||
        cv.dims.size() > rank) {
      continue;
    }
    // The constant's shape aligned to the output's rank; it may vary along one axis only.
    const Shape c_shape = cv.static_shape();
    Shape aligned(rank - c_shape.size(), 1);
    aligned.insert(aligned.end(), c_shape.begin(), c_shape.end());
    int varying = 0;
    for (int64_t d : aligned)
      varying += d != 1 ? 1 : 0;
    bool valid_perm = true;
    for (int64_t p : perm)
      valid_perm &= p >= 0 && p < static_cast<int64_t>(rank);
    if (varying > 1 || !valid_perm) continue;
    // Output axis i is input axis perm[i]: the constant's axis i moves to perm[i].
    Shape moved(rank, 1);
    for (size_t i = 0; i < rank; ++i)
      moved[perm[i]] = aligned[i];
    const std::vector<float> values(data, data + shape_elements(c_shape));
    const ir::ValueId c2 = add_float_constant(graph, cv.name + "_transposed", moved, values);
    const ir::ValueId result = op.outputs[0];
    // The op now computes in the Transpose's input layout and writes what was the Transpose's
    // output value (given the input's shape); the Transpose reads it and writes the op's result.
    ir::Node& new_op = graph.nodes[id];
    new_op.inputs[k] = x;
    new_op.inputs[1 - k] = c2;
    new_op.outputs[0] = tv;
    graph.value(tv).dims = graph.value(x).dims;
    ir::Node& transpose = graph.nodes[t_id];
    transpose.inputs[0] = tv;
    transpose.outputs[0] = result;
    // Swap the two nodes so that node order stays a topological order: the op reads x (made
    // before the Transpose) and a constant; the Transpose's readers all came after the op.
    std::swap(graph.nodes[t_id], graph.nodes[id]);
    graph.value(tv).producer = t_id;
    graph.value(result).producer = id;
    return true;
  }
  return false;
}

}  // namespace

int hoist_constant_ops_over_transposes(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
