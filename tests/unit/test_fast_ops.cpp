// The fast CPU kernels (engine/cpu/fast) against the reference kernels: random tensors with odd
// sizes, every broadcasting pattern and attribute combination the fast kernels claim. Each case
// also checks that the fast kernel did the work itself (no fallback to the reference), and the
// declined cases that it did fall back.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "cpu/fast/common.h"
#include "cpu/kernel.h"
#include "run_node.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;
using Ints = std::vector<int64_t>;
using Floats = std::vector<float>;

// Runs one node with the kernel a registry has for it, outside any session.
class TestContext final : public cpu::KernelContext {
 public:
  TestContext(const ir::Node& node, std::vector<TensorView> inputs)
      : node_(node), inputs_(std::move(inputs)), outputs_(node.outputs.size()) {}
  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }
  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    HostTensor& t = outputs_.at(i);
    t.dtype = dtype;
    t.shape = shape;
    t.bytes.assign(static_cast<size_t>(shape_elements(shape)) * dtype_size(dtype), 0);
    return TensorView{dtype, shape, t.bytes.data()};
  }
  std::vector<HostTensor>& outputs() { return outputs_; }

 private:
  const ir::Node& node_;
  std::vector<TensorView> inputs_;
  std::vector<HostTensor> outputs_;
};

Result<std::vector<HostTensor>> run_with(const cpu::KernelRegistry& registry,
                                         const NodeSpec& spec) {
  ir::Node node;
  node.name = "fast_" + spec.op_type;
  node.op_type = spec.op_type;
  node.opset = spec.opset;
  node.attributes = spec.attributes;
  std::vector<TensorView> inputs;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const HostTensor& t = spec.inputs[i];
    node.inputs.push_back(t.dtype == DType::kUndefined ? ir::kNoValue
                                                       : static_cast<ir::ValueId>(i));
    inputs.push_back(TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())});
  }
  for (size_t i = 0; i < spec.output_count; ++i)
    node.outputs.push_back(static_cast<ir::ValueId>(spec.inputs.size() + i));
  cpu::KernelFn kernel = registry.find(spec.op_type);
  if (!kernel) return error(StatusCode::kUnsupported, "no kernel for " + spec.op_type);
  TestContext ctx(node, inputs);
  EI_RETURN_IF_ERROR(kernel(ctx));
  return std::move(ctx.outputs());
}

std::mt19937& rng() {
  static std::mt19937 engine(1234);
  return engine;
}

HostTensor random_f32(Shape shape, float lo = -3.0f, float hi = 3.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(shape_elements(shape)));
  for (float& x : v)
    x = dist(rng());
  return HostTensor::f32(std::move(shape), v);
}

// Values away from zero (divisors): magnitude in [0.5, 2], random sign.
HostTensor nonzero_f32(Shape shape) {
  HostTensor t = random_f32(std::move(shape), 0.5f, 2.0f);
  std::vector<float> v = t.values<float>();
  std::bernoulli_distribution negative(0.5);
  for (float& x : v)
    x = negative(rng()) ? -x : x;
  return HostTensor::f32(t.shape, v);
}

std::string describe(const NodeSpec& spec) {
  std::ostringstream s;
  s << spec.op_type << " opset " << spec.opset << " inputs";
  for (const HostTensor& t : spec.inputs)
    s << " " << shape_to_string(t.shape);
  for (const auto& [name, value] : spec.attributes) {
    s << " " << name << "=";
    if (const auto* i = std::get_if<int64_t>(&value)) s << *i;
    if (const auto* f = std::get_if<float>(&value)) s << *f;
    if (const auto* str = std::get_if<std::string>(&value)) s << *str;
    if (const auto* ints = std::get_if<Ints>(&value)) s << shape_to_string(*ints);
    if (const auto* floats = std::get_if<Floats>(&value)) s << floats->size() << " floats";
  }
  return s.str();
}

bool close(float got, float want, float tolerance) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= tolerance * (1.0f + std::fabs(want));
}

