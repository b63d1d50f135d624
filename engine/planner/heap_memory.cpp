// The allocate-as-you-go memory modes: every intermediate gets its own heap buffer.
#include <cstdlib>
#include <map>

#include "planner/tensor_memory.h"

namespace edgeinfer::planner {

namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<void, FreeDeleter>;

class HeapMemory final : public TensorMemory {
 public:
  explicit HeapMemory(bool free_on_release) : free_on_release_(free_on_release) {}

  Result<void*> acquire(ir::ValueId id, size_t bytes) override {
    release_now(id);
    constexpr size_t kAlign = 64;
    const size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
    void* p = std::aligned_alloc(kAlign, rounded == 0 ? kAlign : rounded);
    if (!p) {
      return error(StatusCode::kOutOfMemory,
                   "cannot allocate " + std::to_string(bytes) + " bytes for a tensor");
    }
    buffers_[id] = {Buffer(p), rounded};
    reserved_ += rounded;
    if (reserved_ > peak_) peak_ = reserved_;
    return p;
  }

  void release(ir::ValueId id) override {
    if (free_on_release_) release_now(id);
  }

  void reset() override {
    buffers_.clear();
    reserved_ = 0;
  }

  size_t reserved_bytes() const override { return reserved_; }
  size_t peak_reserved_bytes() const override { return peak_; }

 private:
  void release_now(ir::ValueId id) {
    auto it = buffers_.find(id);
    if (it == buffers_.end()) return;
    reserved_ -= it->second.second;
    buffers_.erase(it);
  }

  bool free_on_release_;
  std::map<ir::ValueId, std::pair<Buffer, size_t>> buffers_;
  size_t reserved_ = 0;
  size_t peak_ = 0;
};

}  // namespace

std::unique_ptr<TensorMemory> make_heap_memory(MemoryMode mode) {
  return std::make_unique<HeapMemory>(mode != MemoryMode::kSeparate);
}

}  // namespace edgeinfer::planner
