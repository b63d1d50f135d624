// What an operator's Vulkan implementation sees while the executor records a graph: the node,
// the static shapes of its tensors, where each tensor lives on the device, and a way to add
// dispatches and host-computed constant tables. An implementation that cannot handle a node
// (dtype, rank, attribute, a tensor larger than one binding may cover) returns kUnsupported,
// and the node runs on the CPU executor instead.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cpu/kernel.h"
#include "ir/graph.h"
#include "vulkan/dispatch.h"

namespace edgeinfer::vulkan {

// Where every value lives and what the recorded graph needs uploaded (shared by all nodes).
struct DeviceLayout {
  std::vector<Binding> values;         // per ValueId; kNone for constants not yet uploaded
  std::vector<unsigned char> weights;  // host copy of the kWeights region
  size_t alignment = 64;               // offsets of bindings are multiples of this
  uint64_t max_binding_bytes = 0;      // maxStorageBufferRange (or the test override)
  uint32_t max_workgroup_size = 128;   // DeviceInfo::max_workgroup_size
  // Per value: store this float32 constant as 16-bit floats (fp16 storage sessions only;
  // vulkan/fp16_weights.h decides). Empty: every constant stays float32.
  std::vector<bool> fp16_weights;
};

class OpBuilder {
 public:
  OpBuilder(const ir::Graph& graph, const ir::Node& node, DeviceLayout& layout,
            std::vector<Dispatch>& dispatches);
  ~OpBuilder();

  const ir::Node& node() const { return node_; }
  const ir::Graph& graph() const { return graph_; }
  bool has_input(size_t i) const { return node_.has_input(i); }
  const ir::Value& input_value(size_t i) const;
  const ir::Value& output_value(size_t i = 0) const;
  Shape input_shape(size_t i) const { return input_value(i).static_shape(); }
  Shape output_shape(size_t i = 0) const { return output_value(i).static_shape(); }
  // The constant behind input i, or nullptr when it is computed at run time.
  const ir::Constant* constant(size_t i) const;

  // The whole tensor of input i / output i. kUnsupported unless it is float32 (or any 4-byte
  // type with `any_4_byte`), non-empty, and fits one binding (unless `large`: the caller then
  // binds it in pieces).
  Result<Binding> input(size_t i, bool any_4_byte = false, bool large = false);
  Result<Binding> output(size_t i = 0, bool any_4_byte = false, bool large = false);
  // Elements [first, first + count) of a tensor bound by `whole` (4-byte elements, or 2-byte
  // ones for a `half` binding).
  Binding piece(const Binding& whole, uint64_t first, uint64_t count) const;
  // A float table computed on the host, stored with the weights.
  Binding upload(const std::vector<float>& data);

  // Elements per piece when a tensor of 4-byte elements must be split over several bindings;
  // a multiple of the offset alignment.
  uint64_t max_piece_elements() const;
  uint32_t max_workgroup_size() const { return layout_.max_workgroup_size; }
  bool fits_one_binding(uint64_t elements) const {
    return elements * 4 <= layout_.max_binding_bytes;
  }

  void dispatch(const Dispatch& d) { dispatches_.push_back(d); }

  Status unsupported(const std::string& why) const {
    return error(StatusCode::kUnsupported, node_.describe() + ": " + why);
  }
  // A KernelContext over the IR (shapes, constant data) for the reference kernels' attribute
  // and geometry helpers (engine/cpu/reference/nn_window.h). Inputs that are not constants
  // have null data.
  const cpu::KernelContext& shape_context();

 private:
  Result<Binding> bind_value(ir::ValueId id, bool any_4_byte, bool large);
  const ir::Graph& graph_;
  const ir::Node& node_;
  DeviceLayout& layout_;
  std::vector<Dispatch>& dispatches_;
  std::unique_ptr<cpu::KernelContext> shape_context_;
};

// The Vulkan implementation of one op type.
using OpFn = Status (*)(OpBuilder& builder);
// nullptr for op types without a Vulkan implementation.
OpFn find_vulkan_op(const std::string& op_type);

// Invocations per output element for the shaders that use shaders/lane_sum.glsl: `outputs`
// elements, each a sum over `splits` parts (channels, or products) of `work` terms each that
// lanes share out. More lanes while the dispatch stays under about 2^17 invocations (enough to
// fill a large GPU) and each lane keeps at least 8 terms; 1 for layers that are already wide.
int32_t lanes_per_output(uint64_t outputs, uint64_t splits, uint64_t work);

// Contiguous (row-major) strides of `shape`, in elements.
std::vector<int64_t> contiguous_strides(const Shape& shape);

}  // namespace edgeinfer::vulkan