// Runs `spec` through the fast and the reference registry: both must succeed with the same
// dtypes, shapes and values (floats within `tolerance`, relative and absolute; others exactly),
// and the fast kernel must not have fallen back to the reference.
void check_fast(const NodeSpec& spec, float tolerance = 1e-5f) {
  INFO(describe(spec));
  auto want = run_with(cpu::reference_kernels(), spec);
  INFO("reference: " << want.status().to_string());
  REQUIRE(want.is_ok());
  const int64_t fallbacks = cpu::fast::reference_fallback_count();
  auto got = run_with(cpu::fast_kernels(), spec);
  INFO("fast: " << got.status().to_string());
  REQUIRE(got.is_ok());
  CHECK(cpu::fast::reference_fallback_count() == fallbacks);
  REQUIRE(got->size() == want->size());
  for (size_t o = 0; o < want->size(); ++o) {
    const HostTensor& g = (*got)[o];
    const HostTensor& w = (*want)[o];
    REQUIRE(g.dtype == w.dtype);
    REQUIRE(g.shape == w.shape);
    if (w.dtype != DType::kFloat32) {
      CHECK(g.bytes == w.bytes);
      continue;
    }
    const std::vector<float> gv = g.values<float>();
    const std::vector<float> wv = w.values<float>();
    int64_t bad = 0;
    for (size_t i = 0; i < wv.size(); ++i) {
      if (close(gv[i], wv[i], tolerance)) continue;
      if (bad++ < 5) {
        UNSCOPED_INFO("output " << o << " element " << i << ": fast " << gv[i] << ", reference "
                                << wv[i]);
      }
    }
    CHECK(bad == 0);
  }
}

// A case the fast kernel declines: it must hand it to the reference kernel, whose result or
// error it returns unchanged.
void check_declines(const NodeSpec& spec) {
  INFO(describe(spec));
  auto want = run_with(cpu::reference_kernels(), spec);
  const int64_t fallbacks = cpu::fast::reference_fallback_count();
  auto got = run_with(cpu::fast_kernels(), spec);
  CHECK(cpu::fast::reference_fallback_count() == fallbacks + 1);
  REQUIRE(got.is_ok() == want.is_ok());
  if (!want.is_ok()) {
    CHECK(got.status().to_string() == want.status().to_string());
    return;
  }
  REQUIRE(got->size() == want->size());
  for (size_t o = 0; o < want->size(); ++o) {
    CHECK((*got)[o].shape == (*want)[o].shape);
    CHECK((*got)[o].bytes == (*want)[o].bytes);
  }
}

NodeSpec node(std::string op, std::vector<HostTensor> inputs, Attrs attrs = {}, int opset = 18) {
  NodeSpec spec;
  spec.op_type = std::move(op);
  spec.inputs = std::move(inputs);
  spec.attributes = std::move(attrs);
  spec.opset = opset;
  return spec;
}

}  // namespace

// --- binary elementwise ------------------------------------------------------------------

TEST_CASE("fast binary ops match the reference on every broadcasting pattern", "[fast]") {
  const std::vector<std::pair<Shape, Shape>> patterns = {
      {{2, 3, 5, 7}, {2, 3, 5, 7}},    // same shape
      {{2, 3, 5, 7}, {}},              // scalar b
      {{1}, {2, 3, 5, 7}},             // scalar a
      {{1, 13, 5, 7}, {1, 13, 1, 1}},  // per channel, NCHW
      {{13, 1, 1}, {2, 13, 5, 7}},     // per channel as a, lower rank
      {{1, 5, 7, 13}, {13}},           // per last dim, NHWC
      {{3, 1, 5}, {1, 4, 1}},          // both stretched
      {{2, 1, 7, 1}, {3, 1, 9}},       // alternating
      {{2, 3, 1, 7}, {2, 1, 5, 7}},    // middle dims
      {{1, 1}, {1}},                   // one element
      {{0, 3}, {3}},                   // empty
      {{4, 1}, {1, 1000}},             // long inner run
      // Short runs repeated along the next dim: per channel in the blocked layout (NCHW16c,
      // large enough to split over threads mid-run), and the stretched input first.
      {{1, 3, 33, 31, 16}, {1, 3, 1, 1, 16}},
      {{1, 2, 1, 1, 8}, {1, 2, 6, 7, 8}},
      {{2, 5, 9, 8}, {2, 5, 1, 8}},
  };
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min"}) {
    for (const auto& [a, b] : patterns) {
      check_fast(node(op, {random_f32(a), nonzero_f32(b)}));
      check_fast(node(op, {nonzero_f32(b), nonzero_f32(a)}, {}, 13));
    }
  }
}

TEST_CASE("fast Max and Min propagate NaN like the reference", "[fast]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const HostTensor a = HostTensor::f32({6}, {nan, 1.0f, nan, -inf, 2.0f, 0.0f});
  const HostTensor b = HostTensor::f32({6}, {1.0f, nan, nan, 3.0f, inf, -0.0f});
  for (const char* op : {"Max", "Min"})
    check_fast(node(op, {a, b}));
}

