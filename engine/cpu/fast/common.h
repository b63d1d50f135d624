// Pieces shared by the fast kernels: declining to the reference kernel, the row-range split
// over the thread pool, per-thread scratch for a job, and small vectorisable math.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "cpu/kernel.h"
#include "cpu/thread_pool.h"

// The hot loops of the fast kernels are compiled twice, for AVX2 and for the baseline, and the
// dynamic loader picks one from the CPU (function multiversioning): the library itself stays
// baseline, so it runs on any x86-64, while a loop over a row moves 8 floats per instruction
// instead of 4. Only the marked function's own body gets the AVX2 flags (inline callees are
// inlined into it; out-of-line ones stay baseline), and vectorising an elementwise loop does
// not change its results. Left out under AddressSanitizer, whose early start-up and ifunc
// resolvers do not mix well, and with clang, which does not clone function templates (the
// fuzzing build uses clang).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define EI_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EI_VECTOR_CLONES
#endif

namespace edgeinfer::cpu::fast {

// Runs the reference kernel of this node's op type. A fast kernel calls it, before allocating
// any output, for the types and attribute combinations it does not handle.
Status run_reference(KernelContext& ctx);
// How many times run_reference has run in this process: lets tests tell a fast kernel that
// did the work from one that declined.
int64_t reference_fallback_count();

// True when inputs [0, count) are all present float32 tensors.
bool float_inputs(const KernelContext& ctx, size_t count);

// Work below this many elements per task is not worth waking a worker for (a wake-up and
// the cache traffic of handing rows over cost a few microseconds).
inline constexpr int64_t kMinElementsPerTask = 16 * 1024;

// How many tasks to split `count` rows of `row_elements` elements into on `threads` threads:
// 1 (run on the calling thread) for jobs under two tasks' worth of work, else up to four per
// thread, never smaller than kMinElementsPerTask, and a multiple of `threads` when there are
// rows enough, so that every thread gets the same share.
inline int64_t row_tasks(int64_t count, int64_t row_elements, int64_t threads) {
  const int64_t work = count * std::max<int64_t>(row_elements, 1);
  if (threads <= 1 || count <= 1 || work < 2 * kMinElementsPerTask) return 1;
  const int64_t per_thread = std::clamp<int64_t>(work / (threads * kMinElementsPerTask), 1, 4);
  return std::min(count, threads * per_thread);
}

// Calls body(begin, end, thread) over the independent rows [0, count), each about
// `row_elements` elements of work, split over the context's thread pool in contiguous ranges;
// `thread` (in [0, threads)) identifies the thread's scratch space. Small jobs run in one piece
// on the calling thread.
//
// Thread t of T runs rows [count * t / T, count * (t + 1) / T) (ThreadPool runs each thread's
// block of tasks first). That is the split every kernel of this library follows for its output,
// so that a tensor's part that one thread wrote is the part it reads in the next node, from its
// own cache: a row split of C planes and an element split (for_elements) of the same tensor
// give a thread the same bytes. The body must be safe to run on several threads at once.
template <typename Body>
void for_rows_on_threads(KernelContext& ctx, int64_t count, int64_t row_elements, Body&& body) {
  if (count <= 0) return;
  ThreadPool* pool = ctx.thread_pool();
  const int64_t threads = pool ? pool->threads() : 1;
  const int64_t tasks = row_tasks(count, row_elements, threads);
  if (tasks <= 1) {
    body(int64_t{0}, count, 0);
    return;
  }
  // Task i is rows [count * i / tasks, count * (i + 1) / tasks): with tasks a multiple of the
  // threads (or equal to count), thread t's block of tasks starts at row count * t / threads.
  pool->parallel_for(tasks, [&](int64_t task, int thread) {
    const int64_t begin = count * task / tasks;
    const int64_t end = count * (task + 1) / tasks;
    if (begin < end) body(begin, end, thread);
  });
}

// for_rows_on_threads for bodies that need no scratch: body(begin, end).
template <typename Body>
void for_rows(KernelContext& ctx, int64_t count, int64_t row_elements, Body&& body) {
  for_rows_on_threads(ctx, count, row_elements,
                      [&](int64_t begin, int64_t end, int) { body(begin, end); });
}

// Elements per cache line: ranges split by for_elements start on a line, so no two threads
// write the same one.
inline constexpr int64_t kLineElements = 16;

// Calls body(begin, end) over the independent elements [0, count), split like for_rows (thread
// t of T gets about [count * t / T, count * (t + 1) / T)), at cache-line boundaries.
template <typename Body>
void for_elements(KernelContext& ctx, int64_t count, Body&& body) {
  const int64_t lines = (count + kLineElements - 1) / kLineElements;
  for_rows(ctx, lines, kLineElements, [&](int64_t begin, int64_t end) {
    body(begin * kLineElements, std::min(end * kLineElements, count));
  });
}

// Calls body(plane_begin, plane_end, from, to, thread) over a tensor of `planes` planes of
// `units` units (rows, cache lines) of `unit_elements` elements each, for units [from, to) of
// planes [plane_begin, plane_end), split so that thread t of T gets the same units of every
// plane, [units * t / T, units * (t + 1) / T) (NCHW: N x C planes of H x W). For ops that
// cannot split by whole planes, like a Softmax over channels. Planes of fewer units than
// threads are split by whole planes (for_rows_on_threads).
template <typename Body>
void for_plane_parts_on_threads(KernelContext& ctx, int64_t planes, int64_t units,
                                int64_t unit_elements, Body&& body) {
  ThreadPool* pool = ctx.thread_pool();
  const int64_t threads = pool ? pool->threads() : 1;
  const int64_t work = planes * units * std::max<int64_t>(unit_elements, 1);
  if (threads <= 1 || units < threads || work < 2 * kMinElementsPerTask) {
    for_rows_on_threads(ctx, planes, units * unit_elements,
                        [&](int64_t begin, int64_t end, int thread) {
                          body(begin, end, int64_t{0}, units, thread);
                        });
    return;
  }
  // Each thread's part of the planes, in up to four tasks of whole planes.
  const int64_t per_thread =
      std::clamp<int64_t>(work / (threads * kMinElementsPerTask), 1, std::min<int64_t>(4, planes));
  pool->parallel_for(threads * per_thread, [&](int64_t task, int thread) {
    const int64_t t = task / per_thread;
    const int64_t s = task % per_thread;
    body(planes * s / per_thread, planes * (s + 1) / per_thread, units * t / threads,
         units * (t + 1) / threads, thread);
  });
}

// Grows the calling thread's scratch buffer number `which` (< kScratchBuffers) to `floats`
// (64-byte aligned) and returns it; valid until the thread's next call with the same `which`.
inline constexpr int kScratchBuffers = 2;
float* thread_scratch(int which, size_t floats);

// Scratch buffer `which` for a parallel job whose tasks need up to `per_thread` floats each:
// the pool's (ThreadPool::scratch) when there is one, else the calling thread's. Asked for on
// the calling thread before the job; at(thread) is the part of the task's thread.
class JobScratch {
 public:
  JobScratch(ThreadPool* pool, int which, size_t per_thread)
      : base_(pool ? pool->scratch(which, per_thread) : thread_scratch(which, per_thread)),
        stride_(pool ? ThreadPool::scratch_stride(per_thread) : 0) {}
  float* at(int thread) const { return base_ + static_cast<size_t>(thread) * stride_; }

