// ONNX importer: real models, test models built in memory with the onnx protobuf classes,
// and hostile inputs (truncation, byte flips, absurd sizes, path escapes) that must all end
// in a clean error that names the problem.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "import/importer.h"
#include "import/onnx/onnx_tensor.h"
#include "onnx/onnx_pb.h"
#include "session/kernel_shape_rules.h"

using namespace edgeinfer;
using namespace edgeinfer::import;

namespace {

// The reference models: $EDGEINFER_MODELS_DIR, else ../shared/models seen from the project
// root or from a build folder inside it (meson runs tests from the build folder).
std::string models_dir() {
  if (const char* env = std::getenv("EDGEINFER_MODELS_DIR")) return std::string(env) + "/";
  for (const char* dir : {"../shared/models/", "../../shared/models/"})
    if (std::filesystem::exists(std::string(dir) + "MODELS.md")) return dir;
  return "../shared/models/";
}
const std::string kModels = models_dir();

// --- building test models --------------------------------------------------------------

onnx::ModelProto make_model(int opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  m.mutable_graph()->set_name("test");
  return m;
}

// dims: numbers are fixed sizes, "N"-style strings are dim_params, "" is an unset dim.
void set_shape(onnx::ValueInfoProto* vi, int elem, const std::vector<std::string>& dims) {
  auto* t = vi->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem);
  auto* shape = t->mutable_shape();
  for (const std::string& d : dims) {
    auto* dim = shape->add_dim();
    if (d.empty()) continue;
    if (std::isdigit(static_cast<unsigned char>(d[0])) || d[0] == '-') {
      dim->set_dim_value(std::stoll(d));
    } else {
      dim->set_dim_param(d);
    }
  }
}

void add_input(onnx::ModelProto& m, const std::string& name, const std::vector<std::string>& dims,
               int elem = onnx::TensorProto::FLOAT) {
  auto* vi = m.mutable_graph()->add_input();
  vi->set_name(name);
  set_shape(vi, elem, dims);
}

void add_output(onnx::ModelProto& m, const std::string& name) {
  auto* vi = m.mutable_graph()->add_output();
  vi->set_name(name);
}

onnx::NodeProto* add_node(onnx::ModelProto& m, const std::string& op,
                          const std::vector<std::string>& in, const std::vector<std::string>& out,
                          const std::string& name = "") {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : in)
    n->add_input(i);
  for (const auto& o : out)
    n->add_output(o);
  return n;
}

onnx::TensorProto* add_float_init(onnx::ModelProto& m, const std::string& name,
                                  const std::vector<int64_t>& dims,
                                  const std::vector<float>& values) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims)
    t->add_dims(d);
  t->set_raw_data(values.data(), values.size() * sizeof(float));
  return t;
}

// Y = Relu(X + B), X [N,3] with a dim_param, B an initializer.
onnx::ModelProto small_model() {
  auto m = make_model();
  add_input(m, "X", {"N", "3"});
  add_float_init(m, "B", {3}, {1, 2, 3});
  add_node(m, "Add", {"X", "B"}, {"S"}, "add");
  add_node(m, "Relu", {"S"}, {"Y"}, "relu");
  add_output(m, "Y");
  return m;
}

std::string serialize(const onnx::ModelProto& m) {
  std::string s;
  REQUIRE(m.SerializeToString(&s));
  return s;
}

Result<ir::Graph> import_bytes(const std::string& bytes, const std::string& base_dir = "",
                               const ImportOptions& options = {}) {
  ModelBytes b;
  b.data = reinterpret_cast<const unsigned char*>(bytes.data());
  b.size = bytes.size();
  b.name = "test.onnx";
  b.base_dir = base_dir;
  return import_onnx(b, options);
}

Result<ir::Graph> import_proto(const onnx::ModelProto& m, const std::string& base_dir = "",
                               const ImportOptions& options = {}) {
  return import_bytes(serialize(m), base_dir, options);
}

Result<ir::Graph> import_file(const std::string& path) {
  auto bytes = map_model_file(path);
  REQUIRE(bytes.is_ok());
  return import_onnx(*bytes, {});
}

// The import fails with `code` and a message that contains each of `parts`.
void require_error(const Result<ir::Graph>& r, StatusCode code,
                   const std::vector<std::string>& parts) {
  REQUIRE_FALSE(r.is_ok());
  INFO(r.status().to_string());
  CHECK(r.status().code() == code);
  CHECK(r.status().message().find("test.onnx") != std::string::npos);
  for (const auto& p : parts)
    CHECK(r.status().message().find(p) != std::string::npos);
}

const ir::Value& value_named(const ir::Graph& g, const std::string& name) {
  const ir::ValueId id = g.find_value(name);
  REQUIRE(id != ir::kNoValue);
  return g.value(id);
}

std::string io_shape(const ir::Graph& g, ir::ValueId id) {
  return shape_to_string(g.value(id).static_shape());
}

// A fresh folder under /tmp, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "ei_onnx_XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& bytes) const {
    std::filesystem::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << bytes;
  }
};

}  // namespace

// --- real models -----------------------------------------------------------------------

TEST_CASE("onnx: selfie_segmentation imports with its interface and types", "[onnx]") {
  auto g = import_file(kModels + "selfie_segmentation.onnx");
  REQUIRE(g.is_ok());
  REQUIRE(g->inputs.size() == 1);
  REQUIRE(g->outputs.size() == 1);
  CHECK(g->value(g->inputs[0]).name == "input_1:0");
  CHECK(g->value(g->inputs[0]).dtype == DType::kFloat32);
  CHECK(io_shape(*g, g->inputs[0]) == "[1,256,256,3]");
  CHECK(g->value(g->outputs[0]).name == "activation_10");
  CHECK(g->value(g->outputs[0]).dtype == DType::kFloat32);
  CHECK(io_shape(*g, g->outputs[0]) == "[1,256,256,1]");
  CHECK(g->opsets.at("") == 11);
  for (const ir::Node& n : g->nodes) {
    CHECK(n.opset == 11);
    CHECK_FALSE(n.name.empty());
  }
  // The model has no value_info: intermediate types come from shape inference. (ONNX 1.12
  // cannot size a Resize whose sizes are computed, so shapes after those stay partly open.)
  for (const ir::Value& v : g->values) {
    INFO(v.name);
    CHECK(v.dtype != DType::kUndefined);
    CHECK(v.has_shape);
  }
  CHECK(g->validate().is_ok());
}

