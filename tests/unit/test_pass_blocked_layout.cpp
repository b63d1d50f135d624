// propagate_blocked_layout: Convs and the per-channel ops between them carry blocked (NCHWc)
// tensors, reorders appear only where a planar reader, a graph output or a kept value needs
// the ONNX layout, and the rewritten graph computes what the original did (reference kernels,
// which read blocked tensors through an ONNX-layout detour; the fast kernels are checked
// against them in their own tests and on the real models in models_vs_ort_nchwc).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/input_layout.h"
#include "edgeinfer/edgeinfer.h"
#include "onnx_builder.h"
#include "passes/pass.h"
#include "temp_dir.h"
#include "test_models.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;
using Ints = std::vector<int64_t>;

namespace {

int count_reorders(const ir::Graph& g, const std::string& to) {
  int n = 0;
  for (const ir::Node& node : g.nodes)
    if (node.op_type == cpu::kReorderOp && node.attr_string(cpu::kOutputLayoutAttr, "") == to) ++n;
  return n;
}

// The node GraphBuilder made for output `name`.
const ir::Node& node_named(const ir::Graph& g, const std::string& name) {
  for (const ir::Node& node : g.nodes)
    if (node.name == "node_" + name) return node;
  FAIL("no node " << name);
  return g.nodes.front();
}

ir::ValueId conv(GraphBuilder& b, const std::string& name, ir::ValueId x, int64_t in, int64_t out,
                 int64_t k, const Shape& out_shape, Attrs attrs = {}, int64_t group = 1) {
  attrs["kernel_shape"] = Ints{k, k};
  attrs["pads"] = Ints{k / 2, k / 2, k / 2, k / 2};
  if (group != 1) attrs["group"] = group;
  return b.node("Conv",
                {x, b.random_constant(name + "_w", {out, in / group, k, k}),
                 b.random_constant(name + "_b", {out})},
                name, out_shape, attrs);
}

// A small network with every kind of op the region takes: a first layer reading the 3-channel
// image in place, a depthwise conv, per-channel and scalar arithmetic, a squeeze-excite block
// (global pool, 1x1 convs, broadcast Mul), pooling and Resize.
ir::Graph region_network(int64_t c) {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 3, 17, 19});
  ir::ValueId y = conv(b, "first", x, 3, c, 3, {1, c, 9, 10},
                       Attrs{{"strides", Ints{2, 2}}, {"ei_activation", std::string("HardSwish")}});
  y = b.node("Relu", {y}, "relu", {1, c, 9, 10});
  const ir::ValueId dw = conv(b, "dw", y, c, c, 3, {1, c, 9, 10}, {}, c);
  std::vector<float> scale(static_cast<size_t>(c));
  for (size_t i = 0; i < scale.size(); ++i)
    scale[i] = 0.5f + 0.1f * static_cast<float>(i);
  y = b.node("Mul", {dw, b.constant("scale", {c, 1, 1}, scale)}, "scaled", {1, c, 9, 10});
  y = b.node("Add", {y, b.constant("half", {}, {0.5f})}, "shifted", {1, c, 9, 10});
  const ir::ValueId gap = b.node("GlobalAveragePool", {y}, "gap", {1, c, 1, 1});
  ir::ValueId se = conv(b, "squeeze", gap, c, 4, 1, {1, 4, 1, 1});
  se = conv(b, "excite", se, 4, c, 1, {1, c, 1, 1},
            Attrs{{"ei_activation", std::string("Sigmoid")}});
  y = b.node("Mul", {y, se}, "excited", {1, c, 9, 10});
  y = conv(b, "project", y, c, 24, 1, {1, 24, 9, 10});
  y = b.node(
      "MaxPool", {y}, "pool", {1, 24, 5, 5},
      Attrs{{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}});
  y = b.node("Resize",
             {y, b.constant("roi", {0}, {}), b.constant("scales", {0}, {}),
              b.int64_constant("sizes", {4}, {1, 24, 9, 10})},
             "resized", {1, 24, 9, 10}, Attrs{{"mode", std::string("linear")}});
  b.output(y);
  return b.graph();
}

