#include "import/onnx/onnx_graph_builder.h"

#include <set>
#include <utility>

#include "import/onnx/onnx_attributes.h"
#include "import/onnx/onnx_tensor_convert.h"
#include "import/onnx/onnx_types.h"
#include "ir/static_shape.h"
#include "onnx/onnx_pb.h"

namespace edgeinfer::import::onnx_detail {

namespace {

// "" and "ai.onnx" name the same default domain; the IR spells it "".
std::string canonical_domain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

Status invalid(std::string message) {
  return error(StatusCode::kInvalidModel, std::move(message));
}

class GraphBuilder {
 public:
  GraphBuilder(onnx::ModelProto& model, const ImportOptions& options, std::string base_dir)
      : model_(model),
        graph_proto_(*model.mutable_graph()),
        options_(options),
        base_dir_(std::move(base_dir)) {}

  Result<ir::Graph> build() {
    graph_.name = graph_proto_.name();
    EI_RETURN_IF_ERROR(read_opsets());
    for (const auto& f : model_.functions())
      functions_.emplace(canonical_domain(f.domain()), f.name());
    EI_RETURN_IF_ERROR(add_initializers());
    EI_RETURN_IF_ERROR(add_inputs());
    EI_RETURN_IF_ERROR(add_nodes());
    EI_RETURN_IF_ERROR(add_outputs());
    return std::move(graph_);
  }

 private:
  Status read_opsets() {
    for (const auto& entry : model_.opset_import()) {
      const std::string domain = canonical_domain(entry.domain());
      const int64_t version = entry.version();
      const std::string shown = domain.empty() ? "the default ONNX domain" : "'" + domain + "'";
      const bool is_default = domain.empty();
      const int64_t lo = is_default ? kMinOpset : 1;
      const int64_t hi = is_default ? kMaxOpset : 1000;
      if (version < lo || version > hi) {
        return error(
            is_default && version > 0 ? StatusCode::kUnsupported : StatusCode::kInvalidModel,
            "opset " + std::to_string(version) + " of " + shown +
                " is out of the supported range " + std::to_string(lo) + " to " +
                std::to_string(hi));
      }
      if (!graph_.opsets.emplace(domain, static_cast<int>(version)).second) {
        return invalid("opset_import lists " + shown + " twice");
      }
    }
    return Status::ok();
  }

  // A new value, refusing a name that is already taken.
  Result<ir::ValueId> add_named(ir::Value value, const std::string& what) {
    if (value.name.empty()) return invalid(what + " has an empty name");
    if (graph_.find_value(value.name) != ir::kNoValue) {
      return invalid(what + " '" + value.name + "' is already defined");
    }
    return graph_.add_value(std::move(value));
  }

  Status add_constant(const std::string& name, ir::ConstantPtr constant, const std::string& what) {
    ir::Value v;
    v.name = name;
    v.kind = ir::ValueKind::kConstant;
    v.dtype = constant->dtype();
    ir::set_static_shape(v, constant->shape());
    v.constant = std::move(constant);
    auto id = add_named(std::move(v), what);
    return id.status();
  }

  Status add_initializers() {
    if (graph_proto_.sparse_initializer_size() > 0) {
      return error(StatusCode::kUnsupported, "sparse initializers are not supported");
    }
    for (auto& init : *graph_proto_.mutable_initializer()) {
      auto constant = convert_tensor(init, base_dir_, options_.map_weights);
      if (!constant) return constant.status().with_context("initializer '" + init.name() + "'");
      EI_RETURN_IF_ERROR(add_constant(init.name(), std::move(constant).value(), "initializer"));
    }
    return Status::ok();
  }

  Status add_inputs() {
    for (const auto& vi : graph_proto_.input()) {
      const ir::ValueId existing = graph_.find_value(vi.name());
      if (existing != ir::kNoValue && graph_.value(existing).kind == ir::ValueKind::kConstant &&
          !graph_.value(existing).overridable) {
        // An initializer listed as input: a constant unless the caller feeds it.
        graph_.value(existing).overridable = true;
        continue;
      }
      auto type = input_type(vi.type(), options_);
      if (!type) return type.status().with_context("graph input '" + vi.name() + "'");
      ir::Value v;
      v.name = vi.name();
      v.kind = ir::ValueKind::kInput;
      v.dtype = type->dtype;
      v.has_shape = type->has_shape;
      v.dims = std::move(type->dims);
      EI_ASSIGN_OR_RETURN(ir::ValueId id, add_named(std::move(v), "graph input"));
      graph_.inputs.push_back(id);
    }
    return Status::ok();
  }

  // Names of unnamed nodes: op type and index, made unique against every other node name.
  std::vector<std::string> node_names() const {
    std::set<std::string> taken;
    for (const auto& n : graph_proto_.node())
      taken.insert(n.name());
    std::vector<std::string> names;
    names.reserve(static_cast<size_t>(graph_proto_.node_size()));
    int index = 0;
    for (const auto& n : graph_proto_.node()) {
      std::string name = n.name();
      if (name.empty()) {
        const std::string base = n.op_type() + "_" + std::to_string(index);
        name = base;
        for (int k = 1; taken.count(name); ++k)
          name = base + "_" + std::to_string(k);
        taken.insert(name);
      }
      names.push_back(std::move(name));
      ++index;
    }
    return names;
  }

