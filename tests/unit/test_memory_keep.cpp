// Kept intermediates stay readable after run() in every memory mode; any other intermediate
// answers kDataRemoved, never stale bytes. Weights mapped from the file are shared by every
// session and every load of the model.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgeinfer/edgeinfer.h"
#include "onnx/onnx_pb.h"
#include "run_node.h"
#include "temp_dir.h"

using namespace edgeinfer;
using edgeinfer::testing::HostTensor;

using edgeinfer::testing::TempDir;

namespace {

constexpr int64_t kSide = 256;

void add_value_info(onnx::ValueInfoProto* vi, const std::string& name) {
  vi->set_name(name);
  auto* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {int64_t{1}, int64_t{1}, kSide, kSide})
    t->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> in,
              const std::string& out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(out);
  for (const auto& i : in)
    n->add_input(i);
  n->add_output(out);
}

std::vector<float> weight_values() {
  std::vector<float> w(kSide * kSide);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = std::sin(0.001f * static_cast<float>(i));
  return w;
}

// X -> Relu a -> Add W -> b -> Sigmoid c -> Mul X -> d -> Neg Y: intermediates that die early,
// ops that may run in place, and a 256 KiB weight W. `pad` bytes of doc_string before the
// graph move W's raw_data in the file (so both an aligned and a misaligned one get tested).
std::string model_bytes(int pad) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_doc_string(std::string(static_cast<size_t>(pad), 'p'));
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("keep");
  add_value_info(g->add_input(), "X");
  add_value_info(g->add_output(), "Y");
  auto* w = g->add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {int64_t{1}, int64_t{1}, kSide, kSide})
    w->add_dims(d);
  const auto values = weight_values();
  w->set_raw_data(values.data(), values.size() * sizeof(float));
  add_node(g, "Relu", {"X"}, "a");
  add_node(g, "Add", {"a", "W"}, "b");
  add_node(g, "Sigmoid", {"b"}, "c");
  add_node(g, "Mul", {"c", "X"}, "d");
  add_node(g, "Neg", {"d"}, "Y");
  std::string s;
  REQUIRE(m.SerializeToString(&s));
  return s;
}

std::string write_model(const TempDir& dir, int pad) {
  const std::string path = dir.str() + "/model" + std::to_string(pad) + ".onnx";
  std::ofstream(path, std::ios::binary) << model_bytes(pad);
  return path;
}

HostTensor input_pattern() {
  std::vector<float> x(kSide * kSide);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::cos(0.01f * static_cast<float>(i)) * 2.0f;  // both signs, for Relu
  return HostTensor::f32({1, 1, kSide, kSide}, x);
}

HostTensor reference_op(const std::string& op, std::vector<HostTensor> inputs) {
  testing::NodeSpec spec;
  spec.op_type = op;
  spec.inputs = std::move(inputs);
  auto out = testing::run_node(spec);
  REQUIRE(out.is_ok());
  return (*out)[0];
}

std::vector<unsigned char> bytes_of(const TensorView& v) {
  const auto* p = static_cast<const unsigned char*>(v.data);
  return {p, p + v.bytes()};
}

// The /proc/self/smaps block of the mapping holding `address`: its path and fields in kB.
struct MappingInfo {
  std::string path;
  long shared_kb = 0;  // Shared_Clean + Shared_Dirty (a file just written is still dirty)
  long private_dirty_kb = -1;
};

MappingInfo mapping_of(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  const auto a = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  MappingInfo info;
  while (std::getline(smaps, line)) {
    unsigned long start = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (line.find(':') > line.find(' ') && (head >> std::hex >> start >> dash >> end) &&
        dash == '-') {
      if (inside) break;
      inside = a >= start && a < end;
      if (inside) {
        const auto slash = line.find('/');
        info.path = slash == std::string::npos ? "" : line.substr(slash);
      }
      continue;
    }
    if (!inside) continue;
    std::istringstream field(line);
    std::string key;
    long kb = 0;
    field >> key >> kb;
    if (key == "Shared_Clean:" || key == "Shared_Dirty:") info.shared_kb += kb;
    if (key == "Private_Dirty:") info.private_dirty_kb = kb;
  }
  return info;
}

}  // namespace

