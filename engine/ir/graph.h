// The graph IR: values (typed, shaped), nodes (op type, typed attributes), one subgraph-free
// graph per model. Constants are values with data attached, kept apart from activations.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "ir/attribute.h"
#include "ir/constant.h"

namespace edgeinfer::ir {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr ValueId kNoValue = -1;  // an omitted optional input

// One dimension: a fixed size, or unknown (-1) with an optional symbolic name.
struct Dim {
  int64_t value = -1;
  std::string symbol;

  bool is_static() const { return value >= 0; }
  static Dim fixed(int64_t v) { return Dim{v, {}}; }
  static Dim named(std::string s) { return Dim{-1, std::move(s)}; }
  bool operator==(const Dim&) const = default;
};

enum class ValueKind : uint8_t {
  kInput,         // fed by the caller
  kConstant,      // data known at load time (`constant` is set)
  kIntermediate,  // produced by a node
};

struct Value {
  std::string name;
  ValueKind kind = ValueKind::kIntermediate;
  DType dtype = DType::kUndefined;
  // Unknown rank when `has_shape` is false.
  bool has_shape = false;
  std::vector<Dim> dims;
  ConstantPtr constant;      // set for kConstant
  bool overridable = false;  // a constant the model also lists as a graph input
  NodeId producer = -1;      // node that writes it (kIntermediate)

  // The shape with unknown dims as -1.
  Shape static_shape() const;
  bool is_fully_static() const;
};

struct Node {
  std::string name;  // may be empty in the source model; importers fill a unique one
  std::string op_type;
  std::string domain;            // "" for the default ONNX domain
  int opset = 0;                 // opset version of `domain` the model imports
  std::vector<ValueId> inputs;   // kNoValue for omitted optional inputs
  std::vector<ValueId> outputs;  // kNoValue for omitted optional outputs
  std::map<std::string, Attribute> attributes;

  bool has_attr(const std::string& key) const { return attributes.count(key) != 0; }
  // Typed access with a default when absent; a present attribute of the wrong kind is an
  // error for the checked variants (attr_*_checked) and the default for the plain ones.
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key,
                                 const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> attr_floats(const std::string& key,
                                 const std::vector<float>& fallback = {}) const;
  std::vector<std::string> attr_strings(const std::string& key) const;
  ConstantPtr attr_tensor(const std::string& key) const;

  size_t input_count() const { return inputs.size(); }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != kNoValue; }
  // "'conv1' (Conv)" for messages.
  std::string describe() const;
};

class Graph {
 public:
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<ValueId> inputs;        // caller-fed values, in model order
  std::vector<ValueId> outputs;       // in model order
  std::map<std::string, int> opsets;  // domain -> imported version

  ValueId add_value(Value value);
  NodeId add_node(Node node);  // sets producer of its outputs
  // kNoValue if absent.
  ValueId find_value(const std::string& name) const;
  Value& value(ValueId id) { return values.at(static_cast<size_t>(id)); }
  const Value& value(ValueId id) const { return values.at(static_cast<size_t>(id)); }

  // Node ids in an order where every node comes after its producers (stable for graphs
  // already ordered). Fails on cycles and on inputs that no node, input or constant defines.
  Result<std::vector<NodeId>> topological_order() const;
  // Structural checks: ids in range, each intermediate produced once, names unique,
  // constants carry data matching dtype and shape, acyclic.
  Status validate() const;
  // Drops the nodes marked in `remove` (indexed by NodeId) and renumbers the rest.
  void remove_nodes(const std::vector<bool>& remove);
  // Drops values that no node, graph input or graph output refers to; renumbers the rest.
  void remove_unused_values();
  // Text dump for debugging and --dump-graph.
  std::string to_string() const;

 private:
  std::map<std::string, ValueId> by_name_;
};

}  // namespace edgeinfer::ir
