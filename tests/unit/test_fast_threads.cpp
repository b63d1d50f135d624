// The row split of the fast non-conv kernels (fast::for_rows, fast::for_elements) over the
// thread pool: every row is run exactly once, small jobs stay on the calling thread, thread
// t's share of a tensor starts at the same element whether the tensor is split by rows or by
// elements, and each kernel that splits gives the same bits at 1 to 4 threads (rows are
// independent) and matches the reference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <vector>

#include "cpu/fast/common.h"
#include "cpu/thread_pool.h"
#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

struct Split {
  std::vector<int> runs;         // per row
  std::set<int64_t> boundaries;  // first row of each piece, and the end
  int pieces = 0;
};

// The pieces body(begin, end) is called with, as `split` returns them.
class SplitRecorder {
 public:
  explicit SplitRecorder(int64_t count) { s_.runs.assign(static_cast<size_t>(count), 0); }
  void operator()(int64_t begin, int64_t end) {
    std::lock_guard<std::mutex> lock(m_);
    ++s_.pieces;
    s_.boundaries.insert(begin);
    s_.boundaries.insert(end);
    for (int64_t r = begin; r < end; ++r)
      ++s_.runs[static_cast<size_t>(r)];
  }
  Split take() { return std::move(s_); }

 private:
  std::mutex m_;
  Split s_;
};

Split split(cpu::ThreadPool* pool, int64_t count, int64_t row_elements) {
  PoolContext ctx(pool);
  SplitRecorder recorder(count);
  cpu::fast::for_rows(ctx, count, row_elements,
                      [&](int64_t begin, int64_t end) { recorder(begin, end); });
  return recorder.take();
}

Split split_elements(cpu::ThreadPool* pool, int64_t count) {
  PoolContext ctx(pool);
  SplitRecorder recorder(count);
  cpu::fast::for_elements(ctx, count, [&](int64_t begin, int64_t end) { recorder(begin, end); });
  return recorder.take();
}

}  // namespace

TEST_CASE("for_rows runs every row once and splits only large jobs", "[fast][threads]") {
  cpu::ThreadPool pool(3);
  for (int64_t count : {1, 2, 7, 100, 1000}) {
    for (int64_t row : {1, 100, 5000, 100000}) {
      INFO("rows " << count << " x " << row << " elements");
      const Split s = split(&pool, count, row);
      for (int r : s.runs)
        REQUIRE(r == 1);
      const int64_t work = count * row;
      if (work < 2 * cpu::fast::kMinElementsPerTask || count == 1) {
        CHECK(s.pieces == 1);
      } else {
        CHECK(s.pieces > 1);
        CHECK(s.pieces <= 12);  // at most 4 tasks per thread
      }
    }
  }
  // Without a pool (one thread) everything is one piece.
  const Split alone = split(nullptr, 1000, 100000);
  CHECK(alone.pieces == 1);
}

TEST_CASE("for_rows and for_elements give each thread the same share of a tensor",
          "[fast][threads]") {
  // A tensor of `planes` planes of `plane` elements, split by planes (for_rows) and by elements
  // (for_elements): thread t's share starts at plane planes * t / T in both where that is a
  // whole plane (for_elements rounds down to a cache line, which the plane boundary is when the
  // plane size is a multiple of one), so the pieces of both include that boundary.
  for (int threads : {2, 3, 4}) {
    cpu::ThreadPool pool(threads);
    for (int64_t planes : {2, 3, 7, 16, 24, 97}) {
      for (int64_t plane : {4096, 16 * 1023, 64 * 64 * 3}) {
        INFO(threads << " threads, " << planes << " planes of " << plane);
        const Split rows = split(&pool, planes, plane);
        const Split elements = split_elements(&pool, planes * plane);
        REQUIRE(std::count(rows.runs.begin(), rows.runs.end(), 1) == planes);
        REQUIRE(std::count(elements.runs.begin(), elements.runs.end(), 1) == planes * plane);
        if (rows.pieces == 1 || elements.pieces == 1) continue;  // small: not split
        for (int t = 0; t <= threads; ++t) {
          if (planes * t % threads != 0) continue;
          const int64_t first_plane = planes * t / threads;
          CHECK(rows.boundaries.count(first_plane) == 1);
          CHECK(elements.boundaries.count(first_plane * plane) == 1);
        }
        for (int64_t b : elements.boundaries)
          CHECK((b % cpu::fast::kLineElements == 0 || b == planes * plane));
      }
    }
  }
}

