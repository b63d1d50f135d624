// Reference elementwise kernels: broadcasting, arithmetic, compare/logic, activations, unary
// math, Clip in both opset forms, Cast. Expected values are computed by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ir/float16.h"
#include "run_node.h"

using namespace edgeinfer;
using edgeinfer::testing::HostTensor;
using edgeinfer::testing::NodeSpec;
using edgeinfer::testing::omitted;
using edgeinfer::testing::run_node;

namespace {

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

HostTensor f32(Shape shape, const std::vector<float>& values) {
  return HostTensor::f32(std::move(shape), values);
}
HostTensor i64(Shape shape, const std::vector<int64_t>& values) {
  return HostTensor::i64(std::move(shape), values);
}
HostTensor i32(Shape shape, const std::vector<int32_t>& values) {
  return HostTensor::of(DType::kInt32, std::move(shape), values);
}
HostTensor boolean(Shape shape, const std::vector<uint8_t>& values) {
  return HostTensor::of(DType::kBool, std::move(shape), values);
}

NodeSpec op(const std::string& type, std::vector<HostTensor> inputs,
            std::map<std::string, ir::Attribute> attributes = {}, int opset = 18) {
  NodeSpec spec;
  spec.op_type = type;
  spec.inputs = std::move(inputs);
  spec.attributes = std::move(attributes);
  spec.opset = opset;
  return spec;
}

HostTensor run_ok(const NodeSpec& spec) {
  auto result = run_node(spec);
  INFO(result.status().to_string());
  REQUIRE(result.is_ok());
  REQUIRE(result->size() == 1);
  return (*result)[0];
}

Status run_error(const NodeSpec& spec) {
  auto result = run_node(spec);
  REQUIRE_FALSE(result.is_ok());
  return result.status();
}

void check_floats(const HostTensor& t, const Shape& shape, const std::vector<float>& expected,
                  float epsilon = 1e-6f) {
  REQUIRE(t.dtype == DType::kFloat32);
  REQUIRE(t.shape == shape);
  const std::vector<float> got = t.values<float>();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", expected " << expected[i]);
    if (std::isnan(expected[i])) {
      CHECK(std::isnan(got[i]));
    } else if (std::isinf(expected[i])) {
      CHECK(got[i] == expected[i]);
    } else {
      CHECK(got[i] == Approx(expected[i]).epsilon(epsilon).margin(epsilon));
    }
  }
}

void check_bools(const HostTensor& t, const Shape& shape, const std::vector<uint8_t>& expected) {
  REQUIRE(t.dtype == DType::kBool);
  REQUIRE(t.shape == shape);
  CHECK(t.values<uint8_t>() == expected);
}

// Applies a float unary op to `x` and compares with `expected`.
void check_unary(const std::string& type, const std::vector<float>& x,
                 const std::vector<float>& expected,
                 std::map<std::string, ir::Attribute> attributes = {}, float epsilon = 1e-5f) {
  INFO(type);
  check_floats(run_ok(op(type, {f32({static_cast<int64_t>(x.size())}, x)}, attributes)),
               {static_cast<int64_t>(x.size())}, expected, epsilon);
}

}  // namespace

