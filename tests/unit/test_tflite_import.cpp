// TFLite importer: the MediaPipe selfie models against their ONNX twin, synthetic models built
// here for single operators, the default-model search path, and hostile files.
#include <flatbuffers/flatbuffers.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "edgeinfer/edgeinfer.h"
#include "import/default_model.h"
#include "import/importer.h"
#include "import/tflite/model_paths.h"
#include "ir/float16.h"

using namespace edgeinfer;

namespace {

// ---- finding the models ---------------------------------------------------------------

std::string require_model(const std::string& file_name) {
  auto path = import::find_default_model(file_name);
  if (!path) {
    FAIL("the MediaPipe model " << file_name << " is missing: run scripts/install-deps.sh "
                                << "(installs the @mediapipe/selfie_segmentation npm package). "
                                << path.status().message());
  }
  return *path;
}

std::vector<unsigned char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
}

Result<ir::Graph> import_bytes(const std::vector<unsigned char>& data,
                               const std::string& name = "test.tflite") {
  import::ModelBytes bytes;
  bytes.data = data.data();
  bytes.size = data.size();
  bytes.name = name;
  return import::import_tflite(bytes, {});
}

// ---- a small TFLite writer (flatbuffers' generic table API, field ids of the format) -------

using flatbuffers::FlatBufferBuilder;
using flatbuffers::uoffset_t;

constexpr flatbuffers::voffset_t slot_of(int id) {
  return static_cast<flatbuffers::voffset_t>(4 + 2 * id);
}

// A scalar field of an options table: id, value, size in bytes (1, 4) or 0 for a float.
struct Field {
  int id;
  double value;
  int size;
};

struct OpDef {
  int32_t code;             // builtin operator number (32 = custom)
  std::string custom_code;  // for custom operators
  std::vector<int32_t> inputs = {}, outputs = {};
  uint8_t options_type = 0;  // BuiltinOptions union member number
  std::vector<Field> options = {};
  std::vector<uint8_t> custom_options = {};
  uint32_t opcode_index_override = UINT32_MAX;
};

struct TensorDef {
  std::vector<int32_t> shape;
  int8_t type = 0;  // FLOAT32
  std::vector<unsigned char> data;
  std::string name;
  uint32_t buffer_override = UINT32_MAX;
};

struct ModelDef {
  std::vector<TensorDef> tensors;
  std::vector<OpDef> ops;
  std::vector<int32_t> inputs, outputs;
};