// Two convolutions with a Relu between them, 3 -> 20 -> 10 channels at 12x12 (stride 2).
std::string small_conv_model() {
  onnx::ModelProto m = onnx_model("blocked_session");
  auto* g = m.mutable_graph();
  add_io(g->add_input(), "x", {1, 3, 12, 12});
  add_io(g->add_output(), "y", {1, 10, 6, 6});
  add_weight(g, "w1", {20, 3, 3, 3});
  add_weight(g, "w2", {10, 20, 1, 1});
  auto* c1 = add_conv(g, "c1", "x", "w1", "h");
  set_ints(c1, "pads", {1, 1, 1, 1});
  set_ints(c1, "strides", {2, 2});
  auto* relu = g->add_node();
  relu->set_op_type(std::string("Relu"));
  relu->add_input(std::string("h"));
  relu->add_output(std::string("r"));
  add_conv(g, "c2", "r", "w2", "y");
  return serialized(m);
}

}  // namespace

TEST_CASE("a network of convs and per-channel ops runs blocked with one reorder at its output",
          "[passes][blocked_layout]") {
  for (int block : {8, 16}) {
    for (int64_t c : {int64_t{5}, int64_t{16}, int64_t{20}}) {
      INFO("block " << block << ", " << c << " channels");
      const ir::Graph before = region_network(c);
      ir::Graph after;
      const int joined = rewrite_and_compare(
          before, [&](ir::Graph& g) { return passes::propagate_blocked_layout(g, {}, block); },
          &after);
      CHECK(joined == static_cast<int>(before.nodes.size()));
      CHECK(count_reorders(after, "NCHW") == 1);
      CHECK(count_reorders(after, cpu::blocked_layout_name(block)) == 0);
      // The first layer reads the 3-channel image in place and writes the blocked layout.
      const ir::Node& first = node_named(after, "first");
      CHECK_FALSE(first.has_attr(cpu::kInputLayoutAttr));
      CHECK(cpu::output_block(first) == block);
      CHECK(cpu::input_block(node_named(after, "dw")) == block);
      CHECK(after.value(first.outputs[0]).static_shape() ==
            Shape{1, cpu::channel_blocks(c, block), 9, 10, block});
      // The per-channel constant became a blocked one; the scalar stayed as it was.
      const ir::Node& scaled = node_named(after, "scaled");
      CHECK(after.value(scaled.inputs[1]).constant->shape() ==
            Shape{1, cpu::channel_blocks(c, block), 1, 1, block});
      CHECK(after.value(node_named(after, "shifted").inputs[1]).constant->shape() == Shape{});
      // The graph output keeps its name and ONNX shape.
      const ir::Value& out = after.value(after.outputs[0]);
      CHECK(out.name == "resized");
      CHECK(out.static_shape() == Shape{1, 24, 9, 10});
    }
  }
}

TEST_CASE("planar readers and kept values read reorders back; each value is reordered once",
          "[passes][blocked_layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 8, 6, 7});
  const ir::ValueId a = conv(b, "a", x, 8, 8, 3, {1, 8, 6, 7});
  // Two planar readers of a: one reorder serves both.
  b.output(b.node("Softmax", {a}, "soft", {1, 8, 6, 7}, Attrs{{"axis", int64_t{1}}}));
  b.output(b.node("Exp", {a}, "exp", {1, 8, 6, 7}));
  const ir::ValueId c = conv(b, "c", a, 8, 8, 1, {1, 8, 6, 7});
  const ir::ValueId d = conv(b, "d", c, 8, 8, 1, {1, 8, 6, 7});
  b.output(d);
  passes::PassOptions options;
  options.keep = {"c"};
  ir::Graph after = b.graph();
  const int joined = passes::propagate_blocked_layout(after, options, 8);
  CHECK(joined == 3);
  check_same_outputs(b.graph(), after, 1e-4f);
  // x (8 channels) is reordered in; a (two planar readers), c (kept) and d (output) back.
  CHECK(count_reorders(after, "NCHW8c") == 1);
  CHECK(count_reorders(after, "NCHW") == 3);
  const ir::ValueId kept = after.find_value("c");
  REQUIRE(kept != ir::kNoValue);
  CHECK(after.value(kept).static_shape() == Shape{1, 8, 6, 7});
  CHECK(after.nodes[after.value(kept).producer].op_type == cpu::kReorderOp);
}

