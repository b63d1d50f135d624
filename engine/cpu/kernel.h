// The contract between the CPU executor and an operator implementation.
//
// A kernel reads its node's attributes and input tensors from a KernelContext, asks the
// context for each output buffer with the output's dtype and shape (computed by the kernel:
// shapes may depend on input data, e.g. Reshape), and fills it. Kernels never allocate
// tensors themselves, so the session's memory strategy decides where outputs live.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "ir/graph.h"

namespace edgeinfer::cpu {

class ThreadPool;
class AutotuneCache;

}  // namespace edgeinfer::cpu

namespace edgeinfer::planner {
class WeightStore;
}  // namespace edgeinfer::planner

namespace edgeinfer::cpu {

// What a kernel computed once for its node when the executor was created (pre-packed weights,
// the algorithm it chose), owned by the executor and handed back on every run.
class PreparedState {
 public:
  virtual ~PreparedState() = default;
  // The algorithm the node runs with, for profiles ("" when there is no choice).
  virtual std::string algorithm() const { return ""; }
};

// What a kernel keeps for its node from one run to the next: parsed attributes, output shapes,
// index tables. The executor keeps one slot per node, so from the second run on a kernel finds
// what it computed (checking that the inputs' shapes still match) and runs without allocating.
class RunCache {
 public:
  virtual ~RunCache() = default;
};

class KernelContext {
 public:
  virtual ~KernelContext() = default;

  virtual const ir::Node& node() const = 0;
  size_t input_count() const { return node().inputs.size(); }
  // False for an omitted optional input (or an index past the end).
  bool has_input(size_t i) const { return node().has_input(i); }
  // The tensor behind input i; precondition: has_input(i).
  virtual const TensorView& input(size_t i) const = 0;

  size_t output_count() const { return node().outputs.size(); }
  // False for an omitted optional output: such outputs need not be computed.
  bool wants_output(size_t i) const {
    return i < node().outputs.size() && node().outputs[i] != ir::kNoValue;
  }
  // Provides the buffer of output i with the given dtype and shape. Fails (kOutOfMemory) for
  // absurd sizes. Precondition: wants_output(i).
  virtual Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) = 0;
  // The same, handing back the view the context keeps (valid while the kernel runs) rather than
  // a copy: copying its Shape allocates. What kernels on the hot path call.
  virtual Result<const TensorView*> allocate_output_view(size_t i, DType dtype,
                                                         const Shape& shape) {
    // Contexts outside an executor keep a copy; sized once so earlier pointers stay valid.
    if (kept_outputs_.size() < output_count()) kept_outputs_.resize(output_count());
    if (i >= kept_outputs_.size()) return fail(StatusCode::kInternal, "no such output");
    EI_ASSIGN_OR_RETURN(kept_outputs_[i], allocate_output(i, dtype, shape));
    return &kept_outputs_[i];
  }

  // Error helpers that name the node: "node 'x' (Conv): <what>".
  Status fail(StatusCode code, const std::string& what) const {
    return Status(code, node().describe() + ": " + what);
  }
  Status invalid(const std::string& what) const { return fail(StatusCode::kInvalidModel, what); }
  Status unsupported(const std::string& what) const { return fail(StatusCode::kUnsupported, what); }

  // Workers for splitting the node's work; nullptr runs it on the calling thread only.
  virtual ThreadPool* thread_pool() const { return nullptr; }
  // The state the kernel's prepare step made for this node; nullptr when it made none.
  virtual const PreparedState* prepared() const { return nullptr; }
  // The node's run cache slot, empty before its first run. Contexts outside an executor give
  // one that lasts as long as the context.
  virtual std::unique_ptr<RunCache>& run_cache() { return own_cache_; }

 private:
  std::vector<TensorView> kept_outputs_;
  std::unique_ptr<RunCache> own_cache_;
};

// The node's cache of type T, made empty (default-constructed) when the slot holds none.
template <typename T>
T& run_cache_of(KernelContext& context) {
  std::unique_ptr<RunCache>& slot = context.run_cache();
  if (T* cache = dynamic_cast<T*>(slot.get())) return *cache;
  slot = std::make_unique<T>();
  return static_cast<T&>(*slot);
}

using KernelFn = Status (*)(KernelContext& context);

// Bytes a prepare step derived from constant weights (a pre-packed layout): mapped read-only
// from the weight cache, or in private memory when there is no cache.
struct PackedBytes {
  const unsigned char* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> owner;  // keeps `data` alive: a private buffer or a mapping
  bool mapped = false;
};

// Writes a packed layout into `out` (the size asked for, 64-byte aligned or better).
using PackFn = std::function<void(unsigned char* out)>;

// Packs into a fresh private buffer (what packed_weights does without a cache; autotuning's
// throw-away candidates call it directly).
PackedBytes pack_privately(size_t bytes, const PackFn& pack);

