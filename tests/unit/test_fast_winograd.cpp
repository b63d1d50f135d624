// Winograd F(4,3) and F(6,3) Conv (cpu/fast/winograd.h) against the reference Conv, through the
// executor (prepared weights, 1 and 2 threads): random shapes with odd sizes, asymmetric pads,
// batches, every fused epilogue, images that span many chunks, and the rule's choice.
//
// Tolerance. Winograd rounds the transformed input, weights and products, and its transforms
// have coefficients up to 5 (F(4,3)) and 32 (F(6,3)), so its error is not bounded by the
// output's size but by the magnitude of the terms summed: for each output,
//   S = sum |w| |x| + |bias| + |residual|,
// computed as the reference Conv of |x| and |w|. The check is |fast - reference| <= tol * S with
// tol = 1e-4 for F(4,3) and 3e-4 for F(6,3) (about 840 and 2500 float epsilons): the worst
// ratios measured over these cases are 3e-5 for both (a single input channel, where nothing
// averages the transforms' rounding out; the medians are 1e-6 and 3e-6), while an indexing
// mistake (a wrong tap or tile) gives errors of the order of S itself. The activations used
// are at most 1.5-Lipschitz.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>

#include "edgeinfer/edgeinfer.h"
#include "fast_vs_reference.h"
#include "onnx_builder.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

struct Case {
  int64_t batch, channels, out_channels, h, w;
  std::vector<int64_t> pads;
  bool bias;
  std::string activation;
  bool residual;
};

std::string describe(const Case& c) {
  // A stream, not operator+: GCC 12 warns (-Wrestrict) on long chains of string additions.
  std::ostringstream s;
  s << "N" << c.batch << " C" << c.channels << " M" << c.out_channels << " " << c.h << "x" << c.w
    << " pads " << c.pads[0] << "," << c.pads[1] << "," << c.pads[2] << "," << c.pads[3] << " act '"
    << c.activation << "'" << (c.residual ? " +residual" : "") << (c.bias ? " +bias" : "");
  return s.str();
}

HostTensor absolute(const HostTensor& t) {
  std::vector<float> v = t.values<float>();
  for (float& x : v)
    x = std::abs(x);
  return HostTensor::f32(t.shape, v);
}

std::vector<float> activation_params(const std::string& a) {
  if (a == "Clip") return {-0.2f, 0.5f};
  if (a == "LeakyRelu") return {0.1f};
  return {};
}

NodeSpec winograd_spec(std::mt19937& rng, const Case& c) {
  Attrs attrs{{"kernel_shape", std::vector<int64_t>{3, 3}}, {"pads", c.pads}};
  if (!c.activation.empty()) {
    attrs["ei_activation"] = c.activation;
    attrs["ei_activation_params"] = activation_params(c.activation);
  }
  NodeSpec spec{"Conv", attrs, 18, {}};
  spec.inputs.push_back(random_tensor(rng, {c.batch, c.channels, c.h, c.w}));
  spec.inputs.push_back(random_tensor(rng, {c.out_channels, c.channels, 3, 3}));
  spec.inputs.push_back(c.bias ? random_tensor(rng, {c.out_channels}) : omitted());
  if (c.residual || c.activation == "PRelu") {
    const int64_t oh = c.h + c.pads[0] + c.pads[2] - 2, ow = c.w + c.pads[1] + c.pads[3] - 2;
    spec.inputs.push_back(c.residual ? random_tensor(rng, {c.batch, c.out_channels, oh, ow})
                                     : omitted());
  }
  if (c.activation == "PRelu") spec.inputs.push_back(random_tensor(rng, {c.out_channels}));
  return spec;
}

// Per output: the sum of the magnitudes of the terms that make it (see the tolerance above).
std::vector<float> term_magnitudes(const NodeSpec& spec) {
  NodeSpec plain{"Conv", spec.attributes, spec.opset, {}};
  plain.attributes.erase("ei_activation");
  plain.attributes.erase("ei_activation_params");
  for (size_t i = 0; i < 3; ++i) {
    const HostTensor& t = spec.inputs[i];
    plain.inputs.push_back(t.dtype == DType::kUndefined ? t : absolute(t));
  }
  std::vector<float> s = reference_output(plain);
  if (spec.inputs.size() > 3 && spec.inputs[3].dtype != DType::kUndefined) {
    const std::vector<float> r = spec.inputs[3].values<float>();
    for (size_t i = 0; i < s.size(); ++i)
      s[i] += std::abs(r[i]);
  }
  return s;
}

// Runs `spec` with `algorithm` forced (or the rule's choice for ""), at 1 and 2 threads,
// checks it against the reference within tol * S and returns the algorithm that ran.
std::string check_winograd(const NodeSpec& spec, const std::string& description,
                           const std::string& algorithm, double tol) {
  const std::vector<float> want = reference_output(spec);
  const std::vector<float> magnitude = term_magnitudes(spec);
  REQUIRE(magnitude.size() == want.size());
  std::string ran;
  for (int threads : {1, 2}) {
    cpu::ExecutorOptions options;
    options.threads = threads;
    if (!algorithm.empty()) options.algorithms = {{"Conv", algorithm}};
    auto fast =
        run_node_in_executor(spec, {false, true, true, false, true}, options, cpu::fast_kernels());
    INFO(description << ", " << algorithm << ", threads " << threads << ": "
                     << fast.status().to_string());
    REQUIRE(fast.is_ok());
    const std::vector<float> got = fast->outputs[0].values<float>();
    REQUIRE(got.size() == want.size());
    double worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      const double ratio = std::abs(double(got[i]) - want[i]) / (magnitude[i] + 1e-30);
      if (!(ratio <= worst)) {
        worst = ratio;
        worst_at = i;
      }
    }
    INFO("ran " << fast->algorithm << ", worst |diff| / S " << worst << " at " << worst_at << ": "
                << got[worst_at] << " vs " << want[worst_at]);
    CHECK(worst <= tol);
    ran = fast->algorithm;
  }
  return ran;
}