TEST_CASE("fast PRelu broadcasts the slope per channel, per last dim and as a scalar", "[fast]") {
  const Shape x = {2, 13, 5, 7};
  for (const Shape& slope : {Shape{13, 1, 1}, Shape{1, 13, 1, 1}, Shape{7}, Shape{1}, x})
    check_fast(node("PRelu", {random_f32(x), random_f32(slope)}));
  check_fast(node("PRelu", {random_f32({1, 9, 11, 16}), random_f32({16})}, {}, 9));
}

TEST_CASE("fast binary ops decline other types, variadic forms and bad shapes", "[fast]") {
  check_declines(node("Add", {HostTensor::i64({3}, {1, 2, 3}), HostTensor::i64({1}, {4})}));
  check_declines(node("Max", {random_f32({3}), random_f32({3}), random_f32({3})}));
  check_declines(node("Mul", {random_f32({2, 3}), random_f32({4})}));
  check_declines(node("PRelu", {random_f32({3}), random_f32({2, 3})}));
}

// --- unary ops and BatchNormalization ----------------------------------------------------

TEST_CASE("fast activations match the reference", "[fast]") {
  const Shape shape = {3, 7, 11, 13};
  const std::vector<std::pair<std::string, Attrs>> ops = {
      {"Relu", {}},      {"LeakyRelu", {}},   {"LeakyRelu", {{"alpha", 0.3f}}},
      {"Sigmoid", {}},   {"HardSigmoid", {}}, {"HardSigmoid", {{"alpha", 0.25f}, {"beta", 0.4f}}},
      {"HardSwish", {}}, {"Tanh", {}},
  };
  for (const auto& [op, attrs] : ops) {
    check_fast(node(op, {random_f32(shape, -12.0f, 12.0f)}, attrs));
    check_fast(node(op, {random_f32({5}, -0.7f, 0.7f)}, attrs));
  }
  // Around tanh's switch between its two forms, and far out where exp saturates.
  const HostTensor special = HostTensor::f32(
      {12}, {0.0f, -0.0f, 0.624f, 0.626f, -0.624f, -0.626f, 1e-6f, -1e-6f, 90.0f, -90.0f,
             std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()});
  for (const char* op : {"Sigmoid", "Tanh", "Relu", "HardSwish"})
    check_fast(node(op, {special}));
}

TEST_CASE("fast Exp matches the reference over the float range", "[fast]") {
  check_fast(node("Exp", {random_f32({1001}, -87.0f, 88.0f)}));
  check_fast(node("Exp", {random_f32({3, 5, 7}, -1.0f, 1.0f)}));
  check_fast(node("Exp", {HostTensor::f32({4}, {0.0f, 89.0f, 100.0f,
                                                std::numeric_limits<float>::quiet_NaN()})}));
}

TEST_CASE("fast Clip reads bounds from attributes before opset 11 and inputs after", "[fast]") {
  const Shape shape = {2, 9, 17};
  check_fast(node("Clip", {random_f32(shape)}, {{"min", -1.0f}, {"max", 0.5f}}, 6));
  check_fast(node("Clip", {random_f32(shape)}, {}, 6));
  const HostTensor lo = HostTensor::f32({}, {-0.5f});
  const HostTensor hi = HostTensor::f32({}, {6.0f});
  check_fast(node("Clip", {random_f32(shape, -9.0f, 9.0f), lo, hi}, {}, 13));
  check_fast(node("Clip", {random_f32(shape), lo}, {}, 13));
  check_fast(node("Clip", {random_f32(shape), omitted(), hi}, {}, 13));
  check_fast(node("Clip", {random_f32(shape)}, {}, 13));
  check_declines(node("Clip", {random_f32(shape), HostTensor::f32({2}, {0.0f, 1.0f})}, {}, 13));
}

TEST_CASE("fast unary ops decline other types", "[fast]") {
  check_declines(node("Relu", {HostTensor::i64({3}, {-1, 0, 2})}));
  check_declines(node("Sigmoid", {HostTensor::of<double>(DType::kFloat64, {2}, {0.5, -1.0})}));
}

