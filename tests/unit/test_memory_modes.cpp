// Memory modes on real models: every mode computes bit-for-bit what `separate` computes, the
// planned arena stays within 5% of the lower bound, weights can be mapped from the file, and
// intermediates are readable after run() only when kept.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgeinfer/edgeinfer.h"
#include "run_node.h"
#include "test_models.h"

using namespace edgeinfer;
using edgeinfer::testing::real_models;

namespace {

const MemoryMode kModes[] = {MemoryMode::kSeparate, MemoryMode::kReduce, MemoryMode::kReuse,
                             MemoryMode::kPlanned};

// Fills every input with a fixed pseudo-random pattern in [0, 1).
void fill_inputs(Session& session) {
  uint32_t state = 12345;
  for (size_t i = 0; i < session.input_count(); ++i) {
    auto view = session.input(i);
    REQUIRE(view.is_ok());
    REQUIRE(view->dtype == DType::kFloat32);
    float* p = view->as<float>();
    for (int64_t k = 0; k < view->elements(); ++k) {
      state = state * 1664525u + 1013904223u;
      p[k] = static_cast<float>(state >> 8) / 16777216.0f;
    }
  }
}

// A weight cache folder of this test process, removed at exit.
std::string cache_dir() {
  static const struct Dir {
    std::string path;
    Dir() {
      char pattern[] = "/tmp/edgeinfer-modes-XXXXXX";
      path = mkdtemp(pattern) ? pattern : "/tmp";
    }
    ~Dir() {
      std::error_code ec;
      if (path != "/tmp") std::filesystem::remove_all(path, ec);
    }
  } dir;
  return dir.path;
}

struct RunResult {
  std::vector<std::vector<unsigned char>> outputs;
  SessionStats stats;
};

RunResult run_model(const std::string& path, Options options, int runs = 2) {
  auto model = Model::load(path, options);
  INFO(path << ": " << (model ? "" : model.status().to_string()));
  REQUIRE(model.is_ok());
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  RunResult result;
  for (int r = 0; r < runs; ++r) {  // the second run uses the plan made from the first
    fill_inputs(*session);
    Status ran = session->run();
    INFO(ran.to_string());
    REQUIRE(ran.is_ok());
  }
  for (size_t i = 0; i < session->output_count(); ++i) {
    auto out = session->output(i);
    REQUIRE(out.is_ok());
    const auto* p = static_cast<const unsigned char*>(out->data);
    result.outputs.emplace_back(p, p + out->bytes());
  }
  result.stats = session->stats();
  return result;
}

// One test case per model, so each model is loaded and run as few times as the checks need
// (the reference kernels are slow, and CI runs this under ASan too).
void check_model(const std::string& path) {
  Options options;
  options.memory_mode = MemoryMode::kSeparate;
  const RunResult baseline = run_model(path, options, 1);
  RunResult planned, reduce;
  for (MemoryMode mode : kModes) {
    if (mode == MemoryMode::kSeparate) continue;
    INFO(path << " in mode " << memory_mode_name(mode));
    options.memory_mode = mode;
    // Planned: a second run uses the arena as planned (and re-planned) by the first.
    RunResult r = run_model(path, options, mode == MemoryMode::kPlanned ? 2 : 1);
    REQUIRE(r.outputs.size() == baseline.outputs.size());
    for (size_t i = 0; i < r.outputs.size(); ++i)
      CHECK(r.outputs[i] == baseline.outputs[i]);
    if (mode == MemoryMode::kPlanned) planned = std::move(r);
    if (mode == MemoryMode::kReduce) reduce = std::move(r);
  }

  const SessionStats& s = planned.stats;
  INFO(path << ": arena " << s.arena_bytes << ", lower bound " << s.lower_bound_bytes
            << " (without in place " << s.lower_bound_without_in_place_bytes << ")");
  CHECK(s.lower_bound_bytes > 0);
  CHECK(s.arena_bytes >= s.lower_bound_bytes);
  CHECK(static_cast<double>(s.arena_bytes) <= 1.05 * static_cast<double>(s.lower_bound_bytes));
  CHECK(s.lower_bound_bytes <= s.lower_bound_without_in_place_bytes);
  // Reduce frees as soon as it can, so its peak is the bound without in-place sharing (plus
  // alignment): the arena must not lose to it.
  CHECK(s.arena_bytes <= reduce.stats.arena_bytes);

  // Mapped weights: the same outputs, and the weight bytes in file mappings, not private.
  options.memory_mode = MemoryMode::kPlanned;
  options.weights = WeightsMode::kMapped;
  options.cache_dir = cache_dir();
  const RunResult mapped = run_model(path, options, 1);
  CHECK(mapped.outputs == baseline.outputs);
  const SessionStats& m = mapped.stats;
  CHECK(m.weights_private_bytes + m.weights_mapped_bytes == m.weights_bytes);
  // What stays private: constants under 256 bytes (shapes, scalars, small biases).
  CHECK(m.weights_mapped_bytes >= m.weights_bytes * 9 / 10);
  CHECK(baseline.stats.weights_private_bytes + baseline.stats.weights_mapped_bytes ==
        baseline.stats.weights_bytes);
}

}  // namespace

TEST_CASE("memory modes and mapped weights on selfie_segmentation.onnx", "[memory][models]") {
  check_model(real_models()[0]);
}
TEST_CASE("memory modes and mapped weights on mediapipe.onnx", "[memory][models]") {
  check_model(real_models()[1]);
}
TEST_CASE("memory modes and mapped weights on SINet_Softmax_simple.onnx", "[memory][models]") {
  check_model(real_models()[2]);
}
TEST_CASE("memory modes and mapped weights on selfie_segmentation.tflite", "[memory][models]") {
  check_model(real_models()[3]);
}
