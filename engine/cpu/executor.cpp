#include "cpu/executor.h"

#include <chrono>
#include <optional>

#include "cpu/autotune_cache.h"
#include "cpu/executor_concat.h"
#include "ir/tensor_size.h"
#include "planner/schedule.h"
#include "planner/weight_store.h"

namespace edgeinfer::cpu {

namespace {

class NodeContext final : public KernelContext {
 public:
  NodeContext(const ir::Node& node, ir::NodeId id, std::vector<TensorView>& values,
              std::vector<bool>& live, planner::TensorMemory& memory, std::vector<size_t>& bytes,
              ThreadPool* pool, const PreparedState* prepared, std::unique_ptr<RunCache>& cache)
      : node_(node),
        id_(id),
        values_(values),
        live_(live),
        memory_(memory),
        bytes_(bytes),
        pool_(pool),
        prepared_(prepared),
        cache_(cache) {}

  const ir::Node& node() const override { return node_; }
  ThreadPool* thread_pool() const override { return pool_; }
  const PreparedState* prepared() const override { return prepared_; }
  const TensorView& input(size_t i) const override { return values_[node_.inputs.at(i)]; }
  std::unique_ptr<RunCache>& run_cache() override { return cache_; }

  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    EI_ASSIGN_OR_RETURN(const TensorView* view, allocate_output_view(i, dtype, shape));
    return *view;
  }

  Result<const TensorView*> allocate_output_view(size_t i, DType dtype,
                                                 const Shape& shape) override {
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
    return &view;
  }

  ir::NodeId id() const { return id_; }

 private:
  const ir::Node& node_;
  ir::NodeId id_;
  std::vector<TensorView>& values_;
  std::vector<bool>& live_;
  planner::TensorMemory& memory_;
  std::vector<size_t>& bytes_;
  ThreadPool* pool_;
  const PreparedState* prepared_;
  std::unique_ptr<RunCache>& cache_;
};

// Checks that every override names a node or an op type of the graph.
Status check_algorithm_keys(const ir::Graph& graph,
                            const std::map<std::string, std::string>& algos) {
  for (const auto& [key, algorithm] : algos) {
    bool found = false;
    for (const ir::Node& node : graph.nodes) {
      if (node.name == key || node.op_type == key) {
        found = true;
        break;
      }
    }
    if (!found) {
      return error(StatusCode::kInvalidArgument, "algorithm override '" + key + "=" + algorithm +
                                                     "': the model has no node or operator '" +
                                                     key + "'");
    }
  }
  return Status::ok();
}

// Runs the node's prepare step, if its kernel has one, with the override that names it.
Result<std::unique_ptr<PreparedState>> prepare_node(
    const ir::Graph& graph, const ir::Node& node, const KernelRegistry& kernels, int threads,
    const std::map<std::string, std::string>& algorithms, ThreadPool* pool, AutotuneCache* autotune,
    planner::WeightStore* weight_store, PackedWeightTotals* packed) {
  PrepareContext context{node, graph, threads, "", false, {}, pool, autotune, weight_store, packed};
  if (auto it = algorithms.find(node.name); !node.name.empty() && it != algorithms.end()) {
    context.algorithm = it->second;
    context.algorithm_by_name = true;
  } else if (auto op = algorithms.find(node.op_type); op != algorithms.end()) {
    context.algorithm = op->second;
  }
  PrepareFn prepare = kernels.find_prepare(node.op_type);
  if (!prepare) {
    if (context.algorithm.empty()) return std::unique_ptr<PreparedState>();
    return context.invalid("has no algorithm choice (asked for '" + context.algorithm + "')");
  }
  for (ir::ValueId in : node.inputs) {
    const bool constant = in != ir::kNoValue && graph.values[in].kind == ir::ValueKind::kConstant &&
                          graph.values[in].constant;
    context.constant_views.push_back(constant ? graph.values[in].constant->view() : TensorView{});
  }
  return prepare(context);
}

}  // namespace

std::string Executor::algorithm(size_t step) const {
  return step < prepared_.size() && prepared_[step] ? prepared_[step]->algorithm() : "";
}

Result<Executor> Executor::create(const ir::Graph& graph, const KernelRegistry& kernels,
                                  std::vector<bool> keep, const ExecutorOptions& options) {
  Executor e;
  e.graph_ = &graph;
  EI_RETURN_IF_ERROR(check_algorithm_keys(graph, options.algorithms));
  const int threads = ThreadPool::resolve(options.threads);
  if (threads > 1) e.pool_ = std::make_unique<ThreadPool>(threads);
  if (options.schedule.empty()) {
    EI_ASSIGN_OR_RETURN(e.schedule_, graph.topological_order());
  } else if (planner::is_topological_order(graph, options.schedule)) {
    e.schedule_ = options.schedule;
  } else {
    return error(StatusCode::kInternal,
                 "the schedule given is not a topological order of the graph");
  }
  std::optional<AutotuneCache> autotune;
  if (options.autotune) autotune = AutotuneCache::open(autotune_cache_path(options.cache_dir));
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
    EI_ASSIGN_OR_RETURN(
        std::unique_ptr<PreparedState> state,
        prepare_node(graph, node, kernels, threads, options.algorithms, e.pool_.get(),
                     autotune ? &*autotune : nullptr, options.weight_store, &e.packed_));
    e.prepared_.push_back(std::move(state));
  }
  // A cache that cannot be written costs the next load its timings, not this one its model.
  if (autotune) (void)autotune->save();
  for (const auto& [data, bytes] : e.packed_.replaced_sources)
    planner::release_mapped_pages(data, bytes);
  keep.resize(graph.values.size(), false);
  e.lifetimes_ = planner::compute_lifetimes(graph, e.schedule_, keep);
  e.releases_ = planner::releases_per_step(e.lifetimes_, e.schedule_.size());
  e.bytes_.assign(graph.values.size(), 0);
  e.caches_.resize(e.schedule_.size());
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
  // Concats whose inputs the plan placed in their output's slices run without copying them.
  const planner::MemoryPlan* plan = memory.plan();
  for (size_t step = 0; step < schedule_.size(); ++step) {
    const ir::Node& node = graph.nodes[schedule_[step]];
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue && graph.values[in].kind == ir::ValueKind::kIntermediate &&
          !live[in]) {
        return error(StatusCode::kInvalidModel,
                     node.describe() + ": input '" + graph.values[in].name + "' was not computed");
      }
    }
    NodeContext context(node, schedule_[step], values, live, memory, bytes_, pool_.get(),
                        prepared_[step].get(), caches_[step]);
    const auto start = std::chrono::steady_clock::now();
    const ir::ValueId out = node.outputs.empty() ? ir::kNoValue : node.outputs[0];
    const bool concat_in_place = plan && out != ir::kNoValue &&
                                 static_cast<size_t>(out) < plan->concat_in_place.size() &&
                                 plan->concat_in_place[out];
    EI_RETURN_IF_ERROR(concat_in_place ? concat_into_slices(context, concat_shape_)
                                       : kernels_[step](context));
    if (profile) {
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      profile->push_back({node.name, node.op_type, took.count(), algorithm(step)});
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