// Bytes of packed weights handed out to the prepare steps of one executor, by where they live.
struct PackedWeightTotals {
  size_t private_bytes = 0;
  size_t mapped_bytes = 0;
  // Unpacked weights in read-only file mappings that a mapped packing replaced: their resident
  // pages are released once every node is prepared (planner::release_mapped_pages). Not at
  // once: a file's page cache may come in large folios that span the next node's weights, and
  // reading those would map the folio again.
  std::vector<std::pair<const void*, size_t>> replaced_sources;
};

// What a prepare step sees at Executor::create: the node, the data of its constant inputs and
// the session's options that concern kernels.
struct PrepareContext {
  const ir::Node& node;
  const ir::Graph& graph;
  int threads = 1;  // resolved: >= 1
  // The algorithm asked for this node ("" = choose), from Options::algorithms by node name,
  // else by op type.
  std::string algorithm;
  bool algorithm_by_name = false;  // true when the node's name asked (not its op type)

  // One view per input: the data of constant inputs, kUndefined for the others. A constant
  // the model also lists as a graph input may be fed by the caller later: a kernel that packs
  // it must check at run time that the input still points at this data (ran_with_constant).
  std::vector<TensorView> constant_views;

  // The workers runs will use (null for one thread): autotuning times candidates with them.
  ThreadPool* pool = nullptr;
  // Set when Options::autotune asks to time the applicable algorithms (null otherwise): a
  // kernel with a choice looks its layer up here, times the candidates when it is missing and
  // records the winner. An explicit algorithm override still wins.
  AutotuneCache* autotune = nullptr;

  // Where pre-packed weights are kept (weights mode `mapped` with a usable cache folder): their
  // entries are mapped from the model's weight cache. Null: packed into private memory.
  planner::WeightStore* weight_store = nullptr;
  // Counts what packed_weights hands out and collects the sources it replaced (null: not
  // counted, and those sources' pages are released at once).
  PackedWeightTotals* packed_totals = nullptr;

  // The packed form of constant inputs `sources`, `bytes` long, written by `pack`. `recipe`
  // names the layout and everything besides the sources' bytes, dtypes and shapes that the
  // result depends on (algorithm, panel height, scaling, groups); the cache entry is keyed by
  // it, the format version and the sources' contents, so equal weights packed alike share an
  // entry. With a weight store: mapped from its entry, and on a hit `pack` is not called;
  // without one, or when the cache cannot be written: private. Never fails.
  PackedBytes packed_weights(const std::string& recipe,
                             const std::vector<const TensorView*>& sources, size_t bytes,
                             const PackFn& pack) const;

  // Input i when it is a constant; nullptr otherwise.
  const TensorView* constant_input(size_t i) const {
    return i < constant_views.size() && constant_views[i].dtype != DType::kUndefined
               ? &constant_views[i]
               : nullptr;
  }
  Status invalid(const std::string& what) const {
    return Status(StatusCode::kInvalidArgument, node.describe() + ": " + what);
  }
};

// Prepares a node once; a null state means "nothing to prepare" and the kernel then runs its
// unprepared path. An error (e.g. an algorithm that does not apply) fails Executor::create.
using PrepareFn = Result<std::unique_ptr<PreparedState>> (*)(const PrepareContext& context);

// Op type (default ONNX domain) -> kernel.
class KernelRegistry {
 public:
  void add(std::string op_type, KernelFn fn) {
    prepares_.erase(op_type);
    kernels_[std::move(op_type)] = fn;
  }
  // A kernel with a prepare step run once per node at Executor::create.
  void add(std::string op_type, KernelFn fn, PrepareFn prepare) {
    prepares_[op_type] = prepare;
    kernels_[std::move(op_type)] = fn;
  }
  // nullptr when the op type has no kernel.
  KernelFn find(std::string_view op_type) const {
    auto it = kernels_.find(std::string(op_type));
    return it == kernels_.end() ? nullptr : it->second;
  }
  // nullptr when the op type's kernel has no prepare step.
  PrepareFn find_prepare(std::string_view op_type) const {
    auto it = prepares_.find(std::string(op_type));
    return it == prepares_.end() ? nullptr : it->second;
  }
  const std::map<std::string, KernelFn>& all() const { return kernels_; }

 private:
  std::map<std::string, KernelFn> kernels_;
  std::map<std::string, PrepareFn> prepares_;
};

// The reference kernels: plain, obviously-correct implementations that every fast kernel is
// tested against. Built once, on first use.
const KernelRegistry& reference_kernels();

// What sessions run: the reference kernels with the fast ones (engine/cpu/fast) in their place
// where a fast one exists.
const KernelRegistry& fast_kernels();

}  // namespace edgeinfer::cpu
