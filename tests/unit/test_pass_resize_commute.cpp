// Pointwise Conv / Resize commutation: Conv1x1(Resize(x)) becomes Resize(Conv1x1(x)) where that
// is exact, the reference executor computes the same outputs before and after, and each guard
// leaves the graph alone.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "cpu/fused_epilogue.h"
#include "import/importer.h"
#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;

namespace {

int commute(ir::Graph& g) {
  return passes::commute_pointwise_convs_with_resizes(g, {});
}

// x -> Resize -> Conv -> Neg -> output. The Neg keeps the Conv's output an intermediate (graph
// outputs are never moved) without being an activation the Conv epilogue could fuse.
struct Pattern {
  Shape in = {1, 8, 5, 7};
  Shape resized = {1, 8, 11, 13};
  std::string mode = "linear";
  std::string transform = "half_pixel";
  Attrs extra;                // more Resize attributes
  std::vector<float> scales;  // given instead of sizes when not empty
  std::vector<int64_t> sizes = {1, 8, 11, 13};
  int opset = 13;
  int64_t conv_out = 3;
  Shape kernel = {1, 1};
  Attrs conv;  // Conv attributes
};

struct Built {
  GraphBuilder b;
  ir::ValueId resized = ir::kNoValue;
  ir::ValueId conv = ir::kNoValue;
};

void build(Built& g, const Pattern& p) {
  GraphBuilder& b = g.b;
  const ir::ValueId x = b.input("x", p.in);
  Attrs attrs = p.extra;
  attrs["mode"] = p.mode;
  if (p.opset >= 11) attrs["coordinate_transformation_mode"] = p.transform;
  std::vector<ir::ValueId> inputs = {x};
  if (p.opset >= 11) {
    inputs.push_back(b.constant("roi", {0}, {}));
    if (!p.scales.empty()) {
      inputs.push_back(b.constant("scales", {static_cast<int64_t>(p.scales.size())}, p.scales));
    } else {
      inputs.push_back(b.constant("no_scales", {0}, {}));
      inputs.push_back(b.int64_constant("sizes", {static_cast<int64_t>(p.sizes.size())}, p.sizes));
    }
  } else if (p.opset >= 9) {
    inputs.push_back(b.constant("scales", {static_cast<int64_t>(p.scales.size())}, p.scales));
  }
  const std::string op = p.opset < 10 ? "Upsample" : "Resize";
  g.resized = b.node(op, inputs, "up", p.resized, attrs, p.opset);
  const int64_t group = p.conv.count("group") ? std::get<int64_t>(p.conv.at("group")) : 1;
  const auto attr_ints = [&](const char* key, int64_t fallback) {
    return p.conv.count(key) ? std::get<std::vector<int64_t>>(p.conv.at(key))
                             : std::vector<int64_t>(4, fallback);
  };
  const std::vector<int64_t> strides = attr_ints("strides", 1), pads = attr_ints("pads", 0);
  Shape w = {p.conv_out, p.in[1] / group};
  w.insert(w.end(), p.kernel.begin(), p.kernel.end());
  Shape out = {p.resized[0], p.conv_out, 0, 0};
  for (size_t d = 0; d < 2; ++d)
    out[d + 2] = (p.resized[d + 2] + pads[d] + pads[d + 2] - p.kernel[d]) / strides[d] + 1;
  g.conv = b.node("Conv", {g.resized, b.random_constant("w", w), b.random_constant("bias", {w[0]})},
                  "y", out, p.conv);
}

// Builds the pattern with a Neg after the Conv as the graph output.
ir::Graph pattern_graph(const Pattern& p) {
  Built g;
  build(g, p);
  g.b.output(g.b.node("Neg", {g.conv}, "out", g.b.graph().value(g.conv).static_shape()));
  return g.b.graph();
}

const ir::Node& producer(const ir::Graph& g, const std::string& value) {
  const ir::ValueId id = g.find_value(value);
  REQUIRE(id != ir::kNoValue);
  REQUIRE(g.value(id).producer >= 0);
  return g.nodes[g.value(id).producer];
}

std::vector<int64_t> int64_data(const ir::Graph& g, ir::ValueId id) {
  const auto& c = g.value(id).constant;
  return {c->as<int64_t>(), c->as<int64_t>() + c->elements()};
}

// The rewritten graph: the Conv reads x at its resolution and the Resize writes y.
void check_commuted(const ir::Graph& after, int64_t conv_out) {
  const ir::Node& resize = producer(after, "y");
  CHECK((resize.op_type == "Resize" || resize.op_type == "Upsample"));
  const ir::Node& conv = producer(after, after.value(resize.inputs[0]).name);
  CHECK(conv.op_type == "Conv");
  CHECK(after.value(conv.inputs[0]).name == "x");
  const Shape x = after.value(after.find_value("x")).static_shape();
  CHECK(after.value(conv.outputs[0]).static_shape() == Shape{x[0], conv_out, x[2], x[3]});
  // The node list stays in dependency order.
  CHECK(after.value(conv.outputs[0]).producer < after.value(resize.outputs[0]).producer);
}

}  // namespace

