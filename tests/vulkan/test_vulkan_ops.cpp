// Every Vulkan operator against the reference CPU kernels, on small shapes (lavapipe is slow),
// with the validation layer on. Each case also checks that the node ran on the device rather
// than falling back to the CPU.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "vulkan_node.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

// Runs `spec` on both executors; the Vulkan one must agree within `tolerance` and run the node
// on the device.
void check(const NodeSpec& spec, const std::vector<bool>& constant, float tolerance = 1e-5f) {
  auto expected = run_node(spec);
  INFO(spec.op_type << " reference: " << expected.status().to_string());
  REQUIRE(expected.is_ok());
  auto actual = run_node_vulkan(spec, constant);
  INFO(spec.op_type << " vulkan: " << actual.status().to_string());
  REQUIRE(actual.is_ok());
  CHECK(actual->cpu_nodes == 0);
  REQUIRE(actual->outputs.size() == expected->size());
  for (size_t i = 0; i < expected->size(); ++i) {
    CHECK(actual->outputs[i].shape == (*expected)[i].shape);
    CHECK(max_abs_diff(actual->outputs[i], (*expected)[i]) <= tolerance);
  }
}

const std::vector<bool> kWeights = {false, true, true, true, true};

}  // namespace

TEST_CASE("vulkan Conv: 3x3 stride 2, 1x1, depthwise, dilated", "[vulkan][conv]") {
  const HostTensor x = pattern({1, 4, 9, 7});
  check({"Conv",
         Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}},
         13,
         {x, pattern({6, 4, 3, 3}, -1, 1, 2), pattern({6}, -1, 1, 3)}},
        kWeights);
  check({"Conv", {}, 13, {x, pattern({5, 4, 1, 1}, -1, 1, 4)}}, kWeights);
  check({"Conv",
         Attrs{{"group", int64_t{4}}, {"pads", std::vector<int64_t>{1, 0, 1, 2}}},
         13,
         {x, pattern({4, 1, 3, 3}, -1, 1, 5), pattern({4}, -1, 1, 6)}},
        kWeights);
  check({"Conv",
         Attrs{{"dilations", std::vector<int64_t>{2, 1}}, {"group", int64_t{2}}},
         13,
         {x, pattern({4, 2, 2, 3}, -1, 1, 7)}},
        kWeights);
}

TEST_CASE("vulkan Conv with the fused epilogue", "[vulkan][conv]") {
  const HostTensor x = pattern({1, 3, 6, 6});
  const HostTensor w = pattern({4, 3, 3, 3}, -1, 1, 2);
  const HostTensor b = pattern({4}, -1, 1, 3);
  const HostTensor residual = pattern({1, 4, 4, 4}, -1, 1, 4);
  check({"Conv",
         Attrs{{"ei_activation", std::string("Clip")},
               {"ei_activation_params", std::vector<float>{-0.5f, 0.75f}}},
         13,
         {x, w, b, residual}},
        {false, true, true, false});
  check({"Conv", Attrs{{"ei_activation", std::string("HardSwish")}}, 13, {x, w, b}}, kWeights);
  check({"Conv",
         Attrs{{"ei_activation", std::string("PRelu")}},
         13,
         {x, w, b, omitted(), pattern({4}, 0, 0.5f, 5)}},
        kWeights);
  check({"Conv", Attrs{{"ei_activation", std::string("Sigmoid")}}, 13, {x, w, omitted(), residual}},
        {false, true, false, false});
}

