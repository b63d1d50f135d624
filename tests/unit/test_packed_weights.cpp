// Pre-packed kernel weights through the weight cache (PrepareContext::packed_weights): packed
// once, mapped on later loads without packing, shared by sessions, and a corrupt or truncated
// packed file is detected by its checksum and rebuilt, never used.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cpu/kernel.h"
#include "edgeinfer/edgeinfer.h"
#include "onnx/onnx_pb.h"
#include "planner/weight_store.h"
#include "temp_dir.h"

using namespace edgeinfer;

using edgeinfer::testing::TempDir;

namespace {

std::vector<float> pattern(size_t n, float phase) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = std::sin(0.37f * static_cast<float>(i) + phase);
  return v;
}

// ---- the helper itself ----

// Packs `source` as "reversed" (a stand-in layout), counting calls.
struct Packer {
  std::vector<float> source;
  TensorView view;
  int calls = 0;
  explicit Packer(std::vector<float> values) : source(std::move(values)) {
    view = TensorView{DType::kFloat32, {static_cast<int64_t>(source.size())}, source.data()};
  }
  size_t bytes() const { return source.size() * sizeof(float); }
  cpu::PackFn fn() {
    return [this](unsigned char* out) {
      ++calls;
      auto* f = reinterpret_cast<float*>(out);
      for (size_t i = 0; i < source.size(); ++i)
        f[i] = source[source.size() - 1 - i];
    };
  }
  bool holds_packed(const cpu::PackedBytes& p) const {
    if (p.size != bytes()) return false;
    const auto* f = reinterpret_cast<const float*>(p.data);
    for (size_t i = 0; i < source.size(); ++i)
      if (f[i] != source[source.size() - 1 - i]) return false;
    return true;
  }
};

struct HelperFixture {
  ir::Graph graph;
  ir::Node node;
  HelperFixture() { node.op_type = "Conv"; }
  cpu::PrepareContext context(planner::WeightStore* store, cpu::PackedWeightTotals* totals) {
    return cpu::PrepareContext{node, graph, 1, "", false, {}, nullptr, nullptr, store, totals};
  }
};

std::shared_ptr<planner::WeightStore> open_store(const std::string& dir) {
  auto store = planner::WeightStore::open(dir, "model");
  REQUIRE(store.is_ok());
  return *store;
}

// The entry files under `folder` whose names start with `prefix`, sorted.
std::vector<std::string> entry_files(const std::string& folder, const std::string& prefix) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.rfind(prefix, 0) == 0) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("packed weights: a miss packs and maps, a hit maps without packing",
          "[weights][packed]") {
  TempDir dir;
  HelperFixture f;
  Packer packer(pattern(5000, 0.f));
  cpu::PackedWeightTotals totals;
  {
    auto store = open_store(dir.str());
    const auto ctx = f.context(store.get(), &totals);
    const cpu::PackedBytes p =
        ctx.packed_weights("reverse", {&packer.view}, packer.bytes(), packer.fn());
    CHECK(packer.calls == 1);
    CHECK(p.mapped);
    CHECK(packer.holds_packed(p));
    CHECK(reinterpret_cast<uintptr_t>(p.data) % 64 == 0);
    CHECK(store->stats().misses == 1);
    // Asked again while the first mapping lives: the same bytes, nothing packed.
    const cpu::PackedBytes again =
        ctx.packed_weights("reverse", {&packer.view}, packer.bytes(), packer.fn());
    CHECK(again.data == p.data);
    CHECK(packer.calls == 1);
  }
  CHECK(totals.mapped_bytes == 2 * packer.bytes());
  CHECK(totals.private_bytes == 0);
  // A later load (a new store on the same folder): mapped from the file, not packed.
  auto store = open_store(dir.str());
  const auto ctx = f.context(store.get(), nullptr);
  const cpu::PackedBytes p =
      ctx.packed_weights("reverse", {&packer.view}, packer.bytes(), packer.fn());
  CHECK(packer.calls == 1);
  CHECK(store->stats().hits == 1);
  CHECK(p.mapped);
  CHECK(packer.holds_packed(p));
  REQUIRE(entry_files(dir.str(), "packed-Conv-").size() == 1);
}