TEST_CASE("Add broadcasts scalars, rows, columns and lower ranks", "[elementwise]") {
  const HostTensor a = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  SECTION("scalar") {
    check_floats(run_ok(op("Add", {a, f32({}, {10})})), {2, 3}, {11, 12, 13, 14, 15, 16});
    check_floats(run_ok(op("Add", {f32({}, {10}), a})), {2, 3}, {11, 12, 13, 14, 15, 16});
  }
  SECTION("two scalars give a scalar") {
    check_floats(run_ok(op("Add", {f32({}, {1}), f32({}, {2})})), {}, {3});
  }
  SECTION("row") {
    check_floats(run_ok(op("Add", {a, f32({3}, {10, 20, 30})})), {2, 3}, {11, 22, 33, 14, 25, 36});
  }
  SECTION("column") {
    check_floats(run_ok(op("Add", {a, f32({2, 1}, {10, 20})})), {2, 3}, {11, 12, 13, 24, 25, 26});
  }
  SECTION("column plus row") {
    check_floats(run_ok(op("Add", {f32({2, 1}, {10, 20}), f32({1, 3}, {1, 2, 3})})), {2, 3},
                 {11, 12, 13, 21, 22, 23});
  }
  SECTION("rank mismatch on both sides") {
    // [2,1,3] + [4,1] -> [2,4,3]
    const HostTensor x = f32({2, 1, 3}, {0, 1, 2, 3, 4, 5});
    const HostTensor y = f32({4, 1}, {0, 10, 20, 30});
    std::vector<float> expected;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 3; ++k)
          expected.push_back(static_cast<float>(i * 3 + k + j * 10));
    check_floats(run_ok(op("Add", {x, y})), {2, 4, 3}, expected);
  }
  SECTION("zero-size dims") {
    check_floats(run_ok(op("Add", {f32({0, 3}, {}), f32({1, 3}, {1, 2, 3})})), {0, 3}, {});
    check_floats(run_ok(op("Add", {f32({2, 0}, {}), f32({}, {1})})), {2, 0}, {});
    check_floats(run_ok(op("Add", {f32({2, 1}, {1, 2}), f32({0}, {})})), {2, 0}, {});
  }
}

TEST_CASE("Incompatible shapes are an error naming the node and both shapes", "[elementwise]") {
  const Status s = run_error(op("Mul", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({4}, {1, 2, 3, 4})}));
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK_THAT(s.message(), Catch::Contains("test_Mul"));
  CHECK_THAT(s.message(), Catch::Contains("[2,3]"));
  CHECK_THAT(s.message(), Catch::Contains("[4]"));
  // A zero dim only broadcasts against 1.
  CHECK(run_error(op("Add", {f32({0, 3}, {}), f32({2, 3}, {1, 2, 3, 4, 5, 6})})).code() ==
        StatusCode::kInvalidModel);
  // Mixed element types.
  CHECK(run_error(op("Add", {f32({1}, {1}), i64({1}, {1})})).code() == StatusCode::kInvalidModel);
}

TEST_CASE("Arithmetic on floats", "[elementwise]") {
  const HostTensor a = f32({4}, {1, -2, 3, 8});
  const HostTensor b = f32({4}, {2, 4, -1, 0});
  check_floats(run_ok(op("Sub", {a, b})), {4}, {-1, -6, 4, 8});
  check_floats(run_ok(op("Mul", {a, b})), {4}, {2, -8, -3, 0});
  check_floats(run_ok(op("Div", {a, b})), {4}, {0.5f, -0.5f, -3, kInf});
  check_floats(run_ok(op("Pow", {f32({3}, {2, 4, -2}), f32({3}, {3, 0.5f, 2})})), {3}, {8, 2, 4});
  // Opset 12+: the exponent may be an integer tensor.
  check_floats(run_ok(op("Pow", {f32({3}, {2, 3, 0.5f}), i64({3}, {3, -1, 2})})), {3},
               {8, 1.0f / 3, 0.25f});
  // float64
  const HostTensor d =
      run_ok(op("Mul", {HostTensor::of(DType::kFloat64, {2}, std::vector<double>{1.5, -2}),
                        HostTensor::of(DType::kFloat64, {}, std::vector<double>{4})}));
  CHECK(d.dtype == DType::kFloat64);
  CHECK(d.values<double>() == std::vector<double>{6, -8});
}