TEST_CASE("vulkan Conv with four output channels per invocation", "[vulkan][conv]") {
  // Wide layers (one lane per output: many outputs, or one input channel per group) take
  // conv2d_k4.comp when K / groups is a multiple of 4; the epilogue applies per channel.
  const HostTensor x = pattern({1, 2, 6, 6});
  check({"Conv",
         Attrs{{"group", int64_t{2}},
               {"pads", std::vector<int64_t>{1, 1, 1, 1}},
               {"ei_activation", std::string("PRelu")}},
         13,
         {x, pattern({8, 1, 3, 3}, -1, 1, 2), pattern({8}, -1, 1, 3), pattern({1, 8, 6, 6}),
          pattern({8}, 0, 0.5f, 5)},
         1},
        {false, true, true, false, true});
  const HostTensor wide = pattern({1, 3, 96, 96});
  check({"Conv",
         Attrs{{"strides", std::vector<int64_t>{2, 1}},
               {"pads", std::vector<int64_t>{0, 1, 2, 1}},
               {"ei_activation", std::string("HardSwish")}},
         13,
         {wide, pattern({16, 3, 3, 3}, -1, 1, 6), pattern({16}, -1, 1, 7)}},
        kWeights);
  // Pointwise, on both shaders' 1x1 paths: wide (four channels per invocation) and with lanes.
  check({"Conv",
         Attrs{{"ei_activation", std::string("Relu")}},
         13,
         {wide, pattern({16, 3, 1, 1}, -1, 1, 8), pattern({16}, -1, 1, 9),
          pattern({1, 16, 96, 96}, -1, 1, 10)}},
        {false, true, true, false});
  check({"Conv", {}, 13, {pattern({1, 40, 5, 3}), pattern({6, 40, 1, 1}, -1, 1, 11)}}, kWeights);
}

TEST_CASE("vulkan ConvTranspose", "[vulkan][conv]") {
  const HostTensor x = pattern({1, 4, 5, 6});
  check({"ConvTranspose",
         Attrs{{"strides", std::vector<int64_t>{2, 2}}},
         13,
         {x, pattern({4, 3, 2, 2}, -1, 1, 2), pattern({3}, -1, 1, 3)}},
        kWeights);
  check({"ConvTranspose",
         Attrs{{"strides", std::vector<int64_t>{2, 2}},
               {"pads", std::vector<int64_t>{1, 1, 1, 1}},
               {"output_padding", std::vector<int64_t>{1, 0}},
               {"group", int64_t{2}}},
         13,
         {x, pattern({4, 2, 3, 3}, -1, 1, 4)}},
        kWeights);
  check({"ConvTranspose",
         Attrs{{"strides", std::vector<int64_t>{2, 2}}, {"ei_activation", std::string("Relu")}},
         13,
         {x, pattern({4, 2, 3, 3}, -1, 1, 5), pattern({2}, -1, 1, 6)}},
        kWeights);
}

TEST_CASE("vulkan binary ops with broadcasting", "[vulkan][elementwise]") {
  const HostTensor a = pattern({2, 3, 4, 5});
  for (const char* op : {"Add", "Sub", "Mul", "Max", "Min"}) {
    check({op, {}, 14, {a, pattern({3, 1, 1}, -1, 1, 2)}}, {false, true});
    check({op, {}, 14, {pattern({1, 3, 1, 5}, -1, 1, 3), a}}, {false, false});
  }
  check({"Div", {}, 14, {a, pattern({5}, 0.5f, 2.f, 4)}}, {false, false});
  check({"Mul", {}, 14, {a, HostTensor::f32({}, {0.5f})}}, {false, true});
  check({"PRelu", {}, 16, {a, pattern({3, 1, 1}, 0, 0.5f, 5)}}, {false, true});
  check({"Add", {}, 14, {pattern({2, 3, 2, 2, 5}), pattern({3, 1, 1, 5}, -1, 1, 6)}},
        {false, false});
}

TEST_CASE("vulkan unary ops and BatchNormalization", "[vulkan][elementwise]") {
  const HostTensor x = pattern({2, 3, 5, 7}, -4, 4);
  for (const char* op : {"Relu", "Sigmoid", "HardSwish", "Tanh", "Abs", "Neg", "Exp"})
    check({op, {}, 14, {x}}, {false}, 1e-5f);
  check({"LeakyRelu", Attrs{{"alpha", 0.2f}}, 14, {x}}, {false});
  check({"HardSigmoid", {}, 14, {x}}, {false});
  check({"Clip", {}, 13, {x, HostTensor::f32({}, {-1.f}), HostTensor::f32({}, {2.f})}},
        {false, true, true});
  check({"Clip", {}, 13, {x, omitted(), HostTensor::f32({}, {0.5f})}}, {false, true, true});
  check({"BatchNormalization",
         Attrs{{"epsilon", 1e-3f}},
         15,
         {x, pattern({3}, 0.5f, 2, 2), pattern({3}, -1, 1, 3), pattern({3}, -1, 1, 4),
          pattern({3}, 0.1f, 2, 5)}},
        {false, true, true, true, true}, 1e-5f);
}

