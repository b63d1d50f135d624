// import_onnx: bytes -> ModelProto -> IR graph -> types from the engine's own shape rules
// where they type the whole graph, else from ONNX shape inference.
#include <exception>
#include <new>

#include "import/importer.h"
#include "import/onnx/onnx_graph_builder.h"
#include "import/onnx/onnx_own_types.h"
#include "import/onnx/onnx_proto_io.h"
#include "import/onnx/onnx_shape_inference.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import {

namespace {

using namespace onnx_detail;

// IR versions 3 (ONNX 1.0, opset 7) through 11 (ONNX 1.18); past that the format may
// carry fields this importer would silently ignore.
constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 11;

Status check_header(const onnx::ModelProto& model) {
  if (!model.has_ir_version()) {
    return error(StatusCode::kInvalidModel, "no ir_version: not an ONNX model");
  }
  if (model.ir_version() < kMinIrVersion || model.ir_version() > kMaxIrVersion) {
    return error(StatusCode::kUnsupported, "ir_version " + std::to_string(model.ir_version()) +
                                               " is out of the supported range " +
                                               std::to_string(kMinIrVersion) + " to " +
                                               std::to_string(kMaxIrVersion));
  }
  if (!model.has_graph()) return error(StatusCode::kInvalidModel, "the model has no graph");
  return Status::ok();
}

void apply_types(ir::Graph& graph, const std::map<std::string, ValueType>& types) {
  for (ir::Value& v : graph.values) {
    if (v.kind != ir::ValueKind::kIntermediate) continue;
    auto it = types.find(v.name);
    if (it == types.end()) continue;
    v.dtype = it->second.dtype;
    v.has_shape = it->second.has_shape;
    v.dims = it->second.dims;
  }
}

Result<ir::Graph> import_unguarded(const ModelBytes& bytes, const ImportOptions& options) {
  onnx::ModelProto model;
  EI_RETURN_IF_ERROR(parse_proto(bytes.data, bytes.size, model, "ONNX model"));
  EI_RETURN_IF_ERROR(check_header(model));
  EI_ASSIGN_OR_RETURN(ir::Graph graph, build_graph(model, options, bytes.base_dir));
  // Cycles, duplicate producers and the like: checked before shape inference (the engine's
  // rules or ONNX's) sees the graph, as it assumes a well-formed one.
  EI_RETURN_IF_ERROR(graph.validate());
  if (!options.own_shape_inference ||
      !type_with_own_rules(graph, model.graph(), options.own_shape_inference)) {
    apply_types(graph, infer_value_types(model, graph));
  }
  if (options.map_weights) map_onnx_initializers(graph, bytes);
  return graph;
}

}  // namespace

Result<ir::Graph> import_onnx(const ModelBytes& bytes, const ImportOptions& options) {
  const std::string& name = bytes.name.empty() ? std::string("<memory>") : bytes.name;
  try {
    auto graph = import_unguarded(bytes, options);
    if (!graph) return graph.status().with_context(name);
    return graph;
  } catch (const std::bad_alloc&) {
    return error(StatusCode::kOutOfMemory, name + ": out of memory while importing the model");
  } catch (const std::exception& e) {
    return error(StatusCode::kInternal, name + ": importing failed: " + e.what());
  } catch (...) {
    return error(StatusCode::kInternal, name + ": importing failed with an unknown exception");
  }
}

}  // namespace edgeinfer::import