TEST_CASE("a 1x1 Conv after a linear Resize moves before it, with the same outputs",
          "[passes][resize_commute]") {
  for (const char* transform : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                "half_pixel_symmetric"}) {
    for (bool by_scales : {false, true}) {
      INFO(transform << (by_scales ? " scales" : " sizes"));
      Pattern p;
      p.transform = transform;
      if (by_scales) {
        p.scales = {1.f, 1.f, 2.f, 1.7f};
        p.resized = {1, 8, 10, 11};
      }
      const ir::Graph before = pattern_graph(p);
      ir::Graph after;
      REQUIRE(rewrite_and_compare(before, commute, &after, 1e-5f) == 1);
      check_commuted(after, 3);
      const ir::Node& resize = producer(after, "y");
      if (!by_scales) {
        // A new sizes constant with the Conv's output channels.
        CHECK(int64_data(after, resize.inputs[3]) == std::vector<int64_t>{1, 3, 11, 13});
        CHECK(int64_data(after, after.find_value("sizes")) == std::vector<int64_t>{1, 8, 11, 13});
      } else {
        CHECK(after.value(resize.inputs[2]).name == "scales");
      }
    }
  }
}

TEST_CASE("commuting keeps the old sizes constant for the other Resizes that read it",
          "[passes][resize_commute]") {
  Built g;
  build(g, Pattern{});
  GraphBuilder& b = g.b;
  const ir::Graph& graph = b.graph();
  const ir::ValueId x2 = b.input("x2", {1, 8, 5, 7});
  const ir::ValueId other = b.node(
      "Resize",
      {x2, graph.find_value("roi"), graph.find_value("no_scales"), graph.find_value("sizes")},
      "other", {1, 8, 11, 13}, {{"mode", std::string("linear")}});
  b.output(b.node("Neg", {g.conv}, "out", {1, 3, 11, 13}));
  b.output(other);
  ir::Graph after;
  REQUIRE(rewrite_and_compare(b.graph(), commute, &after, 1e-5f) == 1);
  CHECK(after.value(producer(after, "other").inputs[3]).name == "sizes");
  CHECK(after.value(producer(after, "y").inputs[3]).name != "sizes");
}

TEST_CASE("Upsample and opset-10 Resize (scales, asymmetric) commute too",
          "[passes][resize_commute]") {
  for (int opset : {7, 9, 10}) {
    INFO("opset " << opset);
    Pattern p;
    p.opset = opset;
    p.mode = opset == 7 ? "bilinear" : "linear";
    p.scales = {1.f, 1.f, 2.f, 3.f};
    p.resized = {1, 8, 10, 21};
    if (opset == 7) p.extra["scales"] = p.scales;
    ir::Graph after;
    REQUIRE(rewrite_and_compare(pattern_graph(p), commute, &after, 1e-5f) == 1);
    check_commuted(after, 3);
  }
}

TEST_CASE("opset-18 Resize of listed spatial axes, antialiased, commutes",
          "[passes][resize_commute]") {
  Pattern p;
  p.opset = 18;
  p.extra["axes"] = std::vector<int64_t>{2, -1};
  p.extra["antialias"] = int64_t{1};
  p.sizes = {11, 13};
  ir::Graph after;
  REQUIRE(rewrite_and_compare(pattern_graph(p), commute, &after, 1e-5f) == 1);
  check_commuted(after, 3);
  // No channel entry to rewrite: the Resize keeps its sizes.
  CHECK(after.value(producer(after, "y").inputs[3]).name == "sizes");
}

TEST_CASE("opset-18 keep_aspect_ratio_policy on the spatial axes commutes",
          "[passes][resize_commute]") {
  Pattern p;
  p.opset = 18;
  p.extra["axes"] = std::vector<int64_t>{2, 3};
  p.extra["keep_aspect_ratio_policy"] = std::string("not_larger");
  p.sizes = {11, 13};  // one scale, min(11 / 5, 13 / 7)
  p.resized = {1, 8, 9, 13};
  ir::Graph after;
  REQUIRE(rewrite_and_compare(pattern_graph(p), commute, &after, 1e-5f) == 1);
  check_commuted(after, 3);
}

