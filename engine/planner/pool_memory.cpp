// The `reuse` memory mode: a pool of buffers keyed by size. A value takes a free buffer of
// exactly its (aligned) size if one exists, so tensors of equal size share memory; buffers
// stay in the pool across runs, so a steady state allocates nothing.
#include <map>
#include <vector>

#include "planner/aligned_buffer.h"
#include "planner/tensor_memory.h"

namespace edgeinfer::planner {

namespace {

class PoolMemory final : public TensorMemory {
 public:
  Result<void*> acquire(ir::ValueId id, size_t bytes) override {
    release(id);
    const size_t size = aligned_size(bytes);
    std::vector<AlignedBuffer>& free_list = free_[size];
    AlignedBuffer buffer;
    if (!free_list.empty()) {
      buffer = std::move(free_list.back());
      free_list.pop_back();
    } else {
      auto fresh = allocate_aligned(bytes);
      if (!fresh) return fresh.status();
      buffer = std::move(fresh).value();
      reserved_ += size;
      peak_ = std::max(peak_, reserved_);
    }
    void* p = buffer.get();
    in_use_[id] = {std::move(buffer), size};
    return p;
  }

  void release(ir::ValueId id) override {
    auto it = in_use_.find(id);
    if (it == in_use_.end()) return;
    free_[it->second.size].push_back(std::move(it->second.buffer));
    in_use_.erase(it);
  }

  void reset() override {
    while (!in_use_.empty())
      release(in_use_.begin()->first);
  }

  size_t reserved_bytes() const override { return reserved_; }
  size_t peak_reserved_bytes() const override { return peak_; }

 private:
  struct Slot {
    AlignedBuffer buffer;
    size_t size = 0;
  };
  std::map<size_t, std::vector<AlignedBuffer>> free_;
  std::map<ir::ValueId, Slot> in_use_;
  size_t reserved_ = 0;
  size_t peak_ = 0;
};

}  // namespace

std::unique_ptr<TensorMemory> make_pool_memory() {
  return std::make_unique<PoolMemory>();
}

}  // namespace edgeinfer::planner
