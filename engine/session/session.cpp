// Session: owns input buffers, the executor and the memory of intermediates.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>

#include "cpu/autotune_cache.h"
#include "cpu/blocked_layout.h"
#include "cpu/executor.h"
#include "cpu/fast/conv_nchwc.h"
#include "edgeinfer/edgeinfer.h"
#include "ir/tensor_size.h"
#include "passes/pass.h"
#include "planner/aligned_buffer.h"
#include "planner/graph_plan.h"
#include "planner/schedule.h"
#include "session/model_impl.h"
#include "vulkan/executor.h"

namespace edgeinfer {

class SessionImpl {
 public:
  static Result<std::unique_ptr<SessionImpl>> create(std::shared_ptr<const ModelImpl> model);

  Result<TensorView> input(size_t index);
  Status set_input(const std::string& name, const TensorView& tensor);
  Status run(std::vector<NodeProfile>* profile);
  Result<TensorView> tensor(ir::ValueId id) const;
  SessionStats stats() const;

  std::shared_ptr<const ModelImpl> model;
  const ir::Graph* graph = nullptr;

 private:
  // The session on `own_graph` (null: the model's graph), with `gpu` when the Vulkan executor
  // runs the model.
  static Result<std::unique_ptr<SessionImpl>> build(std::shared_ptr<const ModelImpl> model,
                                                    std::unique_ptr<ir::Graph> own_graph,
                                                    std::unique_ptr<vulkan::Executor> gpu);
  // CpuLayout::kAuto with autotune: the faster of the planar and the `blocked` session, timed
  // (or read from the autotune cache).
  static Result<std::unique_ptr<SessionImpl>> faster_layout(std::shared_ptr<const ModelImpl> model,
                                                            std::unique_ptr<ir::Graph> blocked);
  // Milliseconds of one run on the inputs as they are, for faster_layout (infinite on failure).
  double timed_run_ms();
  Status allocate_input(ir::ValueId id, DType dtype, const Shape& shape);
  void warm_up();
  // Plans from the intermediates' sizes; shapes from the model (before any run) or, after a
  // run, from the tensors it produced.
  Status plan_memory(const std::vector<size_t>& bytes, bool shapes_from_run);