TEST_CASE("vulkan pooling", "[vulkan][pool]") {
  const HostTensor x = pattern({1, 3, 7, 8});
  check({"MaxPool",
         Attrs{{"kernel_shape", std::vector<int64_t>{3, 3}},
               {"strides", std::vector<int64_t>{2, 2}},
               {"pads", std::vector<int64_t>{1, 1, 1, 1}}},
         12,
         {x}},
        {false});
  for (int64_t include_pad : {0, 1}) {
    check({"AveragePool",
           Attrs{{"kernel_shape", std::vector<int64_t>{3, 2}},
                 {"strides", std::vector<int64_t>{2, 2}},
                 {"pads", std::vector<int64_t>{1, 0, 1, 1}},
                 {"ceil_mode", int64_t{1}},
                 {"count_include_pad", include_pad}},
           11,
           {x}},
          {false});
  }
  check({"GlobalAveragePool", {}, 11, {x}}, {false});
  check({"GlobalMaxPool", {}, 11, {x}}, {false});
  // Windows of 64 positions or more: one workgroup per output.
  const HostTensor big = pattern({1, 2, 16, 18});
  check({"GlobalAveragePool", {}, 11, {big}}, {false});
  check({"GlobalMaxPool", {}, 11, {big}}, {false});
  for (int64_t include_pad : {0, 1}) {
    check({"AveragePool",
           Attrs{{"kernel_shape", std::vector<int64_t>{9, 8}},
                 {"strides", std::vector<int64_t>{4, 5}},
                 {"pads", std::vector<int64_t>{2, 1, 3, 2}},
                 {"count_include_pad", include_pad}},
           11,
           {big}},
          {false});
  }
  check({"MaxPool", Attrs{{"kernel_shape", std::vector<int64_t>{8, 8}}}, 12, {big}}, {false});
}

