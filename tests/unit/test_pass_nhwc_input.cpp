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

// The output side: absorb_nhwc_output_transposes lets a ConvTranspose write the NHWC value of
// the Transpose that only it feeds.
namespace {

int absorb_output(ir::Graph& g, const passes::PassOptions& options = {}) {
  const int n = passes::absorb_nhwc_output_transposes(g, options);
  passes::eliminate_dead_code(g, options);
  return n;
}

// x [1, 5, 4, 3] NCHW, up-sampled 2x by a ConvTranspose with a fused HardSwish to `up`
// [1, 2, 8, 6], which a Transpose (perm as given) reads.
struct Decoder {
  GraphBuilder b;
  ir::ValueId x, up, t;
  explicit Decoder(const Ints& perm = {0, 2, 3, 1}, const Shape& t_shape = {1, 8, 6, 2},
                   bool residual = false) {
    x = b.input("x", {1, 5, 4, 3});
    std::vector<ir::ValueId> inputs = {x, b.random_constant("w", {5, 2, 2, 2}),
                                       b.random_constant("bias", {2})};
    if (residual) inputs.push_back(b.input("res", {1, 2, 8, 6}));
    up = b.node("ConvTranspose", inputs, "up", {1, 2, 8, 6},
                Attrs{{"strides", Ints{2, 2}},
                      {"kernel_shape", Ints{2, 2}},
                      {"ei_activation", std::string("HardSwish")}});
    t = b.node("Transpose", {up}, "t", t_shape, Attrs{{"perm", perm}});
  }
};

bool writes_nhwc(const ir::Node& node) {
  return node.attr_string(cpu::kOutputLayoutAttr, "") == "NHWC";
}

}  // namespace

TEST_CASE("the NHWC Transpose after a ConvTranspose is absorbed into it", "[passes][nhwc]") {
  Decoder d;
  d.b.output(d.t);
  ir::Graph after;
  CHECK(rewrite_and_compare(
            d.b.graph(), [](ir::Graph& g) { return absorb_output(g); }, &after) == 1);
  CHECK(count_ops(after, "Transpose") == 0);
  const ir::Node& up = only_node(after, "ConvTranspose");
  CHECK(writes_nhwc(up));
  // The graph output keeps its name and its NHWC shape.
  REQUIRE(after.outputs.size() == 1);
  CHECK(up.outputs[0] == after.outputs[0]);
  CHECK(after.value(after.outputs[0]).name == "t");
  CHECK(after.value(after.outputs[0]).static_shape() == Shape{1, 8, 6, 2});
}

TEST_CASE("the NHWC output Transpose stays when it cannot be absorbed", "[passes][nhwc]") {
  auto unchanged = [](const ir::Graph& g, const passes::PassOptions& options = {}) {
    ir::Graph after;
    CHECK(rewrite_and_compare(
              g, [&](ir::Graph& a) { return absorb_output(a, options); }, &after) == 0);
    CHECK(count_ops(after, "Transpose") == 1);
    for (const ir::Node& n : after.nodes)
      CHECK(!n.has_attr(cpu::kOutputLayoutAttr));
  };
  SECTION("another permutation") {
    Decoder d({0, 3, 2, 1}, {1, 6, 8, 2});
    d.b.output(d.t);
    unchanged(d.b.graph());
  }
  SECTION("the ConvTranspose output has a second reader") {
    Decoder d;
    d.b.output(d.t);
    d.b.output(d.b.node("Relu", {d.up}, "r", {1, 2, 8, 6}));
    unchanged(d.b.graph());
  }
  SECTION("the ConvTranspose output is a graph output") {
    Decoder d;
    d.b.output(d.t);
    d.b.output(d.up);
    unchanged(d.b.graph());
  }
  SECTION("the ConvTranspose output is kept by the caller") {
    Decoder d;
    d.b.output(d.t);
    passes::PassOptions options;
    options.keep = {"up"};
    unchanged(d.b.graph(), options);
  }
  SECTION("the ConvTranspose has a fused residual") {
    Decoder d({0, 2, 3, 1}, {1, 8, 6, 2}, true);
    d.b.output(d.t);
    unchanged(d.b.graph());
  }
  SECTION("a Transpose of a graph input") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 2, 8, 6});
    b.output(b.node("Transpose", {x}, "t", {1, 8, 6, 2}, Attrs{{"perm", Ints{0, 2, 3, 1}}}));
    unchanged(b.graph());
  }
}

TEST_CASE("the default passes write the NHWC output in the last ConvTranspose", "[passes][nhwc]") {
  Decoder d;
  d.b.output(d.t);
  ir::Graph g = d.b.graph();
  passes::PassCounts counts;
  REQUIRE(passes::run_default_passes(g, {}, &counts).is_ok());
  int absorbed = 0;
  for (const auto& [name, n] : counts)
    if (name == "absorb_nhwc_output_transposes") absorbed += n;
  CHECK(absorbed == 1);
  CHECK(count_ops(g, "Transpose") == 0);
  CHECK(writes_nhwc(only_node(g, "ConvTranspose")));
  check_same_outputs(d.b.graph(), g, 1e-5f);
}
