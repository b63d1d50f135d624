// Kernels' run caches (cpu/kernel.h RunCache, cpu/run_cache.h): what a kernel kept from one run
// must not leak into the next when the inputs change. One context is reused across calls (its
// run cache slot lives as long as the context, like the executor's per-node slot), the inputs
// change between calls, and every call is checked against the reference kernel run afresh.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>

#include "cpu/kernel.h"
#include "cpu/run_cache.h"
#include "run_node.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Ints = std::vector<int64_t>;

// A node whose inputs can be replaced between calls of its kernel on the same context.
class ReusedContext final : public cpu::KernelContext {
 public:
  explicit ReusedContext(const ir::Node& node) : node_(node), outputs_(node.outputs.size()) {}
  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }
  Result<TensorView> allocate_output(size_t i, DType dtype, const Shape& shape) override {
    HostTensor& t = outputs_.at(i);
    t.dtype = dtype;
    t.shape = shape;
    t.bytes.assign(static_cast<size_t>(shape_elements(shape)) * dtype_size(dtype), 0);
    return TensorView{dtype, shape, t.bytes.data()};
  }
  void set_inputs(const std::vector<HostTensor>& inputs) {
    inputs_.clear();
    for (const HostTensor& t : inputs)
      inputs_.push_back(TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())});
  }
  const HostTensor& output(size_t i) const { return outputs_.at(i); }

 private:
  const ir::Node& node_;
  std::vector<TensorView> inputs_;
  std::vector<HostTensor> outputs_;
};

HostTensor random_f32(const Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  std::vector<float> v(static_cast<size_t>(shape_elements(shape)));
  for (float& x : v)
    x = dist(rng);
  return HostTensor::f32(shape, v);
}

// Runs the fast kernel of `spec`'s op on `ctx` (whose cache may hold an earlier call's state)
// with `spec`'s inputs. Its output must be bit for bit that of a fresh context (an empty cache)
// and match the reference kernel's (the fast kernels may sum in another order).
void check_call(ReusedContext& ctx, const NodeSpec& spec) {
  INFO(spec.op_type << " input 0 " << shape_to_string(spec.inputs[0].shape));
  cpu::KernelFn kernel = cpu::fast_kernels().find(spec.op_type);
  REQUIRE(kernel != nullptr);
  ctx.set_inputs(spec.inputs);
  REQUIRE(kernel(ctx).is_ok());
  ReusedContext fresh(ctx.node());
  fresh.set_inputs(spec.inputs);
  REQUIRE(kernel(fresh).is_ok());
  const HostTensor& got = ctx.output(0);
  CHECK(got.shape == fresh.output(0).shape);
  CHECK(got.bytes == fresh.output(0).bytes);
  auto reference = run_node(spec);
  REQUIRE(reference.is_ok());
  const HostTensor& want = (*reference)[0];
  REQUIRE(got.shape == want.shape);
  if (got.dtype != DType::kFloat32) {
    CHECK(got.bytes == want.bytes);
    return;
  }
  const std::vector<float> a = got.values<float>();
  const std::vector<float> b = want.values<float>();
  for (size_t i = 0; i < a.size(); ++i)
    REQUIRE(std::abs(a[i] - b[i]) <= 1e-5f * (1.0f + std::abs(b[i])));
}

ir::Node node_for(const NodeSpec& spec) {
  ir::Node node;
  node.name = "cached_" + spec.op_type;
  node.op_type = spec.op_type;
  node.opset = spec.opset;
  node.attributes = spec.attributes;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const bool omitted = spec.inputs[i].dtype == DType::kUndefined;
    node.inputs.push_back(omitted ? ir::kNoValue : static_cast<ir::ValueId>(i));
  }
  node.outputs.push_back(static_cast<ir::ValueId>(spec.inputs.size()));
  return node;
}

}  // namespace

