// Blocked channel layouts: names, shapes, the two copies and the planar detour of the
// reference kernels.
#include "cpu/blocked_layout.h"

#include <algorithm>
#include <cstring>
#include <variant>
#include <vector>

#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "cpu/kernels/kernel_set.h"

namespace edgeinfer::cpu {

int preferred_channel_block() {
  return std::string(kernels::best_kernel_set().isa) == "avx512" ? 16 : 8;
}

int block_of_layout(const std::string& layout) {
  if (layout.size() < 6 || layout.compare(0, 4, "NCHW") != 0 || layout.back() != 'c') return 0;
  int block = 0;
  for (size_t i = 4; i + 1 < layout.size(); ++i) {
    const char ch = layout[i];
    if (ch < '0' || ch > '9' || block > 64) return 0;
    block = block * 10 + (ch - '0');
  }
  return block >= 2 && block <= 64 ? block : 0;
}

std::string blocked_layout_name(int block) {
  return "NCHW" + std::to_string(block) + "c";
}

namespace {

// The block a layout attribute names; reads the attribute in place, so kernels may ask on every
// run without allocating.
int block_of_attr(const ir::Node& node, const std::string& key) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return 0;
  const std::string* layout = std::get_if<std::string>(&it->second);
  return layout ? block_of_layout(*layout) : 0;
}

}  // namespace

int input_block(const ir::Node& node) {
  static const std::string key = kInputLayoutAttr;
  return block_of_attr(node, key);
}

int output_block(const ir::Node& node) {
  static const std::string key = kOutputLayoutAttr;
  return block_of_attr(node, key);
}

bool uses_blocked_layout(const ir::Node& node) {
  return node.op_type == kReorderOp || input_block(node) != 0 || output_block(node) != 0;
}

Shape blocked_shape(const Shape& planar, int block) {
  Shape out{planar[0], channel_blocks(planar[1], block)};
  out.insert(out.end(), planar.begin() + 2, planar.end());
  out.push_back(block);
  return out;
}

Shape planar_shape(const Shape& blocked, int64_t channels) {
  Shape out{blocked[0], channels};
  out.insert(out.end(), blocked.begin() + 2, blocked.end() - 1);
  return out;
}

void block_channels(const float* src, float* dst, int64_t batch, int64_t channels, int64_t spatial,
                    int block) {
  const int64_t blocks = channel_blocks(channels, block);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t cb = 0; cb < blocks; ++cb) {
      float* out = dst + (n * blocks + cb) * spatial * block;
      const int64_t lanes = std::min<int64_t>(block, channels - cb * block);
      const float* in = src + (n * channels + cb * block) * spatial;
      if (lanes < block) std::memset(out, 0, sizeof(float) * spatial * block);
      for (int64_t lane = 0; lane < lanes; ++lane) {
        const float* plane = in + lane * spatial;
        for (int64_t p = 0; p < spatial; ++p)
          out[p * block + lane] = plane[p];
      }
    }
  }
}

void unblock_channels(const float* src, float* dst, int64_t batch, int64_t channels,
                      int64_t spatial, int block) {
  const int64_t blocks = channel_blocks(channels, block);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t cb = 0; cb < blocks; ++cb) {
      const float* in = src + (n * blocks + cb) * spatial * block;
      const int64_t lanes = std::min<int64_t>(block, channels - cb * block);
      float* out = dst + (n * channels + cb * block) * spatial;
      for (int64_t lane = 0; lane < lanes; ++lane) {
        float* plane = out + lane * spatial;
        for (int64_t p = 0; p < spatial; ++p)
          plane[p] = in[p * block + lane];
      }
    }
  }
}

namespace {

int64_t spatial_of(const Shape& planar) {
  int64_t spatial = 1;
  for (size_t d = 2; d < planar.size(); ++d)
    spatial *= planar[d];
  return spatial;
}

// A context that shows the planar kernel ONNX-layout inputs and keeps its output 0 in a buffer
// of its own; the other outputs go straight to the real context.
class PlanarContext final : public KernelContext {
 public:
  PlanarContext(KernelContext& outer, ir::Node node, std::vector<TensorView> inputs,
                bool own_output)
      : outer_(outer),
        node_(std::move(node)),
        inputs_(std::move(inputs)),
        own_output_(own_output) {}

  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }
  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    if (i != 0 || !own_output_) return outer_.allocate_output(i, dtype, shape);
    if (dtype != DType::kFloat32) return unsupported("a blocked output must be float32");
    output_.assign(static_cast<size_t>(shape_elements(shape)), 0.f);
    output_view_ = TensorView{dtype, shape, output_.data()};
    return output_view_;
  }
  ThreadPool* thread_pool() const override { return outer_.thread_pool(); }

  const TensorView& output() const { return output_view_; }

 private:
  KernelContext& outer_;
  ir::Node node_;
  std::vector<TensorView> inputs_;
  bool own_output_;
  std::vector<float> output_;
  TensorView output_view_;
};

}  // namespace