TEST_CASE("Integer arithmetic: C division, wrapping, errors", "[elementwise]") {
  SECTION("Div truncates toward zero") {
    const HostTensor q = run_ok(op("Div", {i64({4}, {7, -7, 7, -7}), i64({4}, {2, 2, -2, -2})}));
    CHECK(q.dtype == DType::kInt64);
    CHECK(q.values<int64_t>() == std::vector<int64_t>{3, -3, -3, 3});
    const HostTensor q32 = run_ok(op("Div", {i32({3}, {9, -1, 100}), i32({}, {4})}));
    CHECK(q32.dtype == DType::kInt32);
    CHECK(q32.values<int32_t>() == std::vector<int32_t>{2, 0, 25});
  }
  SECTION("Division by zero is an error, not a crash") {
    const Status s = run_error(op("Div", {i32({2}, {1, 2}), i32({2}, {1, 0})}));
    CHECK_THAT(s.message(), Catch::Contains("division by zero"));
  }
  SECTION("Overflow wraps") {
    const int32_t big = std::numeric_limits<int32_t>::max();
    const int32_t low = std::numeric_limits<int32_t>::min();
    CHECK(run_ok(op("Add", {i32({1}, {big}), i32({1}, {1})})).values<int32_t>() ==
          std::vector<int32_t>{low});
    CHECK(run_ok(op("Div", {i32({1}, {low}), i32({1}, {-1})})).values<int32_t>() ==
          std::vector<int32_t>{low});
    const HostTensor u8 =
        run_ok(op("Mul", {HostTensor::of(DType::kUInt8, {2}, std::vector<uint8_t>{200, 3}),
                          HostTensor::of(DType::kUInt8, {}, std::vector<uint8_t>{2})}));
    CHECK(u8.values<uint8_t>() == std::vector<uint8_t>{144, 6});
  }
  SECTION("Sub, Mul, Min, Max on int64 with broadcasting") {
    const HostTensor a = i64({2, 2}, {1, 5, -3, 4});
    const HostTensor b = i64({2}, {2, 4});
    CHECK(run_ok(op("Sub", {a, b})).values<int64_t>() == std::vector<int64_t>{-1, 1, -5, 0});
    CHECK(run_ok(op("Mul", {a, b})).values<int64_t>() == std::vector<int64_t>{2, 20, -6, 16});
    CHECK(run_ok(op("Min", {a, b})).values<int64_t>() == std::vector<int64_t>{1, 4, -3, 4});
    CHECK(run_ok(op("Max", {a, b})).values<int64_t>() == std::vector<int64_t>{2, 5, 2, 4});
  }
  SECTION("Pow with integer base") {
    CHECK(run_ok(op("Pow", {i64({4}, {2, 3, -2, 5}), i64({4}, {10, 2, 3, 0})})).values<int64_t>() ==
          std::vector<int64_t>{1024, 9, -8, 1});
    CHECK(run_ok(op("Pow", {i32({3}, {2, 1, -1}), i64({3}, {-1, -3, -3})})).values<int32_t>() ==
          std::vector<int32_t>{0, 1, -1});
    CHECK(run_ok(op("Pow", {i64({2}, {4, 2}), f32({2}, {0.5f, 3})})).values<int64_t>() ==
          std::vector<int64_t>{2, 8});
  }
}

TEST_CASE("Mod with and without fmod", "[elementwise]") {
  const HostTensor a = i64({4}, {-4, 7, 5, -3});
  const HostTensor b = i64({4}, {3, -3, -2, 2});
  // fmod=0: sign of the divisor, like Python.
  CHECK(run_ok(op("Mod", {a, b})).values<int64_t>() == std::vector<int64_t>{2, -2, -1, 1});
  // fmod=1: sign of the dividend, like C.
  CHECK(run_ok(op("Mod", {a, b}, {{"fmod", int64_t{1}}})).values<int64_t>() ==
        std::vector<int64_t>{-1, 1, 1, -1});
  check_floats(
      run_ok(op("Mod", {f32({3}, {5.5f, -5.5f, 3}), f32({}, {2})}, {{"fmod", int64_t{1}}})), {3},
      {1.5f, -1.5f, 1});
  CHECK(run_error(op("Mod", {f32({1}, {1}), f32({1}, {2})})).code() == StatusCode::kInvalidModel);
  CHECK(run_error(op("Mod", {a, i64({}, {0})})).code() == StatusCode::kInvalidModel);
}

