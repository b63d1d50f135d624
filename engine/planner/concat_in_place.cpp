#include "planner/concat_in_place.h"

namespace edgeinfer::planner {

namespace {

bool is_concat(const ir::Node& node) {
  return node.op_type == "Concat" && (node.domain.empty() || node.domain == "ai.onnx") &&
         node.outputs.size() == 1 && node.has_attr("axis");
}

// Bytes of a value of known shape and type, or -1.
long long value_bytes(const ir::Graph& graph, const std::vector<Shape>& shapes, ir::ValueId v) {
  if (v < 0 || static_cast<size_t>(v) >= shapes.size()) return -1;
  long long n = 1;
  for (int64_t d : shapes[v]) {
    if (d < 0) return -1;
    n *= d;
  }
  return n * static_cast<long long>(dtype_size(graph.values[v].dtype));
}

}  // namespace

int64_t contiguous_concat_axis(const ir::Node& node, const Shape& out_shape) {
  const auto rank = static_cast<int64_t>(out_shape.size());
  int64_t axis = node.attr_int("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return -1;
  for (int64_t d = 0; d < axis; ++d) {
    if (out_shape[d] != 1) return -1;
  }
  return axis;
}

Aliasing concat_in_place_aliases(const ir::Graph& graph, const std::vector<ir::NodeId>& schedule,
                                 const std::vector<Lifetime>& lifetimes,
                                 const std::vector<size_t>& bytes, const std::vector<Shape>& shapes,
                                 const std::vector<ir::ValueId>& in_place, size_t alignment) {
  const size_t n = graph.values.size();
  Aliasing result;
  result.aliases.assign(n, Alias{});
  result.concat_in_place.assign(n, false);
  for (size_t id = 0; id < n && id < in_place.size(); ++id)
    result.aliases[id].target = in_place[id];
  auto chain_root = [&](ir::ValueId v) {
    for (size_t hops = 0;
         hops < n && static_cast<size_t>(v) < in_place.size() && in_place[v] != ir::kNoValue;
         ++hops)
      v = in_place[v];
    return v;
  };
  std::vector<bool> claimed(n, false);
  for (size_t step = 0; step < schedule.size(); ++step) {
    const ir::Node& node = graph.nodes[schedule[step]];
    if (!is_concat(node)) continue;
    const ir::ValueId out = node.outputs[0];
    if (out == ir::kNoValue || static_cast<size_t>(out) >= bytes.size() || bytes[out] == 0)
      continue;
    if (static_cast<size_t>(out) >= shapes.size() || contiguous_concat_axis(node, shapes[out]) < 0)
      continue;
    // Every input's size must be known, and together they must make the output.
    long long total = 0;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) continue;
      const long long b = value_bytes(graph, shapes, in);
      if (b < 0 || graph.values[in].dtype != graph.values[out].dtype) {
        total = -1;
        break;
      }
      total += b;
    }
    if (total != static_cast<long long>(bytes[out])) continue;
    size_t start = 0;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) continue;
      const size_t size = static_cast<size_t>(value_bytes(graph, shapes, in));
      const ir::Value& v = graph.values[in];
      const bool slice = v.kind == ir::ValueKind::kIntermediate && !claimed[in] &&
                         lifetimes[in].first >= 0 && lifetimes[in].last == static_cast<int>(step) &&
                         size > 0 && bytes[in] == size && start % alignment == 0;
      if (slice) {
        claimed[in] = true;  // the same value twice in one Concat: the second is copied
        const ir::ValueId root = chain_root(in);
        if (result.aliases[root].target < 0) {
          result.aliases[root] = Alias{out, start};
          result.concat_in_place[out] = true;
        }
      }
      start += size;
    }
  }
  return result;
}

}  // namespace edgeinfer::planner
