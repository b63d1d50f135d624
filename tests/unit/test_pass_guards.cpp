// What the fusion passes must never do: fold away a graph output or a value the caller keeps,
// fuse an intermediate that has other readers, or touch non-float32 tensors.
#include <catch2/catch.hpp>

#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;

namespace {

const Shape kOut = {1, 2, 4, 4};

// x -> Conv -> y -> Relu -> r (the graph output)
GraphBuilder conv_relu() {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 2, 4, 4});
  const ir::ValueId y = b.node("Conv", {x, b.random_constant("w", {2, 2, 1, 1})}, "y", kOut);
  b.output(b.node("Relu", {y}, "r", kOut));
  return b;
}

}  // namespace

TEST_CASE("a kept intermediate is not fused away", "[passes][guards]") {
  GraphBuilder b = conv_relu();
  passes::PassOptions options;
  options.keep = {"y"};
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(), [&](ir::Graph& g) { return passes::fuse_activations(g, options); },
            &after) == 0);
  REQUIRE(passes::run_default_passes(after, options).is_ok());
  CHECK(after.find_value("y") != ir::kNoValue);
  CHECK(count_ops(after, "Relu") == 1);
}

TEST_CASE("a conv output that is also a graph output is not fused away", "[passes][guards]") {
  GraphBuilder b = conv_relu();
  b.output(b.graph().find_value("y"));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(),
            [](ir::Graph& g) { return passes::run_default_passes(g, {}).is_ok() ? 0 : -1; },
            &after) == 0);
  CHECK(count_ops(after, "Relu") == 1);
}

TEST_CASE("a conv output with two readers is not fused", "[passes][guards]") {
  GraphBuilder b = conv_relu();
  const ir::ValueId y = b.graph().find_value("y");
  b.output(b.node("Sigmoid", {y}, "s", kOut));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(), [](ir::Graph& g) { return passes::fuse_activations(g, {}); }, &after) == 0);
  CHECK(count_ops(after, "Relu") == 1);
  CHECK(count_ops(after, "Sigmoid") == 1);
}

TEST_CASE("non-float32 tensors are not fused or folded", "[passes][guards]") {
  GraphBuilder b = conv_relu();
  ir::Graph& g = b.graph();
  g.value(g.find_value("y")).dtype = DType::kFloat64;
  CHECK(passes::fuse_activations(g, {}) == 0);
  const ir::ValueId y = g.find_value("y");
  const ir::ValueId k = b.constant("k", {2, 1, 1}, {2.f, 3.f});
  b.output(b.node("Mul", {y, k}, "m", kOut));
  CHECK(passes::fold_channel_affine(g, {}) == 0);
}

TEST_CASE("overridable constants are not folded into weights", "[passes][guards]") {
  // A weight the caller may feed at run time must stay a separate tensor.
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 2, 4, 4});
  const ir::ValueId w = b.random_constant("w", {2, 2, 1, 1});
  b.graph().value(w).overridable = true;
  const ir::ValueId y = b.node("Conv", {x, w}, "y", kOut);
  b.output(b.node("Mul", {y, b.constant("k", {2, 1, 1}, {2.f, 3.f})}, "m", kOut));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(), [](ir::Graph& g) { return passes::fold_channel_affine(g, {}); }, &after) ==
        0);
}