  Status check_op(const onnx::NodeProto& n, ir::Node& node) {
    if (n.op_type().empty()) return invalid("has no op_type");
    auto it = graph_.opsets.find(node.domain);
    if (it == graph_.opsets.end()) {
      return invalid("its domain '" + node.domain + "' is not in the model's opset_import");
    }
    node.opset = it->second;
    if (functions_.count({node.domain, n.op_type()})) {
      return error(StatusCode::kUnsupported, "uses the model-local function '" + n.op_type() +
                                                 "'; model-local functions are not supported");
    }
    return Status::ok();
  }

  // A Constant node becomes a constant value, not a node.
  Status add_constant_node(onnx::NodeProto& n) {
    if (n.input_size() != 0 || n.output_size() != 1 || n.output(0).empty()) {
      return invalid("a Constant node needs no inputs and one named output");
    }
    EI_ASSIGN_OR_RETURN(ir::ConstantPtr constant, constant_node_value(n, base_dir_));
    return add_constant(n.output(0), std::move(constant), "output");
  }

  Status add_node(onnx::NodeProto& n, std::string name) {
    ir::Node node;
    node.name = std::move(name);
    node.op_type = n.op_type();
    node.domain = canonical_domain(n.domain());
    EI_RETURN_IF_ERROR(check_op(n, node));
    if (node.domain.empty() && node.op_type == "Constant") return add_constant_node(n);
    for (auto& a : *n.mutable_attribute()) {
      auto attribute = convert_attribute(a, base_dir_);
      if (!attribute) return attribute.status();
      if (!node.attributes.emplace(a.name(), std::move(attribute).value()).second) {
        return invalid("attribute '" + a.name() + "' is given twice");
      }
    }
    for (const std::string& out : n.output()) {
      if (out.empty()) {
        node.outputs.push_back(ir::kNoValue);  // an omitted optional output
        continue;
      }
      ir::Value v;
      v.name = out;
      EI_ASSIGN_OR_RETURN(ir::ValueId id, add_named(std::move(v), "output"));
      node.outputs.push_back(id);
    }
    graph_.add_node(std::move(node));
    return Status::ok();
  }

  // Inputs are resolved after every node's outputs exist, so a graph listed out of order
  // still imports and a missing producer gets a message of its own.
  Status resolve_inputs(const onnx::NodeProto& n, ir::Node& node) {
    for (const std::string& in : n.input()) {
      if (in.empty()) {
        node.inputs.push_back(ir::kNoValue);  // an omitted optional input
        continue;
      }
      const ir::ValueId id = graph_.find_value(in);
      if (id == ir::kNoValue) {
        return invalid("input '" + in +
                       "' is not produced by any node, graph input, initializer or Constant");
      }
      node.inputs.push_back(id);
    }
    return Status::ok();
  }

  Status add_nodes() {
    const std::vector<std::string> names = node_names();
    std::vector<int> proto_of_node;  // IR node -> index in the proto (Constant nodes vanish)
    for (int i = 0; i < graph_proto_.node_size(); ++i) {
      onnx::NodeProto& n = *graph_proto_.mutable_node(i);
      const size_t before = graph_.nodes.size();
      Status s = add_node(n, names[static_cast<size_t>(i)]);
      if (!s) {
        const std::string domain = canonical_domain(n.domain());
        return s.with_context("node '" + names[static_cast<size_t>(i)] + "' (" +
                              (domain.empty() ? "" : domain + ".") + n.op_type() + ")");
      }
      if (graph_.nodes.size() != before) proto_of_node.push_back(i);
    }
    for (size_t k = 0; k < graph_.nodes.size(); ++k) {
      ir::Node& node = graph_.nodes[k];
      Status s = resolve_inputs(graph_proto_.node(proto_of_node[k]), node);
      if (!s) return s.with_context(node.describe());
    }
    return Status::ok();
  }

  Status add_outputs() {
    if (graph_proto_.output_size() == 0) return invalid("the graph has no outputs");
    for (const auto& vi : graph_proto_.output()) {
      const ir::ValueId id = graph_.find_value(vi.name());
      if (id == ir::kNoValue) {
        return invalid("graph output '" + vi.name() +
                       "' is not produced by any node, graph input, initializer or Constant");
      }
      graph_.outputs.push_back(id);
    }
    return Status::ok();
  }

  onnx::ModelProto& model_;
  onnx::GraphProto& graph_proto_;
  const ImportOptions& options_;
  std::string base_dir_;
  ir::Graph graph_;
  std::set<std::pair<std::string, std::string>> functions_;  // (domain, name) defined locally
};

}  // namespace

Result<ir::Graph> build_graph(onnx::ModelProto& model, const ImportOptions& options,
                              const std::string& base_dir) {
  return GraphBuilder(model, options, base_dir).build();
}

}  // namespace edgeinfer::import::onnx_detail
