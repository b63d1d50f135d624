// Where intermediate tensors live while a graph runs. The executor asks for a buffer when a
// node produces a value and hands it back after the value's last use; each memory mode is
// one implementation of this interface.
#pragma once

#include <cstddef>
#include <memory>

#include "edgeinfer/edgeinfer.h"
#include "ir/graph.h"

namespace edgeinfer::planner {

class TensorMemory {
 public:
  virtual ~TensorMemory() = default;
  // A buffer of at least `bytes` bytes for value `id`, aligned to 64 bytes.
  virtual Result<void*> acquire(ir::ValueId id, size_t bytes) = 0;
  // The value is dead; its bytes may be reused.
  virtual void release(ir::ValueId id) = 0;
  // Called before each run: everything acquired in the previous run is dead.
  virtual void reset() = 0;
  // Bytes currently reserved from the system for intermediates.
  virtual size_t reserved_bytes() const = 0;
  // Largest reserved_bytes() seen.
  virtual size_t peak_reserved_bytes() const = 0;
};

// `separate`: one buffer per value, kept until the next run.
// `reduce`: allocated when produced, freed after the last use.
// Other modes fall back to `reduce` until the memory planner provides them.
std::unique_ptr<TensorMemory> make_heap_memory(MemoryMode mode);

}  // namespace edgeinfer::planner