TEST_CASE("ops the blocked layout cannot carry stay planar", "[passes][blocked_layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 12, 5, 5});
  const ir::ValueId a = conv(b, "a", x, 12, 12, 3, {1, 12, 5, 5});
  // Two groups (not depthwise): planar.
  const ir::ValueId g = conv(b, "grouped", a, 12, 12, 3, {1, 12, 5, 5}, {}, 2);
  // Division by a per-channel constant: padding lanes would divide by zero.
  std::vector<float> divisors(12, 2.f);
  const ir::ValueId q =
      b.node("Div", {a, b.constant("divisors", {12, 1, 1}, divisors)}, "q", {1, 12, 5, 5});
  // A Concat of 12 + 12 channels with blocks of 8 would split a block: planar.
  const ir::ValueId cat =
      b.node("Concat", {g, q}, "cat", {1, 24, 5, 5}, Attrs{{"axis", int64_t{1}}});
  b.output(cat);
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(), [](ir::Graph& g) { return passes::propagate_blocked_layout(g, {}, 8); },
            &after) == 1);
  CHECK(cpu::output_block(node_named(after, "a")) == 8);
  CHECK_FALSE(cpu::uses_blocked_layout(node_named(after, "grouped")));
  CHECK_FALSE(cpu::uses_blocked_layout(node_named(after, "cat")));
  CHECK(after.value(node_named(after, "q").outputs[0]).static_shape() == Shape{1, 12, 5, 5});
}

TEST_CASE("a Concat of whole blocks along the channels stays blocked", "[passes][blocked_layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 3, 6, 6});
  const ir::ValueId a = conv(b, "a", x, 3, 16, 3, {1, 16, 6, 6});
  const ir::ValueId c = conv(b, "c", x, 3, 5, 3, {1, 5, 6, 6});
  const ir::ValueId cat =
      b.node("Concat", {a, c}, "cat", {1, 21, 6, 6}, Attrs{{"axis", int64_t{-3}}});
  b.output(conv(b, "after", cat, 21, 7, 3, {1, 7, 6, 6}));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(), [](ir::Graph& g) { return passes::propagate_blocked_layout(g, {}, 8); },
            &after) == 4);
  const ir::Node& concat = node_named(after, "cat");
  CHECK(concat.attr_int("axis", 0) == 1);
  CHECK(after.value(concat.outputs[0]).static_shape() == Shape{1, 3, 6, 6, 8});
  CHECK(count_reorders(after, "NCHW") == 1);
}

TEST_CASE("graphs whose input sizes may change are left planar", "[passes][blocked_layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 8, 6, 6});
  b.graph().value(x).dims[2] = ir::Dim::named("height");
  b.output(conv(b, "a", x, 8, 8, 3, {1, 8, 6, 6}));
  ir::Graph g = b.graph();
  CHECK(passes::propagate_blocked_layout(g, {}, 8) == 0);
  CHECK(g.nodes.size() == 1);
}

TEST_CASE("a model file that names the internal reorder op is rejected at load",
          "[passes][blocked_layout]") {
  onnx::ModelProto m = onnx_model("hostile_reorder");
  auto* g = m.mutable_graph();
  add_io(g->add_input(), "x", {1, 8, 4, 4});
  add_io(g->add_output(), "y", {1, 1, 4, 4, 8});
  auto* n = g->add_node();
  n->set_op_type(std::string(cpu::kReorderOp));
  n->add_input(std::string("x"));
  n->add_output(std::string("y"));
  auto* a = n->add_attribute();
  a->set_name(cpu::kOutputLayoutAttr);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("NCHW8c");
  const std::string bytes = serialized(m);
  auto model = Model::load_from_memory(bytes.data(), bytes.size(), "hostile.onnx");
  REQUIRE_FALSE(model.is_ok());
  CHECK(model.status().code() == StatusCode::kUnsupported);
  CHECK_THAT(model.status().message(), Catch::Contains(cpu::kReorderOp));
}