TEST_CASE("onnx: mediapipe imports with its interface", "[onnx]") {
  auto g = import_file(kModels + "mediapipe.onnx");
  REQUIRE(g.is_ok());
  REQUIRE(g->inputs.size() == 1);
  REQUIRE(g->outputs.size() == 1);
  CHECK(g->value(g->inputs[0]).name == "input_1:0");
  CHECK(io_shape(*g, g->inputs[0]) == "[1,144,256,3]");
  CHECK(g->value(g->outputs[0]).name == "segment:0");
  CHECK(io_shape(*g, g->outputs[0]) == "[1,144,256,2]");
  CHECK(g->opsets.at("") == 12);
  for (const ir::Value& v : g->values) {
    INFO(v.name);
    CHECK(v.dtype != DType::kUndefined);
  }
}

TEST_CASE("onnx: SINet's initializers listed as inputs are overridable constants", "[onnx]") {
  auto g = import_file(kModels + "SINet_Softmax_simple.onnx");
  REQUIRE(g.is_ok());
  REQUIRE(g->inputs.size() == 1);
  CHECK(g->value(g->inputs[0]).name == "data");
  CHECK(io_shape(*g, g->inputs[0]) == "[1,3,320,320]");
  REQUIRE(g->outputs.size() == 1);
  CHECK(g->value(g->outputs[0]).name == "Softmax/1");
  CHECK(g->value(g->outputs[0]).dtype == DType::kFloat32);
  CHECK(io_shape(*g, g->outputs[0]) == "[1,2,320,320]");
  int overridable = 0;
  for (const ir::Value& v : g->values) {
    if (v.kind != ir::ValueKind::kConstant) continue;
    CHECK(v.constant != nullptr);
    overridable += v.overridable;
  }
  CHECK(overridable == 234);
  for (const ir::Value& v : g->values) {
    INFO(v.name);
    CHECK(v.dtype != DType::kUndefined);
  }
}

// --- structure of a small model --------------------------------------------------------

TEST_CASE("onnx: dims, symbols, types and opsets of a small model", "[onnx]") {
  SECTION("dim_param defaults to 1 and keeps its symbol") {
    auto g = import_proto(small_model());
    REQUIRE(g.is_ok());
    const ir::Value& x = value_named(*g, "X");
    CHECK(x.kind == ir::ValueKind::kInput);
    REQUIRE(x.dims.size() == 2);
    CHECK(x.dims[0] == ir::Dim{1, "N"});
    CHECK(x.dims[1] == ir::Dim::fixed(3));
    const ir::Value& y = value_named(*g, "Y");
    CHECK(y.dtype == DType::kFloat32);
    CHECK(shape_to_string(y.static_shape()) == "[1,3]");
    const ir::Value& b = value_named(*g, "B");
    CHECK(b.kind == ir::ValueKind::kConstant);
    CHECK_FALSE(b.overridable);
    CHECK(b.constant->as<float>()[2] == 3.0f);
    CHECK(g->nodes.at(0).opset == 13);
  }
  SECTION("dim_values from the options flow into inferred shapes") {
    ImportOptions options;
    options.dim_values["N"] = 5;
    auto g = import_proto(small_model(), "", options);
    REQUIRE(g.is_ok());
    CHECK(value_named(*g, "X").dims[0] == ir::Dim{5, "N"});
    CHECK(shape_to_string(value_named(*g, "S").static_shape()) == "[5,3]");
  }
  SECTION("unset dims are 1") {
    auto m = small_model();
    m.mutable_graph()
        ->mutable_input(0)
        ->mutable_type()
        ->mutable_tensor_type()
        ->mutable_shape()
        ->mutable_dim(0)
        ->clear_dim_param();
    auto g = import_proto(m);
    REQUIRE(g.is_ok());
    CHECK(value_named(*g, "X").dims[0] == ir::Dim::fixed(1));
  }
  SECTION("an initializer listed as input is an overridable constant, not an input") {
    auto m = small_model();
    add_input(m, "B", {"3"});
    auto g = import_proto(m);
    REQUIRE(g.is_ok());
    CHECK(g->inputs.size() == 1);
    CHECK(value_named(*g, "B").kind == ir::ValueKind::kConstant);
    CHECK(value_named(*g, "B").overridable);
  }
  SECTION("ai.onnx is the default domain") {
    auto m = small_model();
    m.mutable_opset_import(0)->set_domain("ai.onnx");
    m.mutable_graph()->mutable_node(0)->set_domain("ai.onnx");
    auto g = import_proto(m);
    REQUIRE(g.is_ok());
    CHECK(g->opsets.at("") == 13);
    CHECK(g->nodes.at(0).domain.empty());
    CHECK(g->nodes.at(0).opset == 13);
  }
  SECTION("other domains keep their own opset") {
    auto m = small_model();
    auto* op = m.add_opset_import();
    op->set_domain("com.example");
    op->set_version(2);
    add_node(m, "Magic", {"Y"}, {"Z"})->set_domain("com.example");
    add_output(m, "Z");
    auto g = import_proto(m);
    REQUIRE(g.is_ok());  // shape inference knows nothing of Magic: not an error
    CHECK(g->nodes.back().domain == "com.example");
    CHECK(g->nodes.back().opset == 2);
    CHECK(value_named(*g, "Z").dtype == DType::kUndefined);
  }
  SECTION("opsets 7 to 18 import") {
    for (int opset = 7; opset <= 18; ++opset) {
      auto m = small_model();
      m.mutable_opset_import(0)->set_version(opset);
      auto g = import_proto(m);
      INFO("opset " << opset);
      REQUIRE(g.is_ok());
      CHECK(g->nodes.at(0).opset == opset);
    }
  }
}

