// Reference kernels of the tensor-manipulation family, on hand-computed cases.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "ir/constant.h"
#include "run_node.h"

using namespace edgeinfer;
using edgeinfer::testing::HostTensor;
using edgeinfer::testing::NodeSpec;
using edgeinfer::testing::run_node;
using Attrs = std::map<std::string, ir::Attribute>;

namespace {

HostTensor f32(Shape shape, const std::vector<float>& v) {
  return HostTensor::f32(shape, v);
}
HostTensor i64(Shape shape, const std::vector<int64_t>& v) {
  return HostTensor::i64(shape, v);
}
HostTensor i32(Shape shape, const std::vector<int32_t>& v) {
  return HostTensor::of(DType::kInt32, std::move(shape), v);
}
HostTensor absent() {
  return HostTensor{DType::kUndefined, {}, {}};
}
HostTensor iota(Shape shape) {
  std::vector<float> v(static_cast<size_t>(shape_elements(shape)));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i);
  return f32(std::move(shape), v);
}

NodeSpec node(std::string op, std::vector<HostTensor> inputs, Attrs attrs = {}, int opset = 18,
              size_t outputs = 1) {
  NodeSpec spec;
  spec.op_type = std::move(op);
  spec.inputs = std::move(inputs);
  spec.attributes = std::move(attrs);
  spec.opset = opset;
  spec.output_count = outputs;
  return spec;
}

std::vector<HostTensor> run(const NodeSpec& spec) {
  auto result = run_node(spec);
  INFO(spec.op_type << " opset " << spec.opset << ": " << result.status().to_string());
  REQUIRE(result.is_ok());
  return *result;
}

HostTensor run1(const NodeSpec& spec) {
  return run(spec).at(0);
}

Status run_error(const NodeSpec& spec) {
  auto result = run_node(spec);
  REQUIRE_FALSE(result.is_ok());
  return result.status();
}

bool mentions(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

void check_f32(const HostTensor& t, const Shape& shape, const std::vector<float>& expected) {
  REQUIRE(t.dtype == DType::kFloat32);
  REQUIRE(t.shape == shape);
  const std::vector<float> got = t.values<float>();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(1e-5));
  }
}

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

}  // namespace

// --- shape ops ---------------------------------------------------------------------------

TEST_CASE("Reshape copies 0 dims, infers -1 and honours allowzero", "[tensor]") {
  check_f32(run1(node("Reshape", {iota({2, 3}), i64({2}, {3, -1})})), {3, 2}, {0, 1, 2, 3, 4, 5});
  check_f32(run1(node("Reshape", {iota({2, 3, 4}), i64({2}, {0, -1})})), {2, 12},
            iota({24}).values<float>());
  // allowzero=1 keeps a literal 0 dim (needs an empty input).
  auto out =
      run1(node("Reshape", {f32({0, 3}, {}), i64({2}, {3, 0})}, {{"allowzero", int64_t{1}}}));
  CHECK(out.shape == Shape{3, 0});
  // Without allowzero the 0 copies the input dim.
  out = run1(node("Reshape", {f32({0, 3}, {}), i64({2}, {0, 3})}));
  CHECK(out.shape == Shape{0, 3});
  Status s = run_error(node("Reshape", {iota({2, 3}), i64({2}, {4, 2})}));
  CHECK(mentions(s, "[2,3]"));
  CHECK(mentions(s, "[4,2]"));
  CHECK_FALSE(run_node(node("Reshape", {iota({2, 3}), i64({2}, {-1, -1})})).is_ok());
  CHECK_FALSE(run_node(node("Reshape", {iota({2, 3}), i64({2}, {kMax, kMax})})).is_ok());
}

TEST_CASE("Flatten splits the shape at axis", "[tensor]") {
  CHECK(run1(node("Flatten", {iota({2, 3, 4})})).shape == Shape{2, 12});
  CHECK(run1(node("Flatten", {iota({2, 3, 4})}, {{"axis", int64_t{0}}})).shape == Shape{1, 24});
  CHECK(run1(node("Flatten", {iota({2, 3, 4})}, {{"axis", int64_t{-1}}})).shape == Shape{6, 4});
  CHECK(run1(node("Flatten", {iota({2, 3, 4})}, {{"axis", int64_t{3}}})).shape == Shape{24, 1});
  CHECK_FALSE(run_node(node("Flatten", {iota({2, 3})}, {{"axis", int64_t{3}}})).is_ok());
}

