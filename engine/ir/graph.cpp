#include "ir/graph.h"

#include <algorithm>
#include <queue>
#include <set>

namespace edgeinfer::ir {

Shape Value::static_shape() const {
  Shape shape;
  shape.reserve(dims.size());
  for (const Dim& d : dims)
    shape.push_back(d.value);
  return shape;
}

bool Value::is_fully_static() const {
  return has_shape &&
         std::all_of(dims.begin(), dims.end(), [](const Dim& d) { return d.is_static(); });
}

namespace {

template <typename T>
const T* find_attr(const Node& node, const std::string& key) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return nullptr;
  return std::get_if<T>(&it->second);
}

}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  const int64_t* v = find_attr<int64_t>(*this, key);
  return v ? *v : fallback;
}

float Node::attr_float(const std::string& key, float fallback) const {
  if (const float* v = find_attr<float>(*this, key)) return *v;
  // Some exporters write integral values for float attributes.
  if (const int64_t* v = find_attr<int64_t>(*this, key)) return static_cast<float>(*v);
  return fallback;
}

std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
  const std::string* v = find_attr<std::string>(*this, key);
  return v ? *v : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& key,
                                     const std::vector<int64_t>& fallback) const {
  const auto* v = find_attr<std::vector<int64_t>>(*this, key);
  return v ? *v : fallback;
}

std::vector<float> Node::attr_floats(const std::string& key,
                                     const std::vector<float>& fallback) const {
  const auto* v = find_attr<std::vector<float>>(*this, key);
  return v ? *v : fallback;
}

std::vector<std::string> Node::attr_strings(const std::string& key) const {
  const auto* v = find_attr<std::vector<std::string>>(*this, key);
  return v ? *v : std::vector<std::string>{};
}

ConstantPtr Node::attr_tensor(const std::string& key) const {
  const ConstantPtr* v = find_attr<ConstantPtr>(*this, key);
  return v ? *v : nullptr;
}

std::string Node::describe() const {
  return "node '" + name + "' (" + (domain.empty() ? "" : domain + ".") + op_type + ")";
}

const char* attribute_kind_name(const Attribute& attribute) {
  switch (attribute.index()) {
    case 0:
      return "int";
    case 1:
      return "float";
    case 2:
      return "string";
    case 3:
      return "ints";
    case 4:
      return "floats";
    case 5:
      return "strings";
    case 6:
      return "tensor";
  }
  return "?";
}

ValueId Graph::add_value(Value value) {
  const auto id = static_cast<ValueId>(values.size());
  by_name_[value.name] = id;
  values.push_back(std::move(value));
  return id;
}

NodeId Graph::add_node(Node node) {
  const auto id = static_cast<NodeId>(nodes.size());
  for (ValueId out : node.outputs) {
    if (out >= 0 && static_cast<size_t>(out) < values.size()) values[out].producer = id;
  }
  nodes.push_back(std::move(node));
  return id;
}

ValueId Graph::find_value(const std::string& value_name) const {
  auto it = by_name_.find(value_name);
  return it == by_name_.end() ? kNoValue : it->second;
}

void Graph::remove_nodes(const std::vector<bool>& remove) {
  std::vector<Node> kept;
  kept.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i >= remove.size() || !remove[i]) kept.push_back(std::move(nodes[i]));
  }
  nodes = std::move(kept);
  for (Value& v : values)
    v.producer = -1;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (ValueId out : nodes[i].outputs) {
      if (out >= 0 && static_cast<size_t>(out) < values.size()) {
        values[out].producer = static_cast<NodeId>(i);
      }
    }
  }
}

