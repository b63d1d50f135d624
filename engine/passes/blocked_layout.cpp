// Blocked channel layout (NCHWc) for the CPU executor: convolutions and the ops between them
// carry their tensors as N x C/b x H x W x b (cpu/blocked_layout.h), with reorders only where
// an op needs the ONNX layout.
//
// One walk in topological order. A Conv the blocked kernels take (one group, or depthwise)
// starts or extends a region: its output gets a blocked twin value. An op that works per
// channel (activations, per-channel or same-shape arithmetic, pooling, Resize, Concat of whole
// blocks) joins the region when one of its inputs has a twin: it reads the twins and writes a
// twin of its own. Wherever a region node reads a value without a twin, a reorder to the
// blocked layout makes one (once per value); wherever something outside the region (or the
// caller) reads a value that only has a twin, a reorder back gives it the value.
//
// A BatchNormalization in a region becomes a depthwise 1x1 Conv (one pass, blocked kernels); a
// ConvTranspose reads a blocked input in place; Convs the caller's predicate names (the CPU's
// Winograd layers) stay planar. Per-channel constants become blocked constants
// (1 x C/b x 1 x 1 x b, zero padding), so the NumPy broadcasting of the unchanged elementwise
// kernels stays right; scalars stay as they are.
#include <algorithm>
#include <set>

#include "cpu/blocked_layout.h"
#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "ir/static_shape.h"
#include "passes/channel_affine.h"
#include "passes/graph_edit.h"

namespace edgeinfer::passes {

namespace {

// Elementwise ops of one input that map 0 to a finite value and never overflow on finite input,
// so padding lanes stay finite.
const std::set<std::string>& unary_ops() {
  static const std::set<std::string> ops = {"Relu",      "Clip",      "Sigmoid", "HardSigmoid",
                                            "HardSwish", "LeakyRelu", "Tanh",    "Identity"};
  return ops;
}

// Elementwise ops of two inputs that keep finite lanes finite (no Div: padding would divide by
// zero).
const std::set<std::string>& binary_ops() {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Max", "Min", "PRelu"};
  return ops;
}

bool is_static_float_4d(const ir::Value& v) {
  return is_static_float(v) && v.dims.size() == 4;
}

class BlockedLayout {
 public:
  BlockedLayout(ir::Graph& graph, const PassOptions& options, int block,
                const ConvPredicate& stays_planar)
      : graph_(graph),
        options_(options),
        block_(block),
        stays_planar_(stays_planar),
        twin_(graph.values.size(), ir::kNoValue) {}

  int run() {
    auto order = graph_.topological_order();
    if (!order) return 0;
    const std::string layout = cpu::blocked_layout_name(block_);
    int joined = 0;
    // Reorders are appended to graph_.nodes (and values to graph_.values) during the walk: the
    // code below indexes them and copies what it keeps, never holding a reference across it.
    for (ir::NodeId id : *order) {
      if (!graph_.nodes[id].domain.empty()) continue;
      if (join(id, layout) || read_blocked_input(id, layout)) ++joined;
    }
    if (joined == 0) return 0;
    reorder_back_for_planar_readers();
    graph_.remove_unused_values();
    return joined;
  }

  const BlockedLayoutTraffic& traffic() const { return traffic_; }

 private:
  bool has_twin(ir::ValueId v) const {
    return v != ir::kNoValue && static_cast<size_t>(v) < twin_.size() && twin_[v] != ir::kNoValue;
  }

  // A Conv the blocked kernels compute: 2-D, float32, constant weights, one group or depthwise.
  bool is_blocked_conv(const ir::Node& node) const {
    if (!is_op(node, "Conv") || node.outputs.size() != 1 || !node.has_input(1)) return false;
    if (node.has_attr(cpu::kOutputLayoutAttr) || !cpu::known_input_layout(node)) return false;
    if (stays_planar_ && stays_planar_(graph_, node)) return false;
    const ir::Value& x = graph_.value(node.inputs[0]);
    const ir::Value& y = graph_.value(node.outputs[0]);
    const float* w = float_constant(graph_, node.inputs[1]);
    if (!w || !is_static_float_4d(x) || !is_static_float_4d(y)) return false;
    const Shape& ws = graph_.value(node.inputs[1]).constant->shape();
    if (ws.size() != 4) return false;
    const int64_t group = node.attr_int("group", 1);
    const int64_t in_channels = cpu::reads_channels_last(node) ? x.dims[3].value : x.dims[1].value;
    const bool depthwise = ws[1] == 1 && group == in_channels && ws[0] == group;
    if (group != 1 && !depthwise) return false;
    // A depthwise kernel reads a blocked input: it needs a blocked (or reorderable) one.
    return !(depthwise && cpu::reads_channels_last(node));
  }

