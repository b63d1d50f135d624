// EdgeInfer public C++ API.
//
//   auto model = edgeinfer::Model::load("selfie.tflite", options);
//   auto session = model->create_session();
//   session->input(0)->...;  session->run();  session->output(0)->data ...
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"

namespace edgeinfer {

enum class Backend { kAuto, kCpu, kVulkan };
enum class MemoryMode { kSeparate, kReduce, kReuse, kPlanned };
enum class WeightsMode { kLoad, kMapped };
// The CPU's tensor layout between convolutions: the ONNX layout, the blocked channel layout
// (NCHWc), or the one of the two that is faster for the model (CpuLayout::kAuto).
enum class CpuLayout { kAuto, kNchw, kNchwc };

const char* backend_name(Backend backend);
const char* memory_mode_name(MemoryMode mode);
const char* weights_mode_name(WeightsMode mode);
const char* cpu_layout_name(CpuLayout layout);  // "auto", "nchw", "nchwc"
Result<Backend> parse_backend(const std::string& text);
Result<MemoryMode> parse_memory_mode(const std::string& text);
Result<WeightsMode> parse_weights_mode(const std::string& text);
Result<CpuLayout> parse_cpu_layout(const std::string& text);

struct Options {
  Backend backend = Backend::kAuto;
  int threads = 1;  // 0 = one per core
  MemoryMode memory_mode = MemoryMode::kPlanned;
  WeightsMode weights = WeightsMode::kLoad;
  std::string cache_dir;  // empty: $XDG_CACHE_HOME/edgeinfer
  // Vulkan physical device, as an index among those the loader enumerates; -1 picks the best
  // (a discrete GPU, then an integrated one; backend vulkan also takes software devices).
  int device_index = -1;
  // Vulkan: store weights as 16-bit floats (arithmetic stays fp32; outputs within 1e-2 of fp32
  // on the shipped models). Needs a device with storageBuffer16BitAccess: backend vulkan fails
  // without one, backend auto then runs on the CPU. The CPU executor ignores it.
  bool vulkan_fp16 = false;
  // Intermediate tensors that stay readable after run().
  std::vector<std::string> keep_tensors;
  // Per-node or per-op-type algorithm overrides ("conv1" -> "winograd").
  std::map<std::string, std::string> algorithms;
  // Time the applicable algorithms of each layer at load and run the fastest; the choices are
  // cached in cache_dir (keyed by layer shape, threads and CPU) so later loads do not time.
  bool autotune = false;
  // Initializers the model also lists as graph inputs that the caller will feed with
  // Session::set_input. The others are constants, folded at load (DESIGN.md: constants
  // unless the caller feeds them); feeding one not named here is an error.
  std::vector<std::string> fed_initializers;
  // Values for named dynamic dimensions ("batch" -> 1). Unnamed or unlisted dynamic dims are 1.
  std::map<std::string, int64_t> dim_values;
  // CPU: kNchwc carries the tensors between convolutions in a blocked channel layout (16
  // channels a block with AVX-512, 8 otherwise) with reorders only where an op needs the ONNX
  // layout; kNchw runs every op in the ONNX layout; kAuto picks one per model: with `autotune`
  // by timing both at load (cached like the layer choices), otherwise blocked where the
  // reorders it needs move under a tenth of the bytes its blocked ops write. The Vulkan
  // executor ignores it.
  CpuLayout cpu_layout = CpuLayout::kAuto;
  // Memory mode `planned` on the CPU: run the nodes in the topological order with the lowest
  // memory bound of a few tried (false: the model's own order).
  bool memory_aware_schedule = true;
};

// Counters a session keeps about its memory and time.
struct SessionStats {
  size_t arena_bytes = 0;        // bytes the allocation strategy reserved for intermediates
  size_t lower_bound_bytes = 0;  // largest sum of intermediate bytes alive at one step
  // The same with every intermediate in its own bytes: no in-place execution and no Concat
  // inputs written into their slice of the output (planned mode does both).
  size_t lower_bound_without_in_place_bytes = 0;
  size_t weights_bytes = 0;          // constant data the session holds, pre-packed copies included
  size_t weights_private_bytes = 0;  // of which in this process's own memory
  size_t weights_mapped_bytes = 0;   // of which in read-only file mappings (shared page cache)
  size_t peak_allocated_bytes = 0;
  int64_t runs = 0;
  // The layout the CPU executor runs the model in (kNchw or kNchwc, as Options::cpu_layout
  // chose); kAuto when the Vulkan executor runs it.
  CpuLayout cpu_layout = CpuLayout::kAuto;
  // Bytes of intermediates alive at each step of the schedule in the last run (in `planned`
  // mode as the plan places them: values run in place counted once); for plots.
  std::vector<size_t> live_bytes_per_step;
};

// Time spent in one node during the last profiled run.
struct NodeProfile {
  std::string node_name;
  std::string op_type;
  double milliseconds = 0;
  std::string algorithm;  // the kernel's algorithm when it had a choice ("im2col-gemm"), or ""
};

class ModelImpl;
class SessionImpl;
class Session;

// An imported, validated model. Cheap to copy (shared, immutable).
class Model {
 public:
  // Loads an .onnx or .tflite file (detected from its contents).
  static Result<Model> load(const std::string& path, const Options& options = {});
  // Loads a model held in memory; `name` is used in error messages.
  static Result<Model> load_from_memory(const void* data, size_t size, const std::string& name,
                                        const Options& options = {});

  const std::string& path() const;
  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  const Options& options() const;
  // Human-readable dump of the graph (after import and passes).
  std::string graph_text() const;

  Result<Session> create_session() const;

 private:
  friend class SessionImpl;
  explicit Model(std::shared_ptr<const ModelImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const ModelImpl> impl_;
};

// Executes a model. Owns the memory of inputs, intermediates and outputs.
// Not thread-safe: use one session per thread.
class Session {
 public:
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  size_t input_count() const;
  size_t output_count() const;
  // Writable input buffer with the model's (resolved) shape.
  Result<TensorView> input(size_t index);
  Result<TensorView> input(const std::string& name);
  // Copies a caller tensor into input `name`; the shape may differ from the model's if the
  // model allows it. Also feeds initializers that the model lists as graph inputs and that
  // Options::fed_initializers names.
  Status set_input(const std::string& name, const TensorView& tensor);

  Status run();
  // Same, and records time per node into `profile`.
  Status run_profiled(std::vector<NodeProfile>* profile);

  Result<TensorView> output(size_t index) const;
  Result<TensorView> output(const std::string& name) const;
  // Any tensor by name: outputs, inputs, kept intermediates. Other intermediates give
  // kDataRemoved.
  Result<TensorView> tensor(const std::string& name) const;

  SessionStats stats() const;
  // Human-readable dump of the graph this session runs: the model's, or the CPU executor's
  // own copy when Options::blocked_layout changed it.
  std::string graph_text() const;

 private:
  friend class Model;
  explicit Session(std::unique_ptr<SessionImpl> impl);
  std::unique_ptr<SessionImpl> impl_;
};

// Library version string, e.g. "0.1.0".
const char* version();

}  // namespace edgeinfer