  // The graph the CPU runs when it differs from the model's (the blocked layout), else null.
  std::unique_ptr<ir::Graph> own_graph_;
  std::unique_ptr<cpu::Executor> executor_;
  // Set when the session runs on a Vulkan device (backend vulkan, or auto with a GPU).
  std::unique_ptr<vulkan::Executor> gpu_;
  std::unique_ptr<planner::TensorMemory> memory_;
  std::vector<TensorView> values_;
  std::vector<bool> live_;
  // Caller-fed tensors: graph inputs and overridden constants.
  std::vector<std::vector<unsigned char>> fed_;
  std::vector<bool> kept_;
  bool has_run_ = false;
  SessionStats stats_;
};

namespace {

// Bytes of every intermediate if the model fixes all their shapes and types, else nothing.
std::optional<std::vector<size_t>> static_intermediate_bytes(const ir::Graph& graph) {
  std::vector<size_t> bytes(graph.values.size(), 0);
  for (size_t id = 0; id < graph.values.size(); ++id) {
    const ir::Value& v = graph.values[id];
    if (v.kind != ir::ValueKind::kIntermediate || v.producer < 0) continue;
    if (!v.is_fully_static() || dtype_size(v.dtype) == 0) return std::nullopt;
    auto elements = ir::checked_elements(v.static_shape());
    if (!elements) return std::nullopt;
    bytes[id] = static_cast<size_t>(*elements) * dtype_size(v.dtype);
  }
  return bytes;
}

// Marks the values named in `names` (Options::keep_tensors).
std::vector<bool> kept_values(const ir::Graph& graph, const std::vector<std::string>& names) {
  std::vector<bool> kept(graph.values.size(), false);
  for (const std::string& name : names) {
    const ir::ValueId id = graph.find_value(name);
    if (id != ir::kNoValue) kept[id] = true;
  }
  return kept;
}

// Every value's shape as the model gives it (-1 for what it does not fix).
std::vector<Shape> model_shapes(const ir::Graph& graph) {
  std::vector<Shape> shapes(graph.values.size());
  for (size_t id = 0; id < shapes.size(); ++id) {
    const ir::Value& v = graph.values[id];
    if (v.kind == ir::ValueKind::kConstant && v.constant) {
      shapes[id] = v.constant->view().shape;
    } else {
      shapes[id] = v.has_shape ? v.static_shape() : Shape{-1};
    }
  }
  return shapes;
}

// Multiply-adds of one run, from the Conv, ConvTranspose, Gemm and MatMul nodes and the
// model's static shapes (other ops cost little beside them); nodes with unknown shapes count 0.
double estimated_multiply_adds(const ir::Graph& graph) {
  // A value's shape where the model fixes it, else empty (counted as 0 elements).
  auto dims = [&](ir::ValueId id) -> Shape {
    if (id == ir::kNoValue) return {};
    const ir::Value& v = graph.value(id);
    if (v.kind == ir::ValueKind::kConstant && v.constant) return v.constant->view().shape;
    return v.is_fully_static() ? v.static_shape() : Shape{};
  };
  auto elements = [&](ir::ValueId id) {
    const Shape shape = dims(id);
    return shape.empty() ? 0.0 : static_cast<double>(shape_elements(shape));
  };
  double total = 0;
  for (const ir::Node& node : graph.nodes) {
    if (node.inputs.size() < 2 || node.outputs.empty()) continue;
    const Shape w = dims(node.inputs[1]);
    if (w.size() < 2) continue;
    double per_element = 1;  // the reduction each output (or input) element takes part in
    for (size_t i = 1; i < w.size(); ++i)
      per_element *= static_cast<double>(w[i]);
    if (node.op_type == "Conv") {
      total += elements(node.outputs[0]) * per_element;
    } else if (node.op_type == "ConvTranspose") {
      total += elements(node.inputs[0]) * per_element;
    } else if (node.op_type == "Gemm" || node.op_type == "MatMul") {
      const Shape a = dims(node.inputs[0]);
      if (a.empty()) continue;
      const bool trans_a = node.op_type == "Gemm" && node.attr_int("transA", 0) != 0;
      total += elements(node.outputs[0]) * static_cast<double>(trans_a ? a[0] : a.back());
    }
  }
  return total;
}

// Up to this many multiply-adds (tens of milliseconds), a session warms its kernels' run
// caches with one run at creation; a larger model's creation would take seconds, so its first
// run fills them instead.
constexpr double kWarmUpMaxMultiplyAdds = 2e9;

// CpuLayout::kAuto without timings takes the blocked layout when its reorders write at most
// 1/kMaxReorderShare of the elements its blocked ops write (the models' 6% take it, SINet's
// channel shuffles, about 20%, do not).
constexpr int64_t kMaxReorderShare = 10;
// Timed layout choice: runs of each layout (alternating), and the margin the blocked layout
// must win by, so that timing noise does not flip the choice from one load to the next.
constexpr int kLayoutTimingRuns = 9;
constexpr double kLayoutMargin = 0.97;

// Options::cpu_layout, with kAuto settled by the algorithm overrides when they name a layout:
// the planar convolution algorithms exist only in the ONNX layout, the nchwc ones only in the
// blocked one.
CpuLayout auto_layout_from_overrides(const Options& options) {
  if (options.cpu_layout != CpuLayout::kAuto) return options.cpu_layout;
  bool planar = false, blocked = false;
  for (const auto& [node_or_op, algorithm] : options.algorithms) {
    // ConvTranspose's "direct" runs in both layouts.
    if (node_or_op == "ConvTranspose") continue;
    if (const std::optional<bool> is_blocked = cpu::fast::conv_algorithm_is_blocked(algorithm)) {
      (*is_blocked ? blocked : planar) = true;
    }
  }
  if (planar) return CpuLayout::kNchw;
  return blocked ? CpuLayout::kNchwc : CpuLayout::kAuto;
}

// A name for the graph in cache keys: a hash of its text dump (ops, attributes, shapes).
std::string graph_fingerprint(const ir::Graph& graph) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(graph.to_string()));
  return hex;
}

}  // namespace

