// Planned memory allocates nothing while a session runs. This binary replaces the global
// operator new/delete with counting versions and watches Session::run(). Every tensor buffer
// comes from the 64-byte aligned operator new (planner/aligned_buffer.h), so aligned
// allocations are counted apart: a planned run must make none of them. The rest is printed:
// the kernel contract returns each output's view by value (a Shape vector copy per node) and
// the reference kernels keep scratch and shapes in std::vectors; removing those is a change
// of the kernel contract and of the kernels, not of the memory planner.
// It is a binary of its own so the counting hooks affect no other test.
#define CATCH_CONFIG_MAIN
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>

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

void note(size_t size, size_t alignment) {
  if (!g_counting.load(std::memory_order_relaxed)) return;
  g_count.fetch_add(1, std::memory_order_relaxed);
  if (alignment >= 64) g_aligned_count.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(size, std::memory_order_relaxed);
  size_t seen = g_largest.load(std::memory_order_relaxed);
  while (size > seen && !g_largest.compare_exchange_weak(seen, size)) {
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

Counts count_session(Result<Model> model, MemoryMode mode) {
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
  REQUIRE(session->run().is_ok());  // a first run (the plan exists before it: static shapes)
  Status status = Status::ok();
  const Counts counts = count_allocations([&] { status = session->run(); });
  REQUIRE(status.is_ok());
  INFO(memory_mode_name(mode));
  return counts;
}

Counts count_run(const std::string& path, MemoryMode mode) {
  Options options;
  options.memory_mode = mode;
  INFO(path);
  return count_session(Model::load(path, options), mode);
}

Counts count_chain(MemoryMode mode) {
  Options options;
  options.memory_mode = mode;
  const std::string bytes = scratch_free_model();
  return count_session(Model::load_from_memory(bytes.data(), bytes.size(), "chain", options), mode);
}

}  // namespace

TEST_CASE("the counting hook sees tensor allocations", "[memory][alloc]") {
  // In `reduce` mode every intermediate is allocated in every run: the hook must see them.
  const Counts reduce = count_run(testing::real_models()[0], MemoryMode::kReduce);
  CHECK(reduce.tensor_allocations > 50);
  CHECK(reduce.largest >= 256 * 256 * 4);
  const Counts chain = count_chain(MemoryMode::kReduce);
  CHECK(chain.tensor_allocations == 5);  // t0..t3 and Y: reduce frees all between runs
}

TEST_CASE("a planned run allocates no tensor", "[memory][alloc]") {
  // What is left are not tensors: allocate_output returns the output's view by value (a copy
  // of its Shape vector, one per node), and kernels keep scratch in std::vectors.
  const Counts chain = count_chain(MemoryMode::kPlanned);
  CHECK(chain.tensor_allocations == 0);
  CHECK(chain.allocations <= 5);
  CHECK(chain.bytes < 1024);
}

TEST_CASE("a planned run of a real model allocates no tensor", "[memory][alloc]") {
  for (const std::string& path : testing::real_models()) {
    const Counts planned = count_run(path, MemoryMode::kPlanned);
    WARN(path << ": a planned run made " << planned.allocations << " allocations (" << planned.bytes
              << " bytes, largest " << planned.largest << ") in the kernels, "
              << planned.tensor_allocations << " for tensors");
    CHECK(planned.tensor_allocations == 0);
  }
}
