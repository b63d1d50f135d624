// The allocate-as-you-go memory modes: separate (a buffer per value, kept) and reduce
// (a buffer per value, freed after its last use).
#include <map>

#include "planner/aligned_buffer.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::planner {

namespace {

class HeapMemory final : public TensorMemory {
 public:
  explicit HeapMemory(bool free_on_release) : free_on_release_(free_on_release) {}

  Result<void*> acquire(ir::ValueId id, size_t bytes) override {
    auto it = buffers_.find(id);
    if (it != buffers_.end() && it->second.size == aligned_size(bytes)) {
      return it->second.buffer.get();  // separate mode: same value, same buffer as last run
    }
    drop(id);
    auto buffer = allocate_aligned(bytes);
    if (!buffer) return buffer.status();
    void* p = buffer->get();
    buffers_[id] = {std::move(buffer).value(), aligned_size(bytes)};
    reserved_ += aligned_size(bytes);
    peak_ = std::max(peak_, reserved_);
    return p;
  }

  void release(ir::ValueId id) override {
    if (free_on_release_) drop(id);
  }

  void reset() override {
    if (free_on_release_) {
      buffers_.clear();
      reserved_ = 0;
    }
  }

  size_t reserved_bytes() const override { return reserved_; }
  size_t peak_reserved_bytes() const override { return peak_; }

 private:
  struct Slot {
    AlignedBuffer buffer;
    size_t size = 0;
  };

  void drop(ir::ValueId id) {
    auto it = buffers_.find(id);
    if (it == buffers_.end()) return;
    reserved_ -= it->second.size;
    buffers_.erase(it);
  }

  bool free_on_release_;
  std::map<ir::ValueId, Slot> buffers_;
  size_t reserved_ = 0;
  size_t peak_ = 0;
};

}  // namespace

std::unique_ptr<TensorMemory> make_heap_memory(bool free_on_release) {
  return std::make_unique<HeapMemory>(free_on_release);
}

}  // namespace edgeinfer::planner
