// fp16 storage (ExecutorOptions::fp16_storage, docs/vulkan.md): every shader's fp16 variant,
// with its weights stored as 16-bit floats, against the reference kernels. Each case checks
// that the weights really are stored as fp16 (the plan's weight bytes shrink, and the result
// differs from the fp32 session's by fp16 rounding, which the patterns' values are not exact
// in) and that the result stays within the option's 1e-2 of the reference. Constants that fp16
// cannot hold, or whose errors would flow into values beyond fp16's range, stay fp32 and give
// the fp32 session's result exactly.
#include <catch2/catch.hpp>

#include <string>

#include "vulkan_node.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

// "weights N bytes" from Executor::describe().
size_t weight_bytes(const std::string& plan) {
  const size_t at = plan.find("weights ");
  REQUIRE(at != std::string::npos);
  return std::stoul(plan.substr(at + 8));
}

struct Sessions {
  std::vector<HostTensor> reference;
  VulkanRun fp32, fp16;
};

Sessions run_both(const NodeSpec& spec, const std::vector<bool>& constant) {
  auto reference = run_node(spec);
  INFO(spec.op_type << " reference: " << reference.status().to_string());
  REQUIRE(reference.is_ok());
  auto fp32 = run_node_vulkan(spec, constant, false);
  INFO(spec.op_type << " vulkan fp32: " << fp32.status().to_string());
  REQUIRE(fp32.is_ok());
  auto fp16 = run_node_vulkan(spec, constant, true);
  INFO(spec.op_type << " vulkan fp16: " << fp16.status().to_string());
  REQUIRE(fp16.is_ok());
  CHECK(fp16->cpu_nodes == 0);
  REQUIRE(fp16->outputs.size() == reference->size());
  CHECK(fp16->plan.find("fp16 storage") != std::string::npos);
  return Sessions{*reference, *fp32, *fp16};
}

// The weights are fp16: fewer bytes, a result that differs from fp32's, within `tolerance` of
// the reference.
void check_fp16(const NodeSpec& spec, const std::vector<bool>& constant, float tolerance = 1e-2f) {
  const Sessions s = run_both(spec, constant);
  INFO(spec.op_type << "\nfp32 " << s.fp32.plan << "fp16 " << s.fp16.plan);
  CHECK(weight_bytes(s.fp16.plan) < weight_bytes(s.fp32.plan));
  for (size_t i = 0; i < s.reference.size(); ++i) {
    CHECK(s.fp16.outputs[i].shape == s.reference[i].shape);
    const float error = max_abs_diff(s.fp16.outputs[i], s.reference[i]);
    const float rounding = max_abs_diff(s.fp16.outputs[i], s.fp32.outputs[i]);
    INFO("output " << i << ": |fp16 - reference| " << error << ", |fp16 - fp32| " << rounding);
    CHECK(error <= tolerance);
    CHECK(rounding > 0.0f);
  }
}

// The weights stay fp32: the fp16 session computes exactly what the fp32 one does.
void check_kept_fp32(const NodeSpec& spec, const std::vector<bool>& constant) {
  const Sessions s = run_both(spec, constant);
  INFO(spec.op_type << "\nfp32 " << s.fp32.plan << "fp16 " << s.fp16.plan);
  CHECK(weight_bytes(s.fp16.plan) == weight_bytes(s.fp32.plan));
  for (size_t i = 0; i < s.reference.size(); ++i)
    CHECK(max_abs_diff(s.fp16.outputs[i], s.fp32.outputs[i]) == 0.0f);
}

const std::vector<bool> kWeights = {false, true, true, true, true};

}  // namespace

