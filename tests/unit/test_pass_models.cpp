// The default passes on the real models: the graph shrinks, the fusions reach their fixed
// point (no activation is left after a conv it could fuse into), and the reference executor
// computes the same outputs as on the imported graph.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "cpu/fused_epilogue.h"
#include "edgeinfer/edgeinfer.h"
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

TEST_CASE("passes on SINet, its initializers frozen by default", "[passes][models]") {
  check_model(models_dir() + "SINet_Softmax_simple.onnx", {});
}

namespace {

std::vector<float> run_sinet(const Model& model, const std::string& feed, const TensorView& data) {
  auto session = model.create_session();
  INFO(session.status().to_string());
  REQUIRE(session.is_ok());
  auto input = session->input(0);
  REQUIRE(input.is_ok());
  for (int64_t i = 0; i < input->elements(); ++i)
    input->as<float>()[i] = static_cast<float>(i % 251) / 251.f - 0.5f;
  if (!feed.empty()) {
    const Status fed = session->set_input(feed, data);
    INFO(fed.to_string());
    REQUIRE(fed.is_ok());
  }
  const Status ran = session->run();
  INFO(ran.to_string());
  REQUIRE(ran.is_ok());
  auto out = session->output(0);
  REQUIRE(out.is_ok());
  return std::vector<float>(out->as<float>(), out->as<float>() + out->elements());
}

}  // namespace

// DESIGN.md: initializers a model also lists as graph inputs are constants unless the caller
// feeds them. SINet lists all 234 of its initializers.
TEST_CASE("SINet's initializers are constants unless Options::fed_initializers names them",
          "[passes][models]") {
  const std::string path = models_dir() + "SINet_Softmax_simple.onnx";
  const ir::Graph imported = import_graph(path);
  std::string slope;  // a PRelu slope: frozen, the PRelu fuses into its conv
  for (const ir::Node& node : imported.nodes)
    if (slope.empty() && node.op_type == "PRelu" && imported.value(node.inputs[1]).overridable)
      slope = imported.value(node.inputs[1]).name;
  REQUIRE(!slope.empty());
  const TensorView slope_data = imported.value(imported.find_value(slope)).constant->view();

  auto frozen = Model::load(path);
  INFO(frozen.status().to_string());
  REQUIRE(frozen.is_ok());
  Options options;
  options.fed_initializers = {slope};
  auto fed = Model::load(path, options);
  INFO(fed.status().to_string());
  REQUIRE(fed.is_ok());
  // The fed slope keeps its PRelu; every other one fuses.
  auto count = [](const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
      ++n;
    return n;
  };
  CHECK(count(frozen->graph_text(), "= PRelu(") + 1 == count(fed->graph_text(), "= PRelu("));

  SECTION("feeding a frozen initializer is an error") {
    auto session = frozen->create_session();
    REQUIRE(session.is_ok());
    CHECK(session->set_input(slope, slope_data).code() == StatusCode::kInvalidArgument);
  }
  SECTION("fed with its own values, the outputs match the frozen model's") {
    const std::vector<float> a = run_sinet(*frozen, "", {});
    const std::vector<float> b = run_sinet(*fed, slope, slope_data);
    CHECK(max_difference({a}, {b}) <= 1e-5f);
    std::vector<float> doubled(static_cast<size_t>(slope_data.elements()));
    for (size_t i = 0; i < doubled.size(); ++i)
      doubled[i] = 2.f * slope_data.as<float>()[i] + 0.5f;
    const std::vector<float> c =
        run_sinet(*fed, slope, TensorView{slope_data.dtype, slope_data.shape, doubled.data()});
    CHECK(max_difference({a}, {c}) > 1e-5f);  // the fed values are used
  }
  SECTION("naming something that is not such an initializer fails at load") {
    Options bad;
    bad.fed_initializers = {"data"};
    auto model = Model::load(path, bad);
    CHECK(model.status().code() == StatusCode::kInvalidArgument);
    bad.fed_initializers = {"no such tensor"};
    CHECK(Model::load(path, bad).status().code() == StatusCode::kInvalidArgument);
  }
}
