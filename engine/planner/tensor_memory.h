// Where intermediate tensors live while a graph runs. The executor asks for a buffer when a
// node produces a value and hands it back after the value's last use; each memory mode is
// one implementation of this interface.
#pragma once

#include <cstddef>
#include <memory>

#include "edgeinfer/edgeinfer.h"
#include "ir/graph.h"
#include "planner/memory_plan.h"

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

  // Planned memory only: true while it has no plan for the sizes seen in the last run.
  virtual bool wants_plan() const { return false; }
  // Planned memory only: adopt a plan (allocates the arena once).
  virtual Status set_plan(MemoryPlan) { return Status::ok(); }
  // Planned memory only: the plan in use, or nullptr.
  virtual const MemoryPlan* plan() const { return nullptr; }
};

// The memory of one mode:
//  separate: one buffer per value, kept across runs (the baseline);
//  reduce:   allocated when produced, freed after the last use;
//  reuse:    buffers of equal size are pooled and shared by values that do not overlap;
//  planned:  one arena with precomputed offsets (no allocation while running once planned).
std::unique_ptr<TensorMemory> make_tensor_memory(MemoryMode mode);

}  // namespace edgeinfer::planner