TEST_CASE("onnx: shapes computed inside the graph reach shape inputs", "[onnx]") {
  // Resize(X, sizes = Shape(R)): ONNX 1.12 sizes Resize only from an initializer; the
  // importer feeds the propagated value of Shape(R) back in.
  auto m = make_model();
  add_input(m, "X", {"1", "1", "2", "2"});
  add_input(m, "R", {"1", "1", "N", "4"});
  add_node(m, "Shape", {"R"}, {"s"});
  add_node(m, "Resize", {"X", "", "", "s"}, {"Z"});
  add_output(m, "Z");
  ImportOptions options;
  options.dim_values["N"] = 3;
  auto g = import_proto(m, "", options);
  REQUIRE(g.is_ok());
  CHECK(shape_to_string(value_named(*g, "Z").static_shape()) == "[1,1,3,4]");
  CHECK(g->nodes.size() == 2);  // the importer's own graph is not changed
  CHECK(g->nodes[1].inputs[3] == g->find_value("s"));
  CHECK(g->nodes[1].inputs[1] == ir::kNoValue);
}

TEST_CASE("onnx: unnamed nodes get unique names", "[onnx]") {
  auto m = make_model();
  add_input(m, "X", {"2"});
  add_node(m, "Relu", {"X"}, {"A"});
  add_node(m, "Relu", {"A"}, {"B"}, "Relu_2");  // the name the third node would get
  add_node(m, "Relu", {"B"}, {"C"});
  add_output(m, "C");
  auto g = import_proto(m);
  REQUIRE(g.is_ok());
  CHECK(g->nodes[0].name == "Relu_0");
  CHECK(g->nodes[1].name == "Relu_2");
  CHECK(g->nodes[2].name != "Relu_2");
  CHECK(g->nodes[2].name.rfind("Relu_2", 0) == 0);
}

TEST_CASE("onnx: attributes of every kind", "[onnx]") {
  auto m = make_model();
  add_input(m, "X", {"1", "3", "8", "8"});
  auto* n = add_node(m, "Custom", {"X"}, {"Y"}, "c");
  n->set_domain("com.example");
  auto* op = m.add_opset_import();
  op->set_domain("com.example");
  op->set_version(1);
  auto attr = [&](const std::string& name, onnx::AttributeProto::AttributeType type) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  };
  attr("i", onnx::AttributeProto::INT)->set_i(7);
  attr("f", onnx::AttributeProto::FLOAT)->set_f(0.5f);
  attr("s", onnx::AttributeProto::STRING)->set_s("same");
  auto* ints = attr("ints", onnx::AttributeProto::INTS);
  ints->add_ints(1);
  ints->add_ints(2);
  attr("floats", onnx::AttributeProto::FLOATS)->add_floats(1.5f);
  attr("strings", onnx::AttributeProto::STRINGS)->add_strings(std::string("a"));
  auto* t = attr("t", onnx::AttributeProto::TENSOR)->mutable_t();
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(2);
  t->add_int64_data(4);
  t->add_int64_data(-5);
  auto* untyped = n->add_attribute();  // old exporters leave `type` unset
  untyped->set_name("old");
  untyped->set_i(3);
  add_output(m, "Y");
  auto g = import_proto(m);
  REQUIRE(g.is_ok());
  const ir::Node& node = g->nodes.at(0);
  CHECK(node.attr_int("i", 0) == 7);
  CHECK(node.attr_float("f", 0) == 0.5f);
  CHECK(node.attr_string("s", "") == "same");
  CHECK(node.attr_ints("ints") == std::vector<int64_t>{1, 2});
  CHECK(node.attr_floats("floats") == std::vector<float>{1.5f});
  CHECK(node.attr_strings("strings") == std::vector<std::string>{"a"});
  REQUIRE(node.attr_tensor("t") != nullptr);
  CHECK(node.attr_tensor("t")->as<int64_t>()[1] == -5);
  CHECK(node.attr_int("old", 0) == 3);
}

TEST_CASE("onnx: Constant nodes become constants", "[onnx]") {
  auto m = make_model();
  add_input(m, "X", {"2"});
  using A = onnx::AttributeProto;
  auto constant = [&](const std::string& out, const std::string& attr_name, A::AttributeType type) {
    auto* n = add_node(m, "Constant", {}, {out});
    auto* a = n->add_attribute();
    a->set_name(attr_name);
    a->set_type(type);
    return a;
  };
  constant("cf", "value_float", A::FLOAT)->set_f(2.5f);
  constant("ci", "value_int", A::INT)->set_i(-3);
  auto* fs = constant("cfs", "value_floats", A::FLOATS);
  fs->add_floats(1);
  fs->add_floats(2);
  auto* is = constant("cis", "value_ints", A::INTS);
  is->add_ints(9);
  auto* tv = constant("ct", "value", A::TENSOR)->mutable_t();
  tv->set_data_type(onnx::TensorProto::FLOAT);
  tv->add_dims(2);
  tv->add_float_data(1);
  tv->add_float_data(4);
  add_node(m, "Add", {"X", "ct"}, {"Y"});
  add_output(m, "Y");
  auto g = import_proto(m);
  REQUIRE(g.is_ok());
  CHECK(g->nodes.size() == 1);
  CHECK(value_named(*g, "cf").constant->as<float>()[0] == 2.5f);
  CHECK(value_named(*g, "cf").constant->shape().empty());
  CHECK(value_named(*g, "ci").constant->as<int64_t>()[0] == -3);
  CHECK(value_named(*g, "cfs").constant->shape() == Shape{2});
  CHECK(value_named(*g, "cis").dtype == DType::kInt64);
  CHECK(value_named(*g, "ct").constant->as<float>()[1] == 4.0f);
  CHECK(shape_to_string(value_named(*g, "Y").static_shape()) == "[2]");

  SECTION("sparse and string constants are unsupported") {
    for (const char* key : {"sparse_value", "value_string", "value_strings"}) {
      auto m2 = make_model();
      add_node(m2, "Constant", {}, {"c"}, "k")->add_attribute()->set_name(key);
      add_output(m2, "c");
      require_error(import_proto(m2), StatusCode::kUnsupported, {"node 'k' (Constant)"});
    }
  }
}

// --- tensor data -----------------------------------------------------------------------

