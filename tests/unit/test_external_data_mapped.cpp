// Weights mode `mapped` with ONNX external data: the data file is mapped read-only and the
// tensors point into it where their offset suits their type; the rest is read (and goes to
// the weight cache). The checks of read external data apply unchanged.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgeinfer/edgeinfer.h"
#include "onnx/onnx_pb.h"
#include "temp_dir.h"

using namespace edgeinfer;

using edgeinfer::testing::TempDir;

namespace {

constexpr int64_t kN = 64;

std::vector<float> pattern(size_t n, float phase) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = std::sin(0.11f * static_cast<float>(i) + phase);
  return v;
}

void add_info(onnx::ValueInfoProto* vi, const std::string& name) {
  vi->set_name(name);
  auto* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {int64_t{1}, kN})
    t->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_external(onnx::GraphProto* g, const std::string& name, const std::string& location,
                  size_t offset) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(kN);
  t->add_dims(kN);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* key, const std::string& value) {
    auto* e = t->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  add("location", location);
  add("offset", std::to_string(offset));
  add("length", std::to_string(kN * kN * sizeof(float)));
}

// X [1,64] -> MatMul W1 -> MatMul W2 -> Y. W1 lies at a page-aligned offset of the data
// file, W2 at an offset that is 2 bytes off float alignment.
constexpr size_t kW1Offset = 4096;
constexpr size_t kW2Offset = kW1Offset + kN * kN * sizeof(float) + 2;

std::string write_model(const TempDir& dir, const std::string& location = "data/weights.bin") {
  std::filesystem::create_directories(dir.str() + "/data");
  std::string blob(kW2Offset + kN * kN * sizeof(float), '\0');
  const auto w1 = pattern(kN * kN, 0.f), w2 = pattern(kN * kN, 1.f);
  std::memcpy(&blob[kW1Offset], w1.data(), w1.size() * sizeof(float));
  std::memcpy(&blob[kW2Offset], w2.data(), w2.size() * sizeof(float));
  std::ofstream(dir.str() + "/data/weights.bin", std::ios::binary) << blob;

  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("external");
  add_info(g->add_input(), "X");
  add_info(g->add_output(), "Y");
  add_external(g, "W1", location, kW1Offset);
  add_external(g, "W2", location, kW2Offset);
  for (auto [in, w, out] : {std::tuple{"X", "W1", "h"}, std::tuple{"h", "W2", "Y"}}) {
    auto* n = g->add_node();
    n->set_op_type("MatMul");
    n->set_name(out);
    n->add_input(in);
    n->add_input(w);
    n->add_output(out);
  }
  const std::string path = dir.str() + "/model.onnx";
  std::ofstream out(path, std::ios::binary);
  REQUIRE(m.SerializeToOstream(&out));
  return path;
}

struct Outcome {
  std::vector<float> y;
  SessionStats stats;
};

Outcome run(const std::string& path, const Options& options) {
  auto model = Model::load(path, options);
  REQUIRE(model.is_ok());
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  const auto x = pattern(kN, 2.f);
  REQUIRE(
      session->set_input("X", TensorView{DType::kFloat32, {1, kN}, const_cast<float*>(x.data())})
          .is_ok());
  REQUIRE(session->run().is_ok());
  auto y = session->output(0);
  REQUIRE(y.is_ok());
  return {std::vector<float>(y->as<float>(), y->as<float>() + y->elements()), session->stats()};
}

// How many mappings of files named `name` /proc/self/smaps lists.
int mappings_of(const std::string& name) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  int count = 0;
  while (std::getline(smaps, line)) {
    const auto slash = line.rfind('/');
    if (slash != std::string::npos && line.compare(slash + 1, std::string::npos, name) == 0) {
      ++count;
    }
  }
  return count;
}

std::vector<float> matmul_reference(const std::vector<float>& x) {
  // Y = (X W1) W2, in double: what both modes must agree with closely.
  const auto w1 = pattern(kN * kN, 0.f), w2 = pattern(kN * kN, 1.f);
  std::vector<double> h(kN, 0.0), y(kN, 0.0);
  for (int64_t j = 0; j < kN; ++j)
    for (int64_t p = 0; p < kN; ++p)
      h[j] += static_cast<double>(x[p]) * w1[p * kN + j];
  for (int64_t j = 0; j < kN; ++j)
    for (int64_t p = 0; p < kN; ++p)
      y[j] += h[p] * w2[p * kN + j];
  return std::vector<float>(y.begin(), y.end());
}

}  // namespace

TEST_CASE("external data is mapped from its file in weights mode mapped", "[weights][onnx]") {
  TempDir dir;
  const std::string path = write_model(dir);
  Options load;
  load.backend = Backend::kCpu;
  const Outcome loaded = run(path, load);
  const auto reference = matmul_reference(pattern(kN, 2.f));
  for (int64_t j = 0; j < kN; ++j)
    CHECK(loaded.y[j] == Approx(reference[j]).margin(1e-4));

  Options mapped = load;
  mapped.weights = WeightsMode::kMapped;
  mapped.cache_dir = dir.str() + "/cache";
  auto model = Model::load(path, mapped);
  REQUIRE(model.is_ok());
  // The model holds the mapping of the data file (W1); W2, misaligned, was read and moved to
  // the weight cache.
  CHECK(mappings_of("weights.bin") == 1);
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  const Outcome got = run(path, mapped);
  CHECK(got.y == loaded.y);
  CHECK(got.stats.weights_private_bytes < 1024);
  CHECK(got.stats.weights_mapped_bytes == loaded.stats.weights_bytes);
  CHECK(loaded.stats.weights_mapped_bytes == 0);
  CHECK(mappings_of("weights.bin") == 1);  // the model loaded inside run() is gone again
}

TEST_CASE("mapped external data keeps the checks of read external data", "[weights][onnx]") {
  TempDir dir;
  Options mapped;
  mapped.backend = Backend::kCpu;
  mapped.weights = WeightsMode::kMapped;
  mapped.cache_dir = dir.str() + "/cache";
  auto fails = [&](const std::string& location, StatusCode code, const std::string& words) {
    INFO(location);
    auto model = Model::load(write_model(dir, location), mapped);
    REQUIRE_FALSE(model.is_ok());
    CHECK(model.status().code() == code);
    CHECK_THAT(model.status().message(), Catch::Contains(words));
    CHECK_THAT(model.status().message(), Catch::Contains("'W1'"));
  };
  fails("data/missing.bin", StatusCode::kNotFound, "missing.bin");
  fails("../data/weights.bin", StatusCode::kInvalidModel, "refused");
  fails("/etc/passwd", StatusCode::kInvalidModel, "refused");
  fails("data", StatusCode::kInvalidModel, "regular file");
  // The file ends before W2's bytes.
  write_model(dir);
  std::filesystem::resize_file(dir.str() + "/data/weights.bin", kW2Offset + 100);
  auto model = Model::load(dir.str() + "/model.onnx", mapped);
  REQUIRE_FALSE(model.is_ok());
  CHECK(model.status().code() == StatusCode::kInvalidModel);
  CHECK_THAT(model.status().message(), Catch::Contains("past the end"));
  CHECK_THAT(model.status().message(), Catch::Contains("'W2'"));
}
