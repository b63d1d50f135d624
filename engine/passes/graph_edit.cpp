#include "passes/graph_edit.h"
#include "ir/static_shape.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace edgeinfer::passes {

Uses::Uses(const ir::Graph& graph, const PassOptions& options)
    : readers_(graph.values.size()), protected_(graph.values.size(), false) {
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] != ir::kNoValue) {
        readers_[node.inputs[i]].push_back(Reader{static_cast<ir::NodeId>(n), i});
      }
    }
  }
  for (ir::ValueId out : graph.outputs)
    protected_[out] = true;
  for (const std::string& name : options.keep) {
    const ir::ValueId id = graph.find_value(name);
    if (id != ir::kNoValue) protected_[id] = true;
  }
}

bool is_op(const ir::Node& node, const char* op_type) {
  return node.op_type == op_type && (node.domain.empty() || node.domain == "ai.onnx");
}

const float* float_constant(const ir::Graph& graph, ir::ValueId id) {
  if (id == ir::kNoValue) return nullptr;
  const ir::Value& v = graph.value(id);
  if (v.kind != ir::ValueKind::kConstant || v.overridable || !v.constant) return nullptr;
  if (v.constant->dtype() != DType::kFloat32) return nullptr;
  return v.constant->as<float>();
}

std::optional<float> scalar_constant(const ir::Graph& graph, ir::ValueId id) {
  const float* data = float_constant(graph, id);
  if (!data || graph.value(id).constant->elements() != 1) return std::nullopt;
  return data[0];
}

bool is_scalar(const ir::Graph& graph, ir::ValueId id, float expected, size_t max_rank) {
  const std::optional<float> v = scalar_constant(graph, id);
  return v && graph.value(id).constant->shape().size() <= max_rank &&
         std::fabs(*v - expected) <= 1e-6f * std::fabs(expected);
}

namespace {

bool is_binary(const ir::Node& node, const char* op) {
  return is_op(node, op) && node.inputs.size() == 2 && node.outputs.size() == 1 &&
         node.outputs[0] != ir::kNoValue;
}

}  // namespace

bool is_product_of(const ir::Node& node, ir::ValueId a, ir::ValueId b) {
  return is_binary(node, "Mul") && ((node.inputs[0] == a && node.inputs[1] == b) ||
                                    (node.inputs[0] == b && node.inputs[1] == a));
}

bool is_scaled(const ir::Graph& graph, const ir::Node& node, ir::ValueId v, float c, size_t rank) {
  if (is_binary(node, "Div")) {
    return node.inputs[0] == v && is_scalar(graph, node.inputs[1], 1.f / c, rank);
  }
  if (!is_binary(node, "Mul")) return false;
  const size_t at = node.inputs[0] == v ? 0 : 1;
  return node.inputs[at] == v && is_scalar(graph, node.inputs[1 - at], c, rank);
}

std::optional<std::pair<float, float>> clip_bounds(const ir::Graph& graph, const ir::Node& clip) {
  if (clip.opset < 11) {
    return std::make_pair(clip.attr_float("min", std::numeric_limits<float>::lowest()),
                          clip.attr_float("max", std::numeric_limits<float>::max()));
  }
  float bounds[2] = {-std::numeric_limits<float>::infinity(),
                     std::numeric_limits<float>::infinity()};
  for (size_t i = 0; i < 2; ++i) {
    if (!clip.has_input(i + 1)) continue;
    const std::optional<float> v = scalar_constant(graph, clip.inputs[i + 1]);
    if (!v) return std::nullopt;
    bounds[i] = *v;
  }
  return std::make_pair(bounds[0], bounds[1]);
}

const ir::Node* producer_of(const ir::Graph& graph, ir::ValueId id) {
  if (id == ir::kNoValue) return nullptr;
  const ir::Value& v = graph.value(id);
  if (v.kind != ir::ValueKind::kIntermediate || v.producer < 0) return nullptr;
  return &graph.nodes[v.producer];
}

