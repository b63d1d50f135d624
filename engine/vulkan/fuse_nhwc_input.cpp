#include "vulkan/fuse_nhwc_input.h"

#include "passes/graph_edit.h"
#include "passes/pass.h"
#include "vulkan/fuse_support.h"

namespace edgeinfer::vulkan {

Result<int> fuse_nhwc_input(ir::Graph& graph, const std::vector<bool>& keep) {
  return passes::absorb_nhwc_input_transposes(graph, keep_options(graph, keep));
}

int expand_nhwc_output(ir::Graph& graph) {
  int added = 0;
  const size_t count = graph.nodes.size();  // the Transposes added below are not revisited
  for (size_t id = 0; id < count; ++id) {
    if (!cpu::writes_channels_last(graph.nodes[id])) continue;
    ir::Node& producer = graph.nodes[id];
    producer.attributes.erase(cpu::kOutputLayoutAttr);
    const ir::ValueId nhwc = producer.outputs[0];
    ir::Value nchw = graph.value(nhwc);
    nchw.name = passes::unique_value_name(graph, nchw.name + "_nchw");
    nchw.kind = ir::ValueKind::kIntermediate;
    if (nchw.has_shape && nchw.dims.size() == 4) {
      const std::vector<ir::Dim>& d = graph.value(nhwc).dims;
      nchw.dims = {d[0], d[3], d[1], d[2]};
    }
    ir::Node transpose;
    transpose.name = producer.name + "_nhwc_output";
    transpose.op_type = "Transpose";
    transpose.domain = producer.domain;
    transpose.opset = producer.opset;
    transpose.attributes["perm"] = std::vector<int64_t>{0, 2, 3, 1};
    transpose.outputs = {nhwc};
    const ir::ValueId nchw_id = graph.add_value(std::move(nchw));
    graph.nodes[id].outputs[0] = nchw_id;
    transpose.inputs = {nchw_id};
    graph.add_node(std::move(transpose));  // now the producer of nhwc
    graph.value(nchw_id).producer = static_cast<ir::NodeId>(id);
    ++added;
  }
  return added;
}

}  // namespace edgeinfer::vulkan
