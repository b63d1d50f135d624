// Planned memory allocates nothing while a session runs. This binary replaces the global
// operator new/delete with counting versions and watches Session::run(): after a first run,
// a planned run of each real model must make no heap allocation of any size, at 1 and 2
// threads. When one does, the test prints a backtrace of each allocation it saw (the binary is
// linked with -rdynamic so the frames carry function names), which is how the sites are found.
// It is a binary of its own so the counting hooks affect no other test.
#define CATCH_CONFIG_MAIN
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <execinfo.h>

#include "edgeinfer/edgeinfer.h"
#include "onnx/onnx_pb.h"
#include "test_models.h"

// The replacement operators below are the allocation functions of this program: pairing them
// with malloc/free is what replacing them means, not a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_count{0};
std::atomic<size_t> g_bytes{0};
std::atomic<size_t> g_largest{0};
std::atomic<long> g_aligned_count{0};

// The first allocations' call stacks, kept in fixed storage: the hook itself must not allocate.
constexpr int kSites = 4096;
constexpr int kDepth = 12;
struct Site {
  void* frames[kDepth];
  int depth = 0;
  size_t size = 0;
};
Site g_sites[kSites];
std::atomic<int> g_site_count{0};
thread_local bool t_in_hook = false;  // backtrace() may allocate: do not record that

void record_site(size_t size) {
  if (t_in_hook) return;
  const int slot = g_site_count.fetch_add(1, std::memory_order_relaxed);
  if (slot >= kSites) return;
  t_in_hook = true;
  g_sites[slot].depth = backtrace(g_sites[slot].frames, kDepth);
  g_sites[slot].size = size;
  t_in_hook = false;
}

void note(size_t size, size_t alignment) {
  if (!g_counting.load(std::memory_order_relaxed) || t_in_hook) return;
  g_count.fetch_add(1, std::memory_order_relaxed);
  if (alignment >= 64) g_aligned_count.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(size, std::memory_order_relaxed);
  size_t seen = g_largest.load(std::memory_order_relaxed);
  while (size > seen && !g_largest.compare_exchange_weak(seen, size)) {
  }
  record_site(size);
}

// Writes the recorded stacks to stderr (backtrace_symbols_fd does not allocate): the first 16,
// or as many as $EI_ALLOC_SITES asks for.
void print_sites() {
  const char* env = std::getenv("EI_ALLOC_SITES");
  const int n = std::min({g_site_count.load(), kSites, env ? std::atoi(env) : 16});
  for (int i = 0; i < n; ++i) {
    std::fprintf(stderr, "--- allocation %d: %zu bytes\n", i, g_sites[i].size);
    // Frames 0-2 are this hook and operator new.
    backtrace_symbols_fd(g_sites[i].frames, g_sites[i].depth, 2);
  }
}

void* allocate(size_t size, size_t alignment) {
  note(size, alignment);
  if (size == 0) size = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(size);
  return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}

struct Counts {
  long allocations = 0;
  long tensor_allocations = 0;  // 64-byte aligned: what the memory modes allocate
  size_t bytes = 0;
  size_t largest = 0;
};

template <typename F>
Counts count_allocations(F&& f) {
  g_count = 0;
  g_bytes = 0;
  g_largest = 0;
  g_aligned_count = 0;
  g_site_count = 0;
  g_counting = true;
  f();
  g_counting = false;
  return {g_count.load(), g_aligned_count.load(), g_bytes.load(), g_largest.load()};
}

}  // namespace

