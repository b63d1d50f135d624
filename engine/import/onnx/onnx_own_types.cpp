#include "import/onnx/onnx_own_types.h"

#include "import/onnx/onnx_types.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import::onnx_detail {

namespace {

bool is_typed(const ir::Value& v) {
  return v.dtype != DType::kUndefined && v.is_fully_static();
}

// What the model declares may be partial (unknown dtype, rank or dims): only what it states
// has to agree.
bool agrees(const ir::Value& v, const ValueType& declared) {
  if (declared.dtype != DType::kUndefined && declared.dtype != v.dtype) return false;
  if (!declared.has_shape) return true;
  if (declared.dims.size() != v.dims.size()) return false;
  for (size_t i = 0; i < v.dims.size(); ++i) {
    const ir::Dim& d = declared.dims[i];
    if (d.is_static() && d.value != v.dims[i].value) return false;
  }
  return true;
}

bool agrees_with_declared(const ir::Graph& graph, const onnx::GraphProto& declared) {
  auto check = [&](const auto& infos) {
    for (const auto& vi : infos) {
      const ir::ValueId id = graph.find_value(vi.name());
      if (id == ir::kNoValue) continue;  // value_info may name values the graph lacks
      const ir::Value& v = graph.value(id);
      if (v.kind != ir::ValueKind::kIntermediate) continue;
      if (!agrees(v, lenient_type(vi.type()))) return false;
    }
    return true;
  };
  return check(declared.value_info()) && check(declared.output());
}

void clear_types(ir::Graph& graph) {
  for (ir::Value& v : graph.values) {
    if (v.kind != ir::ValueKind::kIntermediate) continue;
    v.dtype = DType::kUndefined;
    v.has_shape = false;
    v.dims.clear();
  }
}

}  // namespace

bool type_with_own_rules(ir::Graph& graph, const onnx::GraphProto& declared,
                         const std::function<void(ir::Graph&)>& own_inference) {
  own_inference(graph);
  bool complete = true;
  for (const ir::Value& v : graph.values)
    if (v.kind == ir::ValueKind::kIntermediate && !is_typed(v)) complete = false;
  if (complete && agrees_with_declared(graph, declared)) return true;
  clear_types(graph);
  return false;
}

}  // namespace edgeinfer::import::onnx_detail
