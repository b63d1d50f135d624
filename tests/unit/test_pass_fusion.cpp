// Activation and residual fusion into the Conv, ConvTranspose and Gemm epilogue: the fused
// node carries the contract of cpu/fused_epilogue.h and the reference executor computes the
// same outputs as the unfused graph.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "cpu/fused_epilogue.h"
#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;

namespace {

const Shape kOut = {1, 4, 5, 5};

int fuse_act(ir::Graph& g) {
  return passes::fuse_activations(g, {});
}
int fuse_residual(ir::Graph& g) {
  return passes::fuse_residual_adds(g, {});
}

// x [1,3,5,5] -> Conv 3x3 pad 1 -> y [1,4,5,5]; larger weights so outputs reach beyond the
// clipping bounds of the activations.
ir::ValueId conv(GraphBuilder& b, const std::string& name = "y") {
  const ir::ValueId x = b.input("x_" + name, {1, 3, 5, 5});
  return b.node(
      "Conv",
      {x, b.random_constant("w_" + name, {4, 3, 3, 3}), b.random_constant("b_" + name, {4})}, name,
      kOut, Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
}

std::string activation_of(const ir::Node& node) {
  return node.attr_string(cpu::kActivationAttr, "");
}

}  // namespace

TEST_CASE("single activation ops fuse into the Conv before them", "[passes][fusion]") {
  struct Case {
    const char* op;
    Attrs attributes;
    const char* fused;
    std::vector<float> params;
  };
  const std::vector<Case> cases = {
      {"Relu", {}, "Relu", {}},
      {"Sigmoid", {}, "Sigmoid", {}},
      {"Tanh", {}, "Tanh", {}},
      {"HardSwish", {}, "HardSwish", {}},
      {"Mish", {}, "Mish", {}},
      {"LeakyRelu", {}, "LeakyRelu", {0.01f}},
      {"LeakyRelu", {{"alpha", 0.2f}}, "LeakyRelu", {0.2f}},
      {"HardSigmoid", {}, "HardSigmoid", {0.2f, 0.5f}},
      {"HardSigmoid", {{"alpha", 0.3f}, {"beta", 0.4f}}, "HardSigmoid", {0.3f, 0.4f}},
  };
  for (const Case& c : cases) {
    INFO(c.op);
    GraphBuilder b;
    b.output(b.node(c.op, {conv(b)}, "act", kOut, c.attributes));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    REQUIRE(after.nodes.size() == 1);
    CHECK(activation_of(after.nodes[0]) == c.fused);
    CHECK(after.nodes[0].attr_floats(cpu::kActivationParamsAttr) == c.params);
    CHECK(after.value(after.nodes[0].outputs[0]).name == "act");
  }
}

TEST_CASE("Clip fuses with constant bounds from inputs or attributes", "[passes][fusion]") {
  SECTION("ReLU6 from inputs (opset 11+)") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    b.output(
        b.node("Clip", {y, b.constant("lo", {}, {0.f}), b.constant("hi", {}, {6.f})}, "c", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    CHECK(after.nodes[0].attr_floats(cpu::kActivationParamsAttr) == std::vector<float>{0, 6});
  }
  SECTION("only a max") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    b.output(b.node("Clip", {y, ir::kNoValue, b.constant("hi", {}, {0.5f})}, "c", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    CHECK(after.nodes[0].attr_floats(cpu::kActivationParamsAttr)[1] == 0.5f);
  }
  SECTION("attributes (opset 6)") {
    GraphBuilder b;
    b.output(b.node("Clip", {conv(b)}, "c", kOut, Attrs{{"min", -0.5f}, {"max", 0.5f}}, 6));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    CHECK(after.nodes[0].attr_floats(cpu::kActivationParamsAttr) ==
          std::vector<float>{-0.5f, 0.5f});
  }
  SECTION("a bound that is computed stays unfused") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    const ir::ValueId hi = b.input("hi", {});
    b.output(b.node("Clip", {y, ir::kNoValue, hi}, "c", kOut));
    ir::Graph after = b.graph();
    CHECK(fuse_act(after) == 0);
  }
}

TEST_CASE("PRelu fuses with a per-channel or shared constant slope", "[passes][fusion]") {
  for (const Shape& slope_shape : {Shape{4, 1, 1}, Shape{1}, Shape{1, 4, 1, 1}}) {
    INFO(shape_to_string(slope_shape));
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    b.output(b.node("PRelu", {y, b.random_constant("slope", slope_shape, 0.f, 0.5f)}, "p", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    const ir::Node& fused = only_node(after, "Conv");
    CHECK(activation_of(fused) == "PRelu");
    CHECK(fused.has_input(cpu::kSlopeInput));
    CHECK_FALSE(fused.has_input(cpu::kResidualInput));
  }
  SECTION("a slope that varies along W stays unfused") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    b.output(b.node("PRelu", {y, b.random_constant("slope", {5}, 0.f, 0.5f)}, "p", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 0);
  }
}

TEST_CASE("Swish, Mish and Gelu written out fuse into the Conv", "[passes][fusion]") {
  SECTION("Swish: y * Sigmoid(y)") {
    for (bool sigmoid_first : {true, false}) {
      GraphBuilder b;
      const ir::ValueId y = conv(b);
      const ir::ValueId s = b.node("Sigmoid", {y}, "s", kOut);
      b.output(b.node("Mul", sigmoid_first ? std::vector{s, y} : std::vector{y, s}, "m", kOut));
      ir::Graph after;
      CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
      REQUIRE(after.nodes.size() == 1);
      CHECK(activation_of(after.nodes[0]) == "Swish");
    }
  }
  SECTION("Mish: y * Tanh(Softplus(y))") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    const ir::ValueId t = b.node("Tanh", {b.node("Softplus", {y}, "sp", kOut)}, "t", kOut);
    b.output(b.node("Mul", {y, t}, "m", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    REQUIRE(after.nodes.size() == 1);
    CHECK(activation_of(after.nodes[0]) == "Mish");
  }
  SECTION("Gelu: 0.5 * y * (1 + Erf(y / sqrt 2)), three orders") {
    for (int order = 0; order < 3; ++order) {
      INFO("order " << order);
      GraphBuilder b;
      const ir::ValueId y = conv(b);
      const ir::ValueId d =
          order == 1
              ? b.node("Mul", {y, b.constant("r", {}, {1.f / std::numbers::sqrt2_v<float>})}, "d",
                       kOut)
              : b.node("Div", {y, b.constant("r", {}, {std::numbers::sqrt2_v<float>})}, "d", kOut);
      const ir::ValueId e = b.node("Erf", {d}, "e", kOut);
      const ir::ValueId p = b.node("Add", {b.constant("one", {}, {1.f}), e}, "p", kOut);
      const ir::ValueId half = b.constant("half", {}, {0.5f});
      ir::ValueId out;
      if (order == 0) {
        out = b.node("Mul", {b.node("Mul", {y, p}, "yp", kOut), half}, "g", kOut);
      } else if (order == 1) {
        out = b.node("Mul", {y, b.node("Mul", {half, p}, "hp", kOut)}, "g", kOut);
      } else {
        out = b.node("Mul", {b.node("Mul", {y, half}, "yh", kOut), p}, "g", kOut);
      }
      b.output(out);
      ir::Graph after;
      CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
      REQUIRE(after.nodes.size() == 1);
      CHECK(activation_of(after.nodes[0]) == "Gelu");
      CHECK(after.value(after.nodes[0].outputs[0]).name == "g");
    }
  }
  SECTION("y * Sigmoid(z) for another z is not Swish") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    const ir::ValueId s = b.node("Sigmoid", {conv(b, "z")}, "s", kOut);
    b.output(b.node("Mul", {y, s}, "m", kOut));
    ir::Graph after;
    // The Sigmoid fuses into z's conv; y's Mul stays.
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    CHECK(count_ops(after, "Mul") == 1);
  }
}

TEST_CASE("activations fuse into ConvTranspose and Gemm", "[passes][fusion]") {
  SECTION("ConvTranspose + Relu") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 2, 3, 3});
    const ir::ValueId y =
        b.node("ConvTranspose", {x, b.random_constant("w", {2, 3, 2, 2})}, "y", {1, 3, 4, 4});
    b.output(b.node("Relu", {y}, "r", {1, 3, 4, 4}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    CHECK(activation_of(only_node(after, "ConvTranspose")) == "Relu");
  }
  SECTION("Gemm + PRelu per output column") {
    GraphBuilder b;
    const ir::ValueId a = b.input("a", {3, 5});
    const ir::ValueId y = b.node("Gemm", {a, b.random_constant("w", {5, 4})}, "y", {3, 4});
    b.output(b.node("PRelu", {y, b.random_constant("slope", {4}, 0.f, 0.5f)}, "p", {3, 4}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    CHECK(activation_of(only_node(after, "Gemm")) == "PRelu");
  }
}

TEST_CASE("residual Add fuses into the conv, and the activation after it too", "[passes][fusion]") {
  for (bool conv_first : {true, false}) {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    const ir::ValueId other = b.input("other", kOut);
    const ir::ValueId sum =
        b.node("Add", conv_first ? std::vector{y, other} : std::vector{other, y}, "sum", kOut);
    b.output(b.node("Relu", {sum}, "r", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_residual, &after) == 1);
    CHECK(rewrite_and_compare(after, fuse_act, &after) == 1);
    REQUIRE(after.nodes.size() == 1);
    const ir::Node& fused = after.nodes[0];
    CHECK(fused.inputs[cpu::kResidualInput] == after.find_value("other"));
    CHECK(activation_of(fused) == "Relu");
  }
  SECTION("two conv outputs: one becomes the other's residual") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    const ir::ValueId z = conv(b, "z");
    b.output(b.node("Add", {y, z}, "sum", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_residual, &after) == 1);
    CHECK(after.nodes.size() == 2);
  }
  SECTION("an Add that broadcasts stays") {
    GraphBuilder b;
    const ir::ValueId y = conv(b);
    b.output(b.node("Add", {y, b.input("other", {1, 4, 1, 5})}, "sum", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_residual, &after) == 0);
  }
  SECTION("an activation before the Add blocks the residual (it applies after it)") {
    GraphBuilder b;
    const ir::ValueId r = b.node("Relu", {conv(b)}, "r", kOut);
    b.output(b.node("Add", {r, b.input("other", kOut)}, "sum", kOut));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fuse_act, &after) == 1);
    CHECK(rewrite_and_compare(after, fuse_residual, &after) == 0);
    CHECK(count_ops(after, "Add") == 1);
  }
}

TEST_CASE("the default passes fuse a conv block end to end", "[passes][fusion]") {
  // Conv -> BN -> Add(residual) -> Relu, with a Mul by a per-channel constant before the BN.
  GraphBuilder b;
  const ir::ValueId y = conv(b);
  const ir::ValueId scaled = b.node("Mul", {y, b.random_constant("k", {4, 1, 1})}, "scaled", kOut);
  const ir::ValueId bn =
      b.node("BatchNormalization",
             {scaled, b.random_constant("g", {4}, 0.5f, 2.f), b.random_constant("beta", {4}),
              b.random_constant("mean", {4}), b.random_constant("var", {4}, 0.1f, 2.f)},
             "bn", kOut);
  const ir::ValueId sum = b.node("Add", {bn, b.input("skip", kOut)}, "sum", kOut);
  b.output(b.node("Relu", {sum}, "out", kOut));
  ir::Graph after;
  passes::PassCounts counts;
  rewrite_and_compare(
      b.graph(), [&](ir::Graph& g) { return passes::run_default_passes(g, {}, &counts).is_ok(); },
      &after);
  REQUIRE(after.nodes.size() == 1);
  CHECK(activation_of(after.nodes[0]) == "Relu");
  CHECK(after.nodes[0].has_input(cpu::kResidualInput));
  int total = 0;
  for (const auto& [name, n] : counts)
    total += n;
  CHECK(total >= 4);  // Mul, BN, Add, Relu, then dead constants
}
