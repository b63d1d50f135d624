#include "planner/tensor_memory.h"

namespace edgeinfer::planner {

std::unique_ptr<TensorMemory> make_heap_memory(bool free_on_release);
std::unique_ptr<TensorMemory> make_pool_memory();
std::unique_ptr<TensorMemory> make_arena_memory();

std::unique_ptr<TensorMemory> make_tensor_memory(MemoryMode mode) {
  switch (mode) {
    case MemoryMode::kSeparate:
      return make_heap_memory(false);
    case MemoryMode::kReduce:
      return make_heap_memory(true);
    case MemoryMode::kReuse:
      return make_pool_memory();
    case MemoryMode::kPlanned:
      return make_arena_memory();
  }
  return make_heap_memory(true);
}

}  // namespace edgeinfer::planner
