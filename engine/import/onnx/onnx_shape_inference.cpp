#include "import/onnx/onnx_shape_inference.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "import/onnx/onnx_inference_guard.h"
#include "import/onnx/onnx_tensor_convert.h"
#include "onnx/defs/data_type_utils.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

namespace edgeinfer::import::onnx_detail {

namespace {

// Initializers up to this size are kept whole: Reshape shapes, Slice starts, Resize scales
// and the like, whose contents inference reads. Larger ones are weights.
constexpr size_t kKeepInitializerBytes = kKeepRawDataBytes;

std::string canonical_domain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

// Large initializers keep only their name, type and dims (build_graph already moved large
// raw_data out; typed fields are what is left).
void drop_large_initializer_data(onnx::GraphProto& g) {
  for (auto& init : *g.mutable_initializer()) {
    if (init.ByteSizeLong() <= kKeepInitializerBytes) continue;
    onnx::TensorProto slim;
    slim.set_name(init.name());
    slim.set_data_type(init.data_type());
    *slim.mutable_dims() = init.dims();
    init = std::move(slim);
  }
}

// Rewrites each caller-fed input's shape to the sizes the importer resolved, so inference
// propagates concrete sizes instead of symbols.
void fix_input_shapes(onnx::GraphProto& g, const ir::Graph& graph) {
  for (auto& vi : *g.mutable_input()) {
    const ir::ValueId id = graph.find_value(vi.name());
    if (id == ir::kNoValue) continue;
    const ir::Value& v = graph.value(id);
    if (v.kind != ir::ValueKind::kInput || !v.has_shape) continue;
    if (!vi.mutable_type()->has_tensor_type()) continue;
    auto* shape = vi.mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->clear_dim();
    for (const ir::Dim& d : v.dims)
      shape->add_dim()->set_dim_value(d.value);
  }
}

// Declared and inferred types: declared sizes fill dims that inference left open.
ValueType merge(const ValueType& declared, const ValueType& inferred) {
  ValueType out = inferred;
  if (out.dtype == DType::kUndefined) out.dtype = declared.dtype;
  if (!out.has_shape) {
    out.has_shape = declared.has_shape;
    out.dims = declared.dims;
  } else if (declared.has_shape && declared.dims.size() == out.dims.size()) {
    for (size_t i = 0; i < out.dims.size(); ++i)
      if (!out.dims[i].is_static()) out.dims[i] = declared.dims[i];
  }
  return out;
}

// Runs ONNX's per-op inference functions node by node, in graph order, rather than
// shape_inference::InferShapes on the whole model: that way each node is checked against
// its schema and the crash guards with its actual input types before ONNX code sees it.
class NodeInference {
 public:
  explicit NodeInference(onnx::ModelProto& model) : model_(model) {
    for (const auto& op : model.opset_import())
      opsets_[canonical_domain(op.domain())] = static_cast<int>(op.version());
    onnx::GraphProto& g = *model.mutable_graph();
    for (auto& vi : *g.mutable_value_info())
      if (vi.has_type()) types_[vi.name()] = vi.mutable_type();
    for (auto& vi : *g.mutable_input())
      if (vi.has_type()) types_[vi.name()] = vi.mutable_type();
    for (const auto& init : g.initializer()) {
      onnx::TypeProto& t = owned_types_[init.name()];
      t.mutable_tensor_type()->set_elem_type(init.data_type());
      auto* shape = t.mutable_tensor_type()->mutable_shape();
      for (int64_t d : init.dims())
        shape->add_dim()->set_dim_value(d);
      types_[init.name()] = &t;
      // Stripped weights have no data to read; only whole tensors are offered as data.
      if (is_whole(init)) data_[init.name()] = &init;
    }
  }

  // Types ONNX inferred for node outputs.
  const std::unordered_map<std::string, onnx::TypeProto>& inferred() const { return inferred_; }