TEST_CASE("onnx: initializers of every element type, raw and typed", "[onnx]") {
  struct Case {
    int onnx_type;
    DType dtype;
  };
  const Case cases[] = {
      {onnx::TensorProto::FLOAT, DType::kFloat32},  {onnx::TensorProto::FLOAT16, DType::kFloat16},
      {onnx::TensorProto::DOUBLE, DType::kFloat64}, {onnx::TensorProto::INT64, DType::kInt64},
      {onnx::TensorProto::INT32, DType::kInt32},    {onnx::TensorProto::INT16, DType::kInt16},
      {onnx::TensorProto::INT8, DType::kInt8},      {onnx::TensorProto::UINT8, DType::kUInt8},
      {onnx::TensorProto::UINT16, DType::kUInt16},  {onnx::TensorProto::UINT32, DType::kUInt32},
      {onnx::TensorProto::UINT64, DType::kUInt64},  {onnx::TensorProto::BOOL, DType::kBool},
  };
  // Values 0, 1, 2 in every type (fp16: 0x0000, 0x3c00, 0x4000).
  for (const Case& c : cases) {
    for (bool raw : {true, false}) {
      INFO(dtype_name(c.dtype) << (raw ? " raw" : " typed"));
      onnx::TensorProto t;
      t.set_name("w");
      t.set_data_type(c.onnx_type);
      t.add_dims(3);
      const size_t size = dtype_size(c.dtype);
      std::vector<unsigned char> expected(3 * size);
      for (int i = 0; i < 3; ++i) {
        unsigned char* p = expected.data() + i * size;
        const int v = c.dtype == DType::kBool ? (i != 0) : i;
        switch (c.dtype) {
          case DType::kFloat32: {
            const float f = static_cast<float>(v);
            std::memcpy(p, &f, 4);
            if (!raw) t.add_float_data(f);
            break;
          }
          case DType::kFloat64: {
            const double d = v;
            std::memcpy(p, &d, 8);
            if (!raw) t.add_double_data(d);
            break;
          }
          case DType::kFloat16: {
            const uint16_t h = v == 0 ? 0 : (v == 1 ? 0x3c00 : 0x4000);
            std::memcpy(p, &h, 2);
            if (!raw) t.add_int32_data(h);
            break;
          }
          case DType::kInt64: {
            const int64_t x = v;
            std::memcpy(p, &x, 8);
            if (!raw) t.add_int64_data(x);
            break;
          }
          case DType::kUInt32:
          case DType::kUInt64: {
            const uint64_t x = static_cast<uint64_t>(v);
            std::memcpy(p, &x, size);
            if (!raw) t.add_uint64_data(x);
            break;
          }
          default: {
            const int32_t x = c.dtype == DType::kBool && i == 2 ? 7 : v;  // any non-zero is true
            std::memcpy(p, &v, size);  // little-endian: the low bytes
            if (!raw) t.add_int32_data(x);
            break;
          }
        }
      }
      if (raw) {
        std::string bytes(expected.begin(), expected.end());
        if (c.dtype == DType::kBool) bytes[2] = 5;
        t.set_raw_data(bytes);
      }
      std::string serialized;
      REQUIRE(t.SerializeToString(&serialized));
      auto constant = read_onnx_tensor(serialized.data(), serialized.size(), "w.pb");
      REQUIRE(constant.is_ok());
      CHECK((*constant)->dtype() == c.dtype);
      CHECK((*constant)->shape() == Shape{3});
      REQUIRE((*constant)->bytes() == expected.size());
      CHECK(std::memcmp((*constant)->data(), expected.data(), expected.size()) == 0);
    }
  }
}

TEST_CASE("onnx: read_onnx_tensor reads the backend test data", "[onnx]") {
  const std::string path =
      "/usr/include/onnx/backend/test/data/node/test_add/test_data_set_0/input_0.pb";
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto t = read_onnx_tensor(bytes.data(), bytes.size(), path);
  REQUIRE(t.is_ok());
  CHECK((*t)->dtype() == DType::kFloat32);
  CHECK((*t)->shape() == Shape{3, 4, 5});
  CHECK((*t)->as<float>()[0] == Approx(1.7640524f));

  auto bad = read_onnx_tensor("\xff\xff\xff", 3, "junk.pb");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().message().find("junk.pb") != std::string::npos);
  auto empty = read_onnx_tensor(nullptr, 0, "empty.pb");
  CHECK_FALSE(empty.is_ok());
}

TEST_CASE("onnx: tensor sizes that do not match their data", "[onnx]") {
  SECTION("raw_data shorter than the dims need") {
    auto m = small_model();
    m.mutable_graph()->mutable_initializer(0)->add_dims(2);  // [3,2] but 3 floats
    require_error(import_proto(m), StatusCode::kInvalidModel,
                  {"initializer 'B'", "raw_data holds 12 bytes", "needs 24"});
  }
  SECTION("typed data count mismatch") {
    auto m = small_model();
    auto* t = m.mutable_graph()->mutable_initializer(0);
    t->clear_raw_data();
    t->add_float_data(1);
    require_error(import_proto(m), StatusCode::kInvalidModel, {"'B'", "1 values", "need 3"});
  }
  SECTION("dims but no data") {
    auto m = small_model();
    m.mutable_graph()->mutable_initializer(0)->clear_raw_data();
    require_error(import_proto(m), StatusCode::kInvalidModel, {"'B'", "no data"});
  }
  SECTION("negative dim") {
    auto m = small_model();
    m.mutable_graph()->mutable_initializer(0)->set_dims(0, -3);
    require_error(import_proto(m), StatusCode::kInvalidModel, {"'B'", "negative"});
  }
  SECTION("dims whose product overflows") {
    auto m = small_model();
    auto* t = m.mutable_graph()->mutable_initializer(0);
    t->set_dims(0, int64_t{1} << 40);
    t->add_dims(int64_t{1} << 40);
    require_error(import_proto(m), StatusCode::kOutOfMemory, {"'B'", "too large"});
  }
  SECTION("absurd input dims") {
    auto m = small_model();
    add_input(m, "Big", {"4294967296", "4294967296"});
    require_error(import_proto(m), StatusCode::kOutOfMemory, {"graph input 'Big'", "too large"});
    auto m2 = small_model();
    add_input(m2, "Neg", {"-2"});
    require_error(import_proto(m2), StatusCode::kInvalidModel, {"'Neg'", "negative"});
  }
  SECTION("unsupported element types") {
    auto m = small_model();
    m.mutable_graph()->mutable_initializer(0)->set_data_type(onnx::TensorProto::STRING);
    require_error(import_proto(m), StatusCode::kUnsupported, {"'B'", "STRING"});
    auto m2 = small_model();
    m2.mutable_graph()->mutable_initializer(0)->set_data_type(1234);
    require_error(import_proto(m2), StatusCode::kInvalidModel, {"'B'", "1234"});
  }
}

