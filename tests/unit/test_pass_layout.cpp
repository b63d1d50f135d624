// Transpose composition and cancellation, Reshape chain collapse and Identity removal: the
// rewritten graph has fewer data-movement nodes and computes the same outputs.
#include <catch2/catch.hpp>

#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;
using Perm = std::vector<int64_t>;

namespace {

// Each layout pass followed by dead-code elimination (bypassed nodes are left for it).
int then_dce(ir::Graph& g, int rewrites) {
  passes::eliminate_dead_code(g, passes::PassOptions{});
  return rewrites;
}
int transposes(ir::Graph& g) {
  return then_dce(g, passes::cancel_transposes(g, passes::PassOptions{}));
}
int reshapes(ir::Graph& g) {
  return then_dce(g, passes::collapse_reshapes(g, passes::PassOptions{}));
}
int then_dce_sink(ir::Graph& g) {
  return then_dce(g, passes::sink_transposes(g, passes::PassOptions{}));
}
int identities(ir::Graph& g) {
  return then_dce(g, passes::remove_identities(g, passes::PassOptions{}));
}

ir::ValueId transpose(GraphBuilder& b, ir::ValueId x, const Perm& perm, const std::string& name,
                      const Shape& out) {
  return b.node("Transpose", {x}, name, out, perm.empty() ? Attrs{} : Attrs{{"perm", perm}});
}

}  // namespace

TEST_CASE("a Transpose pair that cancels disappears", "[passes][layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 2, 3, 4});
  const ir::ValueId nhwc = transpose(b, x, {0, 2, 3, 1}, "nhwc", {1, 3, 4, 2});
  const ir::ValueId nchw = transpose(b, nhwc, {0, 3, 1, 2}, "nchw", {1, 2, 3, 4});
  b.output(b.node("Relu", {nchw}, "r", {1, 2, 3, 4}));
  ir::Graph after;
  CHECK(rewrite_and_compare(b.graph(), transposes, &after) == 2);  // compose, then drop
  REQUIRE(after.nodes.size() == 1);
  CHECK(after.nodes[0].inputs[0] == after.find_value("x"));
}

TEST_CASE("consecutive Transposes compose into one", "[passes][layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {2, 3, 4, 5});
  const ir::ValueId t1 = transpose(b, x, {1, 0, 3, 2}, "t1", {3, 2, 5, 4});
  const ir::ValueId t2 = transpose(b, t1, {0, 2, 3, 1}, "t2", {3, 5, 4, 2});
  const ir::ValueId t3 = transpose(b, t2, {}, "t3", {2, 4, 5, 3});  // no perm: reversed
  b.output(b.node("Relu", {t3}, "r", {2, 4, 5, 3}));
  ir::Graph after;
  CHECK(rewrite_and_compare(b.graph(), transposes, &after) == 2);
  REQUIRE(count_ops(after, "Transpose") == 1);
  CHECK(only_node(after, "Transpose").inputs[0] == after.find_value("x"));
}

TEST_CASE("Transposes stay where other readers or outputs need them", "[passes][layout]") {
  SECTION("the inner Transpose has another reader") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 2, 3, 4});
    const ir::ValueId nhwc = transpose(b, x, {0, 2, 3, 1}, "nhwc", {1, 3, 4, 2});
    b.output(transpose(b, nhwc, {0, 3, 1, 2}, "nchw", {1, 2, 3, 4}));
    b.output(b.node("Relu", {nhwc}, "r", {1, 3, 4, 2}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), transposes, &after) == 1);  // composed only
    CHECK(count_ops(after, "Transpose") == 2);  // nhwc for Relu, the identity for the output
  }
  SECTION("an identity Transpose that writes a graph output") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 2, 3, 4});
    b.output(transpose(b, x, {0, 1, 2, 3}, "same", {1, 2, 3, 4}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), transposes, &after) == 0);
  }
}

TEST_CASE("Reshape chains collapse to one Reshape", "[passes][layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {2, 3, 4});
  const ir::ValueId f = b.node("Flatten", {x}, "f", {2, 12}, Attrs{{"axis", int64_t{1}}});
  const ir::ValueId u =
      b.node("Unsqueeze", {f, b.int64_constant("axes", {1}, {0})}, "u", {1, 2, 12});
  const ir::ValueId r1 = b.node("Reshape", {u, b.int64_constant("s1", {2}, {4, 6})}, "r1", {4, 6});
  const ir::ValueId r2 =
      b.node("Reshape", {r1, b.int64_constant("s2", {3}, {-1, 2, 3})}, "r2", {4, 2, 3});
  b.output(b.node("Relu", {r2}, "out", {4, 2, 3}));
  ir::Graph after;
  CHECK(rewrite_and_compare(b.graph(), reshapes, &after) >= 1);
  REQUIRE(count_ops(after, "Reshape") == 1);
  CHECK(after.nodes.size() == 2);
  CHECK(only_node(after, "Reshape").inputs[0] == after.find_value("x"));
}

