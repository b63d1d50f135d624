// NHWC outputs written in place: models converted from TensorFlow end with
//     Transpose<perm=[0,2,3,1]>(ConvTranspose(x, W, B))
// a full copy of the result after the last layer. When the Transpose is the ConvTranspose's
// only reader, the ConvTranspose writes the Transpose's value itself, channels-last, marked
// with cpu::kOutputLayoutAttr (cpu/input_layout.h), and the Transpose goes; the value keeps
// its name, so graph outputs keep theirs.
#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// A ConvTranspose writing its one output in the ONNX layout, without a fused residual (which
// would have to be channels-last too).
bool writes_nchw(const ir::Node& node) {
  return is_op(node, "ConvTranspose") && node.outputs.size() == 1 &&
         !node.has_attr(cpu::kOutputLayoutAttr) && !node.has_input(cpu::kResidualInput);
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& t = graph.nodes[id];
  if (!is_float_4d_transpose(graph, t, {0, 2, 3, 1})) return false;
  const ir::ValueId nchw = t.inputs[0];
  const ir::NodeId producer = graph.value(nchw).producer;
  if (producer < 0 || !writes_nchw(graph.nodes[producer]) || uses.sole_reader(nchw) != id)
    return false;
  graph.nodes[producer].attributes[cpu::kOutputLayoutAttr] = std::string(cpu::kChannelsLastLayout);
  take_over_output(graph, producer, t.outputs[0]);
  remove_node(graph, id);  // renumbers the nodes: last
  return true;
}

}  // namespace

int absorb_nhwc_output_transposes(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