TEST_CASE("Squeeze and Unsqueeze take axes as attribute before 13, as input from 13", "[tensor]") {
  CHECK(run1(node("Squeeze", {iota({1, 3, 1, 2})}, {}, 11)).shape == Shape{3, 2});
  CHECK(
      run1(node("Squeeze", {iota({1, 3, 1, 2})}, {{"axes", std::vector<int64_t>{-2}}}, 11)).shape ==
      Shape{1, 3, 2});
  CHECK(run1(node("Squeeze", {iota({1, 3, 1, 2}), i64({1}, {0})}, {}, 13)).shape == Shape{3, 1, 2});
  CHECK(run1(node("Squeeze", {iota({1, 3, 1, 2})}, {}, 13)).shape == Shape{3, 2});
  Status s = run_error(node("Squeeze", {iota({1, 3}), i64({1}, {1})}, {}, 13));
  CHECK(mentions(s, "[1,3]"));

  auto u = run1(node("Unsqueeze", {iota({2, 3})}, {{"axes", std::vector<int64_t>{0, 3}}}, 11));
  check_f32(u, {1, 2, 3, 1}, iota({6}).values<float>());
  CHECK(run1(node("Unsqueeze", {iota({2, 3}), i64({2}, {-1, 1})}, {}, 13)).shape ==
        Shape{2, 1, 3, 1});
  CHECK(run1(node("Unsqueeze", {f32({}, {5}), i64({1}, {0})}, {}, 13)).shape == Shape{1});
  CHECK_FALSE(run_node(node("Unsqueeze", {iota({2}), i64({2}, {0, 0})}, {}, 13)).is_ok());
  CHECK_FALSE(run_node(node("Unsqueeze", {iota({2}), i64({1}, {3})}, {}, 13)).is_ok());
}

TEST_CASE("Shape honours start and end from opset 15; Size counts elements", "[tensor]") {
  auto s = run1(node("Shape", {iota({2, 3, 4, 5})}));
  CHECK(s.dtype == DType::kInt64);
  CHECK(s.values<int64_t>() == std::vector<int64_t>{2, 3, 4, 5});
  s = run1(node("Shape", {iota({2, 3, 4, 5})}, {{"start", int64_t{1}}, {"end", int64_t{-1}}}, 15));
  CHECK(s.values<int64_t>() == std::vector<int64_t>{3, 4});
  s = run1(
      node("Shape", {iota({2, 3, 4, 5})}, {{"start", int64_t{-10}}, {"end", int64_t{10}}}, 15));
  CHECK(s.values<int64_t>() == std::vector<int64_t>{2, 3, 4, 5});
  s = run1(node("Shape", {iota({2, 3, 4, 5})}, {{"start", int64_t{3}}, {"end", int64_t{1}}}, 15));
  CHECK(s.shape == Shape{0});
  // Before 15 the attributes do not exist.
  s = run1(node("Shape", {iota({2, 3})}, {{"start", int64_t{1}}}, 13));
  CHECK(s.values<int64_t>() == std::vector<int64_t>{2, 3});
  auto n = run1(node("Size", {iota({2, 3, 4})}));
  CHECK(n.shape == Shape{});
  CHECK(n.values<int64_t>() == std::vector<int64_t>{24});
}