TEST_CASE("fast BatchNormalization matches the reference", "[fast]") {
  for (const Shape& x : {Shape{2, 5, 7, 3}, Shape{1, 6}, Shape{3, 4, 11}}) {
    const Shape c = {x[1]};
    for (float epsilon : {1e-5f, 1e-3f}) {
      check_fast(node(
          "BatchNormalization",
          {random_f32(x), random_f32(c), random_f32(c), random_f32(c), random_f32(c, 0.1f, 2.0f)},
          {{"epsilon", epsilon}}, 15));
    }
  }
  // Declined: per-element parameters (legacy spatial=0) and the training mode.
  const Shape x = {2, 3, 4};
  const Shape per = {3, 4};
  check_declines(node("BatchNormalization",
                      {random_f32(x), random_f32(per), random_f32(per), random_f32(per),
                       random_f32(per, 0.1f, 2.0f)},
                      {{"spatial", int64_t{0}}}, 7));
  const Shape c = {3};
  check_declines(
      node("BatchNormalization",
           {random_f32(x), random_f32(c), random_f32(c), random_f32(c), random_f32(c, 0.1f, 2.0f)},
           {{"training_mode", int64_t{1}}}, 15));
}

// --- pooling -----------------------------------------------------------------------------

TEST_CASE("fast AveragePool and MaxPool match the reference on every window geometry", "[fast]") {
  const HostTensor x = random_f32({2, 3, 11, 13});
  const std::vector<Ints> kernels = {{3, 3}, {2, 2}, {1, 5}, {4, 3}};
  const std::vector<Ints> strides = {{1, 1}, {2, 2}, {2, 3}};
  const std::vector<Ints> pads = {{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 2, 1, 0}};
  for (const char* op : {"AveragePool", "MaxPool"}) {
    for (const Ints& k : kernels) {
      for (const Ints& s : strides) {
        for (const Ints& p : pads) {
          for (int64_t ceil_mode : {0, 1}) {
            for (int64_t include_pad : {0, 1}) {
              Attrs attrs = {
                  {"kernel_shape", k}, {"strides", s}, {"pads", p}, {"ceil_mode", ceil_mode}};
              if (std::string(op) == "AveragePool") attrs["count_include_pad"] = include_pad;
              check_fast(node(op, {x}, attrs));
            }
          }
        }
        for (const char* auto_pad : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
          check_fast(node(op, {x},
                          {{"kernel_shape", k},
                           {"strides", s},
                           {"auto_pad", std::string(auto_pad)},
                           {"count_include_pad", int64_t{1}}}));
        }
      }
    }
  }
  // A window as large as the padded input, and a plane of one row.
  check_fast(node("AveragePool", {random_f32({1, 2, 3, 4})},
                  {{"kernel_shape", Ints{5, 6}}, {"pads", Ints{1, 1, 1, 1}}}));
  check_fast(node("MaxPool", {random_f32({1, 5, 1, 17})},
                  {{"kernel_shape", Ints{1, 3}}, {"strides", Ints{1, 2}}}));
}

TEST_CASE("fast pooling declines dilations, Indices, other ranks and types", "[fast]") {
  const HostTensor x = random_f32({1, 2, 9, 9});
  check_declines(node("MaxPool", {x}, {{"kernel_shape", Ints{3, 3}}, {"dilations", Ints{2, 2}}}));
  NodeSpec with_indices = node("MaxPool", {x}, {{"kernel_shape", Ints{3, 3}}});
  with_indices.output_count = 2;
  check_declines(with_indices);
  check_declines(node("AveragePool", {random_f32({1, 2, 9})}, {{"kernel_shape", Ints{3}}}));
  check_declines(node("MaxPool",
                      {HostTensor::of<uint8_t>(DType::kUInt8, {1, 1, 2, 2}, {1, 2, 3, 4})},
                      {{"kernel_shape", Ints{2, 2}}}));
  check_declines(node("MaxPool", {random_f32({1, 1, 2, 2})}, {{"kernel_shape", Ints{5, 5}}}));
}

TEST_CASE("fast GlobalAveragePool matches the reference", "[fast]") {
  for (const Shape& x :
       {Shape{2, 3, 9, 11}, Shape{1, 5, 7}, Shape{1, 4, 64, 64}, Shape{2, 2, 1, 1}})
    check_fast(node("GlobalAveragePool", {random_f32(x)}));
}

// --- softmax -----------------------------------------------------------------------------

