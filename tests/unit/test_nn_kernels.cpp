// Hand-computed cases for the reference neural-network kernels: convolution, pooling,
// normalization, matmul and reductions.
#include <catch2/catch.hpp>

#include <cmath>

#include "run_node.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;
using Ints = std::vector<int64_t>;

HostTensor f32(Shape shape, std::vector<float> values) {
  return HostTensor::f32(std::move(shape), values);
}
HostTensor i64(Shape shape, std::vector<int64_t> values) {
  return HostTensor::i64(std::move(shape), values);
}

std::vector<HostTensor> run_ok(const NodeSpec& spec) {
  auto result = run_node(spec);
  INFO(spec.op_type << ": " << result.status().to_string());
  REQUIRE(result.is_ok());
  return *result;
}

// Runs a node and checks output 0 against an expected shape and float values.
void check(const NodeSpec& spec, const Shape& shape, const std::vector<float>& expected) {
  const std::vector<HostTensor> out = run_ok(spec);
  REQUIRE(out.size() >= 1);
  CHECK(out[0].dtype == DType::kFloat32);
  CHECK(out[0].shape == shape);
  const std::vector<float> got = out[0].values<float>();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(1e-5));
  }
}

Status run_error(const NodeSpec& spec) {
  auto result = run_node(spec);
  REQUIRE_FALSE(result.is_ok());
  return result.status();
}

std::vector<float> iota(int n, float start = 0.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    v[i] = start + static_cast<float>(i);
  return v;
}

}  // namespace

// ---- Conv ---------------------------------------------------------------------------------

TEST_CASE("Conv 2-D with and without padding and strides", "[nn]") {
  const HostTensor x = f32({1, 1, 5, 5}, iota(25));
  const HostTensor w = f32({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  check({"Conv", {{"pads", Ints{1, 1, 1, 1}}}, 18, {x, w}}, {1, 1, 5, 5},
        {12,  21, 27, 33,  24,  33,  54,  63, 72,  51,  63,  99, 108,
         117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84});
  check({"Conv", {}, 11, {x, w}}, {1, 1, 3, 3}, {54, 63, 72, 99, 108, 117, 144, 153, 162});
  check({"Conv", {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}}, 11, {x, w}}, {1, 1, 3, 3},
        {12, 27, 24, 63, 108, 81, 72, 117, 84});
  // Asymmetric padding: one row on top only, strides 2.
  check({"Conv", {{"pads", Ints{1, 0, 0, 0}}, {"strides", Ints{2, 2}}}, 11, {x, w}}, {1, 1, 2, 2},
        {21, 33, 99, 117});
}

TEST_CASE("Conv 1-D auto_pad variants, dilation, bias and groups", "[nn]") {
  const HostTensor x = f32({1, 1, 4}, {1, 2, 3, 4});
  const HostTensor w = f32({1, 1, 3}, {1, 1, 1});
  // ceil(4/2) = 2 outputs; one unit of padding, at the end (UPPER) or the start (LOWER).
  check({"Conv", {{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2}}}, 18, {x, w}},
        {1, 1, 2}, {6, 7});
  check({"Conv", {{"auto_pad", std::string("SAME_LOWER")}, {"strides", Ints{2}}}, 18, {x, w}},
        {1, 1, 2}, {3, 9});
  check({"Conv", {{"auto_pad", std::string("VALID")}, {"pads", Ints{5, 5}}}, 18, {x, w}}, {1, 1, 2},
        {6, 9});
  // Dilation 2: y[i] = x[i] + 10 * x[i + 2].
  check({"Conv",
         {{"dilations", Ints{2}}},
         18,
         {f32({1, 1, 5}, {1, 2, 3, 4, 5}), f32({1, 1, 2}, {1, 10})}},
        {1, 1, 3}, {31, 42, 53});
  // Depthwise (group == channels) with bias.
  const HostTensor x2 = f32({1, 2, 2}, {1, 2, 3, 4});
  check({"Conv", {{"group", int64_t{2}}}, 18, {x2, f32({2, 1, 1}, {2, 3}), f32({2}, {1, -1})}},
        {1, 2, 2}, {3, 5, 8, 11});
  // group 1 sums over channels; omitted optional bias.
  check({"Conv", {}, 18, {x2, f32({1, 2, 1}, {1, 10}), omitted()}}, {1, 1, 2}, {31, 42});
  // Two groups of two channels each, two output channels per group.
  check({"Conv",
         {{"group", int64_t{2}}},
         18,
         {f32({1, 4, 1}, {1, 2, 3, 4}), f32({4, 2, 1}, {1, 1, 1, -1, 1, 1, 1, -1})}},
        {1, 4, 1}, {3, -1, 7, -1});
}

