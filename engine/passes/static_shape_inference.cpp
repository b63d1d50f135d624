// Static shape inference: import types the graph once, before constant and shape folding.
// Where a Resize reads sizes that only folding made constant (tf2onnx's
// Concat(Slice(Shape(x)), ...)), its output and everything after it may keep unknown dims. This
// pass fills them in with the reference kernels' own shape rules (cpu/node_output_types.h),
// with the graph's constants as the known contents.
#include "cpu/node_output_types.h"
#include "ir/static_shape.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

bool needs_shape(const ir::Graph& graph, const ir::Node& node) {
  for (ir::ValueId out : node.outputs)
    if (out != ir::kNoValue && !graph.value(out).is_fully_static()) return true;
  return false;
}

// Declared dims (from the importer) must agree with the computed ones where they are known.
bool compatible(const ir::Value& v, const Shape& shape) {
  if (!v.has_shape) return true;
  if (v.dims.size() != shape.size()) return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (v.dims[d].is_static() && v.dims[d].value != shape[d]) return false;
  return true;
}

}  // namespace

int infer_static_shapes(ir::Graph& graph, const PassOptions& options) {
  (void)options;  // shapes are facts, not rewrites: kept values get them too
  if (!has_fixed_shapes(graph)) return 0;
  auto order = graph.topological_order();
  if (!order) return 0;
  // Constants are the known contents; a fed initializer (overridable) is only a type.
  const cpu::KnownContents constants = [&graph](ir::ValueId id) -> const ir::Constant* {
    const ir::Value& v = graph.value(id);
    return v.kind == ir::ValueKind::kConstant && !v.overridable ? v.constant.get() : nullptr;
  };
  cpu::Placeholders placeholders;
  int count = 0;
  for (ir::NodeId id : *order) {
    const ir::Node& node = graph.nodes[id];
    if (!needs_shape(graph, node)) continue;
    const auto results = cpu::node_output_types(graph, node, constants, placeholders);
    if (!results) continue;
    bool fits = true;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == ir::kNoValue) continue;
      const ir::Value& v = graph.value(node.outputs[i]);
      const cpu::OutputType& r = (*results)[i];
      fits &= r.dtype != DType::kUndefined && compatible(v, r.shape) &&
              (v.dtype == DType::kUndefined || v.dtype == r.dtype);
    }
    if (!fits) continue;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] == ir::kNoValue) continue;
      ir::Value& v = graph.value(node.outputs[i]);
      v.dtype = (*results)[i].dtype;
      ir::set_static_shape(v, (*results)[i].shape);
    }
    ++count;
  }
  return count;
}

}  // namespace edgeinfer::passes