TEST_CASE("a nearest Resize commutes exactly, and moves below a following activation",
          "[passes][resize_commute]") {
  Pattern p;
  p.mode = "nearest";
  p.resized = {1, 8, 10, 14};
  p.sizes = {1, 8, 10, 14};
  SECTION("no activation: a copy of the same pixels") {
    ir::Graph after;
    REQUIRE(rewrite_and_compare(pattern_graph(p), commute, &after, 0.f) == 1);
    check_commuted(after, 3);
  }
  SECTION("Relu and Clip move with the Conv and then fuse into it") {
    for (const char* act : {"Relu", "Clip"}) {
      INFO(act);
      Built g;
      build(g, p);
      GraphBuilder& b = g.b;
      std::vector<ir::ValueId> inputs = {g.conv};
      if (std::string(act) == "Clip") {
        inputs.push_back(b.constant("lo", {}, {-0.5f}));
        inputs.push_back(b.constant("hi", {}, {1.f}));
      }
      b.output(b.node("Neg", {b.node(act, inputs, "act", {1, 3, 10, 14})}, "out", {1, 3, 10, 14}));
      ir::Graph after;
      REQUIRE(rewrite_and_compare(b.graph(), commute, &after, 0.f) == 1);
      const ir::Node& resize = producer(after, "act");
      CHECK(resize.op_type == "Resize");
      const ir::Node& moved = producer(after, after.value(resize.inputs[0]).name);
      CHECK(moved.op_type == act);
      CHECK(after.value(moved.outputs[0]).static_shape() == Shape{1, 3, 5, 7});
      CHECK(producer(after, after.value(moved.inputs[0]).name).op_type == "Conv");

      ir::Graph fused = b.graph();
      passes::PassCounts counts;
      REQUIRE(passes::run_default_passes(fused, {}, &counts).is_ok());
      CHECK(only_node(fused, "Conv").attr_string(cpu::kActivationAttr, "") == act);
      CHECK(count_ops(fused, act) == 0);
      check_same_outputs(b.graph(), fused, 0.f);
    }
  }
  SECTION("a PRelu whose slope varies over the pixels stays, and so does the Resize") {
    Built g;
    build(g, p);
    GraphBuilder& b = g.b;
    const ir::ValueId slope = b.random_constant("slope", {3, 10, 14});
    const ir::ValueId act = b.node("PRelu", {g.conv, slope}, "act", {1, 3, 10, 14});
    b.output(b.node("Neg", {act}, "out", {1, 3, 10, 14}));
    ir::Graph graph = b.graph();
    CHECK(commute(graph) == 0);
  }
}