TEST_CASE("packed weights: the entry follows the recipe and the source contents",
          "[weights][packed]") {
  TempDir dir;
  HelperFixture f;
  auto store = open_store(dir.str());
  const auto ctx = f.context(store.get(), nullptr);
  Packer a(pattern(1000, 0.f));
  (void)ctx.packed_weights("reverse mr=8", {&a.view}, a.bytes(), a.fn());
  (void)ctx.packed_weights("reverse mr=16", {&a.view}, a.bytes(), a.fn());
  CHECK(a.calls == 2);  // another recipe is another entry
  // Same shape, one value changed (e.g. BN folded into these weights under other options).
  Packer b(a.source);
  b.source[777] += 1.f;
  const cpu::PackedBytes pb = ctx.packed_weights("reverse mr=8", {&b.view}, b.bytes(), b.fn());
  CHECK(b.calls == 1);
  CHECK(b.holds_packed(pb));
  // Equal contents at another address (another node with the same weights): shared.
  Packer c(a.source);
  const cpu::PackedBytes pc = ctx.packed_weights("reverse mr=8", {&c.view}, c.bytes(), c.fn());
  CHECK(c.calls == 0);
  CHECK(c.holds_packed(pc));
  CHECK(entry_files(dir.str(), "packed-").size() == 3);
}

TEST_CASE("packed weights: a corrupt or truncated packed file is rebuilt, never used",
          "[weights][packed]") {
  TempDir dir;
  HelperFixture f;
  Packer packer(pattern(20000, 1.f));
  {
    auto store = open_store(dir.str());
    (void)f.context(store.get(), nullptr)
        .packed_weights("reverse", {&packer.view}, packer.bytes(), packer.fn());
  }
  const auto files = entry_files(dir.str(), "packed-Conv-");
  REQUIRE(files.size() == 1);
  const std::string file = files[0];
  const auto size = std::filesystem::file_size(file);
  auto check_rebuilt = [&](auto damage) {
    damage();
    const int before = packer.calls;
    auto store = open_store(dir.str());
    const cpu::PackedBytes p =
        f.context(store.get(), nullptr)
            .packed_weights("reverse", {&packer.view}, packer.bytes(), packer.fn());
    CHECK(packer.calls == before + 1);
    CHECK(store->stats().rebuilt == 1);
    CHECK(p.mapped);
    CHECK(packer.holds_packed(p));
    CHECK(std::filesystem::file_size(file) == size);
  };
  SECTION("a flipped payload byte") {
    check_rebuilt([&] {
      std::fstream s(file, std::ios::in | std::ios::out | std::ios::binary);
      s.seekg(64 + 4001);
      char c = 0;
      s.read(&c, 1);
      c = static_cast<char>(c ^ 0x01);
      s.seekp(64 + 4001);
      s.write(&c, 1);
    });
  }
  SECTION("a truncated file") {
    check_rebuilt([&] { std::filesystem::resize_file(file, size - 4); });
  }
}

TEST_CASE("packed weights without a store are private", "[weights][packed]") {
  HelperFixture f;
  Packer packer(pattern(300, 2.f));
  cpu::PackedWeightTotals totals;
  const cpu::PackedBytes p =
      f.context(nullptr, &totals)
          .packed_weights("reverse", {&packer.view}, packer.bytes(), packer.fn());
  CHECK(packer.calls == 1);
  CHECK_FALSE(p.mapped);
  CHECK(packer.holds_packed(p));
  CHECK(totals.private_bytes == packer.bytes());
  CHECK(totals.mapped_bytes == 0);
}

// ---- through sessions ----