TEST_CASE("Variadic Sum, Mean, Min, Max", "[elementwise]") {
  const HostTensor a = f32({2, 2}, {1, 2, 3, 4});
  const HostTensor b = f32({2}, {10, 20});
  const HostTensor c = f32({}, {100});
  check_floats(run_ok(op("Sum", {a, b, c})), {2, 2}, {111, 122, 113, 124});
  check_floats(run_ok(op("Mean", {a, b, c})), {2, 2}, {37, 122.0f / 3, 113.0f / 3, 124.0f / 3});
  check_floats(run_ok(op("Min", {a, b, c})), {2, 2}, {1, 2, 3, 4});
  check_floats(run_ok(op("Max", {a, b, c})), {2, 2}, {100, 100, 100, 100});
  // One input: a copy.
  check_floats(run_ok(op("Sum", {a})), {2, 2}, {1, 2, 3, 4});
  check_floats(run_ok(op("Max", {a})), {2, 2}, {1, 2, 3, 4});
  check_floats(run_ok(op("Mean", {a})), {2, 2}, {1, 2, 3, 4});
  // NaN propagates like numpy.maximum / minimum.
  check_floats(run_ok(op("Max", {f32({2}, {kNaN, 1}), f32({2}, {1, kNaN})})), {2}, {kNaN, kNaN});
  check_floats(run_ok(op("Min", {f32({2}, {kNaN, 1}), f32({2}, {1, kNaN})})), {2}, {kNaN, kNaN});
  CHECK(run_error(op("Sum", {a, f32({3}, {1, 2, 3})})).code() == StatusCode::kInvalidModel);
}

TEST_CASE("Comparisons give bool", "[elementwise]") {
  const HostTensor a = f32({2, 2}, {1, 2, 3, 4});
  const HostTensor b = f32({2}, {2, 2});
  check_bools(run_ok(op("Equal", {a, b})), {2, 2}, {0, 1, 0, 0});
  check_bools(run_ok(op("Less", {a, b})), {2, 2}, {1, 0, 0, 0});
  check_bools(run_ok(op("Greater", {a, b})), {2, 2}, {0, 0, 1, 1});
  check_bools(run_ok(op("LessOrEqual", {a, b})), {2, 2}, {1, 1, 0, 0});
  check_bools(run_ok(op("GreaterOrEqual", {a, b})), {2, 2}, {0, 1, 1, 1});
  check_bools(run_ok(op("Equal", {i64({3}, {1, -5, 7}), i64({}, {-5})})), {3}, {0, 1, 0});
  check_bools(run_ok(op("Less", {i32({2}, {-1, 3}), i32({2}, {0, 3})})), {2}, {1, 0});
  check_bools(run_ok(op("Equal", {boolean({2}, {0, 1}), boolean({}, {1})})), {2}, {0, 1});
  // NaN compares false.
  check_bools(run_ok(op("Equal", {f32({1}, {kNaN}), f32({1}, {kNaN})})), {1}, {0});
}

TEST_CASE("Logic ops and Not", "[elementwise]") {
  const HostTensor a = boolean({2, 2}, {0, 0, 1, 1});
  const HostTensor b = boolean({2, 2}, {0, 1, 0, 1});
  check_bools(run_ok(op("And", {a, b})), {2, 2}, {0, 0, 0, 1});
  check_bools(run_ok(op("Or", {a, b})), {2, 2}, {0, 1, 1, 1});
  check_bools(run_ok(op("Xor", {a, b})), {2, 2}, {0, 1, 1, 0});
  check_bools(run_ok(op("And", {a, boolean({2, 1}, {1, 0})})), {2, 2}, {0, 0, 0, 0});
  check_bools(run_ok(op("Not", {a})), {2, 2}, {1, 1, 0, 0});
  CHECK(run_error(op("And", {f32({1}, {1}), f32({1}, {1})})).code() == StatusCode::kUnsupported);
}