TEST_CASE("Reshapes that copy input dims or feed others are kept", "[passes][layout]") {
  SECTION("a 0 copies a dim of its own input") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {2, 3, 4});
    const ir::ValueId r1 =
        b.node("Reshape", {x, b.int64_constant("s1", {3}, {3, 2, 4})}, "r1", {3, 2, 4});
    b.output(b.node("Reshape", {r1, b.int64_constant("s2", {2}, {0, -1})}, "r2", {3, 8}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), reshapes, &after) == 0);
  }
  SECTION("a Reshape to the input's own shape is removed") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {2, 3});
    const ir::ValueId r = b.node("Reshape", {x, b.int64_constant("s", {2}, {2, 3})}, "r", {2, 3});
    b.output(b.node("Relu", {r}, "out", {2, 3}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), reshapes, &after) == 1);
    CHECK(count_ops(after, "Reshape") == 0);
  }
}

TEST_CASE("Identity nodes are removed unless they write a graph output", "[passes][layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {2, 3});
  const ir::ValueId i1 = b.node("Identity", {x}, "i1", {2, 3});
  const ir::ValueId r = b.node("Relu", {i1}, "r", {2, 3});
  b.output(b.node("Identity", {r}, "out", {2, 3}));
  ir::Graph after;
  CHECK(rewrite_and_compare(b.graph(), identities, &after) == 1);
  CHECK(count_ops(after, "Identity") == 1);
  CHECK(after.value(after.outputs[0]).name == "out");
}

TEST_CASE("a Transpose pair around elementwise ops moves to the small operand",
          "[passes][layout]") {
  SECTION("Mul by a gate, as in squeeze-excite blocks") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 3, 4, 5});
    const ir::ValueId gate = b.input("gate", {1, 1, 1, 3});
    const ir::ValueId nhwc = transpose(b, x, {0, 2, 3, 1}, "nhwc", {1, 4, 5, 3});
    const ir::ValueId m = b.node("Mul", {nhwc, gate}, "m", {1, 4, 5, 3});
    b.output(transpose(b, m, {0, 3, 1, 2}, "nchw", {1, 3, 4, 5}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), then_dce_sink, &after) == 1);
    const ir::Node& mul = only_node(after, "Mul");
    CHECK(mul.inputs[0] == after.find_value("x"));
    CHECK(after.value(mul.outputs[0]).name == "nchw");
    // Only the gate's Transpose is left.
    CHECK(only_node(after, "Transpose").inputs[0] == after.find_value("gate"));
  }
  SECTION("a unary op and a scalar operand need no Transpose at all") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 3, 4, 5});
    const ir::ValueId nhwc = transpose(b, x, {0, 2, 3, 1}, "nhwc", {1, 4, 5, 3});
    const ir::ValueId r = b.node("Sigmoid", {nhwc}, "s", {1, 4, 5, 3});
    const ir::ValueId back = transpose(b, r, {0, 3, 1, 2}, "nchw", {1, 3, 4, 5});
    const ir::ValueId nhwc2 = transpose(b, back, {0, 2, 3, 1}, "nhwc2", {1, 4, 5, 3});
    const ir::ValueId a = b.node("Add", {b.constant("k", {1}, {0.5f}), nhwc2}, "a", {1, 4, 5, 3});
    b.output(transpose(b, a, {0, 3, 1, 2}, "out", {1, 3, 4, 5}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), then_dce_sink, &after) == 2);
    CHECK(count_ops(after, "Transpose") == 0);
  }
  SECTION("Transposes that do not cancel stay") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 3, 4, 5});
    const ir::ValueId t = transpose(b, x, {0, 2, 3, 1}, "t", {1, 4, 5, 3});
    const ir::ValueId r = b.node("Relu", {t}, "r", {1, 4, 5, 3});
    b.output(transpose(b, r, {0, 2, 3, 1}, "out", {1, 5, 3, 4}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), then_dce_sink, &after) == 0);
  }
}