Result<std::unique_ptr<SessionImpl>> SessionImpl::create(std::shared_ptr<const ModelImpl> model) {
  std::unique_ptr<vulkan::Executor> gpu;
  if (model->options.backend != Backend::kCpu) {
    vulkan::ExecutorOptions vulkan_options;
    vulkan_options.device.gpus_only = model->options.backend == Backend::kAuto;
    vulkan_options.device.index = model->options.device_index;
    vulkan_options.cache_dir = model->options.cache_dir;
    vulkan_options.fp16_storage = model->options.vulkan_fp16;
    auto created = vulkan::Executor::create(model->graph, vulkan_options,
                                            kept_values(model->graph, model->options.keep_tensors));
    if (created) {
      gpu = std::move(created).value();
    } else if (model->options.backend == Backend::kVulkan) {
      return created.status().with_context(model->path);
    }  // auto: no usable GPU, the CPU executor runs the model
  }
  const CpuLayout layout = auto_layout_from_overrides(model->options);
  if (gpu || layout == CpuLayout::kNchw) return build(model, nullptr, std::move(gpu));
  // The CPU's own copy of the graph, in the blocked layout; the model's stays as it is for
  // other sessions and executors.
  auto blocked = std::make_unique<ir::Graph>(model->graph);
  passes::PassOptions pass_options;
  pass_options.keep = model->options.keep_tensors;
  passes::BlockedLayoutTraffic traffic;
  if (passes::propagate_blocked_layout(*blocked, pass_options, cpu::preferred_channel_block(),
                                       &traffic, cpu::fast::conv_prefers_planar_layout) == 0) {
    return build(model, nullptr, nullptr);  // nothing the blocked kernels take
  }
  EI_RETURN_IF_ERROR(blocked->validate().with_context(model->path));
  if (layout == CpuLayout::kNchwc) return build(model, std::move(blocked), nullptr);
  // Models too large to warm up at creation would take seconds to time: the rule decides.
  if (model->options.autotune && estimated_multiply_adds(model->graph) <= kWarmUpMaxMultiplyAdds) {
    return faster_layout(model, std::move(blocked));
  }
  // Without timings: blocked where its reorders move little beside what its kernels write.
  if (traffic.reorder_elements * kMaxReorderShare <= traffic.blocked_elements) {
    return build(model, std::move(blocked), nullptr);
  }
  return build(model, nullptr, nullptr);
}

Result<std::unique_ptr<SessionImpl>> SessionImpl::build(std::shared_ptr<const ModelImpl> model,
                                                        std::unique_ptr<ir::Graph> own_graph,
                                                        std::unique_ptr<vulkan::Executor> gpu) {
  auto s = std::make_unique<SessionImpl>();
  s->model = model;
  s->own_graph_ = std::move(own_graph);
  s->graph = s->own_graph_ ? s->own_graph_.get() : &model->graph;
  s->kept_ = kept_values(*s->graph, model->options.keep_tensors);
  s->gpu_ = std::move(gpu);
  const ir::Graph& g = *s->graph;
  cpu::ExecutorOptions executor_options;
  executor_options.threads = model->options.threads;
  executor_options.algorithms = model->options.algorithms;
  executor_options.autotune = model->options.autotune;
  executor_options.cache_dir = model->options.cache_dir;
  // The store exists only in weights mode `mapped` with a usable cache folder.
  executor_options.weight_store = model->weight_store.get();
  const auto static_bytes = static_intermediate_bytes(g);
  // The plan of the chosen schedule, made while choosing it.
  std::optional<planner::MemoryPlan> schedule_plan;
  if (static_bytes && model->options.memory_mode == MemoryMode::kPlanned &&
      model->options.memory_aware_schedule) {
    auto choice = planner::choose_schedule(g, *static_bytes, model_shapes(g), s->kept_,
                                           planner::kTensorAlignment);
    if (!choice) return choice.status().with_context(model->path);
    executor_options.schedule = std::move(choice->order);
    schedule_plan = std::move(choice->plan);
  }
  auto executor = cpu::Executor::create(g, cpu::fast_kernels(), s->kept_, executor_options);
  if (!executor) return executor.status().with_context(model->path);
  s->executor_ = std::make_unique<cpu::Executor>(std::move(executor).value());
  s->memory_ = planner::make_tensor_memory(model->options.memory_mode);
  if (s->gpu_) {
    // Device memory is planned by the Vulkan executor; no host arena is needed.
  } else if (schedule_plan && s->memory_->wants_plan()) {
    // Planned with the executor's schedule and lifetimes (the same order and kept tensors).
    EI_RETURN_IF_ERROR(s->memory_->set_plan(std::move(*schedule_plan)));
  } else if (static_bytes) {
    // Every intermediate's size is known from the model: plan before the first run.
    EI_RETURN_IF_ERROR(s->plan_memory(*static_bytes, false));
  }
  s->values_.resize(g.values.size());
  s->live_.assign(g.values.size(), false);
  s->fed_.resize(g.values.size());
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (v.kind == ir::ValueKind::kConstant) {
      s->values_[id] = v.constant->view();
      s->live_[id] = true;
      s->stats_.weights_bytes += v.constant->bytes();
      (v.constant->is_mapped() ? s->stats_.weights_mapped_bytes
                               : s->stats_.weights_private_bytes) += v.constant->bytes();
    }
  }
  // Pre-packed weights count as weights: the kernels read them instead of the constants.
  const cpu::PackedWeightTotals& packed = s->executor_->packed_weights();
  s->stats_.weights_bytes += packed.private_bytes + packed.mapped_bytes;
  s->stats_.weights_private_bytes += packed.private_bytes;
  s->stats_.weights_mapped_bytes += packed.mapped_bytes;
  for (ir::ValueId id : g.inputs) {
    const ir::Value& v = g.value(id);
    Shape shape = v.static_shape();
    for (int64_t& d : shape) {
      if (d < 0) d = 1;  // importers resolve dynamic dims; this is a last resort
    }
    EI_RETURN_IF_ERROR(s->allocate_input(id, v.dtype, shape));
  }
  if (!s->gpu_ && static_bytes && estimated_multiply_adds(g) <= kWarmUpMaxMultiplyAdds) {
    s->warm_up();
  }
  return s;
}