TEST_CASE("fast Softmax and LogSoftmax match the reference on every axis", "[fast]") {
  const Shape shape = {2, 5, 7, 9};
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    for (int64_t axis : {-1, 0, 1, 2, 3, -3}) {
      check_fast(node(op, {random_f32(shape, -20.0f, 20.0f)}, {{"axis", axis}}, 13));
    }
    check_fast(node(op, {random_f32(shape)}, {}, 13));  // default: last axis
    // Before opset 13: flattened to 2-D at the axis (default 1).
    check_fast(node(op, {random_f32(shape)}, {}, 11));
    check_fast(node(op, {random_f32(shape)}, {{"axis", int64_t{2}}}, 11));
    check_fast(node(op, {random_f32({3, 1000}, -50.0f, 50.0f)}, {}, 13));
    check_fast(node(op, {random_f32({1, 2, 33, 17})}, {{"axis", int64_t{1}}}, 13));
    // Short last-axis rows (two classes per pixel), in whole and partial blocks.
    for (int64_t length : {1, 2, 3, 15})
      check_fast(node(op, {random_f32({1, 13, 11, length}, -30.0f, 30.0f)}, {}, 13));
  }
  check_declines(node("Softmax", {random_f32({2, 3})}, {{"axis", int64_t{2}}}, 13));
  check_declines(
      node("Softmax", {HostTensor::of<double>(DType::kFloat64, {2}, {0.5, -1.0})}, {}, 13));
}

// --- transpose ---------------------------------------------------------------------------

