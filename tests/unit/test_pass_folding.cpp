// BatchNormalization and Mul/Add folding into Conv, ConvTranspose and Gemm weights: the
// rewritten graph has fewer nodes and the reference executor computes the same outputs.
#include <catch2/catch.hpp>

#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;

namespace {

int fold_bn(ir::Graph& g) {
  return passes::fold_batch_norms(g, {});
}
int fold_affine(ir::Graph& g) {
  return passes::fold_channel_affine(g, {});
}

// x [1,3,6,6] -> Conv 3x3 pad 1 (4 channels, bias optional) -> y [1,4,6,6]
ir::ValueId conv(GraphBuilder& b, bool bias, int group = 1) {
  const ir::ValueId x = b.input("x", {1, 4, 6, 6});
  const ir::ValueId w = b.random_constant("w", {4, 4 / group, 3, 3});
  std::vector<ir::ValueId> in = {x, w};
  if (bias) in.push_back(b.random_constant("b", {4}));
  return b.node("Conv", in, "y", {1, 4, 6, 6},
                Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"group", int64_t{group}}});
}

ir::ValueId batch_norm(GraphBuilder& b, ir::ValueId x, int64_t channels, const Shape& shape) {
  return b.node(
      "BatchNormalization",
      {x, b.random_constant("scale", {channels}, 0.5f, 2.f), b.random_constant("bias", {channels}),
       b.random_constant("mean", {channels}), b.random_constant("var", {channels}, 0.1f, 3.f)},
      "bn", shape, Attrs{{"epsilon", 1e-3f}});
}

}  // namespace

TEST_CASE("BatchNormalization folds into the Conv before it", "[passes][fold]") {
  for (bool bias : {true, false}) {
    for (int group : {1, 2}) {
      GraphBuilder b;
      const ir::ValueId y = conv(b, bias, group);
      b.output(batch_norm(b, y, 4, {1, 4, 6, 6}));
      ir::Graph after;
      CHECK(rewrite_and_compare(b.graph(), fold_bn, &after) == 1);
      CHECK(count_ops(after, "BatchNormalization") == 0);
      const ir::Node& c = only_node(after, "Conv");
      CHECK(after.value(c.outputs[0]).name == "bn");  // the graph output keeps its name
      CHECK(c.has_input(2));
    }
  }
}

TEST_CASE("BatchNormalization folds into ConvTranspose and Gemm", "[passes][fold]") {
  SECTION("ConvTranspose with groups") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 4, 3, 3});
    const ir::ValueId w = b.random_constant("w", {4, 3, 2, 2});  // 2 groups of 3 outputs
    const ir::ValueId y =
        b.node("ConvTranspose", {x, w, b.random_constant("b", {6})}, "y", {1, 6, 6, 6},
               Attrs{{"strides", std::vector<int64_t>{2, 2}}, {"group", int64_t{2}}});
    b.output(batch_norm(b, y, 6, {1, 6, 6, 6}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fold_bn, &after) == 1);
    CHECK(count_ops(after, "BatchNormalization") == 0);
  }
  for (int64_t trans_b : {0, 1}) {
    GraphBuilder b;
    const ir::ValueId a = b.input("a", {3, 5});
    const ir::ValueId w = b.random_constant("w", trans_b ? Shape{4, 5} : Shape{5, 4});
    const ir::ValueId y = b.node("Gemm", {a, w, b.random_constant("c", {4})}, "y", {3, 4},
                                 Attrs{{"transB", trans_b}, {"alpha", 0.5f}, {"beta", 2.f}});
    b.output(batch_norm(b, y, 4, {3, 4}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fold_bn, &after) == 1);
    CHECK(count_ops(after, "BatchNormalization") == 0);
  }
}

TEST_CASE("BatchNormalization stays when it cannot fold", "[passes][fold]") {
  SECTION("the conv output has another reader") {
    GraphBuilder b;
    const ir::ValueId y = conv(b, true);
    b.output(batch_norm(b, y, 4, {1, 4, 6, 6}));
    b.output(b.node("Relu", {y}, "r", {1, 4, 6, 6}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fold_bn, &after) == 0);
  }
  SECTION("the conv output is a graph output") {
    GraphBuilder b;
    const ir::ValueId y = conv(b, true);
    b.output(batch_norm(b, y, 4, {1, 4, 6, 6}));
    b.output(y);
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fold_bn, &after) == 0);
  }
  SECTION("no conv before it") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 4, 6, 6});
    b.output(batch_norm(b, b.node("Relu", {x}, "r", {1, 4, 6, 6}), 4, {1, 4, 6, 6}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fold_bn, &after) == 0);
  }
}

TEST_CASE("Mul, Add, Sub and Div by per-channel constants fold into the Conv", "[passes][fold]") {
  struct Case {
    const char* op;
    Shape constant_shape;
    bool conv_first;
  };
  const std::vector<Case> cases = {
      {"Mul", {4, 1, 1}, true}, {"Mul", {1}, false},         {"Add", {1, 4, 1, 1}, false},
      {"Add", {}, true},        {"Sub", {4, 1, 1}, true},    {"Sub", {4, 1, 1}, false},
      {"Div", {4, 1, 1}, true}, {"Mul", {1, 1, 1, 1}, true},
  };
  for (const Case& c : cases) {
    for (bool bias : {true, false}) {
      INFO(c.op << " " << shape_to_string(c.constant_shape) << " conv first " << c.conv_first);
      GraphBuilder b;
      const ir::ValueId y = conv(b, bias);
      const ir::ValueId k = b.random_constant("k", c.constant_shape, 0.5f, 2.f);
      b.output(
          b.node(c.op, c.conv_first ? std::vector{y, k} : std::vector{k, y}, "z", {1, 4, 6, 6}));
      ir::Graph after;
      CHECK(rewrite_and_compare(b.graph(), fold_affine, &after) == 1);
      CHECK(after.nodes.size() == 1);
    }
  }
}