TEST_CASE("for_plane_parts_on_threads covers every unit of every plane once", "[fast][threads]") {
  for (int threads : {2, 3, 4}) {
    cpu::ThreadPool pool(threads);
    PoolContext ctx(&pool);
    for (int64_t planes : {1, 5, 24}) {
      for (int64_t units : {1, 3, 31, 128}) {
        const int64_t unit_elements = 997;
        INFO(threads << " threads, " << planes << " planes of " << units << " units");
        std::vector<std::atomic<int>> runs(static_cast<size_t>(planes * units));
        std::atomic<bool> slot_ok{true};
        cpu::fast::for_plane_parts_on_threads(
            ctx, planes, units, unit_elements,
            [&](int64_t p0, int64_t p1, int64_t from, int64_t to, int thread) {
              if (thread < 0 || thread >= threads) slot_ok = false;
              for (int64_t p = p0; p < p1; ++p)
                for (int64_t u = from; u < to; ++u)
                  runs[static_cast<size_t>(p * units + u)].fetch_add(1);
            });
        CHECK(slot_ok);
        for (const std::atomic<int>& r : runs)
          REQUIRE(r.load() == 1);
      }
    }
  }
}

namespace {

std::vector<float> run_threads(const NodeSpec& spec, int threads) {
  cpu::ExecutorOptions options;
  options.threads = threads;
  auto run = run_node_in_executor(spec, std::vector<bool>(spec.inputs.size(), false), options,
                                  cpu::fast_kernels());
  INFO(run.status().to_string());
  REQUIRE(run.is_ok());
  return run->outputs[0].values<float>();
}

// Same bits at 1 to 4 threads, and within 1e-5 (relative) of the reference.
void check_threads(const NodeSpec& spec) {
  INFO(spec.op_type);
  const std::vector<float> one = run_threads(spec, 1);
  for (int threads : {2, 3, 4}) {
    INFO(threads << " threads");
    CHECK(run_threads(spec, threads) == one);
  }
  const std::vector<float> want = reference_output(spec);
  REQUIRE(want.size() == one.size());
  double worst = 0;
  for (size_t i = 0; i < one.size(); ++i)
    worst = std::max(worst, std::abs(double(one[i]) - want[i]) / (1.0 + std::abs(want[i])));
  CHECK(worst <= 1e-5);
}

NodeSpec node(std::string op, std::vector<HostTensor> inputs,
              std::map<std::string, ir::Attribute> attrs = {}) {
  return NodeSpec{std::move(op), std::move(attrs), 18, std::move(inputs), 1};
}

}  // namespace