template <typename T>
std::vector<unsigned char> bytes_of(const std::vector<T>& values) {
  std::vector<unsigned char> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<unsigned char> build_model(const ModelDef& def) {
  FlatBufferBuilder b;
  b.ForceDefaults(true);
  // Buffers: 0 is the empty sentinel, then one per tensor with data.
  std::vector<uoffset_t> buffers;
  auto empty_buffer = [&] {
    const auto start = b.StartTable();
    return b.EndTable(start);
  };
  buffers.push_back(empty_buffer());
  std::vector<uint32_t> buffer_of(def.tensors.size(), 0);
  for (size_t i = 0; i < def.tensors.size(); ++i) {
    const auto& data = def.tensors[i].data;
    if (data.empty()) continue;
    b.ForceVectorAlignment(data.size(), 1, 16);
    const auto vec = b.CreateVector(data);
    const auto start = b.StartTable();
    b.AddOffset(slot_of(0), vec);
    buffer_of[i] = static_cast<uint32_t>(buffers.size());
    buffers.push_back(b.EndTable(start));
  }
  std::vector<uoffset_t> tensors;
  for (size_t i = 0; i < def.tensors.size(); ++i) {
    const TensorDef& t = def.tensors[i];
    const auto shape = b.CreateVector(t.shape);
    const auto name = b.CreateString(t.name.empty() ? "t" + std::to_string(i) : t.name);
    const auto start = b.StartTable();
    b.AddOffset(slot_of(0), shape);
    b.AddElement<int8_t>(slot_of(1), t.type, 0);
    b.AddElement<uint32_t>(slot_of(2),
                           t.buffer_override != UINT32_MAX ? t.buffer_override : buffer_of[i], 0);
    b.AddOffset(slot_of(3), name);
    tensors.push_back(b.EndTable(start));
  }
  // One operator code per operator (duplicates are allowed by the format).
  std::vector<uoffset_t> codes;
  for (const OpDef& op : def.ops) {
    flatbuffers::Offset<flatbuffers::String> custom;
    if (!op.custom_code.empty()) custom = b.CreateString(op.custom_code);
    const auto start = b.StartTable();
    b.AddElement<int8_t>(slot_of(0), static_cast<int8_t>(std::min(op.code, 127)), 0);
    if (!op.custom_code.empty()) b.AddOffset(slot_of(1), custom);
    b.AddElement<int32_t>(slot_of(2), 1, 1);
    b.AddElement<int32_t>(slot_of(3), op.code, 0);
    codes.push_back(b.EndTable(start));
  }
  std::vector<uoffset_t> ops;
  for (size_t i = 0; i < def.ops.size(); ++i) {
    const OpDef& op = def.ops[i];
    const auto inputs = b.CreateVector(op.inputs);
    const auto outputs = b.CreateVector(op.outputs);
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> custom;
    if (!op.custom_options.empty()) custom = b.CreateVector(op.custom_options);
    uoffset_t options = 0;
    if (op.options_type != 0) {
      const auto start = b.StartTable();
      for (const Field& f : op.options) {
        if (f.size == 1) b.AddElement<int8_t>(slot_of(f.id), static_cast<int8_t>(f.value), 0);
        if (f.size == 4) b.AddElement<int32_t>(slot_of(f.id), static_cast<int32_t>(f.value), 0);
        if (f.size == 0) b.AddElement<float>(slot_of(f.id), static_cast<float>(f.value), 0.f);
      }
      options = b.EndTable(start);
    }
    const auto start = b.StartTable();
    b.AddElement<uint32_t>(slot_of(0),
                           op.opcode_index_override != UINT32_MAX ? op.opcode_index_override
                                                                  : static_cast<uint32_t>(i),
                           0);
    b.AddOffset(slot_of(1), inputs);
    b.AddOffset(slot_of(2), outputs);
    if (op.options_type != 0) {
      b.AddElement<uint8_t>(slot_of(3), op.options_type, 0);
      b.AddOffset(slot_of(4), flatbuffers::Offset<void>(options));
    }
    if (!op.custom_options.empty()) b.AddOffset(slot_of(5), custom);
    ops.push_back(b.EndTable(start));
  }
  auto offsets = [&](const std::vector<uoffset_t>& v) {
    std::vector<flatbuffers::Offset<void>> out;
    for (uoffset_t o : v)
      out.emplace_back(o);
    return b.CreateVector(out);
  };
  const auto tensors_vec = offsets(tensors);
  const auto inputs_vec = b.CreateVector(def.inputs);
  const auto outputs_vec = b.CreateVector(def.outputs);
  const auto ops_vec = offsets(ops);
  const auto sg_name = b.CreateString("main");
  auto start = b.StartTable();
  b.AddOffset(slot_of(0), tensors_vec);
  b.AddOffset(slot_of(1), inputs_vec);
  b.AddOffset(slot_of(2), outputs_vec);
  b.AddOffset(slot_of(3), ops_vec);
  b.AddOffset(slot_of(4), sg_name);
  const uoffset_t subgraph = b.EndTable(start);
  const auto codes_vec = offsets(codes);
  const auto subgraphs_vec = offsets({subgraph});
  const auto buffers_vec = offsets(buffers);
  start = b.StartTable();
  b.AddElement<uint32_t>(slot_of(0), 3, 0);
  b.AddOffset(slot_of(1), codes_vec);
  b.AddOffset(slot_of(2), subgraphs_vec);
  b.AddOffset(slot_of(4), buffers_vec);
  const uoffset_t root = b.EndTable(start);
  b.Finish(flatbuffers::Offset<void>(root), "TFL3");
  return std::vector<unsigned char>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

// Builtin codes and option union numbers used below.
constexpr int32_t kAdd = 0, kConv = 3, kDepthwise = 4, kDequantize = 6, kFullyConnected = 9,
                  kMaxPool = 17, kReshape = 22, kResizeNearest = 97, kSoftmax = 25, kPad = 34,
                  kMean = 40, kConcat = 2, kStridedSlice = 45, kTransposeConv = 67, kCustom = 32,
                  kRelu6 = 21;
constexpr uint8_t kConvOptions = 1, kDepthwiseOptions = 2, kPoolOptions = 5, kFcOptions = 8,
                  kSoftmaxOptions = 9, kConcatOptions = 10, kAddOptions = 11, kReducerOptions = 27,
                  kTransposeConvOptions = 49, kResizeNearestOptions = 74;

std::vector<float> iota_values(size_t n, float scale = 0.1f, float offset = -1.f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = offset + scale * static_cast<float>((i * 7) % 23);
  return v;
}

const ir::Node* find_node(const ir::Graph& g, const std::string& op_type) {
  for (const ir::Node& n : g.nodes)
    if (n.op_type == op_type) return &n;
  return nullptr;
}

size_t count_nodes(const ir::Graph& g, const std::string& op_type) {
  size_t n = 0;
  for (const ir::Node& node : g.nodes)
    n += node.op_type == op_type;
  return n;
}

// Runs a model held in memory on one float input; returns the first output.
Result<std::vector<float>> run_model(const std::vector<unsigned char>& data,
                                     const std::vector<float>& input) {
  EI_ASSIGN_OR_RETURN(Model model, Model::load_from_memory(data.data(), data.size(), "mem.tflite"));
  EI_ASSIGN_OR_RETURN(Session session, model.create_session());
  EI_ASSIGN_OR_RETURN(TensorView in, session.input(0));
  if (in.bytes() != input.size() * sizeof(float)) {
    return error(StatusCode::kInvalidArgument, "input size mismatch");
  }
  std::memcpy(in.data, input.data(), in.bytes());
  EI_RETURN_IF_ERROR(session.run());
  EI_ASSIGN_OR_RETURN(TensorView out, session.output(0));
  return std::vector<float>(out.as<float>(), out.as<float>() + out.elements());
}

// Runs a model file on one float input.
std::vector<float> run_file(const std::string& path, const std::vector<float>& input,
                            Shape* shape = nullptr) {
  auto model = Model::load(path);
  INFO(path);
  REQUIRE(model.is_ok());
  auto session = model->create_session();
  INFO(session.status().to_string());
  REQUIRE(session.is_ok());
  auto in = session->input(0);
  REQUIRE(in.is_ok());
  REQUIRE(in->bytes() == input.size() * sizeof(float));
  std::memcpy(in->data, input.data(), in->bytes());
  const Status status = session->run();
  INFO(status.to_string());
  REQUIRE(status.is_ok());
  auto out = session->output(0);
  REQUIRE(out.is_ok());
  if (shape) *shape = out->shape;
  return std::vector<float>(out->as<float>(), out->as<float>() + out->elements());
}

// NHWC image in [0, 1], resized by Python from skimage's astronaut.png (RGB).
std::vector<float> astronaut(int height, int width) {
  const std::string dir = "/tmp/edgeinfer-tflite-test-" + std::to_string(::getpid());
  const std::string raw = dir + "/astronaut.f32";
  const std::string script =
      "import sys, numpy as np, skimage.data, skimage.transform;"
      "im = skimage.transform.resize(skimage.data.astronaut(), (" +
      std::to_string(height) + ", " + std::to_string(width) +
      "), anti_aliasing=True).astype(np.float32);"
      "im.tofile(sys.argv[1])";
  std::string command = "mkdir -p " + dir + " && ";
  // Debian's python3 has numpy and skimage (python3-skimage); a PATH python may not.
  command += "(/usr/bin/python3 -c '" + script + "' " + raw + " || python3 -c '" + script + "' " +
             raw + ") 2>/dev/null";
  const int rc = std::system(command.c_str());
  std::vector<unsigned char> bytes = read_file(raw);
  std::remove(raw.c_str());
  ::rmdir(dir.c_str());
  if (rc != 0 || bytes.size() != static_cast<size_t>(height * width * 3) * 4) {
    FAIL(
        "could not convert astronaut.png with python3 + python3-skimage + python3-numpy "
        "(run scripts/install-deps.sh)");
  }
  std::vector<float> image(bytes.size() / 4);
  std::memcpy(image.data(), bytes.data(), bytes.size());
  return image;
}

// Mean of the mask over a box of rows [r0, r1) and columns [c0, c1).
double box_mean(const std::vector<float>& mask, int width, int r0, int r1, int c0, int c1) {
  double sum = 0;
  for (int r = r0; r < r1; ++r)
    for (int c = c0; c < c1; ++c)
      sum += mask[static_cast<size_t>(r * width + c)];
  return sum / ((r1 - r0) * (c1 - c0));
}

}  // namespace

// ---- the MediaPipe models -------------------------------------------------------------------

TEST_CASE("the default model is found on the search path", "[tflite]") {
  const std::string path = require_model(import::kDefaultModelFile);
  CHECK(path.find("selfie_segmentation.tflite") != std::string::npos);
  require_model(import::kDefaultLandscapeModelFile);
  // An explicit path wins, and a missing explicit path is an error, not a fallback.
  auto explicit_path = import::find_default_model("selfie_segmentation.tflite", path);
  REQUIRE(explicit_path.is_ok());
  CHECK(*explicit_path == path);
  auto missing = import::find_default_model("selfie_segmentation.tflite", "/nonexistent/x.tflite");
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  // An unknown name lists the places searched.
  auto unknown = import::find_default_model("no_such_model.tflite");
  REQUIRE_FALSE(unknown.is_ok());
  CHECK(unknown.status().message().find("edgeinfer/models") != std::string::npos);
  CHECK(unknown.status().message().find("install-deps.sh") != std::string::npos);
}

TEST_CASE("EDGEINFER_MODEL_PATH is searched first", "[tflite]") {
  const std::string path = require_model(import::kDefaultModelFile);
  const std::string dir = path.substr(0, path.find_last_of('/'));
  const char* old = std::getenv("EDGEINFER_MODEL_PATH");
  const std::string saved = old ? old : "";
  ::setenv("EDGEINFER_MODEL_PATH", ("/nonexistent:" + dir).c_str(), 1);
  const auto search = import::default_model_search_path();
  auto found = import::find_default_model(import::kDefaultModelFile);
  if (old) {
    ::setenv("EDGEINFER_MODEL_PATH", saved.c_str(), 1);
  } else {
    ::unsetenv("EDGEINFER_MODEL_PATH");
  }
  REQUIRE(search.size() >= 4);
  CHECK(search[0] == "/nonexistent");
  CHECK(search[1] == dir);
  REQUIRE(found.is_ok());
  CHECK(*found == dir + "/selfie_segmentation.tflite");
}

TEST_CASE("selfie_segmentation.tflite imports to an NCHW graph with NHWC interface", "[tflite]") {
  const std::string path = require_model(import::kDefaultModelFile);
  auto bytes = import::map_model_file(path);
  REQUIRE(bytes.is_ok());
  auto graph = import::import_model(*bytes, {});
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  const ir::Graph& g = *graph;
  CHECK(g.validate().is_ok());
  REQUIRE(g.inputs.size() == 1);
  REQUIRE(g.outputs.size() == 1);
  CHECK(g.value(g.inputs[0]).static_shape() == Shape{1, 256, 256, 3});
  CHECK(g.value(g.outputs[0]).static_shape() == Shape{1, 256, 256, 1});
  // One Transpose after the input and one before the output; weights are permuted at import.
  CHECK(count_nodes(g, "Transpose") == 2);
  CHECK(count_nodes(g, "ConvTranspose") == 1);
  CHECK(count_nodes(g, "Resize") == 3);
  const std::set<std::string> allowed = {"Conv",    "ConvTranspose", "HardSwish", "Relu",
                                         "Sigmoid", "Mul",           "Add",       "AveragePool",
                                         "Resize",  "Transpose"};
  for (const ir::Node& n : g.nodes) {
    CHECK(allowed.count(n.op_type) == 1);
    CHECK(n.opset == 18);
  }
  for (const ir::Value& v : g.values) {
    CHECK(v.dtype != DType::kFloat16);  // fp16 weights were dequantized
  }
  const ir::Node* resize = find_node(g, "Resize");
  REQUIRE(resize);
  CHECK(resize->attr_string("coordinate_transformation_mode", "") == "half_pixel");
  CHECK(resize->attr_string("mode", "") == "linear");
  const ir::Node* deconv = find_node(g, "ConvTranspose");
  REQUIRE(deconv);
  CHECK(deconv->attr_ints("strides") == std::vector<int64_t>{2, 2});
  CHECK(deconv->attr_ints("pads") == std::vector<int64_t>{0, 0, 0, 0});
}

TEST_CASE("selfie_segmentation.tflite matches its ONNX twin", "[tflite]") {
  const std::string tflite = require_model(import::kDefaultModelFile);
  const std::string onnx =
      std::string(EDGEINFER_REFERENCE_MODELS_DIR) + "/selfie_segmentation.onnx";
  std::vector<float> input(256 * 256 * 3);
  for (size_t i = 0; i < input.size(); ++i)  // smooth deterministic pattern in [0, 1)
    input[i] = static_cast<float>(0.5 + 0.45 * std::sin(0.013 * static_cast<double>(i)));
  Shape shape_a, shape_b;
  const std::vector<float> a = run_file(tflite, input, &shape_a);
  const std::vector<float> b = run_file(onnx, input, &shape_b);
  CHECK(shape_a == Shape{1, 256, 256, 1});
  REQUIRE(shape_a == shape_b);
  double max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(a[i] - b[i])));
  WARN("selfie_segmentation: max abs diff tflite vs onnx = " << max_diff);
  CHECK(max_diff <= 2e-3);
}