const std::vector<std::string> kActivations = {"",        "Relu", "Clip",  "LeakyRelu", "PRelu",
                                               "Sigmoid", "Tanh", "Swish", "HardSwish", "Gelu"};

constexpr double kTolF4 = 1e-4;
constexpr double kTolF6 = 3e-4;

}  // namespace

TEST_CASE("Winograd Conv matches the reference on random shapes", "[fast_conv][winograd]") {
  std::mt19937 rng(4321);
  std::uniform_int_distribution<int64_t> size(1, 23), chan(1, 24), pad(0, 2);
  for (int trial = 0; trial < 40; ++trial) {
    Case c;
    c.batch = trial % 5 == 0 ? 2 : 1;
    c.channels = chan(rng);
    c.out_channels = chan(rng);
    c.h = size(rng);
    c.w = size(rng) + (trial % 3) * 11;
    c.pads = {pad(rng), pad(rng), pad(rng), pad(rng)};
    if (c.h + c.pads[0] + c.pads[2] < 3 || c.w + c.pads[1] + c.pads[3] < 3) continue;
    c.bias = trial % 3 != 0;
    c.activation = kActivations[static_cast<size_t>(trial) % kActivations.size()];
    c.residual = trial % 2 == 1;
    const NodeSpec spec = winograd_spec(rng, c);
    CHECK(check_winograd(spec, describe(c), "winograd4", kTolF4) == "winograd4");
    CHECK(check_winograd(spec, describe(c), "winograd6", kTolF6) == "winograd6");
  }
}

TEST_CASE("Winograd Conv over images of many chunks and wide layers", "[fast_conv][winograd]") {
  std::mt19937 rng(77);
  // Many chunks per image (16 channels: about a hundred tiles per chunk); a layer whose chunk is
  // one panel (hundreds of channels); a batch of two with tiles cut at the image's edge.
  const std::vector<Case> cases = {
      {1, 16, 16, 75, 97, {1, 1, 1, 1}, true, "Relu", false},
      {1, 200, 72, 13, 21, {1, 1, 1, 1}, true, "", true},
      {2, 20, 18, 31, 30, {0, 2, 1, 0}, true, "Clip", true},
  };
  for (const Case& c : cases) {
    const NodeSpec spec = winograd_spec(rng, c);
    CHECK(check_winograd(spec, describe(c), "winograd4", kTolF4) == "winograd4");
    CHECK(check_winograd(spec, describe(c), "winograd6", kTolF6) == "winograd6");
  }
}

TEST_CASE("the rule picks Winograd F(4,3) for wide 3x3 stride-1 layers only",
          "[fast_conv][winograd]") {
  std::mt19937 rng(8);
  const Case wide{1, 16, 24, 20, 20, {1, 1, 1, 1}, true, "Relu", false};
  CHECK(check_winograd(winograd_spec(rng, wide), describe(wide), "", kTolF4) == "winograd4");
  const Case narrow{1, 3, 16, 20, 20, {1, 1, 1, 1}, true, "Relu", false};
  // Three input channels: the transforms would cost more than they save (direct or im2col).
  const std::string narrow_algorithm =
      check_winograd(winograd_spec(rng, narrow), describe(narrow), "", 1e-6);
  CHECK(narrow_algorithm.rfind("winograd", 0) == std::string::npos);
  // Strided 3x3 convolutions cannot run Winograd: asking for it by node name is an error.
  NodeSpec strided = winograd_spec(rng, wide);
  strided.attributes["strides"] = std::vector<int64_t>{2, 2};
  cpu::ExecutorOptions options;
  options.algorithms = {{"test_Conv", "winograd4"}};
  auto run = run_node_in_executor(strided, {false, true, true}, options, cpu::fast_kernels());
  REQUIRE(!run.is_ok());
  CHECK_THAT(run.status().message(), Catch::Contains("does not apply"));
}

namespace {

// The algorithm a session picks for a lone 3x3 pad-1 Conv of `c` -> `k` channels on an h x w
// image (static shapes, so the rule sees the output's size).
std::string rule_for_layer(int64_t c, int64_t k, int64_t h, int64_t w) {
  onnx::ModelProto m = onnx_model("one_conv");
  auto* g = m.mutable_graph();
  add_io(g->add_input(), "X", {1, c, h, w});
  add_io(g->add_output(), "Y", {1, k, h, w});
  add_weight(g, "W", {k, c, 3, 3});
  set_ints(add_conv(g, "conv", "X", "W", "Y"), "pads", {1, 1, 1, 1});
  const std::string bytes = serialized(m);
  Options options;
  options.backend = Backend::kCpu;
  auto model = Model::load_from_memory(bytes.data(), bytes.size(), "one_conv", options);
  REQUIRE(model.is_ok());
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  std::vector<NodeProfile> profile;
  REQUIRE(session->run_profiled(&profile).is_ok());
  REQUIRE(profile.size() == 1);
  return profile[0].algorithm;
}

}  // namespace

TEST_CASE("the Winograd rule leaves deep layers on small images to im2col", "[winograd]") {
  // Transformed weights (C x K x 36 floats) no larger than the output (K x H x W): Winograd.
  CHECK(rule_for_layer(32, 32, 48, 48) == "winograd4");  // 32 x 36 = 1152 <= 2304 pixels
  // Larger: the copies would outweigh the layer's output, the GEMM keeps the layer.
  CHECK(rule_for_layer(128, 64, 16, 16) == "im2col-gemm");  // 128 x 36 = 4608 > 256 pixels
}