TEST_CASE("each guard leaves the Resize before the Conv", "[passes][resize_commute]") {
  auto unchanged = [](const ir::Graph& graph, const passes::PassOptions& options = {}) {
    ir::Graph after = graph;
    CHECK(passes::commute_pointwise_convs_with_resizes(after, options) == 0);
    CHECK(after.to_string() == graph.to_string());
  };
  SECTION("interpolation that does not commute or is left out") {
    Pattern cubic;
    cubic.mode = "cubic";
    unchanged(pattern_graph(cubic));
    for (const char* transform : {"tf_crop_and_resize", "tf_half_pixel_for_nearest"}) {
      INFO(transform);
      for (const char* mode : {"linear", "nearest"}) {
        Pattern p;
        p.transform = transform;
        p.mode = mode;
        unchanged(pattern_graph(p));
      }
    }
  }
  SECTION("a Resize that changes the batch or channel axis") {
    Pattern channels;  // 4 channels become 8, which the Conv reads
    channels.in = {1, 4, 5, 7};
    channels.scales = {1.f, 2.f, 2.f, 2.f};
    channels.resized = {1, 8, 10, 14};
    unchanged(pattern_graph(channels));
    Pattern mixing;  // 8 channels stay 8 (floor(8 * 1.1)) but get interpolated
    mixing.scales = {1.f, 1.1f, 2.f, 2.f};
    mixing.resized = {1, 8, 10, 14};
    unchanged(pattern_graph(mixing));
    Pattern batch;
    batch.scales = {2.f, 1.f, 2.f, 2.f};
    batch.resized = {2, 8, 10, 14};
    unchanged(pattern_graph(batch));
  }
  SECTION("keep_aspect_ratio_policy over the channel axis") {
    Pattern p;
    p.opset = 18;
    p.extra["keep_aspect_ratio_policy"] = std::string("not_smaller");
    p.sizes = {1, 8, 11, 13};  // the static shapes do not matter: the policy is refused first
    unchanged(pattern_graph(p));
  }
  SECTION("a Conv that is not pointwise") {
    Pattern strided;
    strided.conv["strides"] = std::vector<int64_t>{2, 2};
    unchanged(pattern_graph(strided));
    Pattern padded;
    padded.conv["pads"] = std::vector<int64_t>{1, 1, 1, 1};
    unchanged(pattern_graph(padded));
    Pattern grouped;
    grouped.conv["group"] = int64_t{2};
    unchanged(pattern_graph(grouped));
    Pattern wide;
    wide.kernel = {3, 3};
    wide.conv["pads"] = std::vector<int64_t>{1, 1, 1, 1};
    unchanged(pattern_graph(wide));
  }
  SECTION("a Conv that already carries an epilogue") {
    Pattern p;
    p.conv[cpu::kActivationAttr] = std::string("Relu");
    unchanged(pattern_graph(p));
    Built g;
    build(g, Pattern{});
    const ir::ValueId residual = g.b.input("r", {1, 3, 11, 13});
    g.b.graph().nodes.back().inputs.push_back(residual);
    g.b.output(g.b.node("Neg", {g.conv}, "out", {1, 3, 11, 13}));
    unchanged(g.b.graph());
  }
  SECTION("a linear Resize and an activation after the Conv, which would lose its fusion") {
    Built g;
    build(g, Pattern{});
    const ir::ValueId act = g.b.node("Relu", {g.conv}, "act", {1, 3, 11, 13});
    g.b.output(g.b.node("Neg", {act}, "out", {1, 3, 11, 13}));
    unchanged(g.b.graph());
  }
  SECTION("a Resize output with another reader, or kept") {
    Built g;
    build(g, Pattern{});
    g.b.output(g.b.node("Neg", {g.conv}, "out", {1, 3, 11, 13}));
    g.b.output(g.b.node("Neg", {g.resized}, "out2", {1, 8, 11, 13}));
    unchanged(g.b.graph());
    passes::PassOptions keep;
    keep.keep = {"up"};
    unchanged(pattern_graph(Pattern{}), keep);
  }
  SECTION("a Conv output that is kept or a graph output") {
    passes::PassOptions keep;
    keep.keep = {"y"};
    unchanged(pattern_graph(Pattern{}), keep);
    Built g;
    build(g, Pattern{});
    g.b.output(g.conv);
    unchanged(g.b.graph());
  }
  SECTION("a rewrite that would cost more: a downscale, or a Conv that adds channels") {
    Pattern down;
    down.scales = {1.f, 1.f, 0.5f, 0.5f};
    down.resized = {1, 8, 2, 3};
    unchanged(pattern_graph(down));
    Pattern wider;
    wider.conv_out = 16;
    unchanged(pattern_graph(wider));
  }
}

namespace {

// $EDGEINFER_MODELS_DIR, else ../shared/models from the project root or a build folder in it.
std::string models_dir() {
  if (const char* env = std::getenv("EDGEINFER_MODELS_DIR")) return std::string(env) + "/";
  for (const char* dir : {"../shared/models/", "../../shared/models/"})
    if (std::filesystem::exists(std::string(dir) + "MODELS.md")) return dir;
  return "../shared/models/";
}

int commuted_in_model(const std::string& file) {
  INFO(file);
  auto bytes = import::map_model_file(models_dir() + file);
  INFO(bytes.status().to_string());
  REQUIRE(bytes.is_ok());
  auto graph = import::import_model(*bytes, import::ImportOptions{});
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  passes::PassCounts counts;
  REQUIRE(passes::run_default_passes(*graph, {}, &counts).is_ok());
  for (const auto& [pass, count] : counts)
    if (pass == "commute_pointwise_convs_with_resizes") return count;
  FAIL("the default passes did not run the commutation");
  return -1;
}

}  // namespace

// test_pass_models checks the outputs of the passed models against the imported ones.
TEST_CASE("the MediaPipe decoders' three Resize + 1x1 Conv pairs commute",
          "[passes][resize_commute][models]") {
  CHECK(commuted_in_model("selfie_segmentation.onnx") == 3);
  CHECK(commuted_in_model("mediapipe.onnx") == 3);
  // SINet resizes after its 1x1 Convs already (then a BatchNormalization).
  CHECK(commuted_in_model("SINet_Softmax_simple.onnx") == 0);
}