TEST_CASE("onnx: external data", "[onnx]") {
  TempDir dir;
  const std::vector<float> weights = {0, 0, 1, 2, 3};  // B = {1,2,3} at offset 8
  dir.write("sub/weights.bin", std::string(reinterpret_cast<const char*>(weights.data()),
                                           weights.size() * sizeof(float)));
  auto model_with = [](const std::string& location, const std::string& offset,
                       const std::string& length) {
    auto m = small_model();
    auto* t = m.mutable_graph()->mutable_initializer(0);
    t->clear_raw_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      auto* e = t->add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    add("location", location);
    add("offset", offset);
    add("length", length);
    return m;
  };
  SECTION("reads at an offset relative to the model's folder") {
    auto g = import_proto(model_with("sub/weights.bin", "8", "12"), dir.path.string());
    REQUIRE(g.is_ok());
    const float* b = value_named(*g, "B").constant->as<float>();
    CHECK(b[0] == 1.0f);
    CHECK(b[2] == 3.0f);
  }
  SECTION("path escapes are refused") {
    for (const char* location : {"../weights.bin", "sub/../../x", "/etc/passwd", ".."}) {
      INFO(location);
      require_error(import_proto(model_with(location, "", ""), dir.path.string()),
                    StatusCode::kInvalidModel, {"'B'", "refused"});
    }
  }
  SECTION("reads past the end of the file") {
    require_error(import_proto(model_with("sub/weights.bin", "12", ""), dir.path.string()),
                  StatusCode::kInvalidModel, {"'B'", "past the end"});
    require_error(
        import_proto(model_with("sub/weights.bin", "99999999999999999", ""), dir.path.string()),
        StatusCode::kInvalidModel, {"past the end"});
  }
  SECTION("bad length, bad offset, missing file, no folder") {
    require_error(import_proto(model_with("sub/weights.bin", "0", "16"), dir.path.string()),
                  StatusCode::kInvalidModel, {"length 16"});
    require_error(import_proto(model_with("sub/weights.bin", "-4", ""), dir.path.string()),
                  StatusCode::kInvalidModel, {"offset '-4'"});
    require_error(import_proto(model_with("nothing.bin", "", ""), dir.path.string()),
                  StatusCode::kNotFound, {"nothing.bin"});
    require_error(import_proto(model_with("sub", "", ""), dir.path.string()),
                  StatusCode::kInvalidModel, {"regular file"});
    require_error(import_proto(model_with("sub/weights.bin", "8", "")), StatusCode::kInvalidModel,
                  {"'B'", "external data"});
  }
}

// --- malformed graphs ------------------------------------------------------------------

TEST_CASE("onnx: graph structure errors name the problem", "[onnx]") {
  SECTION("subgraph operator") {
    auto m = small_model();
    auto* n = add_node(m, "If", {"Y"}, {"Z"}, "branch");
    auto* a = n->add_attribute();
    a->set_name("then_branch");
    a->set_type(onnx::AttributeProto::GRAPH);
    a->mutable_g()->set_name("then");
    require_error(import_proto(m), StatusCode::kUnsupported,
                  {"node 'branch' (If)", "subgraphs are not supported"});
  }
  SECTION("cycle") {
    auto m = make_model();
    add_input(m, "X", {"2"});
    add_node(m, "Add", {"X", "B"}, {"A"}, "first");
    add_node(m, "Relu", {"A"}, {"B"}, "second");
    add_output(m, "B");
    require_error(import_proto(m), StatusCode::kInvalidModel, {"cycle", "node '"});
  }
  SECTION("dangling input") {
    auto m = small_model();
    m.mutable_graph()->mutable_node(1)->set_input(0, "nowhere");
    require_error(import_proto(m), StatusCode::kInvalidModel,
                  {"node 'relu' (Relu)", "'nowhere'", "not produced"});
  }
  SECTION("missing graph output") {
    auto m = small_model();
    add_output(m, "ghost");
    require_error(import_proto(m), StatusCode::kInvalidModel, {"graph output 'ghost'"});
  }
  SECTION("duplicate value names") {
    auto m = small_model();
    add_float_init(m, "B", {1}, {1});
    require_error(import_proto(m), StatusCode::kInvalidModel, {"'B' is already defined"});
    auto m2 = small_model();
    m2.mutable_graph()->mutable_node(1)->set_output(0, std::string("S"));
    require_error(import_proto(m2), StatusCode::kInvalidModel,
                  {"node 'relu'", "'S' is already defined"});
    auto m3 = small_model();
    add_input(m3, "X", {"3"});
    require_error(import_proto(m3), StatusCode::kInvalidModel, {"graph input 'X'"});
  }
  SECTION("model-local function") {
    auto m = small_model();
    auto* f = m.add_functions();
    f->set_name("MyOp");
    f->set_domain("local");
    auto* op = m.add_opset_import();
    op->set_domain("local");
    op->set_version(1);
    add_node(m, "MyOp", {"Y"}, {"Z"}, "fn")->set_domain("local");
    require_error(import_proto(m), StatusCode::kUnsupported,
                  {"node 'fn' (local.MyOp)", "model-local function"});
  }
  SECTION("domain not imported") {
    auto m = small_model();
    m.mutable_graph()->mutable_node(1)->set_domain("com.nowhere");
    require_error(import_proto(m), StatusCode::kInvalidModel, {"'com.nowhere'", "opset_import"});
  }
  SECTION("non-tensor input") {
    auto m = small_model();
    m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_sequence_type();
    require_error(import_proto(m), StatusCode::kUnsupported, {"graph input 'X'", "sequence"});
  }
}