TEST_CASE("a session with the blocked layout computes what the planar one does",
          "[passes][blocked_layout]") {
  // Through the public API with the fast kernels, on a graph the pass changes.
  const std::string bytes = small_conv_model();
  std::vector<float> results[2];
  for (bool blocked : {false, true}) {
    Options options;
    options.backend = Backend::kCpu;
    options.cpu_layout = blocked ? CpuLayout::kNchwc : CpuLayout::kNchw;
    options.threads = 2;
    auto model = Model::load_from_memory(bytes.data(), bytes.size(), "blocked.onnx", options);
    REQUIRE(model.is_ok());
    auto session = model->create_session();
    REQUIRE(session.is_ok());
    CHECK((session->graph_text().find(cpu::kReorderOp) != std::string::npos) == blocked);
    auto in = session->input(0);
    REQUIRE(in.is_ok());
    for (int64_t i = 0; i < in->elements(); ++i)
      in->as<float>()[i] = static_cast<float>((i * 37) % 101) / 50.f - 1.f;
    REQUIRE(session->run().is_ok());
    auto out = session->output(0);
    REQUIRE(out.is_ok());
    CHECK(out->shape == Shape{1, 10, 6, 6});
    results[blocked].assign(out->as<float>(), out->as<float>() + out->elements());
  }
  REQUIRE(results[0].size() == results[1].size());
  for (size_t i = 0; i < results[0].size(); ++i)
    CHECK(results[1][i] == Approx(results[0][i]).margin(1e-4));
}

TEST_CASE("a BatchNormalization in a region becomes a blocked depthwise 1x1 Conv",
          "[passes][blocked_layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 3, 7, 9});
  const ir::ValueId a = conv(b, "a", x, 3, 10, 3, {1, 10, 7, 9});
  const ir::ValueId bn =
      b.node("BatchNormalization",
             {a, b.random_constant("gamma", {10}), b.random_constant("beta", {10}),
              b.random_constant("mean", {10}), b.random_constant("var", {10}, 0.5f, 2.f)},
             "bn", {1, 10, 7, 9}, Attrs{{"epsilon", 1e-3f}});
  const ir::ValueId p =
      b.node("PRelu", {bn, b.random_constant("slope", {10, 1, 1})}, "prelu", {1, 10, 7, 9});
  b.output(conv(b, "c", p, 10, 4, 1, {1, 4, 7, 9}));
  ir::Graph after;
  CHECK(rewrite_and_compare(
            b.graph(), [](ir::Graph& g) { return passes::propagate_blocked_layout(g, {}, 8); },
            &after) == 4);
  CHECK(count_ops(after, "BatchNormalization") == 0);
  const ir::Node& dw = node_named(after, "bn");
  CHECK(dw.op_type == "Conv");
  CHECK(dw.attr_int("group", 1) == 10);
  CHECK(cpu::input_block(dw) == 8);
  CHECK(cpu::output_block(dw) == 8);
  CHECK(count_reorders(after, "NCHW") == 1);
}

TEST_CASE("the real models run blocked on fast kernels with no reference detour",
          "[passes][blocked_layout][models]") {
  for (const std::string& path : testing::real_models()) {
    for (const int threads : {1, 2}) {
      INFO(path << ", " << threads << " thread(s)");
      Options options;
      options.backend = Backend::kCpu;
      options.cpu_layout = CpuLayout::kNchwc;
      options.threads = threads;
      auto model = Model::load(path, options);
      REQUIRE(model.is_ok());
      auto session = model->create_session();
      REQUIRE(session.is_ok());
      const int64_t fallbacks = cpu::fast::reference_fallback_count();
      std::vector<NodeProfile> profile;
      REQUIRE(session->run_profiled(&profile).is_ok());
      CHECK(cpu::fast::reference_fallback_count() == fallbacks);
      int blocked_convs = 0;
      for (const NodeProfile& node : profile) {
        INFO(node.node_name << " (" << node.op_type << ") " << node.algorithm);
        CHECK(node.algorithm != "reference");
        if (node.algorithm.rfind("nchwc", 0) == 0) ++blocked_convs;
      }
      CHECK(blocked_convs >= 20);
    }
  }
}

