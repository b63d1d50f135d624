// absorb_nhwc_input_transposes: an NHWC -> NCHW Transpose whose readers are all Convs (input 0)
// goes, the Convs read the NHWC value marked channels-last, and the graph computes the same
// outputs with the reference kernels; anything else keeps its Transpose.
#include <catch2/catch.hpp>

#include "cpu/input_layout.h"
#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;
using Ints = std::vector<int64_t>;

namespace {

int absorb(ir::Graph& g, const passes::PassOptions& options = {}) {
  const int n = passes::absorb_nhwc_input_transposes(g, options);
  passes::eliminate_dead_code(g, options);
  return n;
}

// x [1, 9, 11, 3] NHWC and its NCHW Transpose (perm as given).
struct Image {
  GraphBuilder b;
  ir::ValueId x, t;
  explicit Image(const Ints& perm = {0, 3, 1, 2}, const Shape& t_shape = {1, 3, 9, 11}) {
    x = b.input("x", {1, 9, 11, 3});
    t = b.node("Transpose", {x}, "t", t_shape, Attrs{{"perm", perm}});
  }
  // A 3x3 stride-2 Conv of t (or `in`) to `m` channels with a bias.
  ir::ValueId conv(const std::string& name, int64_t m, ir::ValueId in = ir::kNoValue) {
    return b.node("Conv",
                  {in == ir::kNoValue ? t : in, b.random_constant(name + "_w", {m, 3, 3, 3}),
                   b.random_constant(name + "_b", {m})},
                  name, {1, m, 5, 6},
                  Attrs{{"strides", Ints{2, 2}},
                        {"pads", Ints{1, 1, 1, 1}},
                        {"ei_activation", std::string("HardSwish")}});
  }
};

bool channels_last(const ir::Node& node) {
  return node.attr_string(cpu::kInputLayoutAttr, "") == "NHWC";
}

}  // namespace

TEST_CASE("the NHWC Transpose before a Conv is absorbed into it", "[passes][nhwc]") {
  Image img;
  img.b.output(img.conv("c", 16));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            img.b.graph(), [](ir::Graph& g) { return absorb(g); }, &after) == 1);
  CHECK(count_ops(after, "Transpose") == 0);
  const ir::Node& conv = only_node(after, "Conv");
  CHECK(channels_last(conv));
  CHECK(conv.inputs[0] == after.find_value("x"));
}

TEST_CASE("a Transpose read by several Convs is absorbed into each", "[passes][nhwc]") {
  Image img;
  img.b.output(img.conv("c1", 8));
  img.b.output(img.conv("c2", 5));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            img.b.graph(), [](ir::Graph& g) { return absorb(g); }, &after) == 1);
  CHECK(count_ops(after, "Transpose") == 0);
  for (const ir::Node& n : after.nodes) {
    CHECK(channels_last(n));
    CHECK(n.inputs[0] == after.find_value("x"));
  }
}

TEST_CASE("the NHWC Transpose stays when it cannot be absorbed", "[passes][nhwc]") {
  auto unchanged = [](const ir::Graph& g, const passes::PassOptions& options = {}) {
    ir::Graph after;
    CHECK(rewrite_and_compare(
              g, [&](ir::Graph& a) { return absorb(a, options); }, &after) == 0);
    CHECK(count_ops(after, "Transpose") == 1);
    for (const ir::Node& n : after.nodes)
      CHECK(!n.has_attr(cpu::kInputLayoutAttr));
  };
  SECTION("another reader that is not a Conv") {
    Image img;
    img.b.output(img.conv("c", 8));
    img.b.output(img.b.node("Relu", {img.t}, "r", {1, 3, 9, 11}));
    unchanged(img.b.graph());
  }
  SECTION("a Conv that reads it as its weights") {
    Image img;
    const ir::ValueId m = img.b.input("m", {1, 3, 9, 11});
    img.b.output(img.b.node("Conv", {m, img.t}, "c", {1, 1, 1, 1}));
    unchanged(img.b.graph());
  }
  SECTION("another permutation") {
    Image img({0, 3, 2, 1}, {1, 3, 11, 9});
    img.b.output(
        img.b.node("Conv", {img.t, img.b.random_constant("w", {4, 3, 3, 3})}, "c", {1, 4, 9, 7}));
    unchanged(img.b.graph());
  }
  SECTION("the transposed value is a graph output") {
    Image img;
    img.b.output(img.conv("c", 8));
    img.b.output(img.t);
    unchanged(img.b.graph());
  }
  SECTION("the transposed value is kept by the caller") {
    Image img;
    img.b.output(img.conv("c", 8));
    passes::PassOptions options;
    options.keep = {"t"};
    unchanged(img.b.graph(), options);
  }
}

TEST_CASE("the default passes read the NHWC image in the first Conv", "[passes][nhwc]") {
  Image img;
  img.b.output(img.conv("c", 16));
  ir::Graph g = img.b.graph();
  passes::PassCounts counts;
  REQUIRE(passes::run_default_passes(g, {}, &counts).is_ok());
  int absorbed = 0;
  for (const auto& [name, n] : counts)
    if (name == "absorb_nhwc_input_transposes") absorbed += n;
  CHECK(absorbed == 1);
  CHECK(count_ops(g, "Transpose") == 0);
  CHECK(channels_last(only_node(g, "Conv")));
  check_same_outputs(img.b.graph(), g, 1e-5f);
}
