// Memory modes on real models: every mode computes bit-for-bit what `separate` computes, the
// planned arena stays within 5% of the lower bound, weights can be mapped from the file, and
// intermediates are readable after run() only when kept.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgeinfer/edgeinfer.h"
#include "onnx/onnx_pb.h"
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

Result<Model> load_model(const std::string& path, const Options& options) {
  // "mem:" models are built in memory by the tests below (path = "mem:" + bytes).
  if (path.rfind("mem:", 0) == 0)
    return Model::load_from_memory(path.data() + 4, path.size() - 4, "concat test", options);
  return Model::load(path, options);
}

RunResult run_model(const std::string& path, Options options, int runs = 2) {
  auto model = load_model(path, options);
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

namespace {

// ONNX graphs of [1,C,32,32] float tensors for the Concat elimination tests.
struct OnnxBuilder {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  OnnxBuilder() {
    m.set_ir_version(8);
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(13);
    g = m.mutable_graph();
    g->set_name("concat");
  }
  static void info(onnx::ValueInfoProto* vi, const std::string& name, std::vector<int64_t> dims) {
    vi->set_name(name);
    auto* t = vi->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
      t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void input(const std::string& name) { info(g->add_input(), name, {1, 4, 32, 32}); }
  void output(const std::string& name, std::vector<int64_t> dims) {
    info(g->add_output(), name, dims);
  }
  void node(const std::string& op, std::vector<std::string> in, const std::string& out,
            int64_t axis = 1) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(out);
    for (const auto& i : in)
      n->add_input(i);
    n->add_output(out);
    if (op == "Concat") {
      auto* a = n->add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(axis);
    }
  }
  std::string path() {
    std::string s;
    REQUIRE(m.SerializeToString(&s));
    return "mem:" + s;
  }
};

constexpr size_t kSlice = 4 * 32 * 32 * sizeof(float);  // one [1,4,32,32] tensor: 16 KiB

}  // namespace

TEST_CASE("concat elimination: producers write into the Concat's output", "[memory][concat]") {
  // a = Sigmoid(X), b = Tanh(X), c = Concat(a, b) on channels, Y = Neg(c) in place over c.
  OnnxBuilder b;
  b.input("X");
  b.output("Y", {1, 8, 32, 32});
  b.node("Sigmoid", {"X"}, "a");
  b.node("Tanh", {"X"}, "b");
  b.node("Concat", {"a", "b"}, "c");
  b.node("Neg", {"c"}, "Y");
  const std::string model = b.path();
  Options options;
  options.memory_mode = MemoryMode::kSeparate;
  const RunResult separate = run_model(model, options, 1);
  options.memory_mode = MemoryMode::kPlanned;
  const RunResult planned = run_model(model, options, 2);
  CHECK(planned.outputs == separate.outputs);
  // Without aliases, a + b + c are alive at the Concat (4 slices); with them, one tensor of
  // two slices holds everything.
  CHECK(planned.stats.lower_bound_without_in_place_bytes == 4 * kSlice);
  CHECK(planned.stats.lower_bound_bytes == 2 * kSlice);
  CHECK(planned.stats.arena_bytes == 2 * kSlice);
}

TEST_CASE("concat elimination: every mode computes what separate computes", "[memory][concat]") {
  // Slices that are in-place chains, graph inputs (copied), a value twice, a value read after
  // the Concat (copied), a nested Concat, and a Concat on a strided axis (not eliminated).
  OnnxBuilder b;
  b.input("X");
  b.output("f", {1, 20, 32, 32});
  b.output("h", {1, 4, 64, 32});
  b.output("Y3", {1, 4, 32, 32});
  b.node("Sigmoid", {"X"}, "a");
  b.node("Relu", {"a"}, "r");
  b.node("Tanh", {"X"}, "t");
  b.node("Abs", {"X"}, "m");
  b.node("Concat", {"X", "r", "t", "t", "m"}, "c");  // [1,20,32,32]
  b.node("Softsign", {"c"}, "e");
  b.node("Concat", {"e"}, "f");
  b.node("Exp", {"X"}, "ex");
  b.node("Floor", {"X"}, "fl");
  b.node("Concat", {"ex", "fl"}, "h", 2);
  b.node("Mul", {"m", "X"}, "Y3");
  const std::string model = b.path();
  Options options;
  options.memory_mode = MemoryMode::kSeparate;
  const RunResult separate = run_model(model, options, 1);
  for (MemoryMode mode : kModes) {
    INFO(memory_mode_name(mode));
    options.memory_mode = mode;
    const RunResult r = run_model(model, options, 2);
    CHECK(r.outputs == separate.outputs);
    if (mode != MemoryMode::kPlanned) continue;
    CHECK(r.stats.lower_bound_bytes < r.stats.lower_bound_without_in_place_bytes);
    CHECK(static_cast<double>(r.stats.arena_bytes) <=
          1.05 * static_cast<double>(r.stats.lower_bound_bytes));
  }
  // Hand-checked against the reference kernels too: f's channels 4..7 are Relu(Sigmoid(X)).
  options.memory_mode = MemoryMode::kPlanned;
  const RunResult r = run_model(model, options, 2);
  const auto* f = reinterpret_cast<const float*>(r.outputs[0].data());
  const size_t plane = 32 * 32;
  uint32_t state = 12345;
  for (size_t k = 0; k < 64; ++k) {
    state = state * 1664525u + 1013904223u;
    const float x = static_cast<float>(state >> 8) / 16777216.0f;
    const float sig = 1.0f / (1.0f + std::exp(-x));
    CHECK(f[k] == Approx(x / (1.0f + std::fabs(x))));
    CHECK(f[4 * plane + k] == Approx(sig / (1.0f + sig)));
  }
}

TEST_CASE("memory-aware scheduling lowers the bound and changes no output", "[memory][schedule]") {
  // Two branches that each blow X up fourfold (Concat) and pool it back down; the model lists
  // both big tensors first, so its own order holds them at once.
  OnnxBuilder b;
  b.input("X");
  b.output("Y", {1, 16, 8, 8});
  b.node("Concat", {"X", "X", "X", "X"}, "a1");  // [1,16,32,32]
  b.node("Sigmoid", {"X"}, "s");
  b.node("Concat", {"s", "s", "s", "s"}, "b1");
  for (const char* branch : {"a", "b"}) {
    auto* n = b.g->add_node();
    n->set_op_type("MaxPool");
    n->set_name(std::string(branch) + "2");
    n->add_input(std::string(branch) + "1");
    n->add_output(std::string(branch) + "2");
    auto* k = n->add_attribute();
    k->set_name("kernel_shape");
    k->set_type(onnx::AttributeProto::INTS);
    k->add_ints(4);
    k->add_ints(4);
    auto* st = n->add_attribute();
    st->set_name("strides");
    st->set_type(onnx::AttributeProto::INTS);
    st->add_ints(4);
    st->add_ints(4);
  }
  b.node("Add", {"a2", "b2"}, "Y");
  const std::string model = b.path();
  Options options;
  options.memory_mode = MemoryMode::kSeparate;
  const RunResult separate = run_model(model, options, 1);
  options.memory_mode = MemoryMode::kPlanned;
  options.memory_aware_schedule = false;
  const RunResult topological = run_model(model, options, 2);
  options.memory_aware_schedule = true;
  const RunResult scheduled = run_model(model, options, 2);
  CHECK(topological.outputs == separate.outputs);
  CHECK(scheduled.outputs == separate.outputs);
  INFO("bound " << scheduled.stats.lower_bound_bytes << " (model order "
                << topological.stats.lower_bound_bytes << ")");
  CHECK(scheduled.stats.lower_bound_bytes < topological.stats.lower_bound_bytes);
  CHECK(static_cast<double>(scheduled.stats.arena_bytes) <=
        1.05 * static_cast<double>(scheduled.stats.lower_bound_bytes));
}