TEST_CASE("layout auto takes the blocked layout where its reorders are few",
          "[passes][blocked_layout][models]") {
  const std::vector<std::string> models = testing::real_models();
  for (const std::string& path : models) {
    Options options;
    options.backend = Backend::kCpu;
    auto model = Model::load(path, options);
    REQUIRE(model.is_ok());
    auto session = model->create_session();
    REQUIRE(session.is_ok());
    // SINet's channel shuffles would need reorders around most of its layers.
    const bool sinet = path.find("SINet") != std::string::npos;
    INFO(path);
    CHECK(session->stats().cpu_layout == (sinet ? CpuLayout::kNchw : CpuLayout::kNchwc));
  }
}

TEST_CASE("layout auto with autotune times both layouts once and caches the choice",
          "[passes][blocked_layout]") {
  testing::TempDir cache;
  const std::string bytes = small_conv_model();
  Options options;
  options.backend = Backend::kCpu;
  options.autotune = true;
  options.cache_dir = cache.path.string();
  auto load = [&]() {
    auto model = Model::load_from_memory(bytes.data(), bytes.size(), "small.onnx", options);
    REQUIRE(model.is_ok());
    auto session = model->create_session();
    REQUIRE(session.is_ok());
    return session->stats().cpu_layout;
  };
  const CpuLayout first = load();
  CHECK(first != CpuLayout::kAuto);
  const std::filesystem::path file = cache.path / "autotune" / "cpu.tsv";
  REQUIRE(std::filesystem::exists(file));
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string chosen = std::string("\t") + cpu_layout_name(first) + "\n";
  const size_t line = text.find("Layout graph=");
  REQUIRE(line != std::string::npos);
  const size_t value = text.find(chosen, line);
  REQUIRE(value != std::string::npos);
  // A later load reads the cache: flip the recorded choice and it follows.
  const CpuLayout other = first == CpuLayout::kNchw ? CpuLayout::kNchwc : CpuLayout::kNchw;
  text.replace(value, chosen.size(), std::string("\t") + cpu_layout_name(other) + "\n");
  {
    std::ofstream out(file, std::ios::trunc);
    out << text;
  }
  CHECK(load() == other);
}

TEST_CASE("layout auto follows algorithm overrides that name a layout",
          "[passes][blocked_layout]") {
  const std::string bytes = small_conv_model();
  auto layout_with = [&](const std::string& node_or_op, const std::string& algorithm) {
    Options options;
    options.backend = Backend::kCpu;
    options.algorithms[node_or_op] = algorithm;
    auto model = Model::load_from_memory(bytes.data(), bytes.size(), "small.onnx", options);
    REQUIRE(model.is_ok());
    auto session = model->create_session();
    INFO(session.status().to_string());
    REQUIRE(session.is_ok());
    return session->stats().cpu_layout;
  };
  CHECK(layout_with("Conv", "im2col-gemm") == CpuLayout::kNchw);
  CHECK(layout_with("c2", "1x1-gemm") == CpuLayout::kNchw);
  CHECK(layout_with("c2", "nchwc") == CpuLayout::kNchwc);
}

TEST_CASE("Convs the predicate keeps planar stay out of the region", "[passes][blocked_layout]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 3, 8, 8});
  const ir::ValueId a = conv(b, "a", x, 3, 16, 3, {1, 16, 8, 8});
  const ir::ValueId w = conv(b, "winograd", a, 16, 16, 3, {1, 16, 8, 8});
  b.output(conv(b, "c", w, 16, 8, 1, {1, 8, 8, 8}));
  ir::Graph after;
  const passes::ConvPredicate keep_winograd = [](const ir::Graph&, const ir::Node& node) {
    return node.name == "node_winograd";
  };
  CHECK(rewrite_and_compare(
            b.graph(),
            [&](ir::Graph& g) {
              return passes::propagate_blocked_layout(g, {}, 8, nullptr, keep_winograd);
            },
            &after) == 2);
  CHECK_FALSE(cpu::uses_blocked_layout(node_named(after, "winograd")));
  CHECK(cpu::output_block(node_named(after, "a")) == 8);
  CHECK(cpu::output_block(node_named(after, "c")) == 8);
  // Out of the region after a, into it again before c, out at the graph output.
  CHECK(count_reorders(after, "NCHW") == 2);
  CHECK(count_reorders(after, "NCHW8c") == 1);
}