  void run(const std::vector<int>& order) {
    for (int index : order)
      infer_node(*model_.mutable_graph()->mutable_node(index));
  }

 private:
  static bool has_typed_data(const onnx::TensorProto& t) {
    return t.float_data_size() || t.int32_data_size() || t.int64_data_size() ||
           t.double_data_size() || t.uint64_data_size();
  }

  // Whether `t` still holds its data (not external, not moved out by the importer).
  static bool is_whole(const onnx::TensorProto& t) {
    return t.data_location() != onnx::TensorProto::EXTERNAL &&
           (t.has_raw_data() || t.dims_size() == 0 || has_typed_data(t));
  }

  void infer_node(onnx::NodeProto& node) {
    const std::string domain = canonical_domain(node.domain());
    auto opset = opsets_.find(domain);
    if (opset == opsets_.end()) return;
    const onnx::OpSchema* schema =
        onnx::OpSchemaRegistry::Schema(node.op_type(), opset->second, domain);
    if (schema == nullptr || schema->Deprecated() ||
        !schema->has_type_and_shape_inference_function()) {
      return;
    }
    try {
      schema->Verify(node);
    } catch (...) {
      return;  // wrong arity, missing required attribute, ...: inference would trust it
    }
    std::vector<const onnx::TypeProto*> input_types;
    for (const std::string& in : node.input()) {
      auto it = types_.find(in);
      input_types.push_back(in.empty() || it == types_.end() ? nullptr : it->second);
    }
    if (!types_match_schema(*schema, input_types) || !safe_to_infer(node, input_types)) return;
    if (domain.empty() && node.op_type() == "Constant") record_constant(node);
    try {
      onnx::shape_inference::InferenceContextImpl ctx(node, types_, data_, {}, &shape_data_);
      schema->GetTypeAndShapeInferenceFunction()(ctx);
      for (int i = 0; i < node.output_size(); ++i) {
        const onnx::TypeProto& type = ctx.allOutputTypes_[static_cast<size_t>(i)];
        if (node.output(i).empty() || type.value_case() == onnx::TypeProto::VALUE_NOT_SET) {
          continue;
        }
        onnx::TypeProto& stored = inferred_[node.output(i)];
        stored = type;
        types_[node.output(i)] = &stored;
      }
      if (schema->has_data_propagation_function()) {
        onnx::shape_inference::DataPropagationContextImpl dctx(node, types_, data_, shape_data_);
        schema->GetDataPropagationFunction()(dctx);
        for (const std::string& out : node.output())
          offer_propagated_value(out);
      }
    } catch (...) {
      // A node ONNX cannot infer keeps unknown output types; the rest goes on.
    }
  }