TEST_CASE("the selfie models give a person silhouette on a portrait", "[tflite]") {
  struct Case {
    const char* file;
    int height, width;
  };
  for (const Case& c : {Case{import::kDefaultModelFile, 256, 256},
                        Case{import::kDefaultLandscapeModelFile, 144, 256}}) {
    const std::string path = require_model(c.file);
    const std::vector<float> image = astronaut(c.height, c.width);
    Shape shape;
    const std::vector<float> mask = run_file(path, image, &shape);
    REQUIRE(shape == Shape{1, c.height, c.width, 1});
    for (float m : mask) {
      REQUIRE(std::isfinite(m));
      REQUIRE(m >= 0.f);
      REQUIRE(m <= 1.f);
    }
    // astronaut.png: the face is in the upper middle-left, the body fills the lower left half,
    // the top-right corner is background.
    const int h = c.height, w = c.width;
    const double face = box_mean(mask, w, h * 20 / 100, h * 40 / 100, w * 35 / 100, w * 50 / 100);
    const double body = box_mean(mask, w, h * 70 / 100, h, w * 10 / 100, w * 50 / 100);
    const double corner = box_mean(mask, w, 0, h * 15 / 100, w * 85 / 100, w);
    INFO(c.file << ": face " << face << ", body " << body << ", top-right corner " << corner);
    CHECK(face > 0.8);
    CHECK(body > 0.8);
    CHECK(corner < 0.2);
  }
}