TEST_CASE("fast kernels give the same bits at 1 to 4 threads", "[fast][threads]") {
  std::mt19937 rng(99);
  using Ints = std::vector<int64_t>;
  // Large enough (>= 2 x 16 Ki elements) for for_rows to split.
  const Shape big = {1, 16, 67, 61};
  check_threads(node("Sigmoid", {random_tensor(rng, big)}));
  check_threads(node("Relu", {random_tensor(rng, big)}));
  check_threads(node("Add", {random_tensor(rng, big), random_tensor(rng, big)}));
  check_threads(node("Mul", {random_tensor(rng, big), random_tensor(rng, {1, 16, 1, 1})}));
  check_threads(
      node("AveragePool", {random_tensor(rng, big)},
           {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}));
  check_threads(node("GlobalAveragePool", {random_tensor(rng, {1, 64, 33, 35})}));
  check_threads(node("Softmax", {random_tensor(rng, {1, 97, 41, 2})}, {{"axis", int64_t{-1}}}));
  check_threads(node("Softmax", {random_tensor(rng, big)}, {{"axis", int64_t{1}}}));
  // Over channels with one outer block, split by pixels (odd pixel count: a part ends mid-line).
  check_threads(node("Softmax", {random_tensor(rng, {1, 2, 101, 99})}, {{"axis", int64_t{1}}}));
  check_threads(node("LogSoftmax", {random_tensor(rng, {2, 3, 67, 45})}, {{"axis", int64_t{1}}}));
  check_threads(
      node("Transpose", {random_tensor(rng, {2, 8, 67, 61})}, {{"perm", Ints{0, 2, 3, 1}}}));
  check_threads(
      node("Transpose", {random_tensor(rng, {1, 67, 61, 16})}, {{"perm", Ints{0, 3, 1, 2}}}));
  // Split by elements: a same-shape run cut inside, broadcast rows cut in part (odd sizes, so
  // pieces start in the middle of rows), a scalar, NHWC-style short rows.
  const Shape odd = {1, 5, 101, 103};
  check_threads(node("Add", {random_tensor(rng, odd), random_tensor(rng, odd)}));
  check_threads(node("Sub", {random_tensor(rng, odd), random_tensor(rng, {1, 5, 1, 1})}));
  check_threads(node("Div", {random_tensor(rng, odd), random_tensor(rng, {1, 1, 1, 103})}));
  check_threads(node("Max", {random_tensor(rng, {1, 1, 101, 1}), random_tensor(rng, odd)}));
  check_threads(node("Mul", {random_tensor(rng, odd), random_tensor(rng, {1})}));
  check_threads(node("PRelu", {random_tensor(rng, odd), random_tensor(rng, {5, 1, 1})}));
  check_threads(node("Add", {random_tensor(rng, {1, 131, 127, 3}), random_tensor(rng, {3})}));
  // Short runs repeated per pixel (the blocked layout's per-channel operands), split mid-run.
  check_threads(
      node("Mul", {random_tensor(rng, {1, 3, 61, 67, 24}), random_tensor(rng, {1, 3, 1, 1, 24})}));
  check_threads(
      node("Add", {random_tensor(rng, {1, 2, 1, 1, 16}), random_tensor(rng, {1, 2, 93, 91, 16})}));
  check_threads(node("HardSwish", {random_tensor(rng, odd)}));
  check_threads(node("Tanh", {random_tensor(rng, {52009})}));
  // Few-channel transposes split by pixels: NHWC -> NCHW and back, 2 to 4 channels, batch 2.
  for (int64_t c : {2, 3, 4}) {
    check_threads(
        node("Transpose", {random_tensor(rng, {2, 101, 93, c})}, {{"perm", Ints{0, 3, 1, 2}}}));
    check_threads(
        node("Transpose", {random_tensor(rng, {2, c, 101, 93})}, {{"perm", Ints{0, 2, 3, 1}}}));
  }
  const HostTensor none{DType::kUndefined, {}, {}};
  check_threads(
      node("Resize",
           {random_tensor(rng, {1, 16, 40, 36}), none, HostTensor::f32({4}, {1.f, 1.f, 2.f, 2.f})},
           {{"mode", std::string("linear")}}));
  // Odd plane counts and sizes, nearest and a non-integer scale.
  check_threads(
      node("Resize",
           {random_tensor(rng, {1, 7, 37, 45}), none, HostTensor::f32({4}, {1.f, 1.f, 2.f, 2.f})},
           {{"mode", std::string("linear")}}));
  check_threads(
      node("Resize",
           {random_tensor(rng, {2, 3, 41, 29}), none, HostTensor::f32({4}, {1.f, 1.f, 3.f, 2.f})},
           {{"mode", std::string("nearest")}}));
  check_threads(
      node("Resize",
           {random_tensor(rng, {1, 5, 53, 61}), none, HostTensor::f32({4}, {1.f, 1.f, 1.7f, 1.3f})},
           {{"mode", std::string("linear")}}));
}