void Graph::remove_unused_values() {
  std::vector<bool> used(values.size(), false);
  auto mark = [&](ValueId id) {
    if (id >= 0 && static_cast<size_t>(id) < values.size()) used[id] = true;
  };
  for (ValueId id : inputs)
    mark(id);
  for (ValueId id : outputs)
    mark(id);
  for (const Node& node : nodes) {
    for (ValueId id : node.inputs)
      mark(id);
    for (ValueId id : node.outputs)
      mark(id);
  }
  std::vector<ValueId> new_id(values.size(), kNoValue);
  std::vector<Value> kept;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!used[i]) continue;
    new_id[i] = static_cast<ValueId>(kept.size());
    kept.push_back(std::move(values[i]));
  }
  auto remap = [&](std::vector<ValueId>& ids) {
    for (ValueId& id : ids) {
      if (id >= 0 && static_cast<size_t>(id) < new_id.size()) id = new_id[id];
    }
  };
  remap(inputs);
  remap(outputs);
  for (Node& node : nodes) {
    remap(node.inputs);
    remap(node.outputs);
  }
  values = std::move(kept);
  by_name_.clear();
  for (size_t i = 0; i < values.size(); ++i)
    by_name_[values[i].name] = static_cast<ValueId>(i);
}

Result<std::vector<NodeId>> Graph::topological_order() const {
  const size_t n = nodes.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<NodeId>> consumers(n);
  for (size_t i = 0; i < n; ++i) {
    std::set<NodeId> producers;
    for (ValueId in : nodes[i].inputs) {
      if (in == kNoValue) continue;
      if (in < 0 || static_cast<size_t>(in) >= values.size()) {
        return error(StatusCode::kInvalidModel, nodes[i].describe() + ": input id out of range");
      }
      const Value& v = values[in];
      if (v.kind != ValueKind::kIntermediate) continue;
      if (v.producer < 0) {
        return error(StatusCode::kInvalidModel, nodes[i].describe() + ": input '" + v.name +
                                                    "' is not produced by any node, graph "
                                                    "input or initializer");
      }
      producers.insert(v.producer);
    }
    for (NodeId p : producers)
      consumers[p].push_back(static_cast<NodeId>(i));
    pending[i] = static_cast<int>(producers.size());
  }
  // Kahn's algorithm, taking the lowest ready id first so an ordered graph keeps its order.
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(static_cast<NodeId>(i));
  std::vector<NodeId> order;
  order.reserve(n);
  while (!ready.empty()) {
    NodeId id = ready.top();
    ready.pop();
    order.push_back(id);
    for (NodeId c : consumers[id])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i) {
      if (pending[i] > 0) {
        return error(StatusCode::kInvalidModel, "graph has a cycle through " + nodes[i].describe());
      }
    }
  }
  return order;
}

Status Graph::validate() const {
  std::set<std::string> names;
  for (const Value& v : values) {
    if (!names.insert(v.name).second) {
      return error(StatusCode::kInvalidModel, "value name '" + v.name + "' is defined twice");
    }
    if (v.kind == ValueKind::kConstant) {
      if (!v.constant) {
        return error(StatusCode::kInvalidModel, "constant '" + v.name + "' has no data");
      }
      const size_t expected =
          static_cast<size_t>(v.constant->elements()) * dtype_size(v.constant->dtype());
      if (v.constant->bytes() != expected) {
        return error(StatusCode::kInvalidModel,
                     "constant '" + v.name + "' holds " + std::to_string(v.constant->bytes()) +
                         " bytes but its shape " + shape_to_string(v.constant->shape()) +
                         " needs " + std::to_string(expected));
      }
    }
  }
  std::vector<int> produced(values.size(), 0);
  for (const Node& node : nodes) {
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      if (out < 0 || static_cast<size_t>(out) >= values.size()) {
        return error(StatusCode::kInvalidModel, node.describe() + ": output id out of range");
      }
      if (values[out].kind != ValueKind::kIntermediate) {
        return error(StatusCode::kInvalidModel, node.describe() + ": writes '" + values[out].name +
                                                    "', which is a graph input or constant");
      }
      if (++produced[out] > 1) {
        return error(StatusCode::kInvalidModel, node.describe() + ": output '" + values[out].name +
                                                    "' is already produced by another node");
      }
    }
  }
  for (ValueId out : outputs) {
    if (out < 0 || static_cast<size_t>(out) >= values.size()) {
      return error(StatusCode::kInvalidModel, "graph output id out of range");
    }
    const Value& v = values[out];
    if (v.kind == ValueKind::kIntermediate && produced[out] == 0) {
      return error(StatusCode::kInvalidModel,
                   "graph output '" + v.name + "' is not produced by any node");
    }
  }
  auto order = topological_order();
  return order.status();
}

}  // namespace edgeinfer::ir