TEST_CASE("Conv 3-D and batches", "[nn]") {
  check({"Conv", {}, 18, {f32({1, 1, 2, 2, 2}, iota(8, 1)), f32({1, 1, 2, 2, 2}, iota(8, 1))}},
        {1, 1, 1, 1, 1}, {204});
  check({"Conv", {}, 18, {f32({2, 1, 2}, {1, 2, 3, 4}), f32({1, 1, 2}, {1, 1})}}, {2, 1, 1},
        {3, 7});
}

TEST_CASE("Conv errors name shapes; other types are unsupported", "[nn]") {
  Status s = run_error({"Conv", {}, 18, {f32({1, 2, 2}, {1, 2, 3, 4}), f32({1, 3, 1}, {1, 1, 1})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(s.message().find("[1,2,2]") != std::string::npos);
  CHECK(s.message().find("[1,3,1]") != std::string::npos);
  s = run_error({"Conv", {}, 18, {f32({1, 1, 2}, {1, 2}), f32({1, 1, 3}, {1, 1, 1})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(s.message().find("larger") != std::string::npos);
  s = run_error({"Conv", {}, 18, {f32({1, 4}, {1, 2, 3, 4}), f32({1, 4}, {1, 1, 1, 1})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  s = run_error({"Conv",
                 {{"kernel_shape", Ints{2}}},
                 18,
                 {f32({1, 1, 4}, {1, 2, 3, 4}), f32({1, 1, 3}, {1, 1, 1})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  s = run_error({"Conv",
                 {},
                 18,
                 {HostTensor::of<int32_t>(DType::kInt32, {1, 1, 2}, {1, 2}),
                  HostTensor::of<int32_t>(DType::kInt32, {1, 1, 1}, {1})}});
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(s.message().find("int32") != std::string::npos);
}

TEST_CASE("Conv float64", "[nn]") {
  auto out = run_ok({"Conv",
                     {},
                     18,
                     {HostTensor::of<double>(DType::kFloat64, {1, 1, 3}, {1, 2, 3}),
                      HostTensor::of<double>(DType::kFloat64, {1, 1, 2}, {1, 0.5})}});
  CHECK(out[0].dtype == DType::kFloat64);
  CHECK(out[0].values<double>() == std::vector<double>{2, 3.5});
}

// ---- ConvTranspose ------------------------------------------------------------------------

TEST_CASE("ConvTranspose output sizes: strides, pads, output_padding, output_shape, auto_pad",
          "[nn]") {
  const HostTensor x = f32({1, 1, 2}, {1, 2});
  const HostTensor w = f32({1, 1, 3}, {1, 1, 1});
  const Attrs s2{{"strides", Ints{2}}};
  // Full result: x0 at 0..2, x1 at 2..4.
  check({"ConvTranspose", s2, 18, {x, w}}, {1, 1, 5}, {1, 1, 3, 2, 2});
  check({"ConvTranspose", {{"strides", Ints{2}}, {"pads", Ints{1, 1}}}, 18, {x, w}}, {1, 1, 3},
        {1, 3, 2});
  check({"ConvTranspose", {{"strides", Ints{2}}, {"output_padding", Ints{1}}}, 18, {x, w}},
        {1, 1, 6}, {1, 1, 3, 2, 2, 0});
  // output_shape larger than the full result extends it at the end; smaller trims the start
  // first.
  check({"ConvTranspose", {{"strides", Ints{2}}, {"output_shape", Ints{6}}}, 18, {x, w}}, {1, 1, 6},
        {1, 1, 3, 2, 2, 0});
  check({"ConvTranspose", {{"strides", Ints{2}}, {"output_shape", Ints{1, 1, 4}}}, 18, {x, w}},
        {1, 1, 4}, {1, 3, 2, 2});
  // SAME: output = input * stride.
  check({"ConvTranspose",
         {{"strides", Ints{2}}, {"auto_pad", std::string("SAME_UPPER")}},
         18,
         {x, w}},
        {1, 1, 4}, {1, 1, 3, 2});
  check({"ConvTranspose",
         {{"strides", Ints{2}}, {"auto_pad", std::string("SAME_LOWER")}},
         18,
         {x, w}},
        {1, 1, 4}, {1, 3, 2, 2});
  // Dilation 2.
  check({"ConvTranspose", {{"dilations", Ints{2}}}, 18, {x, f32({1, 1, 2}, {1, 10})}}, {1, 1, 4},
        {1, 2, 10, 20});
}

TEST_CASE("ConvTranspose 2-D, groups and bias", "[nn]") {
  check({"ConvTranspose",
         {},
         18,
         {f32({1, 1, 3, 3}, iota(9)), f32({1, 2, 3, 3}, std::vector<float>(18, 1.0f))}},
        {1, 2, 5, 5},
        {0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8,
         0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8});
  // Two groups: W is C x M/group x k; output channel count = W[1] * group.
  check({"ConvTranspose",
         {{"group", int64_t{2}}},
         18,
         {f32({1, 2, 1}, {1, 2}), f32({2, 1, 1}, {3, 4}), f32({2}, {0.5f, -0.5f})}},
        {1, 2, 1}, {3.5f, 7.5f});
  Status s =
      run_error({"ConvTranspose", {}, 18, {f32({1, 2, 1}, {1, 2}), f32({3, 1, 1}, {1, 1, 1})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(s.message().find("[3,1,1]") != std::string::npos);
}

// ---- Pooling ------------------------------------------------------------------------------

TEST_CASE("MaxPool with Indices in both storage orders", "[nn]") {
  const HostTensor x = f32({1, 1, 4, 4}, iota(16, 1));
  const Attrs a{{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}};
  NodeSpec spec{"MaxPool", a, 12, {x}};
  spec.output_count = 2;
  auto out = run_ok(spec);
  CHECK(out[0].values<float>() == std::vector<float>{6, 8, 14, 16});
  CHECK(out[1].dtype == DType::kInt64);
  CHECK(out[1].values<int64_t>() == std::vector<int64_t>{5, 7, 13, 15});
  spec.attributes["storage_order"] = int64_t{1};
  out = run_ok(spec);
  CHECK(out[1].values<int64_t>() == std::vector<int64_t>{5, 13, 7, 15});
  // Indices count the batch and channel planes.
  NodeSpec two{"MaxPool", {{"kernel_shape", Ints{2}}}, 12, {f32({1, 2, 2}, {1, 0, 0, 1})}};
  two.output_count = 2;
  out = run_ok(two);
  CHECK(out[1].values<int64_t>() == std::vector<int64_t>{0, 3});
}

TEST_CASE("Pooling ceil_mode, dilations, pads and auto_pad", "[nn]") {
  const HostTensor x = f32({1, 1, 5}, {1, 2, 3, 4, 5});
  const Attrs k2s2{{"kernel_shape", Ints{2}}, {"strides", Ints{2}}};
  check({"MaxPool", k2s2, 18, {x}}, {1, 1, 2}, {2, 4});
  Attrs ceil = k2s2;
  ceil["ceil_mode"] = int64_t{1};
  check({"MaxPool", ceil, 18, {x}}, {1, 1, 3}, {2, 4, 5});
  check({"AveragePool", ceil, 18, {x}}, {1, 1, 3}, {1.5f, 3.5f, 5});
  // A last window that would start in the end padding is dropped.
  Attrs dropped = ceil;
  dropped["pads"] = Ints{0, 1};
  check({"MaxPool", dropped, 18, {f32({1, 1, 4}, {1, 2, 3, 4})}}, {1, 1, 2}, {2, 4});
  check({"MaxPool",
         {{"kernel_shape", Ints{2}}, {"dilations", Ints{2}}},
         18,
         {f32({1, 1, 5}, {1, 5, 2, 4, 3})}},
        {1, 1, 3}, {2, 5, 3});
  const HostTensor x3 = f32({1, 1, 3}, {1, 2, 3});
  const Attrs padded{{"kernel_shape", Ints{3}}, {"pads", Ints{1, 1}}};
  check({"AveragePool", padded, 18, {x3}}, {1, 1, 3}, {1.5f, 2, 2.5f});
  Attrs include = padded;
  include["count_include_pad"] = int64_t{1};
  check({"AveragePool", include, 18, {x3}}, {1, 1, 3}, {1, 2, 5.0f / 3});
  check({"MaxPool", padded, 18, {f32({1, 1, 3}, {-1, -2, -3})}}, {1, 1, 3}, {-1, -1, -2});
  const HostTensor x4 = f32({1, 1, 4}, {1, 2, 3, 4});
  check({"AveragePool",
         {{"kernel_shape", Ints{2}}, {"auto_pad", std::string("SAME_UPPER")}},
         18,
         {x4}},
        {1, 1, 4}, {1.5f, 2.5f, 3.5f, 4});
  check({"AveragePool",
         {{"kernel_shape", Ints{2}}, {"auto_pad", std::string("SAME_LOWER")}},
         18,
         {x4}},
        {1, 1, 4}, {1, 1.5f, 2.5f, 3.5f});
  check({"LpPool", {{"kernel_shape", Ints{2}}}, 18, {f32({1, 1, 2}, {3, -4})}}, {1, 1, 1}, {5});
  Status s = run_error({"MaxPool", {{"kernel_shape", Ints{4}}}, 18, {x3}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  s = run_error({"AveragePool", {{"kernel_shape", Ints{2, 2}}}, 18, {x3}});
  CHECK(s.code() == StatusCode::kInvalidModel);
}

TEST_CASE("Global pooling and 2-D windows", "[nn]") {
  const HostTensor x = f32({1, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, -4});
  check({"GlobalAveragePool", {}, 18, {x}}, {1, 2, 1, 1}, {2.5f, -2.5f});
  check({"GlobalMaxPool", {}, 18, {x}}, {1, 2, 1, 1}, {4, -1});
  check({"AveragePool", {{"kernel_shape", Ints{2, 2}}}, 7, {f32({1, 1, 3, 3}, iota(9))}},
        {1, 1, 2, 2}, {2, 3, 5, 6});
  auto out = run_ok({"MaxPool",
                     {{"kernel_shape", Ints{2}}},
                     12,
                     {HostTensor::of<uint8_t>(DType::kUInt8, {1, 1, 3}, {7, 200, 3})}});
  CHECK(out[0].values<uint8_t>() == std::vector<uint8_t>{200, 200});
}

// ---- Normalization ------------------------------------------------------------------------

TEST_CASE("BatchNormalization in inference mode", "[nn]") {
  const HostTensor x = f32({1, 2, 1, 2}, {1, 2, 3, 4});
  NodeSpec spec{"BatchNormalization",
                {{"epsilon", 0.0f}},
                15,
                {x, f32({2}, {1, 2}), f32({2}, {0, 1}), f32({2}, {1, 3}), f32({2}, {4, 1})}};
  check(spec, {1, 2, 1, 2}, {0, 0.5f, 1, 3});
  spec.attributes["training_mode"] = int64_t{1};
  Status s = run_error(spec);
  CHECK(s.code() == StatusCode::kUnsupported);
  s = run_error({"BatchNormalization",
                 {},
                 9,
                 {x, f32({3}, {1, 1, 1}), f32({2}, {0, 0}), f32({2}, {0, 0}), f32({2}, {1, 1})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(s.message().find("[3]") != std::string::npos);
}

TEST_CASE("InstanceNormalization, LRN and LayerNormalization", "[nn]") {
  const float sd = std::sqrt(1.25f);
  check({"InstanceNormalization",
         {{"epsilon", 0.0f}},
         6,
         {f32({1, 1, 4}, {1, 2, 3, 4}), f32({1}, {1}), f32({1}, {0})}},
        {1, 1, 4}, {-1.5f / sd, -0.5f / sd, 0.5f / sd, 1.5f / sd});
  check({"LRN",
         {{"size", int64_t{3}}, {"alpha", 3.0f}, {"beta", 1.0f}, {"bias", 1.0f}},
         13,
         {f32({1, 3, 1, 1}, {1, 2, 3})}},
        {1, 3, 1, 1}, {1.0f / 6, 2.0f / 15, 3.0f / 14});
  NodeSpec ln{"LayerNormalization",
              {{"epsilon", 0.0f}},
              17,
              {f32({2, 2}, {1, 3, 2, 6}), f32({2}, {1, 2}), f32({2}, {0, 1})}};
  ln.output_count = 3;
  auto out = run_ok(ln);
  CHECK(out[0].values<float>() == std::vector<float>{-1, 3, -1, 3});
  CHECK(out[1].shape == Shape{2, 1});
  CHECK(out[1].values<float>() == std::vector<float>{2, 4});
  CHECK(out[2].values<float>() == std::vector<float>{1, 0.5f});
}

// ---- MatMul, Gemm -------------------------------------------------------------------------

TEST_CASE("MatMul: 2-D, 1-D operands, broadcast batches", "[nn]") {
  check({"MatMul", {}, 13, {f32({2, 3}, iota(6, 1)), f32({3, 2}, iota(6, 7))}}, {2, 2},
        {58, 64, 139, 154});
  check({"MatMul", {}, 13, {f32({3}, {1, 2, 3}), f32({3}, {4, 5, 6})}}, {}, {32});
  check({"MatMul", {}, 13, {f32({2}, {1, 2}), f32({2, 2}, {1, 2, 3, 4})}}, {2}, {7, 10});
  check({"MatMul", {}, 13, {f32({2, 2}, {1, 2, 3, 4}), f32({2}, {1, 1})}}, {2}, {3, 7});
  check({"MatMul", {}, 13, {f32({2, 1, 1, 2}, {1, 0, 0, 1}), f32({3, 2, 1}, iota(6, 1))}},
        {2, 3, 1, 1}, {1, 3, 5, 2, 4, 6});
  auto out = run_ok({"MatMul",
                     {},
                     13,
                     {HostTensor::of<int32_t>(DType::kInt32, {1, 2}, {2, 3}),
                      HostTensor::of<int32_t>(DType::kInt32, {2, 1}, {4, 5})}});
  CHECK(out[0].values<int32_t>() == std::vector<int32_t>{23});
  Status s = run_error({"MatMul", {}, 13, {f32({2, 3}, iota(6)), f32({2, 3}, iota(6))}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(s.message().find("[2,3]") != std::string::npos);
}

TEST_CASE("Gemm: transposes, alpha, beta and C broadcast", "[nn]") {
  const HostTensor a = f32({2, 2}, {1, 2, 3, 4});
  const HostTensor b = f32({2, 2}, {5, 6, 7, 8});
  check({"Gemm",
         {{"transA", int64_t{1}}, {"alpha", 2.0f}, {"beta", 3.0f}},
         13,
         {a, b, f32({2}, {1, 10})}},
        {2, 2}, {55, 90, 79, 118});
  check({"Gemm", {{"transB", int64_t{1}}}, 13, {a, b, f32({2, 1}, {1, 2})}}, {2, 2},
        {18, 24, 41, 55});
  check({"Gemm", {}, 13, {a, b, f32({}, {1})}}, {2, 2}, {20, 23, 44, 51});
  check({"Gemm", {}, 13, {a, b}}, {2, 2}, {19, 22, 43, 50});
  check({"Gemm", {}, 13, {f32({1, 3}, {1, 2, 3}), f32({3, 2}, iota(6)), omitted()}}, {1, 2},
        {16, 22});
  Status s = run_error({"Gemm", {}, 13, {a, b, f32({3}, {1, 2, 3})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
}

// ---- Softmax family -----------------------------------------------------------------------

TEST_CASE("Softmax: opset < 13 coerces to 2-D, opset >= 13 works along one axis", "[nn]") {
  const HostTensor x = f32({2, 2}, {0, 1, 2, 3});
  const float total = 1 + std::exp(1.0f) + std::exp(2.0f) + std::exp(3.0f);
  check({"Softmax", {{"axis", int64_t{0}}}, 11, {x}}, {2, 2},
        {1 / total, std::exp(1.0f) / total, std::exp(2.0f) / total, std::exp(3.0f) / total});
  const float lo = 1 / (1 + std::exp(2.0f));
  const float hi = 1 - lo;
  check({"Softmax", {{"axis", int64_t{0}}}, 13, {x}}, {2, 2}, {lo, lo, hi, hi});
  // Defaults: axis 1 (flatten [1, 4]) before 13, axis -1 (rows of 2) from 13.
  const HostTensor x3 = f32({1, 2, 2}, {0, 1, 2, 3});
  check({"Softmax", {}, 12, {x3}}, {1, 2, 2},
        {1 / total, std::exp(1.0f) / total, std::exp(2.0f) / total, std::exp(3.0f) / total});
  const float a = 1 / (1 + std::exp(1.0f));
  check({"Softmax", {}, 13, {x3}}, {1, 2, 2}, {a, 1 - a, a, 1 - a});
  check({"LogSoftmax", {}, 13, {x3}}, {1, 2, 2},
        {std::log(a), std::log(1 - a), std::log(a), std::log(1 - a)});
  check({"Hardmax", {}, 13, {f32({2, 3}, {1, 3, 3, 5, 4, 0})}}, {2, 3}, {0, 1, 0, 1, 0, 0});
  check({"Hardmax", {{"axis", int64_t{0}}}, 11, {f32({2, 2}, {1, 3, 3, 2})}}, {2, 2}, {0, 1, 0, 0});
}

// ---- Reduce* ------------------------------------------------------------------------------

TEST_CASE("Reduce with axes as attribute or input, keepdims and noop_with_empty_axes", "[nn]") {
  const HostTensor x = f32({2, 3}, iota(6, 1));
  check({"ReduceSum", {}, 13, {x, i64({1}, {1})}}, {2, 1}, {6, 15});
  check({"ReduceSum", {{"keepdims", int64_t{0}}}, 13, {x, i64({1}, {-1})}}, {2}, {6, 15});
  check({"ReduceSum", {}, 13, {x}}, {1, 1}, {21});
  check({"ReduceSum", {}, 13, {x, i64({0}, {})}}, {1, 1}, {21});
  check({"ReduceSum", {{"noop_with_empty_axes", int64_t{1}}}, 13, {x}}, {2, 3}, iota(6, 1));
  check({"ReduceSum", {{"axes", Ints{0}}}, 11, {x}}, {1, 3}, {5, 7, 9});
  check({"ReduceMean", {{"axes", Ints{0}}}, 11, {x}}, {1, 3}, {2.5f, 3.5f, 4.5f});
  check({"ReduceMean", {{"axes", Ints{0, 1}}, {"keepdims", int64_t{0}}}, 13, {x}}, {}, {3.5f});
  check({"ReduceMax", {{"keepdims", int64_t{0}}}, 18, {x, i64({1}, {-1})}}, {2}, {3, 6});
  Status s = run_error({"ReduceSum", {}, 13, {x, i64({1}, {2})}});
  CHECK(s.code() == StatusCode::kInvalidModel);
  s = run_error({"ReduceMax", {{"axes", Ints{1, -1}}}, 13, {x}});
  CHECK(s.code() == StatusCode::kInvalidModel);
}

TEST_CASE("Reduce kinds over all axes", "[nn]") {
  const HostTensor x = f32({3}, {1, -2, 3});
  const Attrs flat{{"keepdims", int64_t{0}}};
  check({"ReduceMin", flat, 18, {x}}, {}, {-2});
  check({"ReduceProd", flat, 18, {x}}, {}, {-6});
  check({"ReduceL1", flat, 18, {x}}, {}, {6});
  check({"ReduceL2", flat, 18, {x}}, {}, {std::sqrt(14.0f)});
  check({"ReduceSumSquare", flat, 18, {x}}, {}, {14});
  check({"ReduceLogSum", flat, 18, {x}}, {}, {std::log(2.0f)});
  check({"ReduceLogSumExp", flat, 18, {x}}, {},
        {std::log(std::exp(1.0f) + std::exp(-2.0f) + std::exp(3.0f))});
  // Empty reductions give the identity of the operation.
  const HostTensor empty = f32({2, 0}, {});
  check({"ReduceSum", {}, 18, {empty, i64({1}, {1})}}, {2, 1}, {0, 0});
  check({"ReduceProd", {}, 18, {empty, i64({1}, {1})}}, {2, 1}, {1, 1});
  auto out = run_ok({"ReduceSum",
                     {{"keepdims", int64_t{0}}},
                     13,
                     {HostTensor::of<int64_t>(DType::kInt64, {2, 2}, {1, 2, 3, 4})}});
  CHECK(out[0].values<int64_t>() == std::vector<int64_t>{10});
}

TEST_CASE("ArgMax and ArgMin with select_last_index", "[nn]") {
  const HostTensor x = f32({4}, {1, 3, 3, 2});
  auto out = run_ok({"ArgMax", {}, 13, {x}});
  CHECK(out[0].dtype == DType::kInt64);
  CHECK(out[0].shape == Shape{1});
  CHECK(out[0].values<int64_t>() == std::vector<int64_t>{1});
  out = run_ok({"ArgMax", {{"select_last_index", int64_t{1}}}, 13, {x}});
  CHECK(out[0].values<int64_t>() == std::vector<int64_t>{2});
  out = run_ok({"ArgMin",
                {{"axis", int64_t{1}}, {"keepdims", int64_t{0}}},
                13,
                {f32({2, 2}, {5, 1, 0, 7})}});
  CHECK(out[0].shape == Shape{2});
  CHECK(out[0].values<int64_t>() == std::vector<int64_t>{1, 0});
}