  // Whether every non-constant data input of an elementwise node is blocked-compatible with the
  // output: the output's shape, or N x C x 1 x 1 of it; constants must be scalars or per
  // channel.
  bool elementwise_inputs_fit(const ir::Node& node) const {
    if (node.outputs.size() != 1) return false;
    const ir::Value& y = graph_.value(node.outputs[0]);
    if (!is_static_float_4d(y)) return false;
    const Shape out = y.static_shape();
    bool any_twin = false;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) continue;
      const ir::Value& v = graph_.value(in);
      if (v.kind == ir::ValueKind::kConstant) {
        if (!per_channel_constant(graph_, in, y)) return false;
        continue;
      }
      if (!is_static_float_4d(v)) return false;
      const Shape s = v.static_shape();
      if (s != out && s != Shape{out[0], out[1], 1, 1}) return false;
      any_twin |= has_twin(in);
    }
    return any_twin;
  }

  bool joins_region(const ir::Node& node) const {
    if (is_blocked_conv(node)) return true;
    if (node.outputs.empty() || node.inputs.empty() || !has_twin(node.inputs[0])) {
      // Binary ops may find their twin in input 1.
      if (!(binary_ops().count(node.op_type) && node.inputs.size() == 2 &&
            has_twin(node.inputs[1]))) {
        return false;
      }
    }
    const std::string& op = node.op_type;
    if (unary_ops().count(op)) {
      if (node.outputs.size() != 1) return false;
      // Clip's bounds are scalars: only input 0 is data.
      for (size_t i = 1; i < node.inputs.size(); ++i)
        if (node.has_input(i) && !scalar_constant(graph_, node.inputs[i])) return false;
      return is_static_float_4d(graph_.value(node.outputs[0]));
    }
    if (binary_ops().count(op)) return node.inputs.size() == 2 && elementwise_inputs_fit(node);
    if (op == "AveragePool" || op == "MaxPool" || op == "GlobalAveragePool" ||
        op == "GlobalMaxPool") {
      // One output (MaxPool without Indices), 2-D.
      return (node.outputs.size() == 1 ||
              (node.outputs.size() == 2 && node.outputs[1] == ir::kNoValue)) &&
             is_static_float_4d(graph_.value(node.outputs[0]));
    }
    if (op == "Resize") {
      const std::string mode = node.attr_string("mode", "nearest");
      if (mode != "nearest" && mode != "linear") return false;
      for (size_t i = 1; i < node.inputs.size(); ++i)
        if (node.has_input(i) && graph_.value(node.inputs[i]).kind != ir::ValueKind::kConstant)
          return false;
      const ir::Value& y = graph_.value(node.outputs[0]);
      const ir::Value& x = graph_.value(node.inputs[0]);
      return node.outputs.size() == 1 && is_static_float_4d(y) && y.dims[1] == x.dims[1] &&
             y.dims[0] == x.dims[0];
    }
    if (op == "BatchNormalization") {
      const ir::Value& y = graph_.value(node.outputs[0]);
      return is_static_float_4d(y) && batch_norm_affine(graph_, node, y.dims[1].value).has_value();
    }
    if (op == "Concat") {
      // Along the channels, every input blocked and whole blocks except in the last.
      const int64_t axis = node.attr_int("axis", 0);
      if ((axis != 1 && axis != -3) || node.outputs.size() != 1) return false;
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        if (!has_twin(node.inputs[i])) return false;
        const ir::Value& v = graph_.value(node.inputs[i]);
        if (i + 1 < node.inputs.size() && v.dims[1].value % block_ != 0) return false;
      }
      return is_static_float_4d(graph_.value(node.outputs[0]));
    }
    return false;
  }

  // The blocked twin of `v` for a region node to read: the twin, a blocked copy of a
  // per-channel constant, or a new reorder of a planar value.
  ir::ValueId blocked_input(ir::ValueId v, const ir::Value& target) {
    if (has_twin(v)) return twin_[v];
    const ir::Value& value = graph_.value(v);
    if (value.kind == ir::ValueKind::kConstant) {
      const std::vector<float> channel_values = *per_channel_constant(graph_, v, target);
      if (channel_values.size() == 1) return v;  // a scalar broadcasts as it is
      const int64_t channels = static_cast<int64_t>(channel_values.size());
      std::vector<float> data(static_cast<size_t>(cpu::channel_blocks(channels, block_) * block_),
                              0.f);
      std::copy(channel_values.begin(), channel_values.end(), data.begin());
      const Shape shape{1, cpu::channel_blocks(channels, block_), 1, 1, block_};
      const ir::ValueId blocked =
          add_float_constant(graph_, value.name + "_" + layout(), shape, data);
      remember_twin(v, blocked);
      return blocked;
    }
    const std::string name = value.name + "_to_" + layout();
    const ir::ValueId blocked = add_twin_value(v);
    add_reorder(name, v, blocked, true);
    return blocked;
  }

  // The reorder from `in` to `out`, to the blocked layout or back from it (out is then planar,
  // with the channel count the padding hides).
  void add_reorder(const std::string& name, ir::ValueId in, ir::ValueId out, bool to_blocked) {
    ir::Node reorder;
    reorder.name = unique_node_name(name);
    reorder.op_type = cpu::kReorderOp;
    reorder.attributes[cpu::kInputLayoutAttr] = to_blocked ? std::string("NCHW") : layout();
    reorder.attributes[cpu::kOutputLayoutAttr] = to_blocked ? layout() : std::string("NCHW");
    if (!to_blocked) reorder.attributes[cpu::kChannelsAttr] = graph_.value(out).dims[1].value;
    reorder.inputs = {in};
    reorder.outputs = {out};
    traffic_.reorder_elements += elements(out);
    graph_.add_node(std::move(reorder));
  }

  std::string layout() const { return cpu::blocked_layout_name(block_); }

  int64_t elements(ir::ValueId v) const { return shape_elements(graph_.value(v).static_shape()); }

  void remember_twin(ir::ValueId v, ir::ValueId twin) {
    if (twin_.size() < graph_.values.size()) twin_.resize(graph_.values.size(), ir::kNoValue);
    twin_[v] = twin;
  }

  // A new value for the blocked form of `v` (its shape blocked), recorded as v's twin.
  ir::ValueId add_twin_value(ir::ValueId v) {
    ir::Value twin;
    const ir::Value& planar = graph_.value(v);
    twin.name = unique_value_name(graph_, planar.name + "_" + layout());
    twin.dtype = DType::kFloat32;
    ir::set_static_shape(twin, cpu::blocked_shape(planar.static_shape(), block_));
    const ir::ValueId id = graph_.add_value(std::move(twin));
    remember_twin(v, id);
    return id;
  }

  std::string unique_node_name(const std::string& base) {
    std::string name = base;
    for (int i = 1; node_names_.count(name) || taken_node_name(name); ++i)
      name = base + "_" + std::to_string(i);
    node_names_.insert(name);
    return name;
  }
  bool taken_node_name(const std::string& name) const {
    for (const ir::Node& n : graph_.nodes)
      if (n.name == name) return true;
    return false;
  }

  // A BatchNormalization becomes the depthwise 1x1 Conv it equals (x * scale + shift per
  // channel), which the blocked kernels run in one pass.
  void batch_norm_to_depthwise_conv(ir::NodeId id) {
    ir::Node& bn = graph_.nodes[id];
    const int64_t channels = graph_.value(bn.outputs[0]).dims[1].value;
    const ChannelAffine affine = *batch_norm_affine(graph_, bn, channels);
    const std::string base = graph_.value(bn.outputs[0]).name;
    const ir::ValueId w =
        add_float_constant(graph_, base + "_scale", {channels, 1, 1, 1}, affine.scale);
    const ir::ValueId b = add_float_constant(graph_, base + "_shift", {channels}, affine.shift);
    ir::Node& conv = graph_.nodes[id];
    conv.op_type = "Conv";
    conv.inputs = {conv.inputs[0], w, b};
    conv.outputs.resize(1);
    conv.attributes.clear();
    conv.attributes["group"] = channels;
    conv.attributes["kernel_shape"] = std::vector<int64_t>{1, 1};
  }

  bool join(ir::NodeId id, const std::string& layout) {
    if (!joins_region(graph_.nodes[id])) return false;
    if (is_op(graph_.nodes[id], "BatchNormalization")) batch_norm_to_depthwise_conv(id);
    ir::Node node = graph_.nodes[id];
    const ir::Value out_value = graph_.value(node.outputs[0]);
    if (is_op(node, "Conv")) {
      const ir::Value x = graph_.value(node.inputs[0]);  // a copy: reorders add values
      const bool depthwise = node.attr_int("group", 1) != 1;
      // A first layer of a few planar channels is read in place; more channels are reordered.
      const bool read_planar = !has_twin(node.inputs[0]) && !depthwise &&
                               (cpu::reads_channels_last(node) || x.dims[1].value <= 4);
      if (!read_planar) {
        node.inputs[0] = blocked_input(node.inputs[0], x);
        node.attributes[cpu::kInputLayoutAttr] = layout;
      }
      if (node.has_input(cpu::kResidualInput)) {
        node.inputs[cpu::kResidualInput] =
            blocked_input(node.inputs[cpu::kResidualInput], out_value);
      }
      node.attributes[cpu::kOutputLayoutAttr] = layout;
    } else if (is_op(node, "Concat")) {
      for (ir::ValueId& in : node.inputs)
        in = twin_[in];
      node.attributes["axis"] = int64_t{1};
    } else if (unary_ops().count(node.op_type)) {
      node.inputs[0] = twin_[node.inputs[0]];
    } else if (binary_ops().count(node.op_type)) {
      for (ir::ValueId& in : node.inputs)
        if (in != ir::kNoValue) in = blocked_input(in, out_value);
    } else {  // pooling, Resize: input 0 blocked, the rest (Resize sizes) as they are
      node.attributes[cpu::kChannelsAttr] = graph_.value(node.inputs[0]).dims[1].value;
      node.inputs[0] = twin_[node.inputs[0]];
      node.attributes[cpu::kInputLayoutAttr] = layout;
      node.attributes[cpu::kOutputLayoutAttr] = layout;
    }
    const ir::ValueId planar_out = node.outputs[0];
    node.outputs[0] = add_twin_value(planar_out);
    traffic_.blocked_elements += elements(node.outputs[0]);
    graph_.value(planar_out).producer = -1;
    graph_.value(node.outputs[0]).producer = id;
    graph_.nodes[id] = std::move(node);
    return true;
  }

  // A ConvTranspose (a decoder's last layer) reads a blocked input in place; its output keeps
  // its layout.
  bool read_blocked_input(ir::NodeId id, const std::string& layout) {
    ir::Node& node = graph_.nodes[id];
    if (!is_op(node, "ConvTranspose") || node.inputs.empty() || !has_twin(node.inputs[0]) ||
        node.has_attr(cpu::kInputLayoutAttr) || !node.has_input(1) ||
        !float_constant(graph_, node.inputs[1])) {
      return false;
    }
    node.inputs[0] = twin_[node.inputs[0]];
    node.attributes[cpu::kInputLayoutAttr] = layout;
    return true;
  }

  // Values the region computed only as twins but that planar readers, graph outputs or the
  // caller need: a reorder back writes them.
  void reorder_back_for_planar_readers() {
    const Uses uses(graph_, options_);
    const size_t planar_values = twin_.size();
    for (size_t v = 0; v < planar_values; ++v) {
      const ir::ValueId twin = twin_[v];
      // Only values a region node took over (no producer left); a planar value with a
      // reorder to a twin still has its own producer.
      const ir::Value& planar = graph_.value(static_cast<ir::ValueId>(v));
      if (twin == ir::kNoValue || planar.kind != ir::ValueKind::kIntermediate ||
          planar.producer >= 0) {
        continue;
      }
      const ir::ValueId id = static_cast<ir::ValueId>(v);
      if (uses.readers(id).empty() && !uses.is_protected(id)) continue;
      add_reorder(graph_.value(id).name + "_from_" + layout(), twin, id, false);
    }
  }

  ir::Graph& graph_;
  const PassOptions& options_;
  int block_;
  const ConvPredicate& stays_planar_;
  BlockedLayoutTraffic traffic_;
  std::vector<ir::ValueId> twin_;  // per value: its blocked twin, or kNoValue
  std::set<std::string> node_names_;
};

}  // namespace

int propagate_blocked_layout(ir::Graph& graph, const PassOptions& options, int block,
                             BlockedLayoutTraffic* traffic, const ConvPredicate& stays_planar) {
  if (block < 2 || !has_fixed_shapes(graph)) return 0;
  BlockedLayout layout(graph, options, block, stays_planar);
  const int joined = layout.run();
  if (traffic) *traffic = layout.traffic();
  return joined;
}

}  // namespace edgeinfer::passes