TEST_CASE("vulkan fp16 storage: Conv shaders", "[vulkan][fp16]") {
  const HostTensor x = pattern({1, 4, 9, 7});
  // conv2d.comp: windowed, then depthwise with a PRelu slope (binding 5).
  check_fp16(
      {"Conv",
       Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}},
       13,
       {x, pattern({6, 4, 3, 3}, -1, 1, 2), pattern({6}, -1, 1, 3)}},
      kWeights);
  check_fp16({"Conv",
              Attrs{{"group", int64_t{4}}, {"ei_activation", std::string("PRelu")}},
              13,
              {x, pattern({4, 1, 3, 3}, -1, 1, 5), pattern({4}, -1, 1, 6),
               HostTensor{DType::kUndefined, {}, {}}, pattern({4}, 0, 0.5f, 7)}},
             kWeights);
  // conv2d_k4.comp (16 output channels, wide image), windowed and pointwise.
  const HostTensor wide = pattern({1, 3, 48, 48});
  check_fp16({"Conv",
              Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}},
              13,
              {wide, pattern({16, 3, 3, 3}, -1, 1, 8), pattern({16}, -1, 1, 9)}},
             kWeights);
  check_fp16({"Conv", {}, 13, {wide, pattern({16, 3, 1, 1}, -1, 1, 10)}}, kWeights);
  // Lanes sharing a long reduction (lane_sum.glsl).
  check_fp16({"Conv", {}, 13, {pattern({1, 40, 5, 3}), pattern({6, 40, 1, 1}, -1, 1, 11)}},
             kWeights);
  check_fp16({"ConvTranspose",
              Attrs{{"strides", std::vector<int64_t>{2, 2}}},
              13,
              {pattern({1, 4, 5, 6}), pattern({4, 3, 2, 2}, -1, 1, 12), pattern({3}, -1, 1, 13)}},
             kWeights);
}

TEST_CASE("vulkan fp16 storage: Gemm, binary ops, BatchNormalization, Concat", "[vulkan][fp16]") {
  check_fp16({"Gemm",
              Attrs{{"transB", int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.f}},
              13,
              {pattern({3, 4}), pattern({5, 4}, -1, 1, 2), pattern({5}, -1, 1, 3)}},
             {false, true, true});
  check_fp16({"MatMul", {}, 13, {pattern({2, 3, 40}), pattern({40, 5}, -1, 1, 4)}}, {false, true});
  const HostTensor a = pattern({2, 3, 4, 5});
  check_fp16({"Add", {}, 14, {a, pattern({3, 1, 1}, -1, 1, 5)}}, {false, true});
  check_fp16({"Mul", {}, 14, {pattern({3, 1, 5}, -1, 1, 6), a}}, {true, false});
  check_fp16({"PRelu", {}, 16, {pattern({2, 3, 4, 5}, -1, 0), pattern({3, 1, 1}, 0, 0.5f, 7)}},
             {false, true});
  // strided_copy.comp converts: a constant (fp16) copied into an fp32 output.
  check_fp16({"Concat", Attrs{{"axis", int64_t{1}}}, 13, {a, pattern({2, 2, 4, 5}, -1, 1, 8)}},
             {false, true});
}

TEST_CASE("vulkan fp16 storage: what stays fp32", "[vulkan][fp16]") {
  const HostTensor a = pattern({2, 3, 4, 5});
  // A constant beyond fp16's range (65504) would become inf.
  check_kept_fp32({"Add", {}, 14, {a, HostTensor::f32({3, 1, 1}, {1e5f, -0.3f, 0.7f})}},
                  {false, true});
  // A weight whose product leaves fp16's range (on the calibration input, all ones): its
  // error would be amplified there (SINet's logits), so it stays fp32.
  check_kept_fp32({"Mul", {}, 14, {a, pattern({3, 1, 1}, 7e4f, 8e4f, 9)}}, {false, true});
  // Integer constants are never converted (Reshape's shape, Expand's).
  const Sessions s = run_both(
      {"Expand", {}, 13, {pattern({3, 1, 5}), HostTensor::i64({4}, {2, 3, 4, 5})}}, {false, true});
  CHECK(max_abs_diff(s.fp16.outputs[0], s.reference[0]) == 0.0f);
}
