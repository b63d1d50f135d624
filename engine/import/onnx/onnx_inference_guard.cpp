#include "import/onnx/onnx_inference_guard.h"

#include <cstdint>
#include <string>

#include "onnx/onnx_pb.h"

namespace edgeinfer::import::onnx_detail {

namespace {

// Generous bound for sizes, strides and the like: real models stay far below it, and it
// keeps ONNX's int64 arithmetic on them from overflowing.
constexpr int64_t kMaxAttributeSize = int64_t{1} << 31;

// Rank of a known tensor shape, -1 otherwise.
int rank_of(const onnx::TypeProto* type) {
  if (type == nullptr || !type->has_tensor_type() || !type->tensor_type().has_shape()) return -1;
  return type->tensor_type().shape().dim_size();
}

bool all_in(const onnx::AttributeProto& a, int64_t lo, int64_t hi) {
  if (a.has_i() && (a.i() < lo || a.i() > hi)) return false;
  for (int64_t v : a.ints())
    if (v < lo || v > hi) return false;
  return true;
}

// Ops whose inference walks spatial dims of input 0 alongside kernel attributes (and, for
// the Conv family, the weight's dims).
bool is_windowed(const std::string& op) {
  return op.find("Conv") != std::string::npos || op.find("Pool") != std::string::npos ||
         op == "MaxUnpool" || op == "Col2Im" || op == "DeformConv";
}

bool windowed_ok(const onnx::NodeProto& node, const std::vector<const onnx::TypeProto*>& inputs) {
  const int rank = inputs.empty() ? -1 : rank_of(inputs[0]);
  // The Conv family reads W at input 1 (QLinearConv at 3), MaxUnpool its indices at 1:
  // their rank must match X's.
  const size_t w = node.op_type() == "QLinearConv" ? 3 : 1;
  const bool has_weights =
      node.op_type().find("Conv") != std::string::npos || node.op_type() == "MaxUnpool";
  if (has_weights && w < inputs.size()) {
    const int w_rank = rank_of(inputs[w]);
    if (rank >= 0 && w_rank >= 0 && w_rank != rank) return false;
    if (rank < 0 && w_rank >= 0) return false;  // inference would size X from W
  }
  if (rank >= 0 && rank < 3 && node.op_type() != "GlobalLpPool") return false;
  const int64_t spatial = rank < 0 ? -1 : rank - 2;
  for (const auto& a : node.attribute()) {
    const std::string& key = a.name();
    const bool per_dim = key == "kernel_shape" || key == "strides" || key == "dilations" ||
                         key == "output_padding" || key == "output_shape";
    if (per_dim && spatial >= 0 && a.ints_size() != spatial) return false;
    if (key == "pads") {
      if (spatial >= 0 && a.ints_size() != 2 * spatial) return false;
      if (!all_in(a, 0, kMaxAttributeSize)) return false;
    }
    if (key == "output_padding" || key == "output_shape") {
      if (!all_in(a, 0, kMaxAttributeSize)) return false;
    }
  }
  return true;
}

// axis / axes must name a dim of input 0 (Flatten may name one past the end, Unsqueeze
// names dims of its output). Without a known rank only small values get through.
bool axes_ok(const onnx::NodeProto& node, const std::vector<const onnx::TypeProto*>& inputs) {
  const int rank = inputs.empty() ? -1 : rank_of(inputs[0]);
  for (const auto& a : node.attribute()) {
    if (a.name() != "axis" && a.name() != "axes") continue;
    if (rank < 0) {
      if (!all_in(a, -64, 64)) return false;
      continue;
    }
    int64_t hi = rank - 1;
    if (node.op_type() == "Flatten") hi = rank;
    if (node.op_type() == "Unsqueeze") hi = rank + a.ints_size() - 1;
    if (!all_in(a, -(hi + 1), hi)) return false;
  }
  return true;
}

}  // namespace

bool safe_to_infer(const onnx::NodeProto& node, const std::vector<const onnx::TypeProto*>& inputs) {
  for (const auto& a : node.attribute()) {
    const std::string& key = a.name();
    // Divisors and step sizes: zero or negative ones crash or loop.
    if (key == "strides" || key == "dilations" || key == "kernel_shape" || key == "blocksize" ||
        key == "group" || key == "block_size") {
      if (!all_in(a, 1, kMaxAttributeSize)) return false;
    }
  }
  if (is_windowed(node.op_type()) && !windowed_ok(node, inputs)) return false;
  return axes_ok(node, inputs);
}

}  // namespace edgeinfer::import::onnx_detail
