// Static shape inference after folding: Resize sizes computed as Concat(Slice(Shape(x)), ...)
// (what tf2onnx writes) become constants, the Resize output and everything after it get
// static shapes, and the outputs do not change. The real models end with no unknown dim.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "import/default_model.h"
#include "import/importer.h"
#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;
using Attrs = std::map<std::string, ir::Attribute>;

namespace {

// What import-time shape inference leaves after a Resize whose sizes it could not read.
void make_unknown(ir::Graph& g, ir::ValueId id, size_t rank) {
  ir::Value& v = g.value(id);
  v.dims.assign(rank, ir::Dim::named("unk"));
}

void make_int64(ir::Graph& g, ir::ValueId id, int64_t length) {
  ir::Value& v = g.value(id);
  v.dtype = DType::kInt64;
  v.dims = {ir::Dim::fixed(length)};
}

// Resize(x) to [N, C, size, size], with N and C taken from Shape(x) the tf2onnx way.
ir::ValueId resize_chain(GraphBuilder& b, ir::ValueId x, const std::string& name, int64_t size) {
  ir::Graph& g = b.graph();
  const ir::ValueId shape = b.node("Shape", {x}, name + "_shape", {4});
  make_int64(g, shape, 4);
  const ir::ValueId nc = b.node("Slice",
                                {shape, b.int64_constant(name + "_starts", {1}, {0}),
                                 b.int64_constant(name + "_ends", {1}, {2})},
                                name + "_nc", {2});
  make_int64(g, nc, 2);
  const ir::ValueId sizes =
      b.node("Concat", {nc, b.int64_constant(name + "_hw", {2}, {size, size})}, name + "_sizes",
             {4}, Attrs{{"axis", int64_t{0}}});
  make_int64(g, sizes, 4);
  const ir::ValueId out = b.node("Resize", {x, ir::kNoValue, ir::kNoValue, sizes}, name, {},
                                 Attrs{{"mode", std::string("linear")}});
  make_unknown(g, out, 4);
  return out;
}

bool all_static(const ir::Graph& g) {
  for (const ir::Value& v : g.values) {
    INFO(v.name);
    if (!v.is_fully_static()) return false;
  }
  return true;
}

Shape shape_of(const ir::Graph& g, const std::string& name) {
  const ir::ValueId id = g.find_value(name);
  REQUIRE(id != ir::kNoValue);
  return g.value(id).static_shape();
}

// x [1,3,8,8] -> Conv -> Resize to 16x16 -> Relu -> Resize to 32x32, each size from a
// Shape -> Slice -> Concat chain, with unknown dims after each Resize.
ir::Graph decoder_like() {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 3, 8, 8});
  const ir::ValueId c = b.node("Conv", {x, b.random_constant("w", {4, 3, 3, 3})}, "c", {1, 4, 8, 8},
                               Attrs{{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  const ir::ValueId r1 = resize_chain(b, c, "r1", 16);
  const ir::ValueId relu = b.node("Relu", {r1}, "relu", {});
  make_unknown(b.graph(), relu, 4);
  b.output(resize_chain(b, relu, "r2", 32));
  return b.graph();
}

}  // namespace

TEST_CASE("a Resize whose sizes come from Shape -> Slice -> Concat gets static shapes",
          "[passes][shapes]") {
  const ir::Graph before = decoder_like();
  REQUIRE(!all_static(before));
  ir::Graph after = before;
  passes::PassCounts counts;
  const Status ran = passes::run_default_passes(after, {}, &counts);
  INFO(ran.to_string() << "\n" << after.to_string());
  REQUIRE(ran.is_ok());
  CHECK(all_static(after));
  CHECK(count_ops(after, "Shape") == 0);
  CHECK(count_ops(after, "Slice") == 0);
  CHECK(count_ops(after, "Concat") == 0);
  CHECK(shape_of(after, "r1") == Shape{1, 4, 16, 16});
  CHECK(shape_of(after, "r2") == Shape{1, 4, 32, 32});
  int inferred = 0;
  for (const auto& [pass, n] : counts)
    inferred += pass == "infer_static_shapes" ? n : 0;
  CHECK(inferred == 3);  // r1, relu, r2
  check_same_outputs(before, after, 1e-5f);
}

TEST_CASE("infer_static_shapes: Resize with constant sizes or scales", "[passes][shapes]") {
  GraphBuilder b;
  const ir::ValueId x = b.input("x", {1, 2, 5, 7});
  const ir::ValueId sized = b.node(
      "Resize", {x, ir::kNoValue, ir::kNoValue, b.int64_constant("sizes", {4}, {1, 2, 9, 3})},
      "sized", {});
  const ir::ValueId scaled = b.node(
      "Resize", {x, ir::kNoValue, b.constant("scales", {4}, {1.f, 1.f, 2.f, 0.5f})}, "scaled", {});
  make_unknown(b.graph(), sized, 4);
  make_unknown(b.graph(), scaled, 4);
  b.output(sized);
  b.output(scaled);
  ir::Graph g = b.graph();
  CHECK(passes::infer_static_shapes(g, {}) == 2);
  CHECK(shape_of(g, "sized") == Shape{1, 2, 9, 3});
  CHECK(shape_of(g, "scaled") == Shape{1, 2, 10, 3});  // floor(7 * 0.5)
  CHECK(passes::infer_static_shapes(g, {}) == 0);      // nothing left to do
}

TEST_CASE("infer_static_shapes leaves what inputs' contents decide", "[passes][shapes]") {
  SECTION("Reshape to a computed shape") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {2, 6});
    const ir::ValueId s = b.input("s", {2});
    const ir::ValueId shape = b.node("Cast", {s}, "shape", {2}, Attrs{{"to", int64_t{7}}});
    make_int64(b.graph(), shape, 2);
    const ir::ValueId y = b.node("Reshape", {x, shape}, "y", {});
    make_unknown(b.graph(), y, 2);
    b.output(y);
    ir::Graph g = b.graph();
    CHECK(passes::infer_static_shapes(g, {}) == 0);
    CHECK(!g.value(g.find_value("y")).is_fully_static());
  }
  SECTION("a graph input with a symbolic dim may change size at run time") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 3});
    b.graph().value(x).dims[0].symbol = "batch";
    const ir::ValueId y = b.node("Relu", {x}, "y", {});
    make_unknown(b.graph(), y, 2);
    b.output(y);
    ir::Graph g = b.graph();
    CHECK(passes::infer_static_shapes(g, {}) == 0);
  }
  SECTION("a shape that contradicts a declared dim is left as declared") {
    GraphBuilder b;
    const ir::ValueId x = b.input("x", {1, 3});
    const ir::ValueId y = b.node("Relu", {x}, "y", {});
    b.graph().value(y).dims = {ir::Dim::named("n"), ir::Dim::fixed(4)};
    b.output(y);
    ir::Graph g = b.graph();
    CHECK(passes::infer_static_shapes(g, {}) == 0);
    CHECK(!g.value(y).dims[0].is_static());
  }
}

