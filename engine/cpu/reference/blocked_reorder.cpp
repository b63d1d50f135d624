// The reorder between the ONNX layout and a blocked channel layout (cpu/blocked_layout.h).
#include "cpu/blocked_layout.h"
#include "cpu/input_layout.h"
#include "cpu/reference/families.h"

namespace edgeinfer::cpu {

namespace {

int64_t spatial_elements(const Shape& shape, size_t first, size_t end) {
  int64_t n = 1;
  for (size_t d = first; d < end; ++d)
    n *= shape[d];
  return n;
}

}  // namespace

Result<ReorderSpec> reorder_spec(const KernelContext& ctx) {
  const ir::Node& node = ctx.node();
  const std::string from = node.attr_string(kInputLayoutAttr, "NCHW");
  const std::string to = node.attr_string(kOutputLayoutAttr, "NCHW");
  ReorderSpec spec;
  const int from_block = block_of_layout(from), to_block = block_of_layout(to);
  if ((from_block == 0) == (to_block == 0) || (from_block == 0 && from != "NCHW") ||
      (to_block == 0 && to != "NCHW")) {
    return ctx.invalid("reorders between NCHW and a blocked layout, not from '" + from + "' to '" +
                       to + "'");
  }
  spec.to_blocked = to_block != 0;
  spec.block = spec.to_blocked ? to_block : from_block;
  const TensorView& x = ctx.input(0);
  if (x.dtype != DType::kFloat32) return ctx.unsupported("reorders float32 tensors only");
  if (spec.to_blocked) {
    if (x.shape.size() < 3)
      return ctx.invalid("input " + shape_to_string(x.shape) + " has no spatial axis");
    spec.channels = x.shape[1];
    spec.output_shape = blocked_shape(x.shape, spec.block);
    spec.spatial = spatial_elements(x.shape, 2, x.shape.size());
  } else {
    spec.channels = node.attr_int(kChannelsAttr, -1);
    if (x.shape.size() < 4 || x.shape.back() != spec.block || spec.channels < 1 ||
        channel_blocks(spec.channels, spec.block) != x.shape[1]) {
      return ctx.invalid("input " + shape_to_string(x.shape) + " is not " +
                         blocked_layout_name(spec.block) + " with " +
                         std::to_string(spec.channels) + " channels");
    }
    spec.output_shape = planar_shape(x.shape, spec.channels);
    spec.spatial = spatial_elements(x.shape, 2, x.shape.size() - 1);
  }
  return spec;
}

}  // namespace edgeinfer::cpu

namespace edgeinfer::cpu::reference {

namespace {

Status reorder(KernelContext& ctx) {
  EI_ASSIGN_OR_RETURN(const ReorderSpec spec, reorder_spec(ctx));
  const TensorView& x = ctx.input(0);
  EI_ASSIGN_OR_RETURN(const TensorView* y,
                      ctx.allocate_output_view(0, DType::kFloat32, spec.output_shape));
  if (spec.to_blocked) {
    block_channels(x.as<float>(), y->as<float>(), x.shape[0], spec.channels, spec.spatial,
                   spec.block);
  } else {
    unblock_channels(x.as<float>(), y->as<float>(), x.shape[0], spec.channels, spec.spatial,
                     spec.block);
  }
  return Status::ok();
}

}  // namespace

void register_blocked_reorder(KernelRegistry& registry) {
  registry.add(kReorderOp, reorder);
}

}  // namespace edgeinfer::cpu::reference
