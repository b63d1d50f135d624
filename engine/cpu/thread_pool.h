// A persistent pool of worker threads for splitting one kernel's work.
//
// The models are small (a node takes tens of microseconds), so waking the workers must cost
// far less than that: after finishing a job a worker spins on the job counter for a short
// while before it blocks on a condition variable. The calling thread always takes part, so a
// pool of `threads` runs `threads - 1` workers and a pool of 1 has none.
//
// Thread t owns the t-th contiguous block of a job's tasks ([t * tasks / threads, (t + 1) *
// tasks / threads)) and runs it first, in order. Kernels number tasks in memory order, so the
// same part of consecutive tensors goes to the same core in every node: what a thread reads is
// what it wrote in the previous node, still in its own L2. (On the 2-core development VM,
// adding two 1 MiB tensors last written by the other core took up to 3.5x as long as when this
// core wrote them, 132 against 38 us: the lines come out of the other core's cache.) A thread that
// finishes its block takes the tasks left in the others', one at a time, so the caller never waits
// for a worker that has not joined the job yet: once every task is claimed the job closes, and a
// worker that wakes late (descheduled on a busy machine) finds it closed and goes back to waiting.
// So a slow worker costs at most the tasks it actually claimed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace edgeinfer::cpu {

// A non-owning reference to a callable fn(task, thread). Unlike std::function it never
// allocates (a lambda with several captures would not fit std::function's small buffer), so a
// planned run stays free of allocations. The callable must outlive the call it is passed to.
class TaskFn {
 public:
  template <typename F>
  TaskFn(const F& f)  // NOLINT: implicit, so callers pass lambdas directly
      : object_(&f), call_([](const void* o, int64_t task, int thread) {
          (*static_cast<const F*>(o))(task, thread);
        }) {}
  void operator()(int64_t task, int thread) const { call_(object_, task, thread); }

 private:
  const void* object_;
  void (*call_)(const void*, int64_t, int);
};

class ThreadPool {
 public:
  // `threads` >= 1 is the total parallelism including the caller; 0 means one per core.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }

  // Calls fn(task, thread) for every task in [0, tasks), spread over the threads; `thread` is
  // in [0, threads()) and identifies the thread's scratch space. Thread t runs the tasks of its
  // block (block_begin) unless it is late. Returns when all are done.
  // Not reentrant: fn must not call parallel_for on the same pool.
  void parallel_for(int64_t tasks, TaskFn fn);

  // The first task of thread `thread`'s block when `tasks` are split over `threads`: its block
  // is [block_begin(tasks, threads, t), block_begin(tasks, threads, t + 1)).
  static int64_t block_begin(int64_t tasks, int threads, int thread) {
    return tasks * thread / threads;
  }

  // The number of threads for `threads` as Options means it (0 = one per core).
  static int resolve(int threads);

  // Scratch for the next job: `per_thread` floats (64-byte aligned) for each thread; thread t's
  // start at the returned pointer + t * scratch_stride(per_thread). Grown by the calling thread
  // before the job (never inside it), so after a first run every job finds it large enough,
  // whichever thread takes which task. Buffers 0 and 1 are separate; valid until the next call
  // with the same `which`.
  float* scratch(int which, size_t per_thread);
  static size_t scratch_stride(size_t per_thread) { return (per_thread + 15) / 16 * 16; }

 private:
  // One thread's block of the current job; a cache line each, so claiming a task in one's own
  // block does not contend with the other threads.
  struct alignas(64) Block {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };

  void worker_loop(int thread);
  void run_tasks(int thread);
  // Runs the unclaimed tasks of `block`.
  void run_block(Block& block, int thread);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};  // bumped for each job
  std::unique_ptr<Block[]> blocks_;      // one per thread
  std::atomic<bool> open_{false};        // a job is running and may be joined
  std::atomic<int> active_{0};           // workers inside the current job
  std::atomic<bool> stop_{false};
  const TaskFn* fn_ = nullptr;
  std::vector<float> scratch_[2];
};

// Runs fn over [0, tasks) on `pool`, or inline on the calling thread when pool is null.
inline void parallel_for(ThreadPool* pool, int64_t tasks, TaskFn fn) {
  if (pool && pool->threads() > 1 && tasks > 1) {
    pool->parallel_for(tasks, fn);
    return;
  }
  for (int64_t t = 0; t < tasks; ++t)
    fn(t, 0);
}

}  // namespace edgeinfer::cpu