namespace {

void add_info(onnx::ValueInfoProto* vi, const std::string& name, std::vector<int64_t> dims) {
  vi->set_name(name);
  auto* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims)
    t->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_weight(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims,
                float phase) {
  auto* w = g->add_initializer();
  w->set_name(name);
  w->set_data_type(onnx::TensorProto::FLOAT);
  size_t n = 1;
  for (int64_t d : dims) {
    w->add_dims(d);
    n *= static_cast<size_t>(d);
  }
  const auto values = pattern(n, phase);
  w->set_raw_data(values.data(), n * sizeof(float));
}

// X [1,16,16,16] -> Conv 3x3 (32 out) -> ConvTranspose 2x2 stride 2 (8 out) -> MatMul [32,24]
// -> Y [1,8,32,24]: each of the three packing kernels once.
std::string write_model(const TempDir& dir) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("packed");
  add_info(g->add_input(), "X", {1, 16, 16, 16});
  add_info(g->add_output(), "Y", {1, 8, 32, 24});
  add_weight(g, "W1", {32, 16, 3, 3}, 0.1f);
  add_weight(g, "W2", {32, 8, 2, 2}, 0.2f);
  add_weight(g, "B3", {32, 24}, 0.3f);
  auto* conv = g->add_node();
  conv->set_op_type("Conv");
  conv->set_name("conv");
  conv->add_input("X");
  conv->add_input("W1");
  conv->add_output("a");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i)
    pads->add_ints(1);
  auto* up = g->add_node();
  up->set_op_type("ConvTranspose");
  up->set_name("up");
  up->add_input("a");
  up->add_input("W2");
  up->add_output("b");
  auto* strides = up->add_attribute();
  strides->set_name("strides");
  strides->set_type(onnx::AttributeProto::INTS);
  strides->add_ints(2);
  strides->add_ints(2);
  auto* mm = g->add_node();
  mm->set_op_type("MatMul");
  mm->set_name("dense");
  mm->add_input("b");
  mm->add_input("B3");
  mm->add_output("Y");
  const std::string path = dir.str() + "/packed.onnx";
  std::ofstream out(path, std::ios::binary);
  REQUIRE(m.SerializeToOstream(&out));
  return path;
}

struct Outcome {
  std::vector<float> y;
  SessionStats stats;
};

Outcome run_once(Session& s) {
  const auto x = pattern(16 * 16 * 16, 0.5f);
  REQUIRE(
      s.set_input("X", TensorView{DType::kFloat32, {1, 16, 16, 16}, const_cast<float*>(x.data())})
          .is_ok());
  REQUIRE(s.run().is_ok());
  auto y = s.output(0);
  REQUIRE(y.is_ok());
  const auto* p = y->as<float>();
  return {std::vector<float>(p, p + y->elements()), s.stats()};
}

// The mappings /proc/self/smaps lists of files whose names start with `prefix`, and their
// anonymous pages (private copies made by writing to them: there must be none). Private_Dirty
// is no measure here: a page of a file just written is dirty page cache until written back,
// and counts as private while one mapping holds it.
struct PackedMappings {
  int count = 0;
  long anonymous_kb = 0;
  long rss_kb = 0;
};

PackedMappings packed_mappings(const std::string& prefix) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  PackedMappings m;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long start = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (line.find(':') > line.find(' ') && (head >> std::hex >> start >> dash >> end) &&
        dash == '-') {
      const auto slash = line.rfind('/');
      inside = slash != std::string::npos && line.compare(slash + 1, prefix.size(), prefix) == 0;
      if (inside) ++m.count;
      continue;
    }
    std::istringstream field(line);
    std::string key;
    long kb = 0;
    field >> key >> kb;
    if (inside && key == "Anonymous:") m.anonymous_kb += kb;
    if (inside && key == "Rss:") m.rss_kb += kb;
  }
  return m;
}

}  // namespace