TEST_CASE("Expand broadcasts both ways", "[tensor]") {
  check_f32(run1(node("Expand", {f32({3, 1}, {1, 2, 3}), i64({3}, {2, 1, 2})})), {2, 3, 2},
            {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
  // A target dim of 1 keeps the input dim; a shorter target is fine.
  check_f32(run1(node("Expand", {f32({2, 2}, {1, 2, 3, 4}), i64({1}, {1})})), {2, 2}, {1, 2, 3, 4});
  Status s = run_error(node("Expand", {iota({2, 3}), i64({2}, {2, 4})}));
  CHECK(mentions(s, "[2,3]"));
  s = run_error(node("Expand", {iota({1}), i64({3}, {1 << 20, 1 << 20, 1 << 20})}));
  CHECK(s.code() == StatusCode::kOutOfMemory);
}

// --- layout ops ----------------------------------------------------------------------------

TEST_CASE("Transpose defaults to reversing the axes and works for any dtype", "[tensor]") {
  check_f32(run1(node("Transpose", {iota({2, 3})})), {3, 2}, {0, 3, 1, 4, 2, 5});
  auto t = run1(node("Transpose", {iota({2, 3, 4})}, {{"perm", std::vector<int64_t>{1, 0, 2}}}));
  CHECK(t.shape == Shape{3, 2, 4});
  CHECK(t.values<float>()[4] == 12.0f);  // [0][1][0] = x[1][0][0]
  auto i = run1(node("Transpose", {i64({2, 2}, {1, 2, 3, 4})}));
  CHECK(i.values<int64_t>() == std::vector<int64_t>{1, 3, 2, 4});
  auto b = run1(node("Transpose", {HostTensor::of<uint8_t>(DType::kBool, {1, 2}, {1, 0})}));
  CHECK(b.dtype == DType::kBool);
  CHECK(b.shape == Shape{2, 1});
  CHECK_FALSE(
      run_node(node("Transpose", {iota({2, 3})}, {{"perm", std::vector<int64_t>{0, 0}}})).is_ok());
}

TEST_CASE("DepthToSpace in DCR and CRD modes; SpaceToDepth inverts DCR", "[tensor]") {
  auto dcr = run1(node("DepthToSpace", {iota({1, 8, 1, 1})}, {{"blocksize", int64_t{2}}}));
  check_f32(dcr, {1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7});
  auto crd = run1(node("DepthToSpace", {iota({1, 8, 1, 1})},
                       {{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}}));
  check_f32(crd, {1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  auto wide = run1(node("DepthToSpace", {iota({1, 4, 1, 2})}, {{"blocksize", int64_t{2}}}));
  check_f32(wide, {1, 1, 2, 4}, {0, 2, 1, 3, 4, 6, 5, 7});
  auto back = run1(node("SpaceToDepth", {dcr}, {{"blocksize", int64_t{2}}}));
  check_f32(back, {1, 8, 1, 1}, iota({8}).values<float>());
  auto s2d = run1(node("SpaceToDepth", {iota({1, 1, 2, 4})}, {{"blocksize", int64_t{2}}}));
  check_f32(s2d, {1, 4, 1, 2}, {0, 2, 1, 3, 4, 6, 5, 7});
  Status s = run_error(node("DepthToSpace", {iota({1, 6, 1, 1})}, {{"blocksize", int64_t{2}}}));
  CHECK(mentions(s, "[1,6,1,1]"));
}

// --- concat / split --------------------------------------------------------------------------

TEST_CASE("Concat joins along any axis", "[tensor]") {
  check_f32(run1(node("Concat", {f32({2, 1}, {1, 2}), f32({2, 2}, {3, 4, 5, 6})},
                      {{"axis", int64_t{1}}})),
            {2, 3}, {1, 3, 4, 2, 5, 6});
  check_f32(run1(node("Concat", {f32({1, 2}, {1, 2}), f32({0, 2}, {}), f32({1, 2}, {3, 4})},
                      {{"axis", int64_t{-2}}})),
            {2, 2}, {1, 2, 3, 4});
  Status s = run_error(
      node("Concat", {f32({2, 1}, {1, 2}), f32({3, 1}, {1, 2, 3})}, {{"axis", int64_t{1}}}));
  CHECK(mentions(s, "[3,1]"));
}

TEST_CASE("Split by attribute, input, equal parts and num_outputs", "[tensor]") {
  auto parts = run(node("Split", {iota({3})}, {{"split", std::vector<int64_t>{1, 2}}}, 11, 2));
  check_f32(parts[0], {1}, {0});
  check_f32(parts[1], {2}, {1, 2});
  parts = run(node("Split", {iota({2, 3}), i64({2}, {2, 1})}, {{"axis", int64_t{1}}}, 13, 2));
  check_f32(parts[0], {2, 2}, {0, 1, 3, 4});
  check_f32(parts[1], {2, 1}, {2, 5});
  parts = run(node("Split", {iota({6})}, {}, 13, 3));
  check_f32(parts[2], {2}, {4, 5});
  parts = run(node("Split", {iota({7})}, {{"num_outputs", int64_t{3}}}, 18, 3));
  CHECK(parts[0].shape == Shape{3});
  CHECK(parts[1].shape == Shape{3});
  check_f32(parts[2], {1}, {6});
  CHECK_FALSE(run_node(node("Split", {iota({7})}, {}, 13, 3)).is_ok());
  CHECK_FALSE(run_node(node("Split", {iota({4}), i64({2}, {1, 2})}, {}, 13, 2)).is_ok());
}

// --- slice / gather ---------------------------------------------------------------------------

TEST_CASE("Slice with attributes before opset 10", "[tensor]") {
  auto y = run1(
      node("Slice", {iota({3, 4})},
           {{"starts", std::vector<int64_t>{1, 1}}, {"ends", std::vector<int64_t>{3, -1}}}, 9));
  check_f32(y, {2, 2}, {5, 6, 9, 10});
  y = run1(node("Slice", {iota({3, 4})},
                {{"starts", std::vector<int64_t>{2}},
                 {"ends", std::vector<int64_t>{100}},
                 {"axes", std::vector<int64_t>{1}}},
                9));
  check_f32(y, {3, 2}, {2, 3, 6, 7, 10, 11});
}

TEST_CASE("Slice with inputs: steps, negative steps and clamping", "[tensor]") {
  check_f32(run1(node("Slice",
                      {iota({10}), i64({1}, {8}), i64({1}, {1}), i64({1}, {0}), i64({1}, {-3})})),
            {3}, {8, 5, 2});
  check_f32(
      run1(node("Slice", {iota({5}), i64({1}, {-1}), i64({1}, {kMin}), absent(), i64({1}, {-1})})),
      {5}, {4, 3, 2, 1, 0});
  check_f32(run1(node("Slice", {iota({5}), i64({1}, {2}), i64({1}, {kMax})})), {3}, {2, 3, 4});
  check_f32(run1(node("Slice", {iota({5}), i64({1}, {-100}), i64({1}, {2})})), {2}, {0, 1});
  check_f32(run1(node("Slice", {iota({5}), i64({1}, {10}), i64({1}, {kMax})})), {0}, {});
  check_f32(run1(node("Slice", {iota({3, 4}), i64({1}, {3}), i64({1}, {0}), i64({1}, {-1}),
                                i64({1}, {-2})})),
            {3, 2}, {3, 1, 7, 5, 11, 9});
  check_f32(run1(node("Slice", {iota({2, 3}), i32({2}, {0, 1}), i32({2}, {1, 3})}, {}, 10)), {1, 2},
            {1, 2});
  CHECK_FALSE(run_node(node("Slice", {iota({5}), i64({1}, {0}), i64({1}, {5}), i64({1}, {0}),
                                      i64({1}, {0})}))
                  .is_ok());
  CHECK_FALSE(
      run_node(node("Slice", {iota({5}), i64({1}, {0}), i64({1}, {5}), i64({1}, {1})})).is_ok());
}

TEST_CASE("Gather along any axis with negative and int32 indices", "[tensor]") {
  check_f32(run1(node("Gather", {iota({3, 2}), i64({2}, {2, -3})})), {2, 2}, {4, 5, 0, 1});
  check_f32(
      run1(node("Gather", {iota({2, 3}), i32({2, 2}, {0, 2, -1, 1})}, {{"axis", int64_t{1}}})),
      {2, 2, 2}, {0, 2, 2, 1, 3, 5, 5, 4});
  check_f32(run1(node("Gather", {iota({3, 2}), i64({}, {1})})), {2}, {2, 3});
  Status s = run_error(node("Gather", {iota({3, 2}), i64({1}, {3})}));
  CHECK(mentions(s, "[3,2]"));
}

TEST_CASE("GatherElements picks one element per index", "[tensor]") {
  check_f32(run1(node("GatherElements", {f32({2, 2}, {1, 2, 3, 4}), i64({2, 2}, {0, 0, 1, 0})},
                      {{"axis", int64_t{1}}})),
            {2, 2}, {1, 1, 4, 3});
  check_f32(run1(node("GatherElements", {iota({3, 3}), i32({2, 3}, {-1, 0, 2, 1, 2, 0})})), {2, 3},
            {6, 1, 8, 3, 7, 2});
  CHECK_FALSE(run_node(node("GatherElements", {iota({2, 2}), i64({2, 2}, {0, 2, 0, 0})})).is_ok());
}

TEST_CASE("GatherND addresses slices, with batch_dims", "[tensor]") {
  check_f32(run1(node("GatherND", {iota({2, 2}), i64({2, 2}, {0, 0, 1, -1})})), {2}, {0, 3});
  check_f32(run1(node("GatherND", {iota({2, 2}), i64({2, 1}, {1, 0})})), {2, 2}, {2, 3, 0, 1});
  check_f32(
      run1(node("GatherND", {iota({2, 2, 2}), i64({2, 1}, {1, 0})}, {{"batch_dims", int64_t{1}}})),
      {2, 2}, {2, 3, 4, 5});
  CHECK_FALSE(run_node(node("GatherND", {iota({2, 2}), i64({1, 3}, {0, 0, 0})})).is_ok());
}

// --- pad / tile ---------------------------------------------------------------------------------

TEST_CASE("Tile repeats along every axis", "[tensor]") {
  check_f32(run1(node("Tile", {f32({2, 2}, {1, 2, 3, 4}), i64({2}, {2, 1})})), {4, 2},
            {1, 2, 3, 4, 1, 2, 3, 4});
  check_f32(run1(node("Tile", {f32({1, 2}, {1, 2}), i64({2}, {1, 3})})), {1, 6},
            {1, 2, 1, 2, 1, 2});
  Status s = run_error(node("Tile", {iota({2, 2}), i64({2}, {kMax, kMax})}));
  CHECK(s.code() == StatusCode::kOutOfMemory);
  CHECK_FALSE(run_node(node("Tile", {iota({2, 2}), i64({1}, {2})})).is_ok());
}

TEST_CASE("Pad in constant, reflect, edge and wrap modes", "[tensor]") {
  const HostTensor x = f32({3}, {1, 2, 3});
  check_f32(run1(node("Pad", {x, i64({2}, {2, 1}), f32({}, {9})})), {6}, {9, 9, 1, 2, 3, 9});
  check_f32(run1(node("Pad", {x, i64({2}, {2, 1})})), {6}, {0, 0, 1, 2, 3, 0});
  check_f32(run1(node("Pad", {x, i64({2}, {2, 2})}, {{"mode", std::string("reflect")}})), {7},
            {3, 2, 1, 2, 3, 2, 1});
  check_f32(run1(node("Pad", {x, i64({2}, {2, 2})}, {{"mode", std::string("edge")}})), {7},
            {1, 1, 1, 2, 3, 3, 3});
  check_f32(run1(node("Pad", {x, i64({2}, {2, 2})}, {{"mode", std::string("wrap")}})), {7},
            {2, 3, 1, 2, 3, 1, 2});
  // Negative pads crop.
  check_f32(run1(node("Pad", {x, i64({2}, {-1, 1})})), {3}, {2, 3, 0});
  // Before opset 11: pads and value are attributes.
  check_f32(run1(node("Pad", {f32({1, 2}, {1, 2})},
                      {{"pads", std::vector<int64_t>{0, 1, 1, 0}}, {"value", 5.0f}}, 2)),
            {2, 3}, {5, 1, 2, 5, 5, 5});
  // Opset 18: axes select which dims the pads refer to.
  check_f32(
      run1(node("Pad", {f32({2, 2}, {1, 2, 3, 4}), i64({2}, {1, 0}), absent(), i64({1}, {-1})})),
      {2, 3}, {0, 1, 2, 0, 3, 4});
  auto ints = run1(node("Pad", {i64({2}, {7, 8}), i64({2}, {1, 1}), i64({}, {-1})}));
  CHECK(ints.values<int64_t>() == std::vector<int64_t>{-1, 7, 8, -1});
  Status s = run_error(node("Pad", {iota({2, 2}), i64({2}, {1, 1})}));
  CHECK(mentions(s, "[2,2]"));
  CHECK_FALSE(run_node(node("Pad", {x, i64({2}, {-2, -2})})).is_ok());
}

// --- generators --------------------------------------------------------------------------------

TEST_CASE("ConstantOfShape fills with the value attribute", "[tensor]") {
  check_f32(run1(node("ConstantOfShape", {i64({2}, {2, 2})})), {2, 2}, {0, 0, 0, 0});
  const int64_t seven = 7;
  auto value = ir::Constant::copy_of(DType::kInt64, {1}, &seven, sizeof seven);
  auto y = run1(node("ConstantOfShape", {i64({1}, {3})}, {{"value", value}}));
  CHECK(y.values<int64_t>() == std::vector<int64_t>{7, 7, 7});
  CHECK(run1(node("ConstantOfShape", {i64({0}, {})})).shape == Shape{});
  Status s = run_error(node("ConstantOfShape", {i64({3}, {1 << 20, 1 << 20, 1 << 20})}));
  CHECK(s.code() == StatusCode::kOutOfMemory);
  CHECK_FALSE(run_node(node("ConstantOfShape", {i64({1}, {-1})})).is_ok());
}

TEST_CASE("Range counts ceil((limit - start) / delta) steps", "[tensor]") {
  check_f32(run1(node("Range", {f32({}, {1}), f32({}, {5}), f32({}, {1.5f})})), {3}, {1, 2.5f, 4});
  auto r = run1(node("Range", {i32({}, {10}), i32({}, {4}), i32({}, {-3})}));
  CHECK(r.values<int32_t>() == std::vector<int32_t>{10, 7});
  CHECK(run1(node("Range", {i64({}, {5}), i64({}, {1}), i64({}, {1})})).shape == Shape{0});
  Status s = run_error(node("Range", {f32({}, {0}), f32({}, {1e30f}), f32({}, {1})}));
  CHECK(s.code() == StatusCode::kOutOfMemory);
  CHECK_FALSE(run_node(node("Range", {i64({}, {0}), i64({}, {5}), i64({}, {0})})).is_ok());
}

// --- resize ------------------------------------------------------------------------------------

TEST_CASE("Resize nearest with scales and sizes", "[tensor][resize]") {
  const HostTensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  auto up = run1(node("Resize", {x, absent(), f32({4}, {1, 1, 2, 3})}, {}, 13));
  check_f32(up, {1, 1, 4, 6},
            {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4});
  auto down = run1(
      node("Resize",
           {f32({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), absent(), f32({4}, {1, 1, 0.6f, 0.6f})},
           {}, 13));
  check_f32(down, {1, 1, 1, 2}, {1, 3});
  // Opset 11: roi and scales are present but empty, sizes given.
  auto sized = run1(
      node("Resize", {f32({4}, {1, 2, 3, 4}), f32({0}, {}), f32({0}, {}), i64({1}, {2})}, {}, 11));
  check_f32(sized, {2}, {1, 3});  // half_pixel: 0.5 -> 0 (round_prefer_floor), 2.5 -> 2
}

TEST_CASE("Resize nearest modes round as documented", "[tensor][resize]") {
  const HostTensor x = f32({4}, {10, 20, 30, 40});
  // asymmetric, scale 8/4 = 2: source positions 0, .5, 1, 1.5, ...
  auto with_mode = [&](const std::string& nearest_mode) {
    return run1(node("Resize", {x, absent(), absent(), i64({1}, {8})},
                     {{"coordinate_transformation_mode", std::string("asymmetric")},
                      {"nearest_mode", nearest_mode}},
                     13))
        .values<float>();
  };
  CHECK(with_mode("round_prefer_floor") == std::vector<float>{10, 10, 20, 20, 30, 30, 40, 40});
  CHECK(with_mode("round_prefer_ceil") == std::vector<float>{10, 20, 20, 30, 30, 40, 40, 40});
  CHECK(with_mode("floor") == std::vector<float>{10, 10, 20, 20, 30, 30, 40, 40});
  CHECK(with_mode("ceil") == std::vector<float>{10, 20, 20, 30, 30, 40, 40, 40});
  // tf_half_pixel_for_nearest: (x + 0.5) / 2 -> .25 .75 1.25 ... rounded
  auto tf = run1(
      node("Resize", {x, absent(), f32({1}, {2})},
           {{"coordinate_transformation_mode", std::string("tf_half_pixel_for_nearest")}}, 13));
  CHECK(tf.values<float>() == std::vector<float>{10, 20, 20, 30, 30, 40, 40, 40});
  // Nearest moves bytes: int64 data keeps every bit.
  auto ints = run1(node("Resize", {i64({2}, {kMax, 3}), absent(), f32({1}, {2})}, {}, 13));
  CHECK(ints.values<int64_t>() == std::vector<int64_t>{kMax, kMax, 3, 3});
}

TEST_CASE("Resize linear in several coordinate transformations", "[tensor][resize]") {
  const HostTensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  auto hp = run1(
      node("Resize", {x, absent(), f32({4}, {1, 1, 2, 2})}, {{"mode", std::string("linear")}}, 13));
  check_f32(
      hp, {1, 1, 4, 4},
      {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
  auto ac = run1(node("Resize", {x, absent(), f32({4}, {1, 1, 2, 2})},
                      {{"mode", std::string("linear")},
                       {"coordinate_transformation_mode", std::string("align_corners")}},
                      13));
  check_f32(ac, {1, 1, 4, 4},
            {1, 4.f / 3, 5.f / 3, 2, 5.f / 3, 2, 7.f / 3, 8.f / 3, 7.f / 3, 8.f / 3, 3, 10.f / 3, 3,
             10.f / 3, 11.f / 3, 4});
  // align_corners uses the unrounded output width (4 * 0.6 = 2.4), as the ONNX reference.
  auto acd = run1(node("Resize", {f32({4}, {1, 2, 3, 4}), absent(), f32({1}, {0.6f})},
                       {{"mode", std::string("linear")},
                        {"coordinate_transformation_mode", std::string("align_corners")}},
                       13));
  check_f32(acd, {2}, {1, 1 + 3 / 1.4f});
  auto asym = run1(node("Resize", {f32({2}, {1, 2}), absent(), f32({1}, {2})},
                        {{"mode", std::string("linear")},
                         {"coordinate_transformation_mode", std::string("asymmetric")}},
                        13));
  check_f32(asym, {4}, {1, 1.5f, 2, 2});
  auto pt = run1(node("Resize", {f32({4}, {1, 2, 3, 4}), absent(), absent(), i64({1}, {1})},
                      {{"mode", std::string("linear")},
                       {"coordinate_transformation_mode", std::string("pytorch_half_pixel")}},
                      13));
  check_f32(pt, {1}, {1});
}

TEST_CASE("Resize cubic with cubic_coeff_a and exclude_outside", "[tensor][resize]") {
  const HostTensor x = f32({4}, {0, 1, 2, 3});
  Attrs attrs = {{"mode", std::string("cubic")},
                 {"coordinate_transformation_mode", std::string("asymmetric")}};
  // Weights at ratio 0.5 with a = -0.75: -0.09375, 0.59375, 0.59375, -0.09375; edges clamp.
  check_f32(run1(node("Resize", {x, absent(), f32({1}, {2})}, attrs, 13)), {8},
            {0, 0.40625f, 1, 1.5f, 2, 2.59375f, 3, 3.09375f});
  attrs["exclude_outside"] = int64_t{1};
  auto ex = run1(node("Resize", {x, absent(), f32({1}, {2})}, attrs, 13)).values<float>();
  CHECK(ex[1] == Approx(0.40625 / 1.09375));
  CHECK(ex[3] == Approx(1.5));
  // a = -0.5 at ratio 0.5: -0.0625, 0.5625, 0.5625, -0.0625.
  attrs.erase("exclude_outside");
  attrs["cubic_coeff_a"] = -0.5f;
  auto a5 = run1(node("Resize", {x, absent(), f32({1}, {2})}, attrs, 13)).values<float>();
  CHECK(a5[3] == Approx(1.5));
  CHECK(a5[1] == Approx(0.5625 - 0.125));
}

TEST_CASE("Resize tf_crop_and_resize uses roi and the extrapolation value", "[tensor][resize]") {
  auto y =
      run1(node("Resize", {f32({4}, {0, 1, 2, 3}), f32({2}, {0, 1.5f}), absent(), i64({1}, {4})},
                {{"mode", std::string("linear")},
                 {"coordinate_transformation_mode", std::string("tf_crop_and_resize")},
                 {"extrapolation_value", 10.0f}},
                13));
  check_f32(y, {4}, {0, 1.5f, 3, 10});
}

TEST_CASE("Resize opset 18: axes, antialias, keep_aspect_ratio_policy", "[tensor][resize]") {
  auto y = run1(node("Resize", {f32({2, 2}, {1, 2, 3, 4}), absent(), f32({1}, {2})},
                     {{"axes", std::vector<int64_t>{1}}}, 18));
  check_f32(y, {2, 4}, {1, 1, 2, 2, 3, 3, 4, 4});
  // Antialiased linear downscale by 2: a 4-tap triangle of weights 1/8, 3/8, 3/8, 1/8.
  auto aa = run1(node("Resize", {f32({4}, {0, 1, 2, 3}), absent(), f32({1}, {0.5f})},
                      {{"mode", std::string("linear")}, {"antialias", int64_t{1}}}, 18));
  check_f32(aa, {2}, {0.625f, 2.375f});
  auto keep = run1(node("Resize", {iota({1, 1, 2, 4}), absent(), absent(), i64({2}, {4, 4})},
                        {{"axes", std::vector<int64_t>{2, 3}},
                         {"keep_aspect_ratio_policy", std::string("not_larger")}},
                        18));
  CHECK(keep.shape == Shape{1, 1, 2, 4});
  keep = run1(node("Resize", {iota({1, 1, 2, 4}), absent(), absent(), i64({2}, {4, 4})},
                   {{"axes", std::vector<int64_t>{2, 3}},
                    {"keep_aspect_ratio_policy", std::string("not_smaller")}},
                   18));
  CHECK(keep.shape == Shape{1, 1, 4, 8});
}

TEST_CASE("Resize-10 and Upsample use asymmetric coordinates", "[tensor][resize]") {
  check_f32(run1(node("Resize", {f32({2}, {1, 2}), f32({1}, {2})}, {}, 10)), {4}, {1, 1, 2, 2});
  check_f32(run1(node("Resize", {f32({2}, {1, 2}), f32({1}, {2})},
                      {{"mode", std::string("linear")}}, 10)),
            {4}, {1, 1.5f, 2, 2});
  check_f32(
      run1(node("Upsample", {f32({1, 2}, {1, 2})}, {{"scales", std::vector<float>{2, 2}}}, 7)),
      {2, 4}, {1, 1, 2, 2, 1, 1, 2, 2});
  check_f32(run1(node("Upsample", {f32({1, 2}, {1, 2}), f32({2}, {1, 2})},
                      {{"mode", std::string("linear")}}, 9)),
            {1, 4}, {1, 1.5f, 2, 2});
}

TEST_CASE("Resize rejects bad arguments with errors", "[tensor][resize]") {
  const HostTensor x = f32({2}, {1, 2});
  CHECK_FALSE(run_node(node("Resize", {x, absent(), absent(), absent()}, {}, 13)).is_ok());
  CHECK_FALSE(run_node(node("Resize", {x, absent(), f32({2}, {1, 2})}, {}, 13)).is_ok());
  CHECK_FALSE(run_node(node("Resize", {x, absent(), f32({1}, {-1})}, {}, 13)).is_ok());
  Status s = run_error(node("Resize", {x, absent(), f32({1}, {1e30f})}, {}, 13));
  CHECK(s.code() == StatusCode::kOutOfMemory);
  CHECK_FALSE(
      run_node(node("Resize", {x, absent(), f32({1}, {2})}, {{"mode", std::string("bogus")}}, 13))
          .is_ok());
}