TEST_CASE("Where broadcasts three ways and copies any type", "[elementwise]") {
  const HostTensor condition = boolean({2, 1}, {1, 0});
  const HostTensor x = f32({1, 3}, {1, 2, 3});
  const HostTensor y = f32({}, {-1});
  check_floats(run_ok(op("Where", {condition, x, y})), {2, 3}, {1, 2, 3, -1, -1, -1});
  const HostTensor w =
      run_ok(op("Where", {boolean({3}, {1, 0, 1}), i64({3}, {1, 2, 3}), i64({1}, {9})}));
  CHECK(w.values<int64_t>() == std::vector<int64_t>{1, 9, 3});
  CHECK(run_error(op("Where", {condition, x, i64({}, {1})})).code() == StatusCode::kInvalidModel);
  CHECK(run_error(op("Where", {boolean({2}, {1, 0}), x, y})).code() == StatusCode::kInvalidModel);
}

TEST_CASE("PRelu broadcasts the slope to the input", "[elementwise]") {
  const HostTensor x = f32({2, 3}, {-1, 2, -3, 4, -5, 6});
  check_floats(run_ok(op("PRelu", {x, f32({3}, {0.1f, 0.2f, 0.3f})})), {2, 3},
               {-0.1f, 2, -0.9f, 4, -1, 6});
  check_floats(run_ok(op("PRelu", {x, f32({1}, {0.5f})})), {2, 3}, {-0.5f, 2, -1.5f, 4, -2.5f, 6});
  // Unidirectional: the slope may not enlarge the input.
  CHECK(run_error(op("PRelu", {f32({3}, {1, 2, 3}), f32({2, 3}, {1, 2, 3, 4, 5, 6})})).code() ==
        StatusCode::kInvalidModel);
}

TEST_CASE("BitShift on unsigned integers", "[elementwise]") {
  const HostTensor x = HostTensor::of(DType::kUInt8, {3}, std::vector<uint8_t>{16, 4, 1});
  const HostTensor n = HostTensor::of(DType::kUInt8, {3}, std::vector<uint8_t>{1, 2, 9});
  CHECK(run_ok(op("BitShift", {x, n}, {{"direction", std::string("RIGHT")}})).values<uint8_t>() ==
        std::vector<uint8_t>{8, 1, 0});
  CHECK(run_ok(op("BitShift", {x, n}, {{"direction", std::string("LEFT")}})).values<uint8_t>() ==
        std::vector<uint8_t>{32, 16, 0});
}

TEST_CASE("Activations", "[elementwise]") {
  const std::vector<float> x = {-2, -0.5f, 0, 0.5f, 3};
  check_unary("Relu", x, {0, 0, 0, 0.5f, 3});
  check_unary("LeakyRelu", x, {-0.02f, -0.005f, 0, 0.5f, 3});
  check_unary("LeakyRelu", x, {-0.2f, -0.05f, 0, 0.5f, 3}, {{"alpha", 0.1f}});
  check_unary("Sigmoid", {-100, 0, 100, std::log(3.0f)}, {0, 0.5f, 1, 0.75f});
  check_unary("HardSigmoid", x, {0.1f, 0.4f, 0.5f, 0.6f, 1});
  check_unary("HardSigmoid", x, {0, 0.25f, 0.5f, 0.75f, 1}, {{"alpha", 0.5f}, {"beta", 0.5f}});
  check_unary("HardSwish", {-4, -1, 0, 1, 4}, {0, -1.0f / 3, 0, 2.0f / 3, 4});
  check_unary("Elu", {-1, 0, 2}, {std::exp(-1.0f) - 1, 0, 2});
  check_unary("Elu", {-1, 2}, {2 * (std::exp(-1.0f) - 1), 2}, {{"alpha", 2.0f}});
  const float selu_alpha = 1.67326319217681884765625f;
  const float selu_gamma = 1.05070102214813232421875f;
  check_unary("Selu", {-1, 0, 2},
              {selu_gamma * (selu_alpha * std::exp(-1.0f) - selu_alpha), 0, 2 * selu_gamma});
  check_unary("Celu", {-1, 0, 2}, {std::exp(-1.0f) - 1, 0, 2});
  check_unary("Celu", {-1, 2}, {2 * (std::exp(-0.5f) - 1), 2}, {{"alpha", 2.0f}});
  check_unary("Softplus", {-1, 0, 1, 100},
              {std::log1p(std::exp(-1.0f)), std::log(2.0f), std::log1p(std::exp(1.0f)), 100});
  check_unary("Softsign", {-3, 0, 1}, {-0.75f, 0, 0.5f});
  check_unary("ThresholdedRelu", {0.5f, 1, 1.5f}, {0, 0, 1.5f});
  check_unary("ThresholdedRelu", {0.5f, 1, 1.5f}, {0.5f, 1, 1.5f}, {{"alpha", 0.25f}});
  const float mish1 = std::tanh(std::log1p(std::exp(1.0f)));
  check_unary("Mish", {-1, 0, 1}, {-std::tanh(std::log1p(std::exp(-1.0f))), 0, mish1});
  // Relu on integers (opset 14).
  CHECK(run_ok(op("Relu", {i32({3}, {-3, 0, 5})})).values<int32_t>() ==
        std::vector<int32_t>{0, 0, 5});
}

