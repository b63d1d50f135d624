// Softmax and LogSoftmax: over one axis from opset 13, over the flattened trailing dims from
// `axis` on before that (the opset 1-12 "coerced to 2-D" form).
#include <algorithm>

#include "vulkan/ops/families.h"

namespace edgeinfer::vulkan {

namespace {

Status softmax(OpBuilder& b) {
  const ir::Node& n = b.node();
  const Shape x = b.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  int64_t axis = n.attr_int("axis", n.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= std::max<int64_t>(rank, 1)) return b.unsupported("axis");
  int64_t outer = 1, size = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < axis)
      outer *= x[static_cast<size_t>(i)];
    else if (i == axis || n.opset < 13)
      size *= x[static_cast<size_t>(i)];
    else
      inner *= x[static_cast<size_t>(i)];
  }
  Dispatch d;
  d.shader = ShaderId::kSoftmax;
  EI_ASSIGN_OR_RETURN(d.bindings[0], b.output(0));
  EI_ASSIGN_OR_RETURN(d.bindings[1], b.input(0));
  d.params[0] = static_cast<int32_t>(outer);
  d.params[1] = static_cast<int32_t>(size);
  d.params[2] = static_cast<int32_t>(inner);
  d.params[3] = n.op_type == "LogSoftmax" ? 1 : 0;
  d.invocations = static_cast<uint64_t>(outer * inner);
  b.dispatch(d);
  return Status::ok();
}

}  // namespace

void register_softmax(OpTable& table) {
  table["Softmax"] = softmax;
  table["LogSoftmax"] = softmax;
}

}  // namespace edgeinfer::vulkan