std::optional<std::vector<float>> per_channel_constant(const ir::Graph& graph, ir::ValueId id,
                                                       const ir::Value& target) {
  const float* data = float_constant(graph, id);
  if (!data || !target.has_shape || target.dims.size() < 2 || !target.dims[1].is_static()) {
    return std::nullopt;
  }
  const Shape& shape = graph.value(id).constant->shape();
  const size_t rank = target.dims.size();
  if (shape.size() > rank) return std::nullopt;  // broadcasting would add dims
  const int64_t channels = target.dims[1].value;
  int64_t channel_extent = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const size_t target_dim = rank - shape.size() + i;  // right-aligned, as ONNX broadcasts
    if (target_dim == 1) {
      if (shape[i] != 1 && shape[i] != channels) return std::nullopt;
      channel_extent = shape[i];
    } else if (shape[i] != 1) {
      return std::nullopt;
    }
  }
  return std::vector<float>(data, data + channel_extent);
}

bool has_fixed_shapes(const ir::Graph& graph) {
  for (ir::ValueId id : graph.inputs) {
    const ir::Value& v = graph.value(id);
    if (!v.has_shape) return false;
    for (const ir::Dim& d : v.dims) {
      if (!d.is_static() || !d.symbol.empty()) return false;
    }
  }
  return true;
}

bool is_static_float(const ir::Value& value) {
  return value.dtype == DType::kFloat32 && value.is_fully_static();
}

bool is_float_4d_transpose(const ir::Graph& graph, const ir::Node& node,
                           const std::vector<int64_t>& perm) {
  if (!is_op(node, "Transpose") || !node.has_input(0) || node.outputs.size() != 1 ||
      node.outputs[0] == ir::kNoValue || node.attr_ints("perm") != perm)
    return false;
  const ir::Value& x = graph.value(node.inputs[0]);
  return x.dtype == DType::kFloat32 && x.has_shape && x.dims.size() == 4;
}

void replace_uses(ir::Graph& graph, ir::ValueId from, ir::ValueId to) {
  for (ir::Node& node : graph.nodes) {
    for (ir::ValueId& in : node.inputs) {
      if (in == from) in = to;
    }
  }
}

void remove_node(ir::Graph& graph, ir::NodeId id) {
  remove_nodes(graph, {id});
}

void remove_nodes(ir::Graph& graph, const std::vector<ir::NodeId>& ids) {
  std::vector<bool> remove(graph.nodes.size(), false);
  for (ir::NodeId id : ids)
    remove[id] = true;
  graph.remove_nodes(remove);
}

void take_over_output(ir::Graph& graph, ir::NodeId producer, ir::ValueId value) {
  graph.nodes[producer].outputs[0] = value;
  graph.value(value).producer = producer;
}

void set_input(ir::Node& node, size_t slot, ir::ValueId value) {
  if (node.inputs.size() <= slot) node.inputs.resize(slot + 1, ir::kNoValue);
  node.inputs[slot] = value;
}

std::string unique_value_name(const ir::Graph& graph, const std::string& base) {
  if (graph.find_value(base) == ir::kNoValue) return base;
  for (int n = 1;; ++n) {
    std::string candidate = base + "_" + std::to_string(n);
    if (graph.find_value(candidate) == ir::kNoValue) return candidate;
  }
}

ir::ValueId add_float_constant(ir::Graph& graph, const std::string& base, const Shape& shape,
                               const std::vector<float>& data) {
  ir::Value v;
  v.name = unique_value_name(graph, base);
  v.kind = ir::ValueKind::kConstant;
  v.dtype = DType::kFloat32;
  ir::set_static_shape(v, shape);
  v.constant =
      ir::Constant::copy_of(DType::kFloat32, shape, data.data(), data.size() * sizeof(float));
  return graph.add_value(std::move(v));
}

int rewrite_to_fixed_point(
    ir::Graph& graph, const PassOptions& options,
    const std::function<bool(ir::Graph&, const Uses&, ir::NodeId)>& try_rewrite) {
  int count = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    Uses uses(graph, options);
    // Node order does not matter for correctness: every rewrite keeps the graph valid.
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      if (try_rewrite(graph, uses, static_cast<ir::NodeId>(n))) {
        ++count;
        changed = true;
        break;
      }
    }
  }
  return count;
}

}  // namespace edgeinfer::passes