void* operator new(size_t size) {
  if (void* p = allocate(size, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  if (void* p = allocate(size, 0)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t size, std::align_val_t a) {
  if (void* p = allocate(size, static_cast<size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size, std::align_val_t a) {
  if (void* p = allocate(size, static_cast<size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return allocate(size, 0);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return allocate(size, 0);
}
void* operator new(size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<size_t>(a));
}
void* operator new[](size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<size_t>(a));
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}

using namespace edgeinfer;

namespace {

// X [1,1,256,256] -> Relu -> Sigmoid -> Neg -> Tanh -> Abs -> Y: kernels without scratch.
std::string scratch_free_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("chain");
  for (auto* vi : {g->add_input(), g->add_output()}) {
    vi->set_name(vi == &g->input(0) ? "X" : "Y");
    auto* t = vi->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {1, 1, 256, 256})
      t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  const char* ops[] = {"Relu", "Sigmoid", "Neg", "Tanh", "Abs"};
  std::string in = "X";
  for (int i = 0; i < 5; ++i) {
    auto* n = g->add_node();
    n->set_op_type(ops[i]);
    n->set_name(std::string("n") + std::to_string(i));
    n->add_input(in);
    in = i == 4 ? "Y" : "t" + std::to_string(i);
    n->add_output(in);
  }
  std::string bytes;
  REQUIRE(m.SerializeToString(&bytes));
  return bytes;
}

}  // namespace

namespace {

// The bytes of every output of a session.
std::vector<std::vector<unsigned char>> output_bytes(const Session& session) {
  std::vector<std::vector<unsigned char>> bytes;
  for (size_t i = 0; i < session.output_count(); ++i) {
    auto out = session.output(i);
    REQUIRE(out.is_ok());
    const auto* p = static_cast<const unsigned char*>(out->data);
    bytes.emplace_back(p, p + out->bytes());
  }
  return bytes;
}

struct RunCounts {
  Counts first;   // the first run
  Counts second;  // the first planned run when the plan exists before the first (static shapes)
  Counts third;   // the first planned run otherwise: the plan is made from the first run's sizes
};

RunCounts count_session(Result<Model> model, MemoryMode mode) {
  REQUIRE(model.is_ok());
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  for (size_t i = 0; i < session->input_count(); ++i) {
    auto in = session->input(i);
    REQUIRE(in.is_ok());
    float* p = in->as<float>();
    for (int64_t k = 0; k < in->elements(); ++k)
      p[k] = static_cast<float>(k % 251) / 251.0f - 0.5f;
  }
  RunCounts counts;
  Status status = Status::ok();
  counts.first = count_allocations([&] { status = session->run(); });
  REQUIRE(status.is_ok());
  const auto first_outputs = output_bytes(*session);
  counts.second = count_allocations([&] { status = session->run(); });
  REQUIRE(status.is_ok());
  // The second run must be clean when the plan existed before the first (no tensor allocated).
  if (counts.second.allocations != 0 && mode == MemoryMode::kPlanned &&
      counts.first.tensor_allocations == 0) {
    std::fprintf(stderr, "allocations in the second planned run:\n");
    print_sites();
  }
  counts.third = count_allocations([&] { status = session->run(); });
  REQUIRE(status.is_ok());
  if (counts.third.allocations != 0 && mode == MemoryMode::kPlanned) {
    std::fprintf(stderr, "allocations in the third planned run:\n");
    print_sites();
  }
  // Runs that use the kernels' run caches give the first run's outputs, bit for bit.
  CHECK(output_bytes(*session) == first_outputs);
  INFO(memory_mode_name(mode));
  return counts;
}

RunCounts count_run(const std::string& path, MemoryMode mode, int threads = 1,
                    CpuLayout layout = CpuLayout::kNchw) {
  Options options;
  options.memory_mode = mode;
  options.threads = threads;
  options.cpu_layout = layout;
  INFO(path);
  return count_session(Model::load(path, options), mode);
}

RunCounts count_chain(MemoryMode mode) {
  Options options;
  options.memory_mode = mode;
  const std::string bytes = scratch_free_model();
  return count_session(Model::load_from_memory(bytes.data(), bytes.size(), "chain", options), mode);
}

}  // namespace

TEST_CASE("the counting hook sees tensor allocations", "[memory][alloc]") {
  // In `reduce` mode every intermediate is allocated in every run: the hook must see them.
  const Counts reduce = count_run(testing::real_models()[0], MemoryMode::kReduce).second;
  CHECK(reduce.tensor_allocations > 50);
  CHECK(reduce.largest >= 256 * 256 * 4);
  const Counts chain = count_chain(MemoryMode::kReduce).second;
  CHECK(chain.tensor_allocations == 5);  // t0..t3 and Y: reduce frees all between runs
}

TEST_CASE("the counting hook sees a small allocation", "[memory][alloc]") {
  // What the zero checks below rely on: one small std::vector in the counted region is seen.
  const Counts counts = count_allocations([] {
    std::vector<int64_t> shape{1, 2, 3, 4};
    REQUIRE(shape.size() == 4);
  });
  CHECK(counts.allocations == 1);
  CHECK(counts.bytes == 4 * sizeof(int64_t));
}

TEST_CASE("a planned run allocates nothing", "[memory][alloc]") {
  const RunCounts chain = count_chain(MemoryMode::kPlanned);
  // Static shapes: the plan and the warmed run caches exist before the first run.
  CHECK(chain.first.allocations == 0);
  CHECK(chain.second.allocations == 0);
  CHECK(chain.third.allocations == 0);
}

TEST_CASE("a planned run of a real model allocates nothing", "[memory][alloc]") {
  for (const int threads : {1, 2}) {
    for (const std::string& path : testing::real_models()) {
      for (const CpuLayout layout : {CpuLayout::kNchw, CpuLayout::kNchwc}) {
        INFO(path << " at " << threads << " thread(s)"
                  << ", layout " << cpu_layout_name(layout));
        const RunCounts planned = count_run(path, MemoryMode::kPlanned, threads, layout);
        // With static shapes the session plans at creation and warms the kernels' run caches
        // with one run there, so the caller's very first run allocates nothing. A model whose
        // shapes are not all static allocates its tensors in the first run (the plan is made
        // from the sizes it saw); from then on nothing.
        const bool planned_from_start = planned.first.tensor_allocations == 0;
        std::printf(
            "%s, %d thread(s): allocations in the first run %ld (%zu bytes, %ld tensors), "
            "second %ld, third %ld\n",
            path.c_str(), threads, planned.first.allocations, planned.first.bytes,
            planned.first.tensor_allocations, planned.second.allocations,
            planned.third.allocations);
        if (planned_from_start) {
          CHECK(planned.first.allocations == 0);
          CHECK(planned.second.allocations == 0);
        }
        CHECK(planned.third.allocations == 0);
      }
    }
  }
}