TEST_CASE("vulkan Resize", "[vulkan][resize]") {
  const HostTensor x = pattern({1, 2, 4, 5});
  const HostTensor scales = HostTensor::f32({4}, {1, 1, 2, 1.5f});
  for (const char* transform :
       {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"}) {
    check({"Resize",
           Attrs{{"mode", std::string("linear")},
                 {"coordinate_transformation_mode", std::string(transform)}},
           13,
           {x, omitted(), scales}},
          {false, true, true});
  }
  check({"Resize",
         Attrs{{"mode", std::string("nearest")},
               {"coordinate_transformation_mode", std::string("asymmetric")},
               {"nearest_mode", std::string("floor")}},
         13,
         {x, omitted(), scales}},
        {false, true, true});
  check({"Resize",
         Attrs{{"mode", std::string("nearest")}},
         13,
         {x, omitted(), omitted(), HostTensor::i64({4}, {1, 2, 3, 7})}},
        {false, true, true, true});
  // NHWC, as the MediaPipe models resize after their transposes.
  check({"Resize",
         Attrs{{"mode", std::string("linear")}},
         11,
         {pattern({1, 4, 5, 3}), HostTensor::f32({0}, {}), HostTensor::f32({4}, {1, 2, 2, 1})}},
        {false, true, true});
}

TEST_CASE("vulkan layout ops", "[vulkan][layout]") {
  const HostTensor x = pattern({2, 3, 4, 5});
  check({"Transpose", Attrs{{"perm", std::vector<int64_t>{0, 2, 3, 1}}}, 13, {x}}, {false});
  check({"Transpose",
         Attrs{{"perm", std::vector<int64_t>{0, 2, 1, 3, 4}}},
         13,
         {pattern({1, 2, 3, 4, 5})}},
        {false});
  check({"Reshape", {}, 13, {x, HostTensor::i64({3}, {6, 4, 5})}}, {false, true});
  check({"Flatten", Attrs{{"axis", int64_t{2}}}, 13, {x}}, {false});
  check({"Concat", Attrs{{"axis", int64_t{1}}}, 13, {x, pattern({2, 1, 4, 5}, -1, 1, 2), x}},
        {false, false, true});
  check({"Slice",
         {},
         13,
         {x, HostTensor::i64({2}, {1, -1}), HostTensor::i64({2}, {4, -5}),
          HostTensor::i64({2}, {2, 3}), HostTensor::i64({2}, {2, -2})}},
        {false, true, true, true, true});
  check({"Expand", {}, 13, {pattern({3, 1, 5}), HostTensor::i64({4}, {2, 3, 4, 5})}},
        {false, true});
}

TEST_CASE("vulkan MatMul and Gemm", "[vulkan][matmul]") {
  check({"MatMul", {}, 13, {pattern({2, 3, 4}), pattern({4, 5}, -1, 1, 2)}}, {false, true});
  check({"MatMul", {}, 13, {pattern({2, 3, 4}), pattern({2, 4, 5}, -1, 1, 2)}}, {false, false});
  check({"Gemm",
         Attrs{{"transB", int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.f}},
         13,
         {pattern({3, 4}), pattern({5, 4}, -1, 1, 2), pattern({5}, -1, 1, 3)}},
        {false, true, true});
  check({"Gemm",
         Attrs{{"transA", int64_t{1}}, {"ei_activation", std::string("Relu")}},
         13,
         {pattern({4, 3}), pattern({4, 5}, -1, 1, 2), pattern({3, 1}, -1, 1, 3)}},
        {false, true, true});
}

TEST_CASE("vulkan Softmax", "[vulkan][softmax]") {
  const HostTensor x = pattern({2, 3, 4, 5}, -5, 5);
  check({"Softmax", Attrs{{"axis", int64_t{1}}}, 13, {x}}, {false});
  check({"Softmax", {}, 13, {x}}, {false});
  check({"Softmax", Attrs{{"axis", int64_t{2}}}, 11, {x}}, {false});
  check({"LogSoftmax", {}, 13, {x}}, {false}, 1e-5f);
}

TEST_CASE("vulkan tensors larger than one storage binding run in pieces", "[vulkan][large]") {
  // 4 KiB bindings: the 16 KiB tensors below need four pieces each.
  setenv("EDGEINFER_VULKAN_MAX_BINDING_BYTES", "4096", 1);
  const HostTensor a = pattern({1, 4, 32, 32}), b = pattern({1, 4, 32, 32}, -1, 1, 2);
  for (const NodeSpec& spec :
       {NodeSpec{"Add", {}, 14, {a, b}}, NodeSpec{"Mul", {}, 14, {a, HostTensor::f32({1}, {3.f})}},
        NodeSpec{"Relu", {}, 14, {a}},
        NodeSpec{"Reshape", {}, 14, {a, HostTensor::i64({2}, {64, 64})}}}) {
    auto expected = run_node(spec);
    REQUIRE(expected.is_ok());
    auto actual = run_node_vulkan(spec, {false, true});
    INFO(spec.op_type << ": " << actual.status().to_string());
    REQUIRE(actual.is_ok());
    CHECK(actual->cpu_nodes == 0);
    // Exact: the same float operation on every element.
    CHECK(actual->outputs[0].bytes == (*expected)[0].bytes);
  }
  // An op that cannot be split runs on the CPU instead, and still agrees.
  const NodeSpec conv{"Conv", {}, 13, {a, pattern({4, 4, 1, 1}, -1, 1, 3)}};
  auto expected = run_node(conv);
  auto actual = run_node_vulkan(conv, {false, true});
  REQUIRE(actual.is_ok());
  CHECK(actual->cpu_nodes == 1);
  CHECK(actual->outputs[0].bytes == (*expected)[0].bytes);
  unsetenv("EDGEINFER_VULKAN_MAX_BINDING_BYTES");
}
