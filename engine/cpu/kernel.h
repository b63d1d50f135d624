// The contract between the CPU executor and an operator implementation.
//
// A kernel reads its node's attributes and input tensors from a KernelContext, asks the
// context for each output buffer with the output's dtype and shape (computed by the kernel:
// shapes may depend on input data, e.g. Reshape), and fills it. Kernels never allocate
// tensors themselves, so the session's memory strategy decides where outputs live.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "edgeinfer/status.h"
#include "edgeinfer/tensor.h"
#include "ir/graph.h"

namespace edgeinfer::cpu {

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

  // Error helpers that name the node: "node 'x' (Conv): <what>".
  Status fail(StatusCode code, const std::string& what) const {
    return Status(code, node().describe() + ": " + what);
  }
  Status invalid(const std::string& what) const { return fail(StatusCode::kInvalidModel, what); }
  Status unsupported(const std::string& what) const { return fail(StatusCode::kUnsupported, what); }
};

using KernelFn = Status (*)(KernelContext& context);

// Op type (default ONNX domain) -> kernel.
class KernelRegistry {
 public:
  void add(std::string op_type, KernelFn fn) { kernels_[std::move(op_type)] = fn; }
  // nullptr when the op type has no kernel.
  KernelFn find(std::string_view op_type) const {
    auto it = kernels_.find(std::string(op_type));
    return it == kernels_.end() ? nullptr : it->second;
  }
  const std::map<std::string, KernelFn>& all() const { return kernels_; }

 private:
  std::map<std::string, KernelFn> kernels_;
};

// The reference kernels: plain, obviously-correct implementations that every fast kernel is
// tested against. Built once, on first use.
const KernelRegistry& reference_kernels();

// What sessions run: the reference kernels with the fast ones (engine/cpu/fast) in their place
// where a fast one exists.
const KernelRegistry& fast_kernels();

}  // namespace edgeinfer::cpu
