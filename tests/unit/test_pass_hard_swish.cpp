// HardSwish and HardSigmoid written with Add, Clip, Mul and Div collapse into one node (and,
// after a conv, into its epilogue); near misses stay as they are.
#include <catch2/catch.hpp>

#include "cpu/fused_epilogue.h"
#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;

namespace {

const Shape kShape = {1, 3, 4, 4};

int collapse(ir::Graph& g) {
  const int n = passes::collapse_hard_swish(g, {});
  passes::eliminate_dead_code(g, {});
  return n;
}

enum class Form { kDivAfterProduct, kSixthAfterProduct, kSixthOfClip, kDivOfClip, kNoProduct };

// x * Clip(x + 3, 0, 6) / 6 in the form asked for, on `x`.
ir::ValueId hard_swish(GraphBuilder& b, ir::ValueId x, Form form, float three = 3.f) {
  const ir::ValueId sum = b.node("Add", {b.constant("three", {}, {three}), x}, "sum", kShape);
  const ir::ValueId c = b.node(
      "Clip", {sum, b.constant("zero", {}, {0.f}), b.constant("six", {}, {6.f})}, "c", kShape);
  const ir::ValueId sixth = b.constant("sixth", {1}, {0.16666667f});
  const ir::ValueId six = b.constant("six_d", {}, {6.f});
  switch (form) {
    case Form::kDivAfterProduct:
      return b.node("Div", {b.node("Mul", {x, c}, "xc", kShape), six}, "hs", kShape);
    case Form::kSixthAfterProduct:
      return b.node("Mul", {sixth, b.node("Mul", {c, x}, "xc", kShape)}, "hs", kShape);
    case Form::kSixthOfClip:
      return b.node("Mul", {x, b.node("Mul", {sixth, c}, "c6", kShape)}, "hs", kShape);
    case Form::kDivOfClip:
      return b.node("Mul", {b.node("Div", {c, six}, "c6", kShape), x}, "hs", kShape);
    case Form::kNoProduct:
      return b.node("Mul", {c, sixth}, "hs", kShape);
  }
  return ir::kNoValue;
}

}  // namespace

TEST_CASE("HardSwish written out collapses into one node", "[passes][hardswish]") {
  for (Form form :
       {Form::kDivAfterProduct, Form::kSixthAfterProduct, Form::kSixthOfClip, Form::kDivOfClip}) {
    INFO("form " << static_cast<int>(form));
    GraphBuilder b;
    const ir::ValueId x = b.input("x", kShape);
    b.output(hard_swish(b, x, form));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), collapse, &after, 1e-6f) == 1);
    REQUIRE(after.nodes.size() == 1);
    CHECK(after.nodes[0].op_type == "HardSwish");
    CHECK(after.nodes[0].inputs[0] == after.find_value("x"));
    CHECK(after.value(after.outputs[0]).name == "hs");
  }
}

TEST_CASE("Clip(x + 3, 0, 6) / 6 alone collapses into HardSigmoid", "[passes][hardswish]") {
  GraphBuilder b;
  b.output(hard_swish(b, b.input("x", kShape), Form::kNoProduct));
  ir::Graph after;
  CHECK(rewrite_and_compare(b.graph(), collapse, &after, 1e-6f) == 1);
  REQUIRE(after.nodes.size() == 1);
  CHECK(after.nodes[0].op_type == "HardSigmoid");
}

TEST_CASE("near misses of HardSwish stay", "[passes][hardswish]") {
  SECTION("x + 2") {
    GraphBuilder b;
    b.output(hard_swish(b, b.input("x", kShape), Form::kSixthOfClip, 2.f));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), collapse, &after) == 0);
  }
  SECTION("the clipped value is read elsewhere") {
    GraphBuilder b;
    b.output(hard_swish(b, b.input("x", kShape), Form::kDivAfterProduct));
    b.output(b.graph().find_value("c"));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), collapse, &after) == 0);
  }
  SECTION("the product is with another tensor") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", kShape);
    const ir::ValueId z = b.input("z", kShape);
    const ir::ValueId sum = b.node("Add", {x, b.constant("three", {}, {3.f})}, "sum", kShape);
    const ir::ValueId c = b.node(
        "Clip", {sum, b.constant("zero", {}, {0.f}), b.constant("six", {}, {6.f})}, "c", kShape);
    b.output(b.node("Div", {b.node("Mul", {z, c}, "zc", kShape), b.constant("d", {}, {6.f})}, "out",
                    kShape));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), collapse, &after) == 0);
  }
}

TEST_CASE("HardSwish after a conv ends in the conv's epilogue", "[passes][hardswish]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 2, 4, 4});
  const ir::ValueId y = b.node("Conv", {x, b.random_constant("w", {3, 2, 3, 3}, -2.f, 2.f)}, "y",
                               kShape, Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  b.output(hard_swish(b, y, Form::kSixthOfClip));
  ir::Graph after;
  rewrite_and_compare(
      b.graph(), [](ir::Graph& g) { return passes::run_default_passes(g, {}).is_ok() ? 1 : 0; },
      &after);
  REQUIRE(after.nodes.size() == 1);
  CHECK(after.nodes[0].attr_string(cpu::kActivationAttr, "") == "HardSwish");
}
