#include "vulkan/resolve_shapes.h"

#include <cstring>

#include "cpu/executor.h"
#include "ir/static_shape.h"
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

Result<std::unique_ptr<ConstantInputRun>> run_on_constant_inputs(const ir::Graph& g,
                                                                 std::vector<bool> keep,
                                                                 MemoryMode mode, float fill,
                                                                 const std::string& why) {
  for (ir::ValueId id : g.inputs) {
    if (!g.value(id).is_fully_static()) {
      return error(StatusCode::kUnsupported, "the Vulkan backend needs static input shapes; '" +
                                                 g.value(id).name + "' has none");
    }
  }
  keep.resize(g.values.size(), false);
  auto run = std::make_unique<ConstantInputRun>();
  EI_ASSIGN_OR_RETURN(cpu::Executor executor,
                      cpu::Executor::create(g, cpu::fast_kernels(), std::move(keep)));
  run->executor = std::make_unique<cpu::Executor>(std::move(executor));
  run->memory = planner::make_tensor_memory(mode);
  run->values.assign(g.values.size(), TensorView{});
  run->live.assign(g.values.size(), false);
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (v.kind == ir::ValueKind::kConstant && v.constant) {
      run->values[id] = v.constant->view();
      run->live[id] = true;
    }
  }
  for (ir::ValueId id : g.inputs) {
    const ir::Value& v = g.value(id);
    const Shape shape = v.static_shape();
    const size_t n = static_cast<size_t>(shape_elements(shape));
    run->data.emplace_back(n * dtype_size(v.dtype), 0);
    if (v.dtype == DType::kFloat32) {
      for (size_t k = 0; k < n; ++k)
        std::memcpy(run->data.back().data() + k * sizeof(float), &fill, sizeof(float));
    }
    run->values[id] = TensorView{v.dtype, shape, run->data.back().data()};
    run->live[id] = true;
  }
  EI_RETURN_IF_ERROR(
      run->executor->run(run->values, run->live, *run->memory, nullptr).with_context(why));
  return run;
}

Status resolve_shapes(ir::Graph& g) {
  EI_ASSIGN_OR_RETURN(auto run,
                      run_on_constant_inputs(g, {}, MemoryMode::kReduce, 0.0f,
                                             "resolving tensor shapes for the Vulkan backend"));
  for (size_t id = 0; id < g.values.size(); ++id) {
    ir::Value& v = g.values[id];
    if (v.kind != ir::ValueKind::kIntermediate || v.producer < 0) continue;
    v.dtype = run->values[id].dtype;
    ir::set_static_shape(v, run->values[id].shape);
  }
  return Status::ok();
}

}  // namespace edgeinfer::vulkan
