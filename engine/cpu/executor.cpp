#include "cpu/executor.h"

#include <chrono>

#include "ir/tensor_size.h"

namespace edgeinfer::cpu {

namespace {

class NodeContext final : public KernelContext {
 public:
  NodeContext(const ir::Node& node, ir::NodeId id, std::vector<TensorView>& values,
              std::vector<bool>& live, planner::TensorMemory& memory, std::vector<size_t>& bytes)
      : node_(node), id_(id), values_(values), live_(live), memory_(memory), bytes_(bytes) {}

  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return values_[node_.inputs.at(i)]; }

  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    if (!wants_output(i))
      return fail(StatusCode::kInternal, "output " + std::to_string(i) + " was not requested");
    auto elements = ir::checked_elements(shape);
    if (!elements)
      return elements.status().with_context(node_.describe() + ": output " + std::to_string(i));
    const int64_t n = *elements;
    const ir::ValueId id = node_.outputs[i];
    const size_t bytes = static_cast<size_t>(n) * dtype_size(dtype);
    auto buffer = memory_.acquire(id, bytes);
    if (!buffer) return buffer.status().with_context(node_.describe());
    // Field by field: reusing the view's shape storage keeps a planned run free of
    // allocations.
    TensorView& view = values_[id];
    view.dtype = dtype;
    view.shape = shape;
    view.data = *buffer;
    live_[id] = true;
    bytes_[id] = bytes;
    return values_[id];
  }

  ir::NodeId id() const { return id_; }

 private:
  const ir::Node& node_;
  ir::NodeId id_;
  std::vector<TensorView>& values_;
  std::vector<bool>& live_;
  planner::TensorMemory& memory_;
  std::vector<size_t>& bytes_;
};

}  // namespace

Result<Executor> Executor::create(const ir::Graph& graph, const KernelRegistry& kernels,
                                  std::vector<bool> keep) {
  Executor e;
  e.graph_ = &graph;
  EI_ASSIGN_OR_RETURN(e.schedule_, graph.topological_order());
  for (ir::NodeId id : e.schedule_) {
    const ir::Node& node = graph.nodes[id];
    KernelFn fn =
        node.domain.empty() || node.domain == "ai.onnx" ? kernels.find(node.op_type) : nullptr;
    if (!fn) {
      return error(StatusCode::kUnsupported, node.describe() + ": operator '" +
                                                 (node.domain.empty() ? "" : node.domain + ".") +
                                                 node.op_type + "' is not supported");
    }
    e.kernels_.push_back(fn);
  }
  keep.resize(graph.values.size(), false);
  e.lifetimes_ = planner::compute_lifetimes(graph, e.schedule_, keep);
  e.releases_ = planner::releases_per_step(e.lifetimes_, e.schedule_.size());
  e.bytes_.assign(graph.values.size(), 0);
  return e;
}

Status Executor::run(std::vector<TensorView>& values, std::vector<bool>& live,
                     planner::TensorMemory& memory, std::vector<NodeProfile>* profile) {
  const ir::Graph& graph = *graph_;
  memory.reset();
  for (size_t id = 0; id < graph.values.size(); ++id) {
    if (graph.values[id].kind == ir::ValueKind::kIntermediate) live[id] = false;
  }
  if (profile) profile->clear();
  for (size_t step = 0; step < schedule_.size(); ++step) {
    const ir::Node& node = graph.nodes[schedule_[step]];
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue && graph.values[in].kind == ir::ValueKind::kIntermediate &&
          !live[in]) {
        return error(StatusCode::kInvalidModel,
                     node.describe() + ": input '" + graph.values[in].name + "' was not computed");
      }
    }
    NodeContext context(node, schedule_[step], values, live, memory, bytes_);
    const auto start = std::chrono::steady_clock::now();
    EI_RETURN_IF_ERROR(kernels_[step](context));
    if (profile) {
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      profile->push_back({node.name, node.op_type, took.count()});
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ir::ValueId out = node.outputs[i];
      if (out != ir::kNoValue && !live[out]) {
        return error(StatusCode::kInternal,
                     node.describe() + ": kernel did not produce output " + std::to_string(i));
      }
    }
    for (ir::ValueId dead : releases_[step]) {
      memory.release(dead);
      live[dead] = false;
    }
  }
  return Status::ok();
}

}  // namespace edgeinfer::cpu