TEST_CASE("kept intermediates are readable after run, others are removed, in every mode",
          "[memory][keep]") {
  TempDir dir;
  const std::string path = write_model(dir, 0);
  const HostTensor x = input_pattern();
  const HostTensor a = reference_op("Relu", {x});
  const HostTensor b =
      reference_op("Add", {a, HostTensor::f32({1, 1, kSide, kSide}, weight_values())});
  for (MemoryMode mode :
       {MemoryMode::kSeparate, MemoryMode::kReduce, MemoryMode::kReuse, MemoryMode::kPlanned}) {
    INFO("mode " << memory_mode_name(mode));
    Options options;
    options.memory_mode = mode;
    options.keep_tensors = {"a", "b"};
    auto model = Model::load(path, options);
    REQUIRE(model.is_ok());
    auto session = model->create_session();
    REQUIRE(session.is_ok());
    CHECK(session->tensor("a").status().code() == StatusCode::kDataRemoved);  // not run yet
    for (int run = 0; run < 2; ++run) {
      REQUIRE(session
                  ->set_input(
                      "X", TensorView{x.dtype, x.shape, const_cast<unsigned char*>(x.bytes.data())})
                  .is_ok());
      REQUIRE(session->run().is_ok());
      auto kept_a = session->tensor("a");
      auto kept_b = session->tensor("b");
      REQUIRE(kept_a.is_ok());
      REQUIRE(kept_b.is_ok());
      CHECK(bytes_of(*kept_a) == a.bytes);
      CHECK(bytes_of(*kept_b) == b.bytes);
      for (const char* removed : {"c", "d"}) {
        auto r = session->tensor(removed);
        CHECK(r.status().code() == StatusCode::kDataRemoved);
        CHECK_THAT(r.status().message(), Catch::Contains("data removed"));
        CHECK_THAT(r.status().message(), Catch::Contains(removed));
      }
      CHECK(session->output(0).is_ok());
    }
  }
  Options bad;
  bad.keep_tensors = {"no_such_tensor"};
  auto model = Model::load(path, bad);
  CHECK(model.status().code() == StatusCode::kNotFound);
  CHECK_THAT(model.status().message(), Catch::Contains("no_such_tensor"));
}

TEST_CASE("mapped weights are shared by sessions and by loads of one model", "[memory][weights]") {
  TempDir dir;
  // Two files: W's raw_data lands at different offsets; whichever is misaligned for float
  // goes through the weight cache instead of pointing into the model file.
  for (int pad : {0, 1, 2, 3}) {
    INFO("pad " << pad);
    const std::string path = write_model(dir, pad);
    Options options;
    options.weights = WeightsMode::kMapped;
    options.cache_dir = dir.str() + "/cache";
    auto first = Model::load(path, options);
    auto second = Model::load(path, options);
    REQUIRE(first.is_ok());
    REQUIRE(second.is_ok());
    auto s1 = first->create_session();
    auto s2 = first->create_session();
    auto s3 = second->create_session();
    REQUIRE((s1.is_ok() && s2.is_ok() && s3.is_ok()));
    const auto stats = s1->stats();
    CHECK(stats.weights_mapped_bytes == kSide * kSide * sizeof(float));
    CHECK(stats.weights_private_bytes < 1024);
    auto w1 = s1->tensor("W"), w2 = s2->tensor("W"), w3 = s3->tensor("W");
    REQUIRE((w1.is_ok() && w2.is_ok() && w3.is_ok()));
    CHECK(w1->data == w2->data);  // sessions of one model: the same bytes
    const auto expected = weight_values();
    REQUIRE(w3->bytes() == expected.size() * sizeof(float));
    CHECK(std::memcmp(w1->data, expected.data(), w1->bytes()) == 0);
    CHECK(std::memcmp(w3->data, expected.data(), w3->bytes()) == 0);  // touches every page
    // Two loads: two mappings of one file, so the pages are shared, never private copies.
    const MappingInfo m1 = mapping_of(w1->data), m3 = mapping_of(w3->data);
    INFO("mapped from " << m1.path);
    CHECK(!m1.path.empty());
    CHECK(m1.path == m3.path);
    CHECK(m1.private_dirty_kb == 0);
    CHECK(m3.private_dirty_kb == 0);
    CHECK(m1.shared_kb >= 200);
    CHECK(m3.shared_kb >= 200);
    // Same results as loaded weights.
    const HostTensor x = input_pattern();
    const TensorView xv{x.dtype, x.shape, const_cast<unsigned char*>(x.bytes.data())};
    Options load_options;
    auto loaded = Model::load(path, load_options);
    REQUIRE(loaded.is_ok());
    auto s4 = loaded->create_session();
    REQUIRE(s4.is_ok());
    for (Session* s : {&*s1, &*s3, &*s4}) {
      REQUIRE(s->set_input("X", xv).is_ok());
      REQUIRE(s->run().is_ok());
    }
    CHECK(bytes_of(*s1->output(0)) == bytes_of(*s4->output(0)));
    CHECK(bytes_of(*s3->output(0)) == bytes_of(*s4->output(0)));
    CHECK(s4->stats().weights_mapped_bytes == 0);
  }
}
