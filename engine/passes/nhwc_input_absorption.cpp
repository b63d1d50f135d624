// NHWC inputs read in place: converted TensorFlow models start with
//     Conv(Transpose<perm=[0,3,1,2]>(image_nhwc), W, B)
// a full copy of the image before the first layer. When every reader of the Transpose is a
// Conv reading it as input 0, the Convs read the NHWC tensor directly, marked with
// cpu::kInputLayoutAttr (cpu/input_layout.h), and the Transpose goes. Every Conv kernel
// (reference, fast CPU, Vulkan) honours the attribute.
#include "cpu/input_layout.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// Slot 0 of a Conv still in the ONNX layout (a Conv that also reads the value as weights or
// bias has a second reader entry, for that slot, which fails this).
bool reads_as_conv_input(const ir::Graph& graph, const Reader& reader) {
  const ir::Node& conv = graph.nodes[reader.node];
  return is_op(conv, "Conv") && reader.input == 0 && !conv.has_attr(cpu::kInputLayoutAttr);
}

bool rewrite(ir::Graph& graph, const Uses& uses, ir::NodeId id) {
  const ir::Node& t = graph.nodes[id];
  if (!is_float_4d_transpose(graph, t, {0, 3, 1, 2})) return false;
  const ir::ValueId nchw = t.outputs[0];
  const std::vector<Reader>& readers = uses.readers(nchw);
  if (uses.is_protected(nchw) || readers.empty()) return false;
  for (const Reader& r : readers)
    if (!reads_as_conv_input(graph, r)) return false;
  const ir::ValueId nhwc = t.inputs[0];
  for (const Reader& r : readers) {
    ir::Node& conv = graph.nodes[r.node];
    conv.inputs[0] = nhwc;
    conv.attributes[cpu::kInputLayoutAttr] = std::string(cpu::kChannelsLastLayout);
  }
  remove_node(graph, id);
  return true;
}

}  // namespace

int absorb_nhwc_input_transposes(ir::Graph& graph, const PassOptions& options) {
  return rewrite_to_fixed_point(graph, options, rewrite);
}

}  // namespace edgeinfer::passes