TEST_CASE("onnx: headers, versions and bytes that are not a model", "[onnx]") {
  SECTION("missing graph") {
    auto m = make_model();
    m.clear_graph();
    require_error(import_proto(m), StatusCode::kInvalidModel, {"no graph"});
  }
  SECTION("ir_version out of range") {
    auto m = small_model();
    m.set_ir_version(99);
    require_error(import_proto(m), StatusCode::kUnsupported, {"ir_version 99"});
    m.clear_ir_version();
    require_error(import_proto(m), StatusCode::kInvalidModel, {"ir_version"});
  }
  SECTION("opset out of range") {
    auto m = small_model();
    m.mutable_opset_import(0)->set_version(6);
    require_error(import_proto(m), StatusCode::kUnsupported, {"opset 6"});
    m.mutable_opset_import(0)->set_version(1000000);
    require_error(import_proto(m), StatusCode::kUnsupported, {"opset 1000000"});
    m.mutable_opset_import(0)->set_version(-1);
    require_error(import_proto(m), StatusCode::kInvalidModel, {"opset -1"});
  }
  SECTION("empty and non-ONNX bytes") {
    require_error(import_bytes(""), StatusCode::kInvalidModel, {"empty"});
    require_error(import_bytes("hello, I am not a model"), StatusCode::kInvalidModel,
                  {"cannot parse"});
    require_error(import_bytes(std::string(100, '\xff')), StatusCode::kInvalidModel, {});
  }
}

// --- hostile bytes ---------------------------------------------------------------------

TEST_CASE("onnx: every truncation of a model is a clean error", "[onnx]") {
  auto m = small_model();
  auto* t = add_float_init(m, "W", {3}, {4, 5, 6});
  (void)t;
  const std::string bytes = serialize(m);
  REQUIRE(import_bytes(bytes).is_ok());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    auto r = import_bytes(bytes.substr(0, cut));
    INFO("cut at " << cut);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("test.onnx") != std::string::npos);
  }
}

TEST_CASE("onnx: truncated real model files are clean errors", "[onnx]") {
  std::ifstream in(kModels + "selfie_segmentation.onnx", std::ios::binary);
  REQUIRE(in.good());
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::mt19937 rng(42);
  for (int i = 0; i < 40; ++i) {
    const size_t cut = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
    auto r = import_bytes(bytes.substr(0, cut));
    INFO("cut at " << cut);
    REQUIRE_FALSE(r.is_ok());
  }
}

TEST_CASE("onnx: random byte flips never crash", "[onnx]") {
  const std::string bytes = serialize(small_model());
  std::mt19937 rng(7);
  int errors = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k)
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
    auto r = import_bytes(mutated);
    if (!r.is_ok()) {
      ++errors;
      CHECK_FALSE(r.status().message().empty());
      CHECK(r.status().code() != StatusCode::kInternal);
    } else {
      CHECK(r->validate().is_ok());
    }
  }
  CHECK(errors > 0);
}

// --- the kernels' shape rules in place of ONNX's shape inference -------------------------

namespace {

ImportOptions with_kernel_rules(std::vector<std::string> fed = {}) {
  ImportOptions options;
  options.own_shape_inference = [fed](ir::Graph& graph) {
    load_detail::infer_types_from_kernels(graph, fed);
  };
  return options;
}

Result<ir::Graph> import_file(const std::string& path, const ImportOptions& options) {
  auto bytes = map_model_file(path);
  REQUIRE(bytes.is_ok());
  return import_onnx(*bytes, options);
}

// Every intermediate that `reference` types has the same type in `g`.
void require_same_types(const ir::Graph& g, const ir::Graph& reference) {
  REQUIRE(g.values.size() == reference.values.size());
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& want = reference.values[id];
    const ir::Value& got = g.values[id];
    INFO(want.name);
    REQUIRE(got.name == want.name);
    if (want.kind != ir::ValueKind::kIntermediate || want.dtype == DType::kUndefined) continue;
    CHECK(got.dtype == want.dtype);
    CHECK(got.has_shape == want.has_shape);
    CHECK(got.dims == want.dims);
  }
}

// Every intermediate that `reference` types has the same dtype and rank in `g`, and the same
// size in every dim that `reference` fixes.
void require_agreeing_types(const ir::Graph& g, const ir::Graph& reference) {
  REQUIRE(g.values.size() == reference.values.size());
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& want = reference.values[id];
    const ir::Value& got = g.values[id];
    INFO(want.name);
    REQUIRE(got.name == want.name);
    if (want.kind != ir::ValueKind::kIntermediate || want.dtype == DType::kUndefined) continue;
    CHECK(got.dtype == want.dtype);
    if (!want.has_shape) continue;
    REQUIRE(got.dims.size() == want.dims.size());
    for (size_t d = 0; d < want.dims.size(); ++d)
      if (want.dims[d].is_static()) CHECK(got.dims[d].value == want.dims[d].value);
  }
}

void clear_intermediate_types(ir::Graph& g) {
  for (ir::Value& v : g.values) {
    if (v.kind != ir::ValueKind::kIntermediate) continue;
    v.dtype = DType::kUndefined;
    v.has_shape = false;
    v.dims.clear();
  }
}

// Y = Relu(Reshape(Conv(X, W), S)): Conv X [1,2,4,4] with W [3,2,3,3], pads 1 -> [1,3,4,4];
// S = [1,3,16] is an initializer the model also lists as an input.
onnx::ModelProto conv_reshape_model() {
  auto m = make_model();
  add_input(m, "X", {"1", "2", "4", "4"});
  add_float_init(m, "W", {3, 2, 3, 3}, std::vector<float>(54, 0.5f));
  auto* s = m.mutable_graph()->add_initializer();
  s->set_name("S");
  s->set_data_type(onnx::TensorProto::INT64);
  s->add_dims(3);
  for (int64_t d : {1, 3, 16})
    s->add_int64_data(d);
  add_input(m, "S", {"3"}, onnx::TensorProto::INT64);
  auto* conv = add_node(m, "Conv", {"X", "W"}, {"C"}, "conv");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int k = 0; k < 4; ++k)
    pads->add_ints(1);
  add_node(m, "Reshape", {"C", "S"}, {"R"}, "reshape");
  add_node(m, "Relu", {"R"}, {"Y"}, "relu");
  add_output(m, "Y");
  return m;
}

}  // namespace

TEST_CASE("onnx: the kernels' shape rules type SINet and mediapipe as ONNX does", "[onnx]") {
  for (const char* name : {"SINet_Softmax_simple.onnx", "mediapipe.onnx"}) {
    INFO(name);
    auto onnx_typed = import_file(kModels + name);
    REQUIRE(onnx_typed.is_ok());
    // The rules alone, on the graph with ONNX's types removed: they type every intermediate,
    // exactly as ONNX did.
    ir::Graph g = *onnx_typed;
    clear_intermediate_types(g);
    load_detail::infer_types_from_kernels(g, {});
    for (const ir::Value& v : g.values) {
      INFO(v.name);
      CHECK(v.dtype != DType::kUndefined);
      CHECK(v.is_fully_static());
    }
    require_same_types(g, *onnx_typed);
    // And through the importer.
    auto own = import_file(kModels + name, with_kernel_rules());
    REQUIRE(own.is_ok());
    require_same_types(*own, *onnx_typed);
  }
}

