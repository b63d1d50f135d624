#include "cpu/thread_pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace edgeinfer::cpu {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// How long an idle worker polls for the next job before it sleeps: long enough to cover the
// gap between two nodes of one run, short enough not to burn a core between frames.
constexpr auto kSpin = std::chrono::microseconds(200);

}  // namespace

int ThreadPool::resolve(int threads) {
  if (threads > 0) return threads;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

ThreadPool::ThreadPool(int threads)
    : threads_(resolve(threads)), blocks_(std::make_unique<Block[]>(threads_)) {
  for (int t = 1; t < threads_; ++t)
    workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& w : workers_)
    w.join();
}

float* ThreadPool::scratch(int which, size_t per_thread) {
  std::vector<float>& buffer = scratch_[which];
  const size_t need = scratch_stride(per_thread) * static_cast<size_t>(threads_) + 16;
  if (buffer.size() < need) buffer.resize(need);
  auto p = reinterpret_cast<uintptr_t>(buffer.data());
  return reinterpret_cast<float*>((p + 63) & ~uintptr_t(63));
}

void ThreadPool::run_block(Block& block, int thread) {
  for (;;) {
    const int64_t task = block.next.fetch_add(1, std::memory_order_relaxed);
    if (task >= block.end) return;
    (*fn_)(task, thread);
  }
}

void ThreadPool::run_tasks(int thread) {
  run_block(blocks_[thread], thread);
  // Then help with the blocks of threads that are late, nearest first.
  for (int i = 1; i < threads_; ++i)
    run_block(blocks_[(thread + i) % threads_], thread);
}

void ThreadPool::parallel_for(int64_t tasks, TaskFn fn) {
  if (workers_.empty() || tasks <= 1) {
    for (int64_t t = 0; t < tasks; ++t)
      fn(t, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = &fn;
    for (int t = 0; t < threads_; ++t) {
      blocks_[t].next.store(block_begin(tasks, threads_, t));
      blocks_[t].end = block_begin(tasks, threads_, t + 1);
    }
    open_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  run_tasks(0);
  // Every task is claimed: close the job, then wait only for workers that joined it (they
  // increment active_ before checking open_, so none can slip in after this).
  open_.store(false);
  for (int polls = 0; active_.load() != 0; ++polls) {
    if (polls < 256) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::worker_loop(int thread) {
  uint64_t seen = 0;
  for (;;) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    int polls = 0;
    while (generation_.load() == seen && !stop_.load()) {
      // Poll hot for a moment, then keep polling through sched_yield: free when the core is
      // idle, and it hands the core to whoever is runnable on a busy machine.
      if (polls < 256) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
      if (++polls % 64 == 0 && std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen || stop_.load(); });
      }
    }
    if (stop_.load()) return;
    seen = generation_.load();
    active_.fetch_add(1);
    if (open_.load()) run_tasks(thread);
    active_.fetch_sub(1);
  }
}

}  // namespace edgeinfer::cpu