TEST_CASE("Unary math", "[elementwise]") {
  check_unary("Sqrt", {0, 4, 2.25f, -1}, {0, 2, 1.5f, kNaN});
  check_unary("Exp", {0, 1, -kInf}, {1, std::exp(1.0f), 0});
  check_unary("Log", {1, std::exp(2.0f), 0}, {0, 2, -kInf});
  check_unary("Tanh", {0, 1}, {0, std::tanh(1.0f)});
  check_unary("Abs", {-2, 0, 3}, {2, 0, 3});
  check_unary("Neg", {-2, 0, 3}, {2, 0, -3});
  check_unary("Reciprocal", {2, -4, 0}, {0.5f, -0.25f, kInf});
  check_unary("Erf", {0, 1, -1}, {0, 0.8427007929f, -0.8427007929f});
  check_unary("Floor", {-1.5f, 1.5f, 2}, {-2, 1, 2});
  check_unary("Ceil", {-1.5f, 1.5f, 2}, {-1, 2, 2});
  check_unary("Round", {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f, 2.6f, -2.6f, kInf},
              {0, 2, 2, 0, -2, -2, 2, 3, -3, kInf});
  check_unary("Sign", {-3, 0, 2, kNaN}, {-1, 0, 1, kNaN});
  check_unary("Sin", {0, 1}, {0, std::sin(1.0f)});
  check_unary("Cos", {0, 1}, {1, std::cos(1.0f)});
  check_unary("Tan", {0, 1}, {0, std::tan(1.0f)});
  check_unary("Asin", {0, 1}, {0, std::asin(1.0f)});
  check_unary("Acos", {1, 0}, {0, std::acos(0.0f)});
  check_unary("Atan", {0, 1}, {0, std::atan(1.0f)});
  check_unary("Sinh", {0, 1}, {0, std::sinh(1.0f)});
  check_unary("Cosh", {0, 1}, {1, std::cosh(1.0f)});
  check_unary("Asinh", {0, 1}, {0, std::asinh(1.0f)});
  check_unary("Acosh", {1, 2}, {0, std::acosh(2.0f)});
  check_unary("Atanh", {0, 0.5f}, {0, std::atanh(0.5f)});
}

TEST_CASE("Abs, Neg, Sign on integers; float-only ops reject integers", "[elementwise]") {
  const HostTensor x = i64({3}, {-7, 0, 4});
  CHECK(run_ok(op("Abs", {x})).values<int64_t>() == std::vector<int64_t>{7, 0, 4});
  CHECK(run_ok(op("Neg", {x})).values<int64_t>() == std::vector<int64_t>{7, 0, -4});
  CHECK(run_ok(op("Sign", {x})).values<int64_t>() == std::vector<int64_t>{-1, 0, 1});
  const Status s = run_error(op("Sqrt", {i32({1}, {4})}));
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK_THAT(s.message(), Catch::Contains("int32"));
}

