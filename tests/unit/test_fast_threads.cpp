// The row split of the fast non-conv kernels (fast::for_rows) over the thread pool: every row
// is run exactly once, small jobs stay on the calling thread, and each kernel that splits gives
// the same bits at 1, 2 and 3 threads (rows are independent) and matches the reference.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <random>
#include <vector>

#include "cpu/fast/common.h"
#include "cpu/thread_pool.h"
#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

// A context with nothing but a thread pool, for calling for_rows directly.
class PoolContext final : public cpu::KernelContext {
 public:
  explicit PoolContext(cpu::ThreadPool* pool) : pool_(pool) {}
  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t) const override { return view_; }
  Result<TensorView> allocate_output(size_t, DType, const Shape&) override {
    return error(StatusCode::kInternal, "no outputs");
  }
  cpu::ThreadPool* thread_pool() const override { return pool_; }

 private:
  ir::Node node_;
  TensorView view_;
  cpu::ThreadPool* pool_;
};

struct Split {
  std::vector<int> runs;  // per row
  int pieces = 0;
};

Split split(cpu::ThreadPool* pool, int64_t count, int64_t row_elements) {
  PoolContext ctx(pool);
  Split s;
  s.runs.assign(static_cast<size_t>(count), 0);
  std::mutex m;
  cpu::fast::for_rows(ctx, count, row_elements, [&](int64_t begin, int64_t end) {
    std::lock_guard<std::mutex> lock(m);
    ++s.pieces;
    for (int64_t r = begin; r < end; ++r)
      ++s.runs[static_cast<size_t>(r)];
  });
  return s;
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

// Same bits at 1, 2 and 3 threads, and within 1e-5 (relative) of the reference.
void check_threads(const NodeSpec& spec) {
  INFO(spec.op_type);
  const std::vector<float> one = run_threads(spec, 1);
  CHECK(run_threads(spec, 2) == one);
  CHECK(run_threads(spec, 3) == one);
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

TEST_CASE("fast kernels give the same bits at 1, 2 and 3 threads", "[fast][threads]") {
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
  check_threads(
      node("Transpose", {random_tensor(rng, {2, 8, 67, 61})}, {{"perm", Ints{0, 2, 3, 1}}}));
  check_threads(
      node("Transpose", {random_tensor(rng, {1, 67, 61, 16})}, {{"perm", Ints{0, 3, 1, 2}}}));
  const HostTensor none{DType::kUndefined, {}, {}};
  check_threads(
      node("Resize",
           {random_tensor(rng, {1, 16, 40, 36}), none, HostTensor::f32({4}, {1.f, 1.f, 2.f, 2.f})},
           {{"mode", std::string("linear")}}));
}