TEST_CASE("onnx: the kernels' rules size selfie_segmentation's computed Resize sizes", "[onnx]") {
  // selfie_segmentation computes its Resize sizes with Shape/Slice/Concat: the rules evaluate
  // that arithmetic on the static input size, so they type every intermediate, agreeing with
  // ONNX wherever ONNX's inference fixes a dim and filling the dims it leaves open.
  auto onnx_typed = import_file(kModels + "selfie_segmentation.onnx");
  REQUIRE(onnx_typed.is_ok());
  CHECK(std::any_of(onnx_typed->values.begin(), onnx_typed->values.end(),
                    [](const ir::Value& v) { return !v.is_fully_static(); }));
  auto own = import_file(kModels + "selfie_segmentation.onnx", with_kernel_rules());
  REQUIRE(own.is_ok());
  for (const ir::Value& v : own->values) {
    INFO(v.name);
    CHECK(v.dtype != DType::kUndefined);
    CHECK(v.is_fully_static());
  }
  require_agreeing_types(*own, *onnx_typed);
  CHECK(shape_to_string(value_named(*own, "activation_10").static_shape()) == "[1,256,256,1]");
}

TEST_CASE("onnx: where the kernels' rules leave values open, ONNX's inference types them",
          "[onnx]") {
  // Floor has no rule here: ONNX's inference types the model, as without the rules.
  auto m = conv_reshape_model();
  m.mutable_graph()->mutable_node(2)->set_op_type("Floor");
  auto onnx_typed = import_proto(m);
  REQUIRE(onnx_typed.is_ok());
  CHECK(shape_to_string(value_named(*onnx_typed, "Y").static_shape()) == "[1,3,16]");
  ir::Graph g = *onnx_typed;
  clear_intermediate_types(g);
  load_detail::infer_types_from_kernels(g, {});
  CHECK(value_named(g, "R").is_fully_static());
  CHECK(value_named(g, "Y").dtype == DType::kUndefined);
  auto own = import_proto(m, "", with_kernel_rules());
  REQUIRE(own.is_ok());
  require_same_types(*own, *onnx_typed);
}

TEST_CASE("onnx: the importer keeps the rules' types only when they are complete and agree",
          "[onnx]") {
  const onnx::ModelProto m = conv_reshape_model();
  auto onnx_typed = import_proto(m);
  REQUIRE(onnx_typed.is_ok());
  CHECK(shape_to_string(value_named(*onnx_typed, "Y").static_shape()) == "[1,3,16]");

  SECTION("complete rules replace ONNX's inference") {
    // A rule that types everything as int8 [7] shows whose types the importer kept.
    ImportOptions options;
    options.own_shape_inference = [](ir::Graph& g) {
      for (ir::Value& v : g.values) {
        if (v.kind != ir::ValueKind::kIntermediate) continue;
        v.dtype = DType::kInt8;
        v.has_shape = true;
        v.dims = {ir::Dim::fixed(7)};
      }
    };
    auto g = import_proto(m, "", options);
    REQUIRE(g.is_ok());
    CHECK(value_named(*g, "C").dtype == DType::kInt8);
    CHECK(shape_to_string(value_named(*g, "Y").static_shape()) == "[7]");
  }
  SECTION("incomplete rules are dropped") {
    ImportOptions options;
    options.own_shape_inference = [](ir::Graph& g) {
      ir::Value& c = g.value(g.find_value("C"));
      c.dtype = DType::kInt8;
      c.has_shape = true;
      c.dims = {ir::Dim::fixed(7)};
    };
    auto g = import_proto(m, "", options);
    REQUIRE(g.is_ok());
    require_same_types(*g, *onnx_typed);
  }
  SECTION("rules that contradict a declared type are dropped") {
    onnx::ModelProto declared = m;
    set_shape(declared.mutable_graph()->add_value_info(), onnx::TensorProto::FLOAT,
              {"1", "3", "5", "4"});
    declared.mutable_graph()->mutable_value_info(0)->set_name("C");
    auto own = import_proto(declared, "", with_kernel_rules());
    REQUIRE(own.is_ok());
    auto reference = import_proto(declared);
    REQUIRE(reference.is_ok());
    require_same_types(*own, *reference);
    // The declared dims agree where they are symbols: the rules' types stand.
    declared.mutable_graph()->clear_value_info();
    set_shape(declared.mutable_graph()->add_value_info(), onnx::TensorProto::FLOAT,
              {"N", "3", "H", ""});
    declared.mutable_graph()->mutable_value_info(0)->set_name("C");
    auto symbolic = import_proto(declared, "", with_kernel_rules());
    REQUIRE(symbolic.is_ok());
    CHECK(shape_to_string(value_named(*symbolic, "C").static_shape()) == "[1,3,4,4]");
  }
  SECTION("the rules type the model as ONNX does") {
    auto g = import_proto(m, "", with_kernel_rules());
    REQUIRE(g.is_ok());
    require_same_types(*g, *onnx_typed);
  }
  SECTION("an initializer the caller feeds is not read as a constant") {
    auto g = import_proto(m);
    REQUIRE(g.is_ok());
    clear_intermediate_types(*g);
    load_detail::infer_types_from_kernels(*g, {"S"});
    CHECK(value_named(*g, "C").is_fully_static());
    CHECK(value_named(*g, "R").dtype == DType::kUndefined);
    load_detail::infer_types_from_kernels(*g, {});
    CHECK(shape_to_string(value_named(*g, "R").static_shape()) == "[1,3,16]");
    CHECK(value_named(*g, "S").overridable);
  }
}