TEST_CASE("InputsKey tells changed shapes and contents apart", "[run_cache]") {
  NodeSpec spec{"Reshape", {}, 18, {random_f32({2, 6}, 1), HostTensor::i64({2}, {3, 4})}};
  const ir::Node node = node_for(spec);
  ReusedContext ctx(node);
  ctx.set_inputs(spec.inputs);
  cpu::InputsKey key;
  CHECK_FALSE(key.matches(ctx, 1));  // nothing stored yet
  key.store(ctx, 1);
  CHECK(key.matches(ctx, 1));
  // Input 0's contents are not part of the key, input 1's are.
  spec.inputs[0] = random_f32({2, 6}, 2);
  ctx.set_inputs(spec.inputs);
  CHECK(key.matches(ctx, 1));
  spec.inputs[1] = HostTensor::i64({2}, {4, 3});
  ctx.set_inputs(spec.inputs);
  CHECK_FALSE(key.matches(ctx, 1));
  CHECK(key.matches(ctx, 2));  // with contents from input 2 on: shapes only
  spec.inputs[0] = random_f32({3, 4}, 3);
  ctx.set_inputs(spec.inputs);
  CHECK_FALSE(key.matches(ctx, 2));
  key.clear();
  key.store(ctx, 2);
  CHECK(key.matches(ctx, 2));
}

TEST_CASE("a cached broadcast plan is replanned when the shapes change", "[run_cache]") {
  NodeSpec spec{"Add", {}, 18, {random_f32({2, 3, 4}, 1), random_f32({4}, 2)}};
  const ir::Node node = node_for(spec);
  ReusedContext ctx(node);
  check_call(ctx, spec);
  check_call(ctx, spec);  // from the cache
  spec.inputs = {random_f32({2, 1, 4}, 3), random_f32({3, 1}, 4)};
  check_call(ctx, spec);
  spec.inputs = {random_f32({5}, 5), random_f32({5}, 6)};
  check_call(ctx, spec);
}

TEST_CASE("a cached Reshape target follows the shape input's contents", "[run_cache]") {
  NodeSpec spec{"Reshape", {}, 18, {random_f32({2, 6}, 1), HostTensor::i64({2}, {3, -1})}};
  const ir::Node node = node_for(spec);
  ReusedContext ctx(node);
  check_call(ctx, spec);
  check_call(ctx, spec);
  spec.inputs[1] = HostTensor::i64({3}, {-1, 2, 2});
  check_call(ctx, spec);
  spec.inputs[0] = random_f32({4, 5}, 2);
  spec.inputs[1] = HostTensor::i64({2}, {10, -1});
  check_call(ctx, spec);
}

TEST_CASE("cached pooling tables follow the input's shape", "[run_cache]") {
  NodeSpec spec{"AveragePool",
                {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}},
                18,
                {random_f32({1, 2, 9, 9}, 1)}};
  const ir::Node node = node_for(spec);
  ReusedContext ctx(node);
  check_call(ctx, spec);
  check_call(ctx, spec);
  spec.inputs = {random_f32({2, 3, 6, 11}, 2)};
  check_call(ctx, spec);
}

TEST_CASE("cached Resize tables follow the sizes input's contents", "[run_cache]") {
  const HostTensor none{DType::kUndefined, {}, {}};
  NodeSpec spec{"Resize",
                {{"mode", std::string("linear")}},
                18,
                {random_f32({1, 2, 8, 8}, 1), none, none, HostTensor::i64({4}, {1, 2, 16, 16})}};
  const ir::Node node = node_for(spec);
  ReusedContext ctx(node);
  check_call(ctx, spec);
  check_call(ctx, spec);
  spec.inputs[3] = HostTensor::i64({4}, {1, 2, 12, 20});
  check_call(ctx, spec);
  spec.inputs[0] = random_f32({1, 1, 5, 7}, 2);
  check_call(ctx, spec);
}

TEST_CASE("cached Transpose and Slice plans follow their inputs", "[run_cache]") {
  NodeSpec transpose{"Transpose", {{"perm", Ints{0, 2, 3, 1}}}, 18, {random_f32({1, 3, 4, 5}, 1)}};
  const ir::Node tnode = node_for(transpose);
  ReusedContext tctx(tnode);
  check_call(tctx, transpose);
  check_call(tctx, transpose);
  transpose.inputs = {random_f32({2, 5, 3, 2}, 2)};
  check_call(tctx, transpose);

  NodeSpec slice{"Slice",
                 {},
                 18,
                 {random_f32({4, 6}, 3), HostTensor::i64({1}, {1}), HostTensor::i64({1}, {5})}};
  const ir::Node snode = node_for(slice);
  ReusedContext sctx(snode);
  check_call(sctx, slice);
  check_call(sctx, slice);
  slice.inputs[2] = HostTensor::i64({1}, {3});
  check_call(sctx, slice);
  slice.inputs[0] = random_f32({7, 2}, 4);
  check_call(sctx, slice);
}