TEST_CASE("Mul and Add that are not per channel stay", "[passes][fold]") {
  struct Case {
    const char* op;
    Shape constant_shape;
    Shape out_shape;
    bool conv_first;
  };
  const std::vector<Case> cases = {
      {"Add", {1, 4, 6, 6}, {1, 4, 6, 6}, true},        // one value per element
      {"Mul", {1, 1, 1, 1, 1}, {1, 1, 4, 6, 6}, true},  // broadcasting adds a dim
      {"Div", {4, 1, 1}, {1, 4, 6, 6}, false},          // k / conv is not affine in conv
  };
  for (const Case& c : cases) {
    INFO(c.op << " " << shape_to_string(c.constant_shape));
    GraphBuilder b;
    const ir::ValueId y = conv(b, true);
    const ir::ValueId k = b.random_constant("k", c.constant_shape, 0.5f, 2.f);
    b.output(b.node(c.op, c.conv_first ? std::vector{y, k} : std::vector{k, y}, "z", c.out_shape));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fold_affine, &after) == 0);
  }
  SECTION("a [4] constant lines up with the last dim") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 4, 4, 4});
    const ir::ValueId y =
        b.node("Conv", {x, b.random_constant("w", {4, 4, 1, 1})}, "y", {1, 4, 4, 4});
    b.output(b.node("Mul", {y, b.random_constant("k", {4})}, "z", {1, 4, 4, 4}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), fold_affine, &after) == 0);
  }
}

TEST_CASE("folding does not change weights other nodes share", "[passes][fold]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 4, 6, 6});
  const ir::ValueId w = b.random_constant("w", {4, 4, 3, 3});
  const Attrs pads{{"pads", std::vector<int64_t>{1, 1, 1, 1}}};
  const ir::ValueId y1 = b.node("Conv", {x, w}, "y1", {1, 4, 6, 6}, pads);
  const ir::ValueId y2 = b.node("Conv", {x, w}, "y2", {1, 4, 6, 6}, pads);
  b.output(b.node("Mul", {y1, b.random_constant("k", {4, 1, 1})}, "z", {1, 4, 6, 6}));
  b.output(y2);
  ir::Graph after;
  CHECK(rewrite_and_compare(b.graph(), fold_affine, &after) == 1);
  CHECK(after.nodes[0].inputs[1] != after.nodes[1].inputs[1]);
}

TEST_CASE("Shape and Size of static values become constants in fixed-shape graphs",
          "[passes][fold]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {2, 12});
  const ir::ValueId z = b.input("z", {4, 6});
  const ir::ValueId shape = b.node("Shape", {z}, "shape", {2});
  const ir::ValueId size = b.node("Size", {z}, "size", {});
  b.graph().value(shape).dtype = DType::kInt64;
  b.graph().value(size).dtype = DType::kInt64;
  const ir::ValueId r = b.node("Reshape", {x, shape}, "r", {4, 6});
  const ir::ValueId s = b.node("Cast", {size}, "s", {}, Attrs{{"to", int64_t{1}}});
  b.output(b.node("Add", {r, s}, "out", {4, 6}));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(), [](ir::Graph& g) { return passes::fold_shapes(g, {}); }, &after) == 2);
  CHECK(count_ops(after, "Shape") == 0);
  CHECK(after.value(after.find_value("shape")).kind == ir::ValueKind::kConstant);
  CHECK(after.value(after.find_value("size")).constant->as<int64_t>()[0] == 24);

  SECTION("an input dim that came from a symbol may change: nothing folds") {
    ir::Graph g = b.graph();
    g.value(g.find_value("z")).dims[0].symbol = "batch";
    CHECK(passes::fold_shapes(g, {}) == 0);
  }
}

TEST_CASE("frozen overridable constants fold like plain ones", "[passes][fold]") {
  GraphBuilder b;
  const ir::ValueId y = conv(b, true);
  b.graph().value(b.graph().find_value("w")).overridable = true;
  b.output(batch_norm(b, y, 4, {1, 4, 6, 6}));
  for (const char* stat : {"scale", "bias", "mean", "var"})
    b.graph().value(b.graph().find_value(stat)).overridable = true;

  SECTION("not frozen: the caller may feed them, nothing folds") {
    passes::PassOptions options;
    options.freeze_overridable_constants = false;
    ir::Graph kept = b.graph();
    REQUIRE(passes::run_default_passes(kept, options).is_ok());
    CHECK(count_ops(kept, "BatchNormalization") == 1);
  }
  SECTION("frozen by default (constants unless fed)") {
    ir::Graph after;
    rewrite_and_compare(
        b.graph(), [](ir::Graph& g) { return passes::run_default_passes(g, {}).is_ok() ? 1 : 0; },
        &after);
    CHECK(after.nodes.size() == 1);
    for (const ir::Value& v : after.values)
      CHECK_FALSE(v.overridable);
  }
  SECTION("one the caller feeds stays overridable and unfolded") {
    passes::PassOptions options;
    options.overridable_inputs = {"mean"};
    ir::Graph after;
    rewrite_and_compare(
        b.graph(),
        [&](ir::Graph& g) { return passes::run_default_passes(g, options).is_ok() ? 1 : 0; },
        &after);
    CHECK(count_ops(after, "BatchNormalization") == 1);
    for (const ir::Value& v : after.values) {
      INFO(v.name);
      CHECK(v.overridable == (v.name == "mean"));
    }
  }
}
