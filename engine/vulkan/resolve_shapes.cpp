#include "vulkan/resolve_shapes.h"

#include "cpu/executor.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::vulkan {

bool has_static_shapes(const ir::Graph& g) {
  for (const ir::Value& v : g.values) {
    const bool produced = v.kind == ir::ValueKind::kIntermediate && v.producer >= 0;
    if (v.kind != ir::ValueKind::kInput && !produced) continue;
    if (!v.is_fully_static() || dtype_size(v.dtype) == 0) return false;
  }
  return true;
}

Status resolve_shapes(ir::Graph& g) {
  for (ir::ValueId id : g.inputs) {
    if (!g.value(id).is_fully_static()) {
      return error(StatusCode::kUnsupported, "the Vulkan backend needs static input shapes; '" +
                                                 g.value(id).name + "' has none");
    }
  }
  EI_ASSIGN_OR_RETURN(cpu::Executor executor,
                      cpu::Executor::create(g, cpu::fast_kernels(), std::vector<bool>()));
  auto memory = planner::make_tensor_memory(MemoryMode::kReduce);
  std::vector<TensorView> values(g.values.size());
  std::vector<bool> live(g.values.size(), false);
  std::vector<std::vector<unsigned char>> zeros;
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (v.kind == ir::ValueKind::kConstant && v.constant) {
      values[id] = v.constant->view();
      live[id] = true;
    }
  }
  for (ir::ValueId id : g.inputs) {
    const ir::Value& v = g.value(id);
    const Shape shape = v.static_shape();
    zeros.emplace_back(static_cast<size_t>(shape_elements(shape)) * dtype_size(v.dtype), 0);
    values[id] = TensorView{v.dtype, shape, zeros.back().data()};
    live[id] = true;
  }
  EI_RETURN_IF_ERROR(executor.run(values, live, *memory, nullptr)
                         .with_context("resolving tensor shapes for the Vulkan backend"));
  for (size_t id = 0; id < g.values.size(); ++id) {
    ir::Value& v = g.values[id];
    if (v.kind != ir::ValueKind::kIntermediate || v.producer < 0) continue;
    v.dtype = values[id].dtype;
    v.has_shape = true;
    v.dims.clear();
    for (int64_t d : values[id].shape)
      v.dims.push_back(ir::Dim::fixed(d));
  }
  return Status::ok();
}

}  // namespace edgeinfer::vulkan