 private:
  float* base_;
  size_t stride_;
};

// e^x in float, branch-free so loops over it vectorise. Range reduction x = n ln2 + r, a
// degree-6 polynomial for e^r on |r| <= ln2/2, and 2^n put into the exponent bits. Relative
// error about 2 ulp. Inputs are clamped to [-87.3, 88] so that 2^n stays a normal float:
// e^-inf gives ~1e-38 rather than 0 and e^100 gives ~1.7e38 rather than inf. NaN stays NaN.
inline float fast_exp(float x) {
  float v = x != x ? 0.0f : x;
  v = v > 88.0f ? 88.0f : v;
  v = v < -87.3365447504f ? -87.3365447504f : v;
  // n = round(v / ln2): add 0.5, then floor (truncation corrected for negatives).
  const float fx = v * 1.44269504088896341f + 0.5f;
  int32_t n = static_cast<int32_t>(fx);
  n -= static_cast<float>(n) > fx ? 1 : 0;
  const float nf = static_cast<float>(n);
  // r = v - n ln2, with ln2 split in two parts so that r keeps its low bits.
  const float r = (v - nf * 0.693359375f) + nf * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r * r + r + 1.0f;
  const float result = er * std::bit_cast<float>((n + 127) << 23);
  // NaN in, NaN out. Adding a NaN constant rather than selecting x keeps the loop branch-free:
  // GCC will not if-convert a select between x and the result of the float-to-int conversion.
  return result + (x != x ? __builtin_nanf("") : 0.0f);
}

}  // namespace edgeinfer::cpu::fast
