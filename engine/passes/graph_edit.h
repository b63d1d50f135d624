// What the rewrite passes share: who reads each value, which values must stay as they are,
// reading small float constants, and the edits every pass makes (rewire readers, drop a node,
// add a constant). Every edit leaves a valid graph, so a pass may stop after any rewrite.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass.h"

namespace edgeinfer::passes {

// One input slot that reads a value.
struct Reader {
  ir::NodeId node;
  size_t input;
};

// A snapshot of the graph's readers; rebuild it after an edit.
class Uses {
 public:
  Uses(const ir::Graph& graph, const PassOptions& options);
  const std::vector<Reader>& readers(ir::ValueId id) const { return readers_.at(id); }
  // A graph output or a value the caller keeps: its name and data must survive the passes.
  bool is_protected(ir::ValueId id) const { return protected_.at(id); }
  // The value only feeds node slots, and exactly one: a rewrite may fold it into that reader.
  bool has_single_reader(ir::ValueId id) const {
    return !is_protected(id) && readers(id).size() == 1;
  }
  // The one node reading the value (see has_single_reader), or -1.
  ir::NodeId sole_reader(ir::ValueId id) const {
    return has_single_reader(id) ? readers(id)[0].node : -1;
  }

 private:
  std::vector<std::vector<Reader>> readers_;
  std::vector<bool> protected_;
};

// True for a default-domain node of `op_type`.
bool is_op(const ir::Node& node, const char* op_type);

// The data of a float32 constant the caller cannot override, or nullptr.
const float* float_constant(const ir::Graph& graph, ir::ValueId id);
// The value of a float32 constant with exactly one element.
std::optional<float> scalar_constant(const ir::Graph& graph, ir::ValueId id);
// True when `id` is a scalar constant within a relative 1e-6 of `expected` whose rank is at
// most `max_rank` (so broadcasting it against a tensor of that rank keeps the tensor's shape).
bool is_scalar(const ir::Graph& graph, ir::ValueId id, float expected,
               size_t max_rank = static_cast<size_t>(-1));

// The {min, max} of a Clip node whose bounds are constants (inputs from opset 11, attributes
// before); an omitted bound is infinite.
std::optional<std::pair<float, float>> clip_bounds(const ir::Graph& graph, const ir::Node& clip);

// The node that produces intermediate `id`; nullptr for inputs and constants.
const ir::Node* producer_of(const ir::Graph& graph, ir::ValueId id);

// `node` is Mul(a, b), in either order, with one output.
bool is_product_of(const ir::Node& node, ir::ValueId a, ir::ValueId b);
// `node` scales v by the scalar constant c: Mul(v, c) in either order, or Div(v, 1/c). The
// constant's rank is at most `rank` (v's), so the result keeps v's shape.
bool is_scaled(const ir::Graph& graph, const ir::Node& node, ir::ValueId v, float c, size_t rank);

// The values of constant `id` when broadcasting it against `target` (a value of known rank
// with a static channel dim 1) varies only along dim 1 and leaves target's shape unchanged:
// 1 value (a scalar) or one per channel, in channel order.
std::optional<std::vector<float>> per_channel_constant(const ir::Graph& graph, ir::ValueId id,
                                                       const ir::Value& target);

// True when every graph input has a fixed shape (no dim came from a symbol, which a caller may
// feed at another size), so the static shapes of all values hold at run time.
bool has_fixed_shapes(const ir::Graph& graph);
// A float32 value with a fully static shape.
bool is_static_float(const ir::Value& value);
// A Transpose with permutation `perm` of a float32 4-D value, writing one output (the NHWC
// <-> NCHW boundary Transposes).
bool is_float_4d_transpose(const ir::Graph& graph, const ir::Node& node,
                           const std::vector<int64_t>& perm);

// Points every reader of `from` at `to` (graph outputs are not touched).
void replace_uses(ir::Graph& graph, ir::ValueId from, ir::ValueId to);
// Removes nodes; their output values stay (unproduced) until dead-code elimination.
void remove_node(ir::Graph& graph, ir::NodeId id);
void remove_nodes(ir::Graph& graph, const std::vector<ir::NodeId>& ids);
// Makes `producer` write `value` (the output of a node the caller removes): the rewritten
// producer takes over the removed node's result and name.
void take_over_output(ir::Graph& graph, ir::NodeId producer, ir::ValueId value);
// Sets node input `slot`, padding skipped optional inputs with kNoValue.
void set_input(ir::Node& node, size_t slot, ir::ValueId value);
// Adds a float32 constant named after `base` (made unique).
ir::ValueId add_float_constant(ir::Graph& graph, const std::string& base, const Shape& shape,
                               const std::vector<float>& data);
// A value name not yet in the graph, starting from `base`.
std::string unique_value_name(const ir::Graph& graph, const std::string& base);

// Applies `try_rewrite` at each node, in node order, until no node matches; the
// function gets a fresh Uses and returns true when it rewrote the graph (it may have removed
// nodes, so the scan restarts). Returns the number of rewrites.
int rewrite_to_fixed_point(
    ir::Graph& graph, const PassOptions& options,
    const std::function<bool(ir::Graph&, const Uses&, ir::NodeId)>& try_rewrite);

}  // namespace edgeinfer::passes