TEST_CASE("onnx: the kernels' rules leave inconsistent nodes untyped", "[onnx]") {
  auto m = conv_reshape_model();
  SECTION("weights with the wrong channel count") {
    m.mutable_graph()->mutable_initializer(0)->clear_dims();
    for (int64_t d : {3, 5, 3, 3})
      m.mutable_graph()->mutable_initializer(0)->add_dims(d);
    m.mutable_graph()->mutable_initializer(0)->set_raw_data(std::string(135 * 4, '\0'));
  }
  SECTION("a reshape to the wrong element count") {
    m.mutable_graph()->mutable_initializer(1)->set_int64_data(2, 17);
  }
  auto g = import_proto(m);
  REQUIRE(g.is_ok());
  clear_intermediate_types(*g);
  load_detail::infer_types_from_kernels(*g, {});
  CHECK(value_named(*g, "Y").dtype == DType::kUndefined);
  // Through the importer: ONNX's inference runs, and loading still succeeds.
  auto own = import_proto(m, "", with_kernel_rules());
  REQUIRE(own.is_ok());
  auto reference = import_proto(m);
  require_same_types(*own, *reference);
}

TEST_CASE("onnx: random byte flips never crash with the kernels' rules", "[onnx]") {
  const std::string bytes = serialize(conv_reshape_model());
  std::mt19937 rng(11);
  int errors = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k)
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
    auto r = import_bytes(mutated, "", with_kernel_rules());
    if (!r.is_ok()) {
      ++errors;
      INFO(r.status().to_string());
      CHECK_FALSE(r.status().message().empty());
      CHECK(r.status().code() != StatusCode::kInternal);
    } else {
      CHECK(r->validate().is_ok());
    }
  }
  CHECK(errors > 0);
}

TEST_CASE("onnx: large tensors keep their data in the graph and their types in inference",
          "[onnx]") {
  // 20000 floats (80 KB, over the size whose raw_data stays in the proto): a Constant node, a
  // raw initializer and a typed one, each added to X.
  constexpr int kN = 20000;
  std::vector<float> values(kN);
  for (int i = 0; i < kN; ++i)
    values[static_cast<size_t>(i)] = static_cast<float>(i) * 0.25f;
  auto m = make_model();
  add_input(m, "X", {"1", std::to_string(kN)});
  auto* constant = add_node(m, "Constant", {}, {"K"}, "k");
  auto* value = constant->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  value->mutable_t()->add_dims(1);
  value->mutable_t()->add_dims(kN);
  value->mutable_t()->set_raw_data(values.data(), values.size() * sizeof(float));
  add_float_init(m, "R", {1, kN}, values);
  auto* typed = m.mutable_graph()->add_initializer();
  typed->set_name("T");
  typed->set_data_type(onnx::TensorProto::FLOAT);
  typed->add_dims(1);
  typed->add_dims(kN);
  for (float v : values)
    typed->add_float_data(v);
  add_node(m, "Add", {"X", "K"}, {"A"}, "add_k");
  add_node(m, "Add", {"A", "R"}, {"B"}, "add_r");
  add_node(m, "Add", {"B", "T"}, {"Y"}, "add_t");
  add_output(m, "Y");
  for (const bool kernel_rules : {false, true}) {
    INFO("kernel rules " << kernel_rules);
    auto g = import_proto(m, "", kernel_rules ? with_kernel_rules() : ImportOptions{});
    REQUIRE(g.is_ok());
    for (const char* name : {"K", "R", "T"}) {
      INFO(name);
      const ir::Value& c = value_named(*g, name);
      REQUIRE(c.constant);
      REQUIRE(c.constant->bytes() == values.size() * sizeof(float));
      CHECK(std::memcmp(c.constant->view().data, values.data(), c.constant->bytes()) == 0);
    }
    for (const char* name : {"A", "B", "Y"}) {
      INFO(name);
      CHECK(value_named(*g, name).dtype == DType::kFloat32);
      CHECK(shape_to_string(value_named(*g, name).static_shape()) == "[1,20000]");
    }
  }
}

TEST_CASE("onnx: structural mutations of a real model never crash the kernels' rules", "[onnx]") {
  // selfie_segmentation's bytes are mostly weights: mutate its graph instead (attributes, op
  // types, wiring, input sizes), so the rules meet inconsistent nodes of every kind.
  auto bytes = map_model_file(kModels + "selfie_segmentation.onnx");
  REQUIRE(bytes.is_ok());
  onnx::ModelProto original;
  REQUIRE(original.ParseFromArray(bytes->data, static_cast<int>(bytes->size)));
  const char* ops[] = {"Add",     "Mul",       "Concat", "Slice",     "Reshape",
                       "Resize",  "Conv",      "Shape",  "Gather",    "Cast",
                       "Squeeze", "Unsqueeze", "Div",    "Transpose", "AveragePool"};
  std::mt19937 rng(5);
  int typed_by_rules = 0;
  for (int i = 0; i < 200; ++i) {
    onnx::ModelProto m = original;
    onnx::GraphProto& g = *m.mutable_graph();
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      onnx::NodeProto& n = *g.mutable_node(static_cast<int>(rng() % g.node_size()));
      switch (rng() % 4) {
        case 0:
          for (auto& a : *n.mutable_attribute()) {
            if (a.ints_size()) a.set_ints(static_cast<int>(rng() % a.ints_size()), rng() % 9 - 3);
            if (a.has_i()) a.set_i(static_cast<int64_t>(rng() % 9) - 3);
          }
          break;
        case 1:
          n.set_op_type(ops[rng() % std::size(ops)]);
          break;
        case 2:
          if (n.input_size()) {
            const auto& other = g.node(static_cast<int>(rng() % g.node_size()));
            n.set_input(static_cast<int>(rng() % n.input_size()), other.output(0));
          }
          break;
        default:
          g.mutable_input(0)
              ->mutable_type()
              ->mutable_tensor_type()
              ->mutable_shape()
              ->mutable_dim(static_cast<int>(rng() % 4))
              ->set_dim_value(rng() % 300);
          break;
      }
    }
    auto own = import_proto(m, "", with_kernel_rules());
    auto reference = import_proto(m);
    INFO(i);
    REQUIRE(own.is_ok() == reference.is_ok());
    if (!own.is_ok()) {
      CHECK(own.status().to_string() == reference.status().to_string());
      continue;
    }
    CHECK(own->validate().is_ok());
    // Whatever the rules typed agrees with what ONNX's inference could tell.
    require_agreeing_types(*own, *reference);
    const bool complete = std::all_of(own->values.begin(), own->values.end(),
                                      [](const ir::Value& v) { return v.is_fully_static(); });
    typed_by_rules += complete;
  }
  CHECK(typed_by_rules > 0);
}