// ---- single operators -----------------------------------------------------------------------

TEST_CASE("CONV_2D: SAME pads, OHWI weights, fused RELU6, against a direct computation",
          "[tflite]") {
  // x [1,6,5,2], w [3,3,3,2] (OHWI), stride 2: output [1,3,3,3]; pads top 0 bottom 1, left 1
  // right 1.
  const int H = 6, W = 5, C = 2, O = 3, K = 3, S = 2, OH = 3, OW = 3;
  const std::vector<float> x = iota_values(H * W * C, 0.3f);
  const std::vector<float> w = iota_values(O * K * K * C, 0.05f, -0.5f);
  const std::vector<float> bias = {0.5f, -0.25f, 2.f};
  ModelDef def;
  def.tensors = {{{1, H, W, C}, 0, {}, "x"},
                 {{O, K, K, C}, 0, bytes_of(w), "w"},
                 {{O}, 0, bytes_of(bias), "b"},
                 {{1, OH, OW, O}, 0, {}, "y"}};
  def.ops = {{kConv,
              "",
              {0, 1, 2},
              {3},
              kConvOptions,
              {{0, 0, 1}, {1, S, 4}, {2, S, 4}, {3, 3, 1}, {4, 1, 4}, {5, 1, 4}}}};
  def.inputs = {0};
  def.outputs = {3};
  const auto data = build_model(def);
  auto graph = import_bytes(data);
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  const ir::Node* conv = find_node(*graph, "Conv");
  REQUIRE(conv);
  CHECK(conv->attr_ints("pads") == std::vector<int64_t>{0, 1, 1, 1});
  CHECK(conv->attr_ints("strides") == std::vector<int64_t>{2, 2});
  CHECK(conv->opset == 18);
  CHECK(count_nodes(*graph, "Clip") == 1);

  std::vector<float> expected(OH * OW * O);
  for (int oy = 0; oy < OH; ++oy)
    for (int ox = 0; ox < OW; ++ox)
      for (int o = 0; o < O; ++o) {
        float acc = bias[o];
        for (int ky = 0; ky < K; ++ky)
          for (int kx = 0; kx < K; ++kx)
            for (int c = 0; c < C; ++c) {
              const int iy = oy * S - 0 + ky, ix = ox * S - 1 + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += x[(iy * W + ix) * C + c] * w[((o * K + ky) * K + kx) * C + c];
            }
        expected[(oy * OW + ox) * O + o] = std::min(std::max(acc, 0.f), 6.f);
      }
  auto y = run_model(data, x);
  INFO(y.status().to_string());
  REQUIRE(y.is_ok());
  REQUIRE(y->size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    CHECK(std::fabs((*y)[i] - expected[i]) < 1e-4f);
}

TEST_CASE("DEPTHWISE_CONV_2D with fp16 weights through DEQUANTIZE", "[tflite]") {
  const int H = 4, W = 4, C = 3, K = 3;
  const std::vector<float> x = iota_values(H * W * C);
  std::vector<float> w = iota_values(K * K * C, 0.125f, -1.f);  // exact in fp16
  std::vector<uint16_t> w16;
  for (float f : w)
    w16.push_back(ir::float_to_half(f));
  ModelDef def;
  def.tensors = {{{1, H, W, C}, 0, {}, "x"},
                 {{1, K, K, C}, 1, bytes_of(w16), "w16"},
                 {{1, K, K, C}, 0, {}, "w"},
                 {{1, H, W, C}, 0, {}, "y"}};
  def.ops = {{kDequantize, "", {1}, {2}},
             {kDepthwise,
              "",
              {0, 2, -1},
              {3},
              kDepthwiseOptions,
              {{0, 0, 1}, {1, 1, 4}, {2, 1, 4}, {3, 1, 4}}}};
  def.inputs = {0};
  def.outputs = {3};
  const auto data = build_model(def);
  auto graph = import_bytes(data);
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  const ir::Node* conv = find_node(*graph, "Conv");
  REQUIRE(conv);
  CHECK(conv->attr_int("group", 0) == C);
  CHECK(conv->inputs.size() == 2);
  std::vector<float> expected(H * W * C);
  for (int oy = 0; oy < H; ++oy)
    for (int ox = 0; ox < W; ++ox)
      for (int c = 0; c < C; ++c) {
        float acc = 0;
        for (int ky = 0; ky < K; ++ky)
          for (int kx = 0; kx < K; ++kx) {
            const int iy = oy - 1 + ky, ix = ox - 1 + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            acc += x[(iy * W + ix) * C + c] * w[(ky * K + kx) * C + c];
          }
        expected[(oy * W + ox) * C + c] = acc;
      }
  auto y = run_model(data, x);
  INFO(y.status().to_string());
  REQUIRE(y.is_ok());
  for (size_t i = 0; i < expected.size(); ++i)
    CHECK(std::fabs((*y)[i] - expected[i]) < 1e-4f);
}

TEST_CASE("ADD broadcasting a channel vector, MEAN, CONCATENATION and PAD in NCHW", "[tflite]") {
  // x [1,2,3,2] -> conv 1x1 identity (NCHW) -> add [2] -> pad H by (1,0) -> concat with itself
  // on channels -> mean over H,W keep dims -> [1,1,1,4].
  const std::vector<float> x = iota_values(12);
  const std::vector<float> eye = {1, 0, 0, 1};
  const std::vector<float> shift = {10.f, -10.f};
  const std::vector<int32_t> pads = {0, 0, 1, 0, 0, 0, 0, 0};
  const std::vector<int32_t> axes = {1, 2};
  ModelDef def;
  def.tensors = {{{1, 2, 3, 2}, 0, {}, "x"},       {{2, 1, 1, 2}, 0, bytes_of(eye), "eye"},
                 {{1, 2, 3, 2}, 0, {}, "conv"},    {{2}, 0, bytes_of(shift), "shift"},
                 {{1, 2, 3, 2}, 0, {}, "added"},   {{4, 2}, 2, bytes_of(pads), "pads"},
                 {{1, 3, 3, 2}, 0, {}, "padded"},  {{1, 3, 3, 4}, 0, {}, "cat"},
                 {{2}, 2, bytes_of(axes), "axes"}, {{1, 1, 1, 4}, 0, {}, "mean"}};
  def.ops = {{kConv, "", {0, 1, -1}, {2}, kConvOptions, {{0, 1, 1}, {1, 1, 4}, {2, 1, 4}}},
             {kAdd, "", {2, 3}, {4}, kAddOptions, {}},
             {kPad, "", {4, 5}, {6}},
             {kConcat, "", {6, 6}, {7}, kConcatOptions, {{0, 3, 4}}},
             {kMean, "", {7, 8}, {9}, kReducerOptions, {{0, 1, 1}}}};
  def.inputs = {0};
  def.outputs = {9};
  const auto data = build_model(def);
  auto graph = import_bytes(data);
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  CHECK(count_nodes(*graph, "Transpose") == 2);  // input and output only
  const ir::Node* concat = find_node(*graph, "Concat");
  REQUIRE(concat);
  CHECK(concat->attr_int("axis", -1) == 1);
  double sum[2] = {0, 0};
  for (size_t i = 0; i < x.size(); ++i)
    sum[i % 2] += x[i] + shift[i % 2];
  const float m0 = static_cast<float>(sum[0] / 9), m1 = static_cast<float>(sum[1] / 9);
  auto y = run_model(data, x);
  INFO(y.status().to_string());
  REQUIRE(y.is_ok());
  REQUIRE(y->size() == 4);
  CHECK((*y)[0] == Approx(m0).margin(1e-4));
  CHECK((*y)[1] == Approx(m1).margin(1e-4));
  CHECK((*y)[2] == Approx(m0).margin(1e-4));
  CHECK((*y)[3] == Approx(m1).margin(1e-4));
}

TEST_CASE("FULLY_CONNECTED, RESHAPE and SOFTMAX with beta", "[tflite]") {
  const std::vector<float> x = iota_values(6);
  const std::vector<float> w = iota_values(12, 0.2f, -1.f);  // [4 units, 3 depth]... of [2,3] x
  const std::vector<float> bias = {0.1f, 0.2f, 0.3f, 0.4f};
  ModelDef def;
  def.tensors = {{{1, 2, 3}, 0, {}, "x"},       {{4, 3}, 0, bytes_of(w), "w"},
                 {{4}, 0, bytes_of(bias), "b"}, {{2, 4}, 0, {}, "fc"},
                 {{1, 8}, 0, {}, "flat"},       {{1, 8}, 0, {}, "prob"}};
  def.ops = {{kFullyConnected, "", {0, 1, 2}, {3}, kFcOptions, {}},
             {kReshape, "", {3}, {4}},
             {kSoftmax, "", {4}, {5}, kSoftmaxOptions, {{0, 0.5, 0}}}};
  def.inputs = {0};
  def.outputs = {5};
  const auto data = build_model(def);
  auto graph = import_bytes(data);
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  std::vector<double> logits(8);
  for (int r = 0; r < 2; ++r)
    for (int u = 0; u < 4; ++u) {
      double acc = bias[u];
      for (int k = 0; k < 3; ++k)
        acc += x[r * 3 + k] * w[u * 3 + k];
      logits[r * 4 + u] = 0.5 * acc;
    }
  double total = 0;
  for (double l : logits)
    total += std::exp(l);
  auto y = run_model(data, x);
  INFO(y.status().to_string());
  REQUIRE(y.is_ok());
  REQUIRE(y->size() == 8);
  for (size_t i = 0; i < 8; ++i)
    CHECK((*y)[i] == Approx(std::exp(logits[i]) / total).margin(1e-5));
}

TEST_CASE("MAX_POOL_2D, RESIZE_NEAREST_NEIGHBOR and TRANSPOSE_CONV import", "[tflite]") {
  const std::vector<int32_t> size = {4, 4};
  const std::vector<int32_t> out_shape = {1, 8, 8, 2};
  const std::vector<float> w = iota_values(2 * 3 * 3 * 2);
  ModelDef def;
  def.tensors = {{{1, 4, 4, 2}, 0, {}, "x"},
                 {{1, 2, 2, 2}, 0, {}, "pooled"},
                 {{2}, 2, bytes_of(size), "size"},
                 {{1, 4, 4, 2}, 0, {}, "resized"},
                 {{4}, 2, bytes_of(out_shape), "out_shape"},
                 {{2, 3, 3, 2}, 0, bytes_of(w), "w"},
                 {{1, 8, 8, 2}, 0, {}, "y"}};
  def.ops = {{kMaxPool,
              "",
              {0},
              {1},
              kPoolOptions,
              {{0, 1, 1}, {1, 2, 4}, {2, 2, 4}, {3, 2, 4}, {4, 2, 4}}},
             {kResizeNearest, "", {1, 2}, {3}, kResizeNearestOptions, {{1, 1, 1}}},
             {kTransposeConv,
              "",
              {4, 5, 3},
              {6},
              kTransposeConvOptions,
              {{0, 0, 1}, {1, 2, 4}, {2, 2, 4}}}};
  def.inputs = {0};
  def.outputs = {6};
  auto graph = import_bytes(build_model(def));
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  const ir::Node* resize = find_node(*graph, "Resize");
  REQUIRE(resize);
  CHECK(resize->attr_string("mode", "") == "nearest");
  CHECK(resize->attr_string("coordinate_transformation_mode", "") == "tf_half_pixel_for_nn");
  const ir::Node* deconv = find_node(*graph, "ConvTranspose");
  REQUIRE(deconv);
  // Full output (4-1)*2+3 = 9, 8 wanted: SAME pads begin 0, end 1.
  CHECK(deconv->attr_ints("pads") == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(graph->value(deconv->inputs[1]).static_shape() == Shape{2, 2, 3, 3});
  CHECK(find_node(*graph, "MaxPool"));
}

TEST_CASE("Convolution2DTransposeBias custom options and errors", "[tflite]") {
  const std::vector<float> w = iota_values(1 * 2 * 2 * 3);
  const std::vector<float> bias = {0.5f};
  auto def_with = [&](std::vector<uint8_t> custom) {
    ModelDef def;
    // 3x3 input, 2x2 kernel, stride 2, SAME: MediaPipe's output is 2*2+2-1 = 5.
    def.tensors = {{{1, 3, 3, 3}, 0, {}, "x"},
                   {{1, 2, 2, 3}, 0, bytes_of(w), "w"},
                   {{1}, 0, bytes_of(bias), "b"},
                   {{1, 5, 5, 1}, 0, {}, "y"}};
    OpDef op{kCustom, "Convolution2DTransposeBias", {0, 1, 2}, {3}};
    op.custom_options = std::move(custom);
    def.ops = {op};
    def.inputs = {0};
    def.outputs = {3};
    return build_model(def);
  };
  auto graph = import_bytes(def_with({1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0}));
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  const ir::Node* deconv = find_node(*graph, "ConvTranspose");
  REQUIRE(deconv);
  CHECK(deconv->attr_ints("strides") == std::vector<int64_t>{2, 2});
  CHECK(deconv->attr_ints("pads") == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(deconv->inputs.size() == 3);

  auto short_options = import_bytes(def_with({1, 0, 0, 0}));
  REQUIRE_FALSE(short_options.is_ok());
  CHECK(short_options.status().code() == StatusCode::kInvalidModel);
  CHECK(short_options.status().message().find("custom options") != std::string::npos);
  auto zero_stride = import_bytes(def_with({1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}));
  REQUIRE_FALSE(zero_stride.is_ok());
  CHECK(zero_stride.status().message().find("strides") != std::string::npos);
}

// ---- errors ---------------------------------------------------------------------------------

namespace {

ModelDef relu6_model() {
  ModelDef def;
  def.tensors = {{{1, 2, 2, 1}, 0, {}, "x"}, {{1, 2, 2, 1}, 0, {}, "y"}};
  def.ops = {{kRelu6, "", {0}, {1}}};
  def.inputs = {0};
  def.outputs = {1};
  return def;
}

void expect_error(const ModelDef& def, StatusCode code, const std::string& fragment) {
  auto graph = import_bytes(build_model(def), "bad.tflite");
  INFO(fragment);
  REQUIRE_FALSE(graph.is_ok());
  INFO(graph.status().to_string());
  CHECK(graph.status().code() == code);
  CHECK(graph.status().message().find("bad.tflite") != std::string::npos);
  CHECK(graph.status().message().find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("a well-formed small model imports", "[tflite]") {
  auto graph = import_bytes(build_model(relu6_model()));
  INFO(graph.status().to_string());
  REQUIRE(graph.is_ok());
  CHECK(graph->validate().is_ok());
  CHECK(count_nodes(*graph, "Clip") == 1);
}

TEST_CASE("unsupported operators name the operator and its index", "[tflite]") {
  ModelDef def = relu6_model();
  def.ops[0].code = kStridedSlice;
  expect_error(def, StatusCode::kUnsupported, "operator 0 (STRIDED_SLICE");
  def.ops[0].code = kCustom;
  def.ops[0].custom_code = "MyMagicOp";
  expect_error(def, StatusCode::kUnsupported, "custom operator 'MyMagicOp'");
}

TEST_CASE("out-of-range indices and inconsistent sizes are clean errors", "[tflite]") {
  {
    ModelDef def = relu6_model();
    def.ops[0].inputs = {7};
    expect_error(def, StatusCode::kInvalidModel, "refers to tensor 7");
  }
  {
    ModelDef def = relu6_model();
    def.outputs = {-3};
    expect_error(def, StatusCode::kInvalidModel, "refers to tensor -3");
  }
  {
    ModelDef def = relu6_model();
    def.ops[0].opcode_index_override = 5;
    expect_error(def, StatusCode::kInvalidModel, "operator code 5");
  }
  {
    ModelDef def = relu6_model();
    def.tensors[0].buffer_override = 99;
    expect_error(def, StatusCode::kInvalidModel, "buffer 99");
  }
  {
    ModelDef def = relu6_model();
    def.tensors.push_back({{2, 2}, 0, bytes_of(std::vector<float>{1, 2, 3}), "w"});
    expect_error(def, StatusCode::kInvalidModel, "holds 12 bytes");
  }
  {
    ModelDef def = relu6_model();
    def.tensors[1].shape = {65536, 65536, 65536};
    expect_error(def, StatusCode::kOutOfMemory, "absurd shape");
  }
  {
    ModelDef def = relu6_model();
    def.tensors[1].shape = {1, -2, 2, 1};
    expect_error(def, StatusCode::kInvalidModel, "negative dimension");
  }
  {
    ModelDef def = relu6_model();
    def.inputs = {};
    expect_error(def, StatusCode::kInvalidModel, "before any operator writes it");
  }
  {
    ModelDef def = relu6_model();
    def.tensors.push_back({{1}, 0, {}, "never"});
    def.outputs = {2};
    expect_error(def, StatusCode::kInvalidModel, "not written by any operator");
  }
  {
    ModelDef def = relu6_model();
    def.tensors[0].type = 5;  // STRING
    expect_error(def, StatusCode::kUnsupported, "STRING");
  }
}

TEST_CASE("truncated and corrupted selfie models fail cleanly", "[tflite]") {
  const std::string path = require_model(import::kDefaultModelFile);
  const std::vector<unsigned char> data = read_file(path);
  REQUIRE(data.size() > 1000);
  // Every length up to 4 KiB, then lengths spread over the whole file.
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 4096; n += 7)
    lengths.push_back(n);
  for (size_t n = 4096; n < data.size(); n += data.size() / 97)
    lengths.push_back(n);
  lengths.push_back(data.size() - 1);
  for (size_t n : lengths) {
    std::vector<unsigned char> cut(data.begin(), data.begin() + static_cast<ptrdiff_t>(n));
    auto graph = import_bytes(cut, "cut.tflite");
    INFO("length " << n);
    REQUIRE_FALSE(graph.is_ok());
    CHECK(graph.status().message().find("cut.tflite") != std::string::npos);
  }
  // Flipped bytes: either a clean error or a graph that passes the IR checks.
  std::mt19937 rng(1234);
  size_t errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<unsigned char> bad = data;
    // Most flips go into the flatbuffer's tables (the first and last few KiB); some anywhere.
    for (int k = 0; k < 4; ++k) {
      size_t pos;
      if (trial % 3 == 0) {
        pos = rng() % bad.size();
      } else if (trial % 3 == 1) {
        pos = rng() % 4096;
      } else {
        pos = bad.size() - 1 - rng() % 16384;
      }
      bad[pos] ^= static_cast<unsigned char>(1u << (rng() % 8));
    }
    auto graph = import_bytes(bad, "flipped.tflite");
    if (!graph.is_ok()) {
      ++errors;
      CHECK(graph.status().message().find("flipped.tflite") != std::string::npos);
    } else {
      const Status valid = graph->validate();  // an accepted graph is sound
      INFO(valid.to_string());
      CHECK(valid.is_ok());
    }
  }
  WARN("flipped-byte trials that gave an error: " << errors << " of 300");
}