TEST_CASE("sessions map pre-packed weights from the cache and share them", "[weights][packed]") {
  TempDir dir;
  const std::string path = write_model(dir);
  Options load;
  load.backend = Backend::kCpu;
  auto loaded = Model::load(path, load);
  REQUIRE(loaded.is_ok());
  auto reference_session = loaded->create_session();
  REQUIRE(reference_session.is_ok());
  const Outcome expected = run_once(*reference_session);
  // Weights `load`: the packed copies (at least as large as the weights) are private, and
  // counted as weights.
  const size_t constant_bytes = (32 * 16 * 9 + 32 * 8 * 4 + 32 * 24) * sizeof(float);
  CHECK(expected.stats.weights_private_bytes >= 2 * constant_bytes);
  CHECK(expected.stats.weights_mapped_bytes == 0);

  Options mapped = load;
  mapped.weights = WeightsMode::kMapped;
  mapped.cache_dir = dir.str() + "/cache";
  auto first = Model::load(path, mapped);
  REQUIRE(first.is_ok());
  auto s1 = first->create_session();
  auto s2 = first->create_session();
  REQUIRE((s1.is_ok() && s2.is_ok()));
  const auto files = entry_files(mapped.cache_dir, "packed-");
  CHECK(files.size() == 3);  // Conv, ConvTranspose, MatMul
  for (Session* s : {&*s1, &*s2}) {
    const Outcome got = run_once(*s);
    CHECK(got.y == expected.y);
    CHECK(got.stats.weights_private_bytes < 1024);
    CHECK(got.stats.weights_mapped_bytes == expected.stats.weights_bytes);
  }
  // Both sessions read one mapping of each packed file (kept by the model's store), shared
  // page cache with no private copy.
  PackedMappings m = packed_mappings("packed-");
  CHECK(m.count == 3);
  CHECK(m.anonymous_kb == 0);
  CHECK(m.rss_kb > 0);  // the runs read them

  // A second load of the file: every packed entry is a hit (the files are not rewritten).
  std::vector<ino_t> inodes;
  for (const auto& file : files) {
    struct stat st {};
    REQUIRE(stat(file.c_str(), &st) == 0);
    inodes.push_back(st.st_ino);
  }
  auto second = Model::load(path, mapped);
  REQUIRE(second.is_ok());
  auto s3 = second->create_session();
  REQUIRE(s3.is_ok());
  CHECK(run_once(*s3).y == expected.y);
  for (size_t i = 0; i < files.size(); ++i) {
    struct stat st {};
    REQUIRE(stat(files[i].c_str(), &st) == 0);
    CHECK(st.st_ino == inodes[i]);
  }
  m = packed_mappings("packed-");
  CHECK(m.count == 6);  // the second model's own mappings of the same files
  CHECK(m.anonymous_kb == 0);
}

TEST_CASE("a corrupt packed file is rebuilt when a model loads, never used", "[weights][packed]") {
  TempDir dir;
  const std::string path = write_model(dir);
  Options mapped;
  mapped.backend = Backend::kCpu;
  mapped.weights = WeightsMode::kMapped;
  mapped.cache_dir = dir.str() + "/cache";
  std::vector<float> expected;
  {
    auto model = Model::load(path, mapped);
    REQUIRE(model.is_ok());
    auto s = model->create_session();
    REQUIRE(s.is_ok());
    expected = run_once(*s).y;
  }
  const auto files = entry_files(mapped.cache_dir, "packed-");
  REQUIRE(files.size() == 3);
  std::vector<std::string> intact;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    intact.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    // Every payload float of the packed weights becomes 1e30: used, the outputs would show it.
    std::string damaged = intact.back();
    for (size_t i = 64; i + 4 <= damaged.size(); i += 4) {
      const float big = 1e30f;
      std::memcpy(&damaged[i], &big, 4);
    }
    std::ofstream(file, std::ios::binary | std::ios::trunc) << damaged;
  }
  std::filesystem::resize_file(files[0], std::filesystem::file_size(files[0]) - 8);
  auto model = Model::load(path, mapped);
  REQUIRE(model.is_ok());
  auto s = model->create_session();
  REQUIRE(s.is_ok());
  CHECK(run_once(*s).y == expected);
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    const std::string now{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    CHECK(now == intact[i]);  // rebuilt as it was
  }
}
