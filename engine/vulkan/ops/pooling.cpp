// MaxPool, AveragePool (1-D and 2-D, pads, dilations, ceil_mode, count_include_pad) and the
// global pools, which are the window covering the whole plane.
#include "cpu/reference/nn_window.h"
#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

constexpr int kMax = 0, kAverage = 1;
// Windows of at least this many positions are reduced by a workgroup per output
// (pool2d_reduce.comp) instead of serially by one invocation.
constexpr int64_t kWorkgroupWindow = 64;

Status record_pool(OpBuilder& b, const cpu::reference::Window& win, int mode) {
  const Shape x = b.input_shape(0), y = b.output_shape();
  Dispatch d;
  d.shader = ShaderId::kPool2d;
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  const size_t off = 2 - win.rank();
  int64_t kernel[2] = {1, 1}, strides[2] = {1, 1}, dil[2] = {1, 1}, pb[2] = {0, 0}, pe[2] = {0, 0};
  for (size_t i = 0; i < win.rank(); ++i) {
    kernel[off + i] = win.kernel[i];
    strides[off + i] = win.strides[i];
    dil[off + i] = win.dilations[i];
    pb[off + i] = win.pads_begin[i];
    pe[off + i] = win.pads_end[i];
  }
  d.params[0] = static_cast<int32_t>(x[0] * x[1]);
  d.params[1] = x.size() == 4 ? static_cast<int32_t>(x[2]) : 1;
  d.params[2] = static_cast<int32_t>(x.back());
  d.params[3] = y.size() == 4 ? static_cast<int32_t>(y[2]) : 1;
  d.params[4] = static_cast<int32_t>(y.back());
  for (int i = 0; i < 2; ++i) {
    d.params[5 + i] = static_cast<int32_t>(kernel[i]);
    d.params[7 + i] = static_cast<int32_t>(strides[i]);
    d.params[9 + i] = static_cast<int32_t>(pb[i]);
    d.params[11 + i] = static_cast<int32_t>(dil[i]);
    d.params[15 + i] = static_cast<int32_t>(pe[i]);
  }
  d.params[13] = mode;
  d.params[14] = b.node().attr_int("count_include_pad", 0) != 0 ? 1 : 0;
  d.invocations = static_cast<uint64_t>(shape_elements(y));
  // pool2d_reduce.comp runs workgroups of 256 (the Vulkan minimum is 128).
  if (kernel[0] * kernel[1] >= kWorkgroupWindow && b.max_workgroup_size() >= 256) {
    d.shader = ShaderId::kPool2dReduce;
    d.invocations *= 64;  // one workgroup per output (the host counts 64 per workgroup)
  }
  b.dispatch(d);
  return Status::ok();
}

Status check_rank(OpBuilder& b) {
  const Shape x = b.input_shape(0);
  if (x.size() != 3 && x.size() != 4) return b.unsupported("only 1-D and 2-D pooling");
  if (b.node().outputs.size() > 1 && b.node().outputs[1] != ir::kNoValue)
    return b.unsupported("MaxPool indices output");
  if (b.node().attr_int("storage_order", 0) != 0) return b.unsupported("storage_order");
  return Status::ok();
}

Status windowed(OpBuilder& b, int mode) {
  EI_RETURN_IF_ERROR(check_rank(b));
  const ir::Node& n = b.node();
  const Shape x = b.input_shape(0);
  const size_t rank = x.size() - 2;
  const std::vector<int64_t> kernel = n.attr_ints("kernel_shape");
  if (kernel.size() != rank) return b.unsupported("kernel_shape");
  EI_ASSIGN_OR_RETURN(const cpu::reference::Window win,
                      cpu::reference::forward_window(
                          b.shape_context(), std::vector<int64_t>(x.begin() + 2, x.end()), kernel,
                          true, n.attr_int("ceil_mode", 0) != 0));
  return record_pool(b, win, mode);
}

Status max_pool(OpBuilder& b) {
  return windowed(b, kMax);
}
Status average_pool(OpBuilder& b) {
  return windowed(b, kAverage);
}

Status global_pool(OpBuilder& b) {
  EI_RETURN_IF_ERROR(check_rank(b));
  const Shape x = b.input_shape(0);
  cpu::reference::Window win;
  win.kernel.assign(x.begin() + 2, x.end());
  win.strides.assign(win.kernel.size(), 1);
  win.dilations.assign(win.kernel.size(), 1);
  win.pads_begin.assign(win.kernel.size(), 0);
  win.pads_end.assign(win.kernel.size(), 0);
  return record_pool(b, win, b.node().op_type == "GlobalMaxPool" ? kMax : kAverage);
}

}  // namespace

void register_pooling(OpTable& table) {
  table["MaxPool"] = max_pool;
  table["AveragePool"] = average_pool;
  table["GlobalAveragePool"] = global_pool;
  table["GlobalMaxPool"] = global_pool;
}

}  // namespace edgeinfer::vulkan