TEST_CASE("IsNaN and IsInf", "[elementwise]") {
  const HostTensor x = f32({4}, {1, kNaN, kInf, -kInf});
  check_bools(run_ok(op("IsNaN", {x})), {4}, {0, 1, 0, 0});
  check_bools(run_ok(op("IsInf", {x})), {4}, {0, 0, 1, 1});
  check_bools(run_ok(op("IsInf", {x}, {{"detect_negative", int64_t{0}}})), {4}, {0, 0, 1, 0});
  check_bools(run_ok(op("IsInf", {x}, {{"detect_positive", int64_t{0}}})), {4}, {0, 0, 0, 1});
}

TEST_CASE("Clip with attributes (opset < 11) and with inputs (opset >= 11)", "[elementwise]") {
  const HostTensor x = f32({5}, {-5, -1, 0, 1, 5});
  SECTION("opset 6 attributes") {
    check_floats(run_ok(op("Clip", {x}, {{"min", -2.0f}, {"max", 2.0f}}, 6)), {5},
                 {-2, -1, 0, 1, 2});
    check_floats(run_ok(op("Clip", {x}, {{"min", 0.0f}}, 6)), {5}, {0, 0, 0, 1, 5});
    check_floats(run_ok(op("Clip", {x}, {}, 6)), {5}, {-5, -1, 0, 1, 5});
  }
  SECTION("opset 11+ inputs, each optional") {
    check_floats(run_ok(op("Clip", {x, f32({}, {-2}), f32({}, {2})}, {}, 13)), {5},
                 {-2, -1, 0, 1, 2});
    check_floats(run_ok(op("Clip", {x, omitted(), f32({}, {0.5f})}, {}, 11)), {5},
                 {-5, -1, 0, 0.5f, 0.5f});
    check_floats(run_ok(op("Clip", {x, f32({}, {0})}, {}, 11)), {5}, {0, 0, 0, 1, 5});
    check_floats(run_ok(op("Clip", {x}, {}, 11)), {5}, {-5, -1, 0, 1, 5});
    // Attributes are ignored from opset 11.
    check_floats(run_ok(op("Clip", {x}, {{"min", 0.0f}}, 11)), {5}, {-5, -1, 0, 1, 5});
    // min > max: everything becomes max.
    check_floats(run_ok(op("Clip", {x, f32({}, {3}), f32({}, {1})}, {}, 13)), {5}, {1, 1, 1, 1, 1});
  }
  SECTION("integers (opset 12+)") {
    CHECK(run_ok(op("Clip", {i64({4}, {-9, 0, 3, 9}), i64({}, {-1}), i64({}, {4})}, {}, 12))
              .values<int64_t>() == std::vector<int64_t>{-1, 0, 3, 4});
  }
  SECTION("bad bounds") {
    CHECK(run_error(op("Clip", {x, f32({2}, {0, 1})}, {}, 13)).code() == StatusCode::kInvalidModel);
    CHECK(run_error(op("Clip", {x, i64({}, {0})}, {}, 13)).code() == StatusCode::kInvalidModel);
  }
}

TEST_CASE("float16 tensors are computed in float", "[elementwise]") {
  auto half = [](std::vector<float> values) {
    std::vector<uint16_t> bits;
    for (float v : values)
      bits.push_back(ir::float_to_half(v));
    return HostTensor::of(DType::kFloat16, {static_cast<int64_t>(bits.size())}, bits);
  };
  const HostTensor sum = run_ok(op("Add", {half({1, 2.5f, -4}), half({0.5f, 0.25f, 1})}));
  REQUIRE(sum.dtype == DType::kFloat16);
  std::vector<float> got;
  for (uint16_t b : sum.values<uint16_t>())
    got.push_back(ir::half_to_float(b));
  CHECK(got == std::vector<float>{1.5f, 2.75f, -3});
  const HostTensor relu = run_ok(op("Relu", {half({-1, 2})}));
  CHECK(relu.values<uint16_t>() == std::vector<uint16_t>{0, ir::float_to_half(2)});
}

