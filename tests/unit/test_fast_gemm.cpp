// The fast Gemm and MatMul kernels (cpu/fast/gemm.cpp) against the reference kernels through
// the executor at 1 and 2 threads: transposes, alpha and beta, the bias shapes, fused
// epilogues, batched MatMul; and the cases that keep the reference kernel.
#include <catch2/catch.hpp>

#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

}  // namespace

TEST_CASE("fast Gemm matches the reference", "[fast_gemm]") {
  std::mt19937 rng(77);
  const std::vector<std::string> activations = {"", "Relu", "PRelu", "HardSwish", "Sigmoid"};
  int index = 0;
  for (int64_t m : {1, 3, 40}) {
    for (int64_t k : {1, 17, 130}) {
      for (int64_t n : {1, 9, 70}) {
        const bool trans_a = index % 2, trans_b = index % 3 == 0;
        const std::string activation = activations[static_cast<size_t>(index) % 5];
        Attrs attrs{{"transA", int64_t{trans_a}},
                    {"transB", int64_t{trans_b}},
                    {"alpha", index % 4 == 1 ? 0.5f : 1.f},
                    {"beta", index % 4 == 2 ? -2.f : 1.f}};
        if (!activation.empty()) attrs["ei_activation"] = activation;
        NodeSpec spec{"Gemm", attrs, 13, {}};
        spec.inputs.push_back(random_tensor(rng, trans_a ? Shape{k, m} : Shape{m, k}));
        spec.inputs.push_back(random_tensor(rng, trans_b ? Shape{n, k} : Shape{k, n}));
        const int c_kind = index % 3;  // none, [N], [1, N]
        spec.inputs.push_back(c_kind == 0   ? omitted()
                              : c_kind == 1 ? random_tensor(rng, {n})
                                            : random_tensor(rng, {1, n}));
        const bool residual = index % 4 == 3;
        if (residual || activation == "PRelu")
          spec.inputs.push_back(residual ? random_tensor(rng, {m, n}) : omitted());
        if (activation == "PRelu") spec.inputs.push_back(random_tensor(rng, {n}));
        const std::string what = "Gemm m" + std::to_string(m) + " k" + std::to_string(k) + " n" +
                                 std::to_string(n) + " transA " + std::to_string(trans_a) +
                                 " transB " + std::to_string(trans_b) + " " + activation;
        CHECK(check_against_reference(spec, what) == "sgemm");
        ++index;
      }
    }
  }
}

TEST_CASE("fast MatMul with constant 2-D weights matches the reference", "[fast_gemm]") {
  std::mt19937 rng(78);
  for (const Shape& a_shape : {Shape{5, 24}, Shape{1, 24}, Shape{2, 3, 24}, Shape{1, 1, 130, 24}}) {
    NodeSpec spec{"MatMul", {}, 13, {}};
    spec.inputs = {random_tensor(rng, a_shape), random_tensor(rng, {24, 33})};
    CHECK(check_against_reference(spec, "MatMul " + shape_to_string(a_shape)) == "sgemm");
  }
  // A 1-D A is decided at run time (the reference kernel runs it); a 3-D B is not packed.
  NodeSpec vector_a{"MatMul", {}, 13, {random_tensor(rng, {24}), random_tensor(rng, {24, 5})}};
  check_against_reference(vector_a, "MatMul 1-D A");
  NodeSpec batched_b{
      "MatMul", {}, 13, {random_tensor(rng, {2, 4, 6}), random_tensor(rng, {2, 6, 3})}};
  CHECK(check_against_reference(batched_b, "MatMul 3-D B") == "reference");
}

TEST_CASE("fast Gemm keeps the reference kernel for a full C", "[fast_gemm]") {
  std::mt19937 rng(79);
  NodeSpec spec{
      "Gemm",
      {},
      13,
      {random_tensor(rng, {4, 8}), random_tensor(rng, {8, 6}), random_tensor(rng, {4, 6})}};
  CHECK(check_against_reference(spec, "Gemm with a 4x6 C") == "reference");
}
