// The default passes on the real models: the graph shrinks, the fusions reach their fixed
// point (no activation is left after a conv it could fuse into), and the reference executor
// computes the same outputs as on the imported graph.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "cpu/fused_epilogue.h"
#include "import/default_model.h"
#include "import/importer.h"
#include "passes/pass.h"
#include "test_pass_support.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

// $EDGEINFER_MODELS_DIR, else ../shared/models from the project root or a build folder in it.
std::string models_dir() {
  if (const char* env = std::getenv("EDGEINFER_MODELS_DIR")) return std::string(env) + "/";
  for (const char* dir : {"../shared/models/", "../../shared/models/"})
    if (std::filesystem::exists(std::string(dir) + "MODELS.md")) return dir;
  return "../shared/models/";
}

ir::Graph import_graph(const std::string& path) {
  INFO(path);
  auto bytes = import::map_model_file(path);
  INFO(bytes.status().to_string() << " (the models come from ../shared/models and the "
                                  << "@mediapipe/selfie_segmentation npm package)");
  REQUIRE(bytes.is_ok());
  auto graph = import::import_model(*bytes, import::ImportOptions{});
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  return std::move(graph).value();
}

// An activation node reading a conv output it is the only reader of: fusion missed it.
int unfused_activations(const ir::Graph& g) {
  static const std::set<std::string> kActivations = {
      "Relu", "Clip", "Sigmoid", "HardSwish", "LeakyRelu", "PRelu", "Tanh", "HardSigmoid"};
  std::vector<int> readers(g.values.size(), 0);
  for (const ir::Node& node : g.nodes)
    for (ir::ValueId in : node.inputs)
      if (in != ir::kNoValue) ++readers[in];
  int missed = 0;
  for (const ir::Node& node : g.nodes) {
    if (!kActivations.count(node.op_type) || node.inputs.empty()) continue;
    const ir::Value& in = g.value(node.inputs[0]);
    if (in.producer < 0 || readers[node.inputs[0]] != 1) continue;
    const ir::Node& producer = g.nodes[in.producer];
    const bool conv = producer.op_type == "Conv" || producer.op_type == "ConvTranspose" ||
                      producer.op_type == "Gemm";
    if (conv && !producer.has_attr(cpu::kActivationAttr)) ++missed;
  }
  return missed;
}

void check_model(const std::string& path, const passes::PassOptions& options) {
  const ir::Graph before = import_graph(path);
  ir::Graph after = before;
  passes::PassCounts counts;
  Status ran = passes::run_default_passes(after, options, &counts);
  INFO(ran.to_string());
  REQUIRE(ran.is_ok());
  CHECK(after.nodes.size() < before.nodes.size());
  CHECK(unfused_activations(after) == 0);
  int fused = 0;
  for (const ir::Node& node : after.nodes)
    fused += node.has_attr(cpu::kActivationAttr) || node.has_input(cpu::kResidualInput);
  CHECK(fused > 0);
  const auto expected = run_graph(before, 7);
  const auto actual = run_graph(after, 7);
  CHECK(max_difference(expected, actual) <= 1e-4f);
}

}  // namespace

TEST_CASE("passes on the MediaPipe selfie model (TFLite)", "[passes][models]") {
  auto path = import::find_default_model(import::kDefaultModelFile);
  INFO(path.status().to_string());
  REQUIRE(path.is_ok());
  check_model(*path, {});
}

TEST_CASE("passes on the tf2onnx MediaPipe models", "[passes][models]") {
  for (const char* file : {"selfie_segmentation.onnx", "mediapipe.onnx"})
    check_model(models_dir() + file, {});
}

TEST_CASE("passes on SINet with its initializers frozen", "[passes][models]") {
  passes::PassOptions options;
  options.freeze_overridable_constants = true;
  check_model(models_dir() + "SINet_Softmax_simple.onnx", options);
}