TEST_CASE("Cast between element types", "[elementwise]") {
  auto cast = [](const HostTensor& x, int64_t to) {
    return run_ok(op("Cast", {x}, {{"to", to}}, 13));
  };
  SECTION("float32 -> float16 -> float32 round trip") {
    const std::vector<float> exact = {0, -1, 0.5f, 65504, -0.000061035156f, 1025};
    const HostTensor h = cast(f32({6}, exact), 10);
    REQUIRE(h.dtype == DType::kFloat16);
    check_floats(cast(h, 1), {6}, exact, 0);
    // Rounding to nearest even, overflow to inf, NaN stays NaN.
    const HostTensor r = cast(cast(f32({4}, {1.0f / 3, 70000, kNaN, 2049}), 10), 1);
    check_floats(r, {4}, {0.333251953125f, kInf, kNaN, 2048}, 0);
  }
  SECTION("float -> int truncates toward zero, saturates, NaN gives 0") {
    const HostTensor x = f32({6}, {2.9f, -2.9f, 1e20f, -1e20f, kNaN, 0.5f});
    CHECK(cast(x, 6).values<int32_t>() ==
          std::vector<int32_t>{2, -2, std::numeric_limits<int32_t>::max(),
                               std::numeric_limits<int32_t>::min(), 0, 0});
    CHECK(cast(x, 7).values<int64_t>() ==
          std::vector<int64_t>{2, -2, std::numeric_limits<int64_t>::max(),
                               std::numeric_limits<int64_t>::min(), 0, 0});
    CHECK(cast(x, 2).values<uint8_t>() == std::vector<uint8_t>{2, 0, 255, 0, 0, 0});
  }
  SECTION("bool") {
    check_bools(cast(f32({4}, {0, -0.0f, 0.1f, kNaN}), 9), {4}, {0, 0, 1, 1});
    check_floats(cast(boolean({2}, {1, 0}), 1), {2}, {1, 0});
    CHECK(cast(boolean({2}, {1, 0}), 7).values<int64_t>() == std::vector<int64_t>{1, 0});
  }
  SECTION("integers wrap") {
    CHECK(cast(i64({3}, {300, -1, 127}), 3).values<int8_t>() == std::vector<int8_t>{44, -1, 127});
    CHECK(cast(i32({1}, {-1}), 12).values<uint32_t>() == std::vector<uint32_t>{4294967295u});
    const HostTensor d = cast(i64({2}, {-3, 1LL << 40}), 11);
    CHECK(d.values<double>() == std::vector<double>{-3, 1099511627776.0});
  }
  SECTION("CastLike takes the type of its second input") {
    const HostTensor y = run_ok(op("CastLike", {f32({2}, {1.5f, -2.5f}), i64({0}, {})}, {}, 15));
    CHECK(y.dtype == DType::kInt64);
    CHECK(y.values<int64_t>() == std::vector<int64_t>{1, -2});
  }
  SECTION("unsupported targets are errors") {
    CHECK(run_error(op("Cast", {f32({1}, {1})}, {{"to", int64_t{8}}})).code() ==
          StatusCode::kUnsupported);
    CHECK(run_error(op("Cast", {f32({1}, {1})}, {{"to", int64_t{16}}})).code() ==
          StatusCode::kUnsupported);
  }
}

TEST_CASE("Identity copies any tensor", "[elementwise]") {
  const HostTensor y = run_ok(op("Identity", {i64({2, 1}, {5, -6})}));
  CHECK(y.shape == Shape{2, 1});
  CHECK(y.values<int64_t>() == std::vector<int64_t>{5, -6});
  check_bools(run_ok(op("Identity", {boolean({}, {1})})), {}, {1});
}