namespace {

std::string models_dir() {
  if (const char* env = std::getenv("EDGEINFER_MODELS_DIR")) return std::string(env) + "/";
  for (const char* dir : {"../shared/models/", "../../shared/models/"})
    if (std::filesystem::exists(std::string(dir) + "MODELS.md")) return dir;
  return "../shared/models/";
}

void check_static_after_passes(const std::string& path) {
  INFO(path);
  auto bytes = import::map_model_file(path);
  INFO(bytes.status().to_string());
  REQUIRE(bytes.is_ok());
  auto graph = import::import_model(*bytes, import::ImportOptions{});
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  const Status ran = passes::run_default_passes(*graph, {});
  INFO(ran.to_string());
  REQUIRE(ran.is_ok());
  for (const ir::Value& v : graph->values) {
    INFO(v.name);
    CHECK(v.is_fully_static());
  }
}

}  // namespace

TEST_CASE("every value of the real models has a static shape after the passes",
          "[passes][shapes][models]") {
  for (const char* file :
       {"selfie_segmentation.onnx", "mediapipe.onnx", "SINet_Softmax_simple.onnx"}) {
    check_static_after_passes(models_dir() + file);
  }
  for (const char* file : {import::kDefaultModelFile, import::kDefaultLandscapeModelFile}) {
    auto path = import::find_default_model(file);
    INFO(path.status().to_string());
    REQUIRE(path.is_ok());
    check_static_after_passes(*path);
  }
}