TEST_CASE("fast Transpose matches the reference on every 4-D permutation", "[fast]") {
  const HostTensor x = random_f32({2, 3, 5, 7});
  Ints perm = {0, 1, 2, 3};
  do {
    check_fast(node("Transpose", {x}, {{"perm", perm}}));
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST_CASE("fast Transpose handles layouts, unit dims, other ranks and element sizes", "[fast]") {
  // NHWC <-> NCHW with sizes that are not multiples of the tile.
  check_fast(node("Transpose", {random_f32({1, 17, 19, 20})}, {{"perm", Ints{0, 3, 1, 2}}}));
  check_fast(node("Transpose", {random_f32({2, 20, 17, 19})}, {{"perm", Ints{0, 2, 3, 1}}}));
  // A few channels (the models' RGB input and two-class output): the interleave paths.
  for (int64_t c : {2, 3, 4, 5}) {
    check_fast(node("Transpose", {random_f32({2, 9, 13, c})}, {{"perm", Ints{0, 3, 1, 2}}}));
    check_fast(node("Transpose", {random_f32({2, c, 9, 13})}, {{"perm", Ints{0, 2, 3, 1}}}));
  }
  check_fast(node("Transpose", {random_f32({33, 47})}, {}));  // default: reversed axes
  check_fast(node("Transpose", {random_f32({1, 4, 1, 6})}, {{"perm", Ints{2, 3, 0, 1}}}));
  check_fast(node("Transpose", {random_f32({3, 1, 1})}, {{"perm", Ints{2, 1, 0}}}));
  check_fast(node("Transpose", {random_f32({2, 3, 4, 5, 6})}, {{"perm", Ints{4, 2, 0, 3, 1}}}));
  check_fast(node("Transpose", {random_f32({7})}, {}));
  check_fast(node("Transpose", {HostTensor::f32({}, {2.5f})}, {}));
  std::vector<int64_t> ints(3 * 5 * 7);
  for (size_t i = 0; i < ints.size(); ++i)
    ints[i] = static_cast<int64_t>(i * 7919);
  check_fast(node("Transpose", {HostTensor::i64({3, 5, 7}, ints)}, {{"perm", Ints{2, 0, 1}}}));
  std::vector<uint8_t> bytes(4 * 9 * 6);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<uint8_t>(i * 31);
  check_fast(node("Transpose", {HostTensor::of<uint8_t>(DType::kUInt8, {4, 9, 6}, bytes)},
                  {{"perm", Ints{1, 2, 0}}}));
  check_declines(node("Transpose", {random_f32({2, 3})}, {{"perm", Ints{0, 0}}}));
}

// --- resize ------------------------------------------------------------------------------

TEST_CASE("fast Resize matches the reference for nearest and linear on every transform", "[fast]") {
  const HostTensor x = random_f32({2, 3, 7, 9});
  const HostTensor no_roi = omitted();
  const std::vector<Floats> scales = {
      {1, 1, 2, 2}, {1, 1, 0.5f, 0.5f}, {1, 1, 1.7f, 0.6f}, {1, 1, 3, 1}};
  const std::vector<std::string> transforms = {"half_pixel",           "pytorch_half_pixel",
                                               "align_corners",        "asymmetric",
                                               "half_pixel_symmetric", "tf_half_pixel_for_nearest"};
  for (const std::string& t : transforms) {
    // This transform moves the unscaled N and C axes by half a pixel: linear blends planes and
    // nearest rounding up picks the next plane, so the fast kernel declines those.
    const bool leading_axes_shift = t == "tf_half_pixel_for_nearest";
    for (const Floats& s : scales) {
      const HostTensor scales_input = HostTensor::f32({4}, s);
      if (!leading_axes_shift) {
        check_fast(node("Resize", {x, no_roi, scales_input},
                        {{"mode", std::string("linear")}, {"coordinate_transformation_mode", t}}));
      }
      for (const char* nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
        const bool rounds_up =
            std::string(nearest) == "ceil" || std::string(nearest) == "round_prefer_ceil";
        if (leading_axes_shift && rounds_up) continue;
        check_fast(node("Resize", {x, no_roi, scales_input},
                        {{"mode", std::string("nearest")},
                         {"coordinate_transformation_mode", t},
                         {"nearest_mode", std::string(nearest)}}));
      }
    }
    // Sizes instead of scales, including an output of one pixel.
    for (const Ints& sizes : {Ints{2, 3, 16, 5}, Ints{2, 3, 1, 1}}) {
      for (const char* mode : {"nearest", "linear"}) {
        if (leading_axes_shift && std::string(mode) == "linear") continue;
        check_fast(node("Resize", {x, no_roi, omitted(), HostTensor::i64({4}, sizes)},
                        {{"mode", std::string(mode)}, {"coordinate_transformation_mode", t}}, 13));
      }
    }
  }
}

TEST_CASE("fast linear Resize doubling a row matches the reference", "[fast]") {
  // Widths of 8 and more take the gather-free 2x path when the table allows it; every
  // transform either takes it or falls back, and both must match the reference.
  const HostTensor no_roi = omitted();
  for (const int64_t w : {8, 9, 20, 33}) {
    const HostTensor x = random_f32({1, 3, 5, w});
    for (const char* t : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                          "half_pixel_symmetric"}) {
      check_fast(node("Resize", {x, no_roi, HostTensor::f32({4}, {1, 1, 2, 2})},
                      {{"mode", std::string("linear")}, {"coordinate_transformation_mode", t}}));
    }
  }
}

TEST_CASE("fast Resize-10 and Upsample use asymmetric coordinates", "[fast]") {
  const HostTensor x = random_f32({1, 4, 5, 6});
  for (const char* mode : {"nearest", "linear"}) {
    for (const Floats& s : {Floats{1, 1, 2, 2}, Floats{1, 1, 0.5f, 1.5f}}) {
      check_fast(node("Resize", {x, HostTensor::f32({4}, s)}, {{"mode", std::string(mode)}}, 10));
      check_fast(node("Upsample", {x, HostTensor::f32({4}, s)}, {{"mode", std::string(mode)}}, 9));
      check_fast(node("Upsample", {x}, {{"mode", std::string(mode)}, {"scales", s}}, 7));
    }
  }
}

TEST_CASE("fast Resize declines cubic, resized leading axes and other modes", "[fast]") {
  const HostTensor x = random_f32({1, 2, 5, 6});
  const HostTensor up = HostTensor::f32({4}, {1, 1, 2, 2});
  check_declines(node("Resize", {x, omitted(), up}, {{"mode", std::string("cubic")}}));
  check_declines(node("Resize", {x, omitted(), HostTensor::f32({4}, {1, 2, 2, 2})},
                      {{"mode", std::string("linear")}}));
  check_declines(node("Resize", {x, omitted(), up},
                      {{"mode", std::string("linear")}, {"antialias", int64_t{1}}}));
  check_declines(node("Resize", {x, omitted(), up},
                      {{"mode", std::string("linear")}, {"exclude_outside", int64_t{1}}}));
  check_declines(node("Resize", {x, HostTensor::f32({8}, {0, 0, 0.1f, 0.1f, 1, 1, 0.9f, 0.9f}), up},
                      {{"coordinate_transformation_mode", std::string("tf_crop_and_resize")}}));
  check_declines(node("Resize", {x, omitted(), HostTensor::f32({3}, {1, 2, 2})}, {}));
  // tf_half_pixel_for_nearest moves even the unscaled leading axes by half a pixel.
  check_declines(
      node("Resize", {x, omitted(), up},
           {{"mode", std::string("linear")},
            {"coordinate_transformation_mode", std::string("tf_half_pixel_for_nearest")}}));
}
