// Constant ops moved before a Transpose (passes::hoist_constant_ops_over_transposes), as at the
// end of the MediaPipe models: Add(Transpose(ConvTranspose(x)), bias) becomes
// Transpose(Add(ConvTranspose(x), bias')), and the default passes then fold the Add into the
// ConvTranspose's bias. The rewritten graphs compute what the originals computed.
#include <catch2/catch.hpp>

#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;
using Perm = std::vector<int64_t>;

namespace {

int hoist(ir::Graph& g) {
  const int n = passes::hoist_constant_ops_over_transposes(g, passes::PassOptions{});
  passes::eliminate_dead_code(g, passes::PassOptions{});
  return n;
}

int all_passes(ir::Graph& g) {
  REQUIRE(passes::run_default_passes(g, passes::PassOptions{}).is_ok());
  return 0;
}

// x [1,4,5,6] -> ConvTranspose 2x2 stride 2 (C outputs) -> Transpose to NHWC [1,10,12,C].
ir::ValueId upsampled_nhwc(GraphBuilder& b, int64_t channels) {
  const ir::ValueId x = b.input("x", {1, 4, 5, 6});
  const ir::ValueId w = b.random_constant("w", {4, channels, 2, 2});
  const ir::ValueId y = b.node("ConvTranspose", {x, w}, "y", {1, channels, 10, 12},
                               Attrs{{"kernel_shape", Perm{2, 2}}, {"strides", Perm{2, 2}}});
  return b.node("Transpose", {y}, "nhwc", {1, 10, 12, channels}, Attrs{{"perm", Perm{0, 2, 3, 1}}});
}

}  // namespace

TEST_CASE("a per-channel Add after an NHWC Transpose moves before it", "[passes][layout]") {
  GraphBuilder b;
  const ir::ValueId t = upsampled_nhwc(b, 2);
  b.output(b.node("Add", {t, b.constant("bias", {2}, {0.25f, -1.5f})}, "out", {1, 10, 12, 2}));
  ir::Graph after;
  CHECK(rewrite_and_compare(b.graph(), hoist, &after) == 1);
  const ir::Node& add = only_node(after, "Add");
  CHECK(add.inputs[0] == after.find_value("y"));
  CHECK(after.value(add.inputs[1]).dims.size() == 4);
  const ir::Node& transpose = only_node(after, "Transpose");
  CHECK(transpose.inputs[0] == add.outputs[0]);
  CHECK(after.value(transpose.outputs[0]).name == "out");
  CHECK(after.validate().is_ok());
}

TEST_CASE("with every pass the Add disappears into the ConvTranspose bias", "[passes][layout]") {
  GraphBuilder b;
  const ir::ValueId t = upsampled_nhwc(b, 3);
  const ir::ValueId m =
      b.node("Mul", {b.constant("s", {1, 1, 1, 3}, {2.f, 0.5f, -1.f}), t}, "m", {1, 10, 12, 3});
  b.output(b.node("Sub", {m, b.constant("k", {3}, {1.f, 2.f, 3.f})}, "out", {1, 10, 12, 3}));
  ir::Graph after;
  rewrite_and_compare(b.graph(), all_passes, &after);
  CHECK(count_ops(after, "Mul") == 0);
  CHECK(count_ops(after, "Sub") == 0);
  // The Transpose then goes too: the ConvTranspose writes NHWC (absorb_nhwc_output_transposes).
  CHECK(count_ops(after, "Transpose") == 0);
  CHECK(count_ops(after, "ConvTranspose") == 1);
}

TEST_CASE("constant ops stay after a Transpose when moving them cannot help", "[passes][layout]") {
  SECTION("a constant that varies along two axes") {
    GraphBuilder b;
    const ir::ValueId t = upsampled_nhwc(b, 2);
    b.output(b.node("Add", {t, b.random_constant("c", {12, 2})}, "out", {1, 10, 12, 2}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), hoist, &after) == 0);
  }
  SECTION("a Transpose of a graph input (nothing to fold into)") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 2, 3, 4});
    const ir::ValueId t =
        b.node("Transpose", {x}, "t", {1, 3, 4, 2}, Attrs{{"perm", Perm{0, 2, 3, 1}}});
    b.output(b.node("Add", {t, b.constant("c", {2}, {1.f, 2.f})}, "out", {1, 3, 4, 2}));
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), hoist, &after) == 0);
  }
  SECTION("a Transpose with another reader") {
    GraphBuilder b;
    const ir::ValueId t = upsampled_nhwc(b, 2);
    b.output(b.node("Add", {t, b.constant("c", {2}, {1.f, 2.f})}, "out", {1, 10, 12, 2}));
    b.output(t);
    ir::Graph after;
    CHECK(rewrite_and_compare(b.graph(), hoist, &after) == 0);
  }
}