  // Inference functions assume inputs of the element types their schema allows (a scalar
  // int64 where a float signal belongs crashes STFT's). Unknown types pass.
  static bool types_match_schema(const onnx::OpSchema& schema,
                                 const std::vector<const onnx::TypeProto*>& inputs) {
    const auto& formals = schema.inputs();
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i] == nullptr || formals.empty()) continue;
      if (!inputs[i]->has_tensor_type() || !inputs[i]->tensor_type().has_elem_type()) continue;
      const auto& formal = formals[std::min(i, formals.size() - 1)];
      const auto& allowed = formal.GetTypes();
      if (allowed.count(onnx::Utils::DataTypeUtils::ToType(*inputs[i])) == 0) return false;
    }
    return true;
  }

  void record_constant(const onnx::NodeProto& node) {
    for (const auto& a : node.attribute())
      if (a.name() == "value" && a.has_t() && node.output_size() == 1 && is_whole(a.t()))
        data_[node.output(0)] = &a.t();
  }

  // ONNX 1.12 reads only tensor data (not propagated values) where an output shape depends
  // on an input's contents (Resize sizes, Reshape shape, Expand, ...). Values data
  // propagation fully knows (Shape -> Slice -> Concat) are offered as tensors too.
  void offer_propagated_value(const std::string& name) {
    auto it = shape_data_.find(name);
    auto type = types_.find(name);
    if (it == shape_data_.end() || type == types_.end() || data_.count(name)) return;
    const auto& dims = it->second.dim();
    if (!std::all_of(dims.begin(), dims.end(), [](const auto& d) { return d.has_dim_value(); })) {
      return;
    }
    const onnx::TypeProto& t = *type->second;
    if (!t.has_tensor_type() || !t.tensor_type().has_shape()) return;
    const int rank = t.tensor_type().shape().dim_size();
    const int32_t elem = t.tensor_type().elem_type();
    if (rank > 1 || (rank == 0 && dims.size() != 1)) return;
    if (elem != onnx::TensorProto::INT64 && elem != onnx::TensorProto::INT32) return;
    onnx::TensorProto& tensor = owned_data_[name];
    tensor.set_name(name);
    tensor.set_data_type(elem);
    if (rank == 1) tensor.add_dims(dims.size());
    for (const auto& d : dims) {
      if (elem == onnx::TensorProto::INT64) {
        tensor.add_int64_data(d.dim_value());
      } else {
        tensor.add_int32_data(static_cast<int32_t>(d.dim_value()));
      }
    }
    data_[name] = &tensor;
  }

  onnx::ModelProto& model_;
  std::unordered_map<std::string, int> opsets_;
  // Node-based maps keep element addresses stable, as the ONNX contexts hold pointers.
  std::unordered_map<std::string, onnx::TypeProto*> types_;
  std::unordered_map<std::string, onnx::TypeProto> owned_types_;
  std::unordered_map<std::string, onnx::TypeProto> inferred_;
  std::unordered_map<std::string, const onnx::TensorProto*> data_;
  std::unordered_map<std::string, onnx::TensorProto> owned_data_;
  std::unordered_map<std::string, onnx::TensorShapeProto> shape_data_;
};

// Proto node indices in an order where producers come first. Constant nodes are not in
// the IR, so they go first (they have no inputs); the rest follow the IR's order.
std::vector<int> inference_order(const onnx::GraphProto& g, const ir::Graph& graph) {
  std::unordered_map<std::string, int> node_of_output;
  std::vector<int> order;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (n.op_type() == "Constant" && canonical_domain(n.domain()).empty()) {
      order.push_back(i);
      continue;
    }
    for (const std::string& out : n.output())
      if (!out.empty()) node_of_output.emplace(out, i);
  }
  auto ir_order = graph.topological_order();
  if (!ir_order) return order;
  for (ir::NodeId id : *ir_order) {
    for (ir::ValueId out : graph.nodes[static_cast<size_t>(id)].outputs) {
      if (out == ir::kNoValue) continue;
      auto it = node_of_output.find(graph.value(out).name);
      if (it != node_of_output.end()) {
        order.push_back(it->second);
        break;
      }
    }
  }
  return order;
}

}  // namespace

std::map<std::string, ValueType> infer_value_types(onnx::ModelProto& model,
                                                   const ir::Graph& graph) {
  std::map<std::string, ValueType> types;
  drop_large_initializer_data(*model.mutable_graph());
  fix_input_shapes(*model.mutable_graph(), graph);
  for (const auto& vi : model.graph().value_info())
    types[vi.name()] = lenient_type(vi.type());
  for (const auto& vi : model.graph().output())
    types[vi.name()] = lenient_type(vi.type());
  try {
    NodeInference inference(model);
    inference.run(inference_order(model.graph(), graph));
    for (const auto& [name, type] : inference.inferred()) {
      auto it = types.find(name);
      types[name] = it == types.end() ? lenient_type(type) : merge(it->second, lenient_type(type));
    }
  } catch (...) {
    // Not fatal (bad_alloc included): the declared types collected above remain.
  }
  return types;
}

}  // namespace edgeinfer::import::onnx_detail