Result<std::unique_ptr<SessionImpl>> SessionImpl::faster_layout(
    std::shared_ptr<const ModelImpl> model, std::unique_ptr<ir::Graph> blocked) {
  const std::string key = "Layout graph=" + graph_fingerprint(model->graph) + " threads=" +
                          std::to_string(cpu::ThreadPool::resolve(model->options.threads)) +
                          " cpu=" + cpu::cpu_signature();
  cpu::AutotuneCache cache =
      cpu::AutotuneCache::open(cpu::autotune_cache_path(model->options.cache_dir));
  if (const std::string* cached = cache.find(key)) {
    if (*cached == "nchw") return build(model, nullptr, nullptr);
    if (*cached == "nchwc") return build(model, std::move(blocked), nullptr);
  }
  EI_ASSIGN_OR_RETURN(std::unique_ptr<SessionImpl> planar, build(model, nullptr, nullptr));
  EI_ASSIGN_OR_RETURN(std::unique_ptr<SessionImpl> tiled,
                      build(model, std::move(blocked), nullptr));
  std::vector<double> planar_ms, blocked_ms;
  for (int i = 0; i < kLayoutTimingRuns; ++i) {
    planar_ms.push_back(planar->timed_run_ms());
    blocked_ms.push_back(tiled->timed_run_ms());
  }
  auto median = [](std::vector<double>& v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  const bool use_blocked = median(blocked_ms) < kLayoutMargin * median(planar_ms);
  cache.record(key, use_blocked ? "nchwc" : "nchw");
  (void)cache.save();  // a folder that cannot be written costs the next load the timing
  return use_blocked ? std::move(tiled) : std::move(planar);
}

double SessionImpl::timed_run_ms() {
  const auto start = std::chrono::steady_clock::now();
  const Status status = executor_->run(values_, live_, *memory_, nullptr);
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  return status.is_ok() ? took.count() : std::numeric_limits<double>::infinity();
}

void SessionImpl::warm_up() {
  // One run on the zero-filled inputs, so that the caller's first run() finds every kernel's
  // run cache (parsed attributes, shapes, index tables) filled and allocates nothing, like
  // every later run. A warm-up that fails (zeros a model cannot take) changes nothing: the
  // first real run fills the caches instead and reports its own errors.
  const Status status = executor_->run(values_, live_, *memory_, nullptr);
  if (status.is_ok()) (void)plan_memory(executor_->last_run_bytes(), true);
  // The warm-up's results are not the caller's: until run(), reading them is an error, as in
  // a session that never ran.
  for (size_t id = 0; id < graph->values.size(); ++id) {
    if (graph->values[id].kind == ir::ValueKind::kIntermediate) live_[id] = false;
  }
}

Status SessionImpl::allocate_input(ir::ValueId id, DType dtype, const Shape& shape) {
  for (int64_t d : shape) {
    if (d < 0) {
      return error(StatusCode::kInvalidArgument, "input '" + graph->value(id).name + "' shape " +
                                                     shape_to_string(shape) +
                                                     " has a negative dim");
    }
  }
  const size_t bytes = static_cast<size_t>(shape_elements(shape)) * dtype_size(dtype);
  // On a GPU the input lives in the executor's upload memory: written there, it needs no copy.
  if (void* staged = gpu_ ? gpu_->input_staging(id, shape) : nullptr) {
    std::memset(staged, 0, bytes);
    fed_[id].clear();
    values_[id] = TensorView{dtype, shape, staged};
    live_[id] = true;
    return Status::ok();
  }
  fed_[id].assign(bytes, 0);
  values_[id] = TensorView{dtype, shape, fed_[id].data()};
  live_[id] = true;
  return Status::ok();
}

Result<TensorView> SessionImpl::input(size_t index) {
  if (index >= graph->inputs.size()) {
    return error(StatusCode::kInvalidArgument,
                 "input index " + std::to_string(index) + " is out of range (the model has " +
                     std::to_string(graph->inputs.size()) + " inputs)");
  }
  return values_[graph->inputs[index]];
}

Status SessionImpl::set_input(const std::string& name, const TensorView& tensor) {
  const ir::ValueId id = graph->find_value(name);
  if (id == ir::kNoValue) {
    return error(StatusCode::kNotFound, "the model has no input named '" + name + "'");
  }
  const ir::Value& v = graph->value(id);
  const bool feedable =
      v.kind == ir::ValueKind::kInput || (v.kind == ir::ValueKind::kConstant && v.overridable);
  if (!feedable) {
    return error(StatusCode::kInvalidArgument, "'" + name + "' is not an input of the model");
  }
  if (tensor.dtype != v.dtype) {
    return error(StatusCode::kInvalidArgument, "input '" + name + "' expects " +
                                                   dtype_name(v.dtype) + ", got " +
                                                   dtype_name(tensor.dtype));
  }
  if (v.has_shape) {
    bool fits = tensor.shape.size() == v.dims.size();
    for (size_t i = 0; fits && i < v.dims.size(); ++i) {
      // Dims the importer fixed from a symbolic one (batch -> 1) may be fed at another size.
      fits =
          !v.dims[i].is_static() || !v.dims[i].symbol.empty() || v.dims[i].value == tensor.shape[i];
    }
    if (!fits && v.kind == ir::ValueKind::kInput) {
      return error(StatusCode::kInvalidArgument, "input '" + name + "' expects shape " +
                                                     shape_to_string(v.static_shape()) + ", got " +
                                                     shape_to_string(tensor.shape));
    }
  }
  EI_RETURN_IF_ERROR(allocate_input(id, tensor.dtype, tensor.shape));
  if (tensor.bytes()) std::memcpy(values_[id].data, tensor.data, tensor.bytes());
  return Status::ok();
}

Status SessionImpl::plan_memory(const std::vector<size_t>& bytes, bool shapes_from_run) {
  if (!memory_->wants_plan()) return Status::ok();
  const auto& schedule = executor_->schedule();
  const auto& lifetimes = executor_->lifetimes();
  std::vector<Shape> shapes = model_shapes(*graph);
  if (shapes_from_run) {
    for (size_t id = 0; id < shapes.size() && id < values_.size(); ++id)
      shapes[id] = values_[id].shape;
  }
  return memory_->set_plan(planner::plan_graph_memory(*graph, schedule, lifetimes, bytes, shapes,
                                                      planner::kTensorAlignment));
}

Status SessionImpl::run(std::vector<NodeProfile>* profile) {
  if (gpu_) {
    Status status = gpu_->run(values_, live_, profile);
    if (!status.is_ok()) return status.with_context(model->path);
    has_run_ = true;
    ++stats_.runs;
    return Status::ok();
  }
  Status status = executor_->run(values_, live_, *memory_, profile);
  if (!status.is_ok()) return status.with_context(model->path);
  // Sizes seen in this run differ from the plan (or there was none): plan for them.
  EI_RETURN_IF_ERROR(plan_memory(executor_->last_run_bytes(), true));
  has_run_ = true;
  ++stats_.runs;
  return Status::ok();
}

Result<TensorView> SessionImpl::tensor(ir::ValueId id) const {
  const ir::Value& v = graph->value(id);
  if (v.kind == ir::ValueKind::kIntermediate && !live_[id]) {
    if (!has_run_) {
      return error(StatusCode::kDataRemoved, "tensor '" + v.name +
                                                 "' has not been computed yet "
                                                 "(call run() first)");
    }
    return error(StatusCode::kDataRemoved,
                 "tensor '" + v.name +
                     "': data removed (an intermediate whose memory was released or reused "
                     "after its last use); name it in Options::keep_tensors (--keep) to read it "
                     "after run()");
  }
  return values_[id];
}

SessionStats SessionImpl::stats() const {
  SessionStats s = stats_;
  if (!gpu_) s.cpu_layout = own_graph_ ? CpuLayout::kNchwc : CpuLayout::kNchw;
  if (gpu_) {
    s.lower_bound_bytes =
        planner::lower_bound_bytes(gpu_->lifetimes(), gpu_->value_bytes(), gpu_->schedule().size());
    s.arena_bytes = gpu_->arena_bytes();
    s.peak_allocated_bytes = gpu_->arena_bytes();
    return s;
  }
  const auto& bytes = executor_->last_run_bytes();
  s.lower_bound_bytes =
      planner::lower_bound_bytes(executor_->lifetimes(), bytes, executor_->schedule().size());
  s.lower_bound_without_in_place_bytes = s.lower_bound_bytes;
  s.live_bytes_per_step =
      planner::live_bytes_per_step(executor_->lifetimes(), bytes, executor_->schedule().size());
  s.arena_bytes = memory_->peak_reserved_bytes();
  if (const planner::MemoryPlan* plan = memory_->plan()) {
    // In place, an input and its output share bytes: the plan's bound counts them once.
    s.lower_bound_bytes = plan->lower_bound_bytes;
    s.lower_bound_without_in_place_bytes = plan->lower_bound_without_in_place_bytes;
    s.live_bytes_per_step = plan->live_bytes;
    // The arena every later run uses; peak_allocated_bytes keeps the first run's peak when
    // it ran before a plan existed (shapes known only by running).
    s.arena_bytes = plan->arena_bytes;
  }
  s.peak_allocated_bytes = memory_->peak_reserved_bytes();
  return s;
}

Session::Session(std::unique_ptr<SessionImpl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Model::create_session() const {
  auto impl = SessionImpl::create(impl_);
  if (!impl) return impl.status();
  return Session(std::move(impl).value());
}

size_t Session::input_count() const {
  return impl_->graph->inputs.size();
}
size_t Session::output_count() const {
  return impl_->graph->outputs.size();
}
Result<TensorView> Session::input(size_t index) {
  return impl_->input(index);
}

Result<TensorView> Session::input(const std::string& name) {
  for (size_t i = 0; i < impl_->graph->inputs.size(); ++i) {
    if (impl_->graph->value(impl_->graph->inputs[i]).name == name) return impl_->input(i);
  }
  return error(StatusCode::kNotFound, "the model has no input named '" + name + "'");
}

Status Session::set_input(const std::string& name, const TensorView& tensor) {
  return impl_->set_input(name, tensor);
}

Status Session::run() {
  return impl_->run(nullptr);
}
Status Session::run_profiled(std::vector<NodeProfile>* profile) {
  return impl_->run(profile);
}

Result<TensorView> Session::output(size_t index) const {
  if (index >= impl_->graph->outputs.size()) {
    return error(StatusCode::kInvalidArgument,
                 "output index " + std::to_string(index) + " is out of range (the model has " +
                     std::to_string(impl_->graph->outputs.size()) + " outputs)");
  }
  return impl_->tensor(impl_->graph->outputs[index]);
}

Result<TensorView> Session::output(const std::string& name) const {
  for (ir::ValueId id : impl_->graph->outputs) {
    if (impl_->graph->value(id).name == name) return impl_->tensor(id);
  }
  return error(StatusCode::kNotFound, "the model has no output named '" + name + "'");
}

Result<TensorView> Session::tensor(const std::string& name) const {
  const ir::ValueId id = impl_->graph->find_value(name);
  if (id == ir::kNoValue) {
    return error(StatusCode::kNotFound, "the model has no tensor named '" + name + "'");
  }
  return impl_->tensor(id);
}

std::string Session::graph_text() const {
  return impl_->graph->to_string();
}

SessionStats Session::stats() const {
  return impl_->stats();
}

}  // namespace edgeinfer