Status run_through_planar_layout(KernelContext& ctx, KernelFn planar_kernel) {
  const ir::Node& node = ctx.node();
  const int in_block = input_block(node);
  const int out_block = output_block(node);
  ir::Node planar_node = node;
  if (in_block) planar_node.attributes.erase(kInputLayoutAttr);
  if (out_block) planar_node.attributes.erase(kOutputLayoutAttr);
  planar_node.attributes.erase(kChannelsAttr);
  std::vector<TensorView> inputs(node.inputs.size());
  std::vector<std::vector<float>> copies(node.inputs.size());
  const bool is_conv = node.op_type == "Conv";
  const bool is_conv_transpose = node.op_type == "ConvTranspose";
  // Unblocks input i into an ONNX-layout copy of `channels` channels.
  auto unblock_input = [&](size_t i, int block, int64_t channels) -> Status {
    const TensorView& blocked = ctx.input(i);
    if (blocked.dtype != DType::kFloat32 || blocked.shape.size() < 3 ||
        blocked.shape.back() != block || channels > blocked.shape[1] * block) {
      return ctx.invalid("input " + std::to_string(i) + " " + shape_to_string(blocked.shape) +
                         " is not a float32 " + blocked_layout_name(block) + " tensor of " +
                         std::to_string(channels) + " channels");
    }
    const Shape shape = planar_shape(blocked.shape, channels);
    copies[i].resize(static_cast<size_t>(shape_elements(shape)));
    unblock_channels(blocked.as<float>(), copies[i].data(), shape[0], channels, spatial_of(shape),
                     block);
    inputs[i] = TensorView{DType::kFloat32, shape, copies[i].data()};
    return Status::ok();
  };
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i)) inputs[i] = ctx.input(i);
  }
  // Output channels of a Conv come from its weights; other ops keep every lane as a channel.
  int64_t out_channels = -1;
  if (is_conv && node.has_input(1) && ctx.input(1).shape.size() >= 2) {
    out_channels = ctx.input(1).shape[0];
  }
  if (in_block && node.has_input(0)) {
    int64_t channels = node.attr_int(kChannelsAttr, 0);
    if (channels <= 0 && ctx.input(0).shape.size() >= 2)
      channels = ctx.input(0).shape[1] * in_block;
    if (is_conv && node.has_input(1) && ctx.input(1).shape.size() >= 2) {
      channels = ctx.input(1).shape[1] * node.attr_int("group", 1);
    }
    if (is_conv_transpose && node.has_input(1) && !ctx.input(1).shape.empty()) {
      channels = ctx.input(1).shape[0];  // W is C x M/group x k...
    }
    EI_RETURN_IF_ERROR(unblock_input(0, in_block, channels));
  }
  if (out_block && is_conv && node.has_input(kResidualInput)) {
    EI_RETURN_IF_ERROR(unblock_input(kResidualInput, out_block, out_channels));
  }
  PlanarContext planar(ctx, std::move(planar_node), std::move(inputs), out_block != 0);
  EI_RETURN_IF_ERROR(planar_kernel(planar));
  if (!out_block || !ctx.wants_output(0)) return Status::ok();
  const TensorView& y = planar.output();
  if (y.shape.size() < 2) return ctx.invalid("a blocked output needs a channel axis");
  EI_ASSIGN_OR_RETURN(
      const TensorView* out,
      ctx.allocate_output_view(0, DType::kFloat32, blocked_shape(y.shape, out_block)));
  block_channels(y.as<float>(), out->as<float>(), y.shape[0], y.shape[1], spatial_of(y.shape),
                 out_block);
  return Status::ok();
}

}  // namespace edgeinfer::cpu
