// The `planned` memory mode: one arena, an offset per value from a MemoryPlan.
// Until a plan exists (or when a value outgrows its slot because an input shape changed),
// values get heap buffers and wants_plan() asks the session to plan from the sizes seen.
#include <map>

#include "planner/aligned_buffer.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::planner {

namespace {

class ArenaMemory final : public TensorMemory {
 public:
  Result<void*> acquire(ir::ValueId id, size_t bytes) override {
    // An empty tensor needs no bytes, and must not make the plan look stale.
    if (bytes == 0) return static_cast<void*>(empty_);
    const auto slot = static_cast<size_t>(id);
    if (arena_ && slot < plan_.offsets.size() && plan_.offsets[slot] != kNotPlanned &&
        plan_.sizes[slot] >= bytes) {
      return static_cast<unsigned char*>(arena_.get()) + plan_.offsets[slot];
    }
    stale_ = true;
    auto buffer = allocate_aligned(bytes);
    if (!buffer) return buffer.status();
    void* p = buffer->get();
    overflow_bytes_ += aligned_size(bytes);
    overflow_[id] = {std::move(buffer).value(), aligned_size(bytes)};
    peak_ = std::max(peak_, reserved_bytes());
    return p;
  }

  void release(ir::ValueId id) override {
    auto it = overflow_.find(id);
    if (it == overflow_.end()) return;
    overflow_bytes_ -= it->second.size;
    overflow_.erase(it);
  }

  void reset() override {
    overflow_.clear();
    overflow_bytes_ = 0;
    retired_.reset();
    retired_bytes_ = 0;
  }

  size_t reserved_bytes() const override {
    return plan_.arena_bytes + overflow_bytes_ + retired_bytes_;
  }
  size_t peak_reserved_bytes() const override { return peak_; }

  bool wants_plan() const override { return stale_ || !arena_; }

  Status set_plan(MemoryPlan plan) override {
    auto arena = allocate_aligned(plan.arena_bytes);
    if (!arena) return arena.status();
    // A plan made after a run replaces the arena that run's outputs and kept tensors live
    // in: the old arena stays until the next run starts (reset), so they stay readable.
    retired_ = std::move(arena_);
    retired_bytes_ = retired_ ? plan_.arena_bytes : 0;
    arena_ = std::move(arena).value();
    plan_ = std::move(plan);
    stale_ = false;
    peak_ = std::max(peak_, reserved_bytes());
    return Status::ok();
  }

  const MemoryPlan* plan() const override { return arena_ ? &plan_ : nullptr; }

 private:
  struct Slot {
    AlignedBuffer buffer;
    size_t size = 0;
  };
  MemoryPlan plan_;
  AlignedBuffer arena_;
  AlignedBuffer retired_;
  size_t retired_bytes_ = 0;
  bool stale_ = false;
  std::map<ir::ValueId, Slot> overflow_;
  size_t overflow_bytes_ = 0;
  size_t peak_ = 0;
  alignas(kTensorAlignment) unsigned char empty_[kTensorAlignment] = {};
};

}  // namespace

std::unique_ptr<TensorMemory> make_arena_memory() {
  return std::make_unique<ArenaMemory>();
}

}  // namespace edgeinfer::planner
