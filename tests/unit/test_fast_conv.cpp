// The fast Conv and ConvTranspose kernels (cpu/fast) against the reference kernels, through
// the executor as sessions run them (prepared weights, algorithm choice, 1 and 2 threads):
// random shapes with odd sizes, every stride / pad / dilation / group combination, fused
// epilogues; the algorithm override rules; and channels-last (NHWC) inputs, every algorithm.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "cpu/fast/winograd.h"
#include "cpu/kernels/kernel_set.h"
#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

struct ConvCase {
  int64_t batch, channels, out_channels, group, h, w, kh, kw;
  std::vector<int64_t> strides, dilations, pads;
  std::string auto_pad;  // "" = explicit pads
  bool bias;
  std::string activation;  // "" = none
  bool residual;
};

std::string describe(const ConvCase& c) {
  auto list = [](const std::vector<int64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) s += ',';
      s += std::to_string(v[i]);
    }
    s += ']';
    return s;
  };
  return "N" + std::to_string(c.batch) + " C" + std::to_string(c.channels) + " M" +
         std::to_string(c.out_channels) + " g" + std::to_string(c.group) + " " +
         std::to_string(c.h) + "x" + std::to_string(c.w) + " k" + std::to_string(c.kh) + "x" +
         std::to_string(c.kw) + " s" + list(c.strides) + " d" + list(c.dilations) + " p" +
         list(c.pads) + " " + c.auto_pad + " act " + c.activation +
         (c.residual ? " +residual" : "") + (c.bias ? " +bias" : "");
}

std::vector<float> activation_params(const std::string& a) {
  if (a == "Clip") return {0.f, 0.5f};
  if (a == "LeakyRelu") return {0.1f};
  if (a == "HardSigmoid") return {0.2f, 0.5f};
  return {};
}

NodeSpec conv_spec(std::mt19937& rng, const ConvCase& c) {
  Attrs attrs{{"group", c.group}, {"strides", c.strides}, {"dilations", c.dilations}};
  if (c.auto_pad.empty()) {
    attrs["pads"] = c.pads;
  } else {
    attrs["auto_pad"] = c.auto_pad;
  }
  if (!c.activation.empty()) {
    attrs["ei_activation"] = c.activation;
    attrs["ei_activation_params"] = activation_params(c.activation);
  }
  NodeSpec spec{"Conv", attrs, 18, {}};
  spec.inputs.push_back(random_tensor(rng, {c.batch, c.channels, c.h, c.w}));
  spec.inputs.push_back(random_tensor(rng, {c.out_channels, c.channels / c.group, c.kh, c.kw}));
  spec.inputs.push_back(c.bias ? random_tensor(rng, {c.out_channels}) : omitted());
  if (c.residual || c.activation == "PRelu") {
    // The residual has the output's shape: work it out from the reference run.
    NodeSpec plain = spec;
    plain.attributes.erase("ei_activation");
    plain.attributes.erase("ei_activation_params");
    auto out = run_node(plain);
    REQUIRE(out.is_ok());
    spec.inputs.push_back(c.residual ? random_tensor(rng, (*out)[0].shape) : omitted());
  }
  if (c.activation == "PRelu") spec.inputs.push_back(random_tensor(rng, {c.out_channels}));
  return spec;
}

const std::vector<std::string> kActivations = {"",      "Relu",      "Clip",    "LeakyRelu",
                                               "PRelu", "HardSwish", "Sigmoid", "HardSigmoid",
                                               "Tanh",  "Swish",     "Gelu",    "Mish"};

}  // namespace

TEST_CASE("fast Conv matches the reference on random shapes", "[fast_conv]") {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int64_t> size(1, 19), chan(1, 9), small(1, 3), pad(0, 2);
  int checked = 0;
  for (int trial = 0; checked < 120; ++trial) {
    ConvCase c;
    c.batch = trial % 7 == 0 ? 2 : 1;
    const int kind = trial % 4;  // 0 dense, 1 depthwise, 2 grouped, 3 pointwise
    const int64_t g = kind == 2 ? small(rng) : 1;
    c.channels = kind == 1 ? chan(rng) : chan(rng) * g;
    c.group = kind == 1 ? c.channels : g;
    c.out_channels = kind == 1 ? c.channels : chan(rng) * 3 * g;
    c.h = size(rng);
    c.w = size(rng) + (trial % 3) * 13;
    const std::vector<int64_t> kernels = {1, 3, 5, 2, 3};
    c.kh = kind == 3 ? 1 : kernels[rng() % kernels.size()];
    c.kw = kind == 3 ? 1 : kernels[rng() % kernels.size()];
    c.strides = {small(rng) % 2 + 1, small(rng) % 2 + 1};
    c.dilations =
        trial % 5 == 0 ? std::vector<int64_t>{small(rng), small(rng)} : std::vector<int64_t>{1, 1};
    if (kind == 3 && trial % 8 != 3) c.strides = {1, 1};
    c.pads = {pad(rng), pad(rng), pad(rng), pad(rng)};
    if (kind == 3 && trial % 8 != 7) c.pads = {0, 0, 0, 0};
    c.auto_pad = trial % 11 == 0 ? "SAME_UPPER" : trial % 13 == 0 ? "VALID" : "";
    c.bias = trial % 3 != 0;
    c.activation = kActivations[static_cast<size_t>(trial) % kActivations.size()];
    c.residual = trial % 2 == 0;
    if (!window_fits(c)) continue;
    const NodeSpec spec = conv_spec(rng, c);
    const std::string algorithm = check_against_reference(spec, describe(c));
    if (kind == 1) CHECK(algorithm == "depthwise");
    // Dense layers with a short reduction may go to the direct kernel (conv_direct.h).
    if (kind == 0 && c.kh * c.kw > 1) CHECK((algorithm == "im2col-gemm" || algorithm == "direct"));
    if (kind == 3 && c.strides == std::vector<int64_t>{1, 1}) CHECK(algorithm == "1x1-gemm");
    ++checked;
  }
}

TEST_CASE("fast depthwise 3x3 and 5x5 at stride 1 and 2, every padding", "[fast_conv]") {
  std::mt19937 rng(99);
  for (int64_t k : {3, 5}) {
    for (int64_t s : {1, 2}) {
      for (int64_t p : {0, 1, 2}) {
        for (int64_t hw : {k, int64_t{16}, int64_t{33}}) {
          ConvCase c{1,      24,     24,           24, hw,   hw + 3, k,    k,
                     {s, s}, {1, 1}, {p, p, p, p}, "", true, "Clip", false};
          if (out_size(c.h, k, s, 1, p, p) < 1) continue;
          CHECK(check_against_reference(conv_spec(rng, c), describe(c)) == "depthwise");
        }
      }
    }
  }
}

TEST_CASE("every Conv algorithm can be forced and gives the reference result", "[fast_conv]") {
  std::mt19937 rng(5);
  const ConvCase depthwise{1,  8,    8,      8,   11, 9, 3, 3, {2, 2}, {1, 1}, {1, 1, 1, 1},
                           "", true, "Relu", true};
  const ConvCase pointwise{1,      12,     20,           1,  9,    13,          1,   1,
                           {1, 1}, {1, 1}, {0, 0, 0, 0}, "", true, "HardSwish", true};
  for (const ConvCase& c : {depthwise, pointwise}) {
    const NodeSpec spec = conv_spec(rng, c);
    const std::vector<std::string> algos =
        c.group > 1 ? std::vector<std::string>{"reference", "im2col-gemm", "depthwise"}
                    : std::vector<std::string>{"reference", "im2col-gemm", "1x1-gemm"};
    for (const std::string& a : algos) {
      // By node name and by op type.
      CHECK(check_against_reference(spec, describe(c) + " forced " + a, {{"test_Conv", a}}) == a);
      CHECK(check_against_reference(spec, describe(c) + " forced " + a, {{"Conv", a}}) == a);
    }
  }
}

TEST_CASE("Conv algorithm overrides that cannot apply are clear errors", "[fast_conv]") {
  std::mt19937 rng(6);
  const ConvCase dense{1, 4, 6, 1, 7, 7, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "", false, "", false};
  const NodeSpec spec = conv_spec(rng, dense);
  cpu::ExecutorOptions options;
  auto run_with = [&](std::map<std::string, std::string> algos) {
    options.algorithms = std::move(algos);
    return run_node_in_executor(spec, {false, true, true}, options, cpu::fast_kernels());
  };
  auto unknown = run_with({{"Conv", "winograd-f99"}});
  REQUIRE(!unknown.is_ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("unknown algorithm 'winograd-f99'"));
  CHECK_THAT(unknown.status().message(), Catch::Contains("im2col-gemm"));
  auto by_name = run_with({{"test_Conv", "depthwise"}});
  REQUIRE(!by_name.is_ok());
  CHECK_THAT(by_name.status().message(), Catch::Contains("does not apply"));
  // By op type, a depthwise override leaves dense convolutions on their default.
  auto by_type = run_with({{"Conv", "depthwise"}});
  REQUIRE(by_type.is_ok());
  CHECK(by_type->algorithm == "im2col-gemm");
  auto no_node = run_with({{"conv_that_is_not_there", "reference"}});
  REQUIRE(!no_node.is_ok());
  CHECK_THAT(no_node.status().message(), Catch::Contains("no node or operator"));
}

TEST_CASE("fast Conv falls back to the reference for weights it did not pack", "[fast_conv]") {
  std::mt19937 rng(8);
  const ConvCase c{1, 3, 5, 1, 8, 8, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "", true, "", false};
  const NodeSpec spec = conv_spec(rng, c);
  const std::vector<float> want = reference_output(spec);
  // W fed as a graph input (not constant): nothing to pack, the reference kernel runs.
  auto fast = run_node_in_executor(spec, {false, false, false}, {}, cpu::fast_kernels());
  REQUIRE(fast.is_ok());
  CHECK(fast->algorithm == "reference");
  CHECK(fast->outputs[0].values<float>() == want);
}

TEST_CASE("fast ConvTranspose with stride equal to the kernel", "[fast_conv]") {
  std::mt19937 rng(21);
  int index = 0;
  for (int64_t k : {2, 3}) {
    for (int64_t c : {1, 7, 16}) {
      for (int64_t m : {1, 5, 16}) {
        const std::string activation =
            kActivations[static_cast<size_t>(index++) % kActivations.size()];
        const int64_t h = 5 + k, w = 9 + c % 4;
        Attrs attrs{{"strides", std::vector<int64_t>{k, k}}};
        // The MediaPipe decoders give the (full) output size explicitly.
        if (index % 4 == 1) attrs["output_shape"] = std::vector<int64_t>{h * k, w * k};
        if (!activation.empty()) {
          attrs["ei_activation"] = activation;
          attrs["ei_activation_params"] = activation_params(activation);
        }
        NodeSpec spec{"ConvTranspose", attrs, 18, {}};
        spec.inputs.push_back(random_tensor(rng, {index % 3 == 0 ? 2 : 1, c, h, w}));
        spec.inputs.push_back(random_tensor(rng, {c, m, k, k}));
        spec.inputs.push_back(index % 2 ? random_tensor(rng, {m}) : omitted());
        spec.inputs.push_back(
            index % 2 ? omitted() : random_tensor(rng, {index % 3 == 0 ? 2 : 1, m, h * k, w * k}));
        if (activation == "PRelu") spec.inputs.push_back(random_tensor(rng, {m}));
        const std::string what = "ConvTranspose k" + std::to_string(k) + " C" + std::to_string(c) +
                                 " M" + std::to_string(m) + " " + activation;
        CHECK(check_against_reference(spec, what, {{"ConvTranspose", "scatter-gemm"}}) ==
              "scatter-gemm");
      }
    }
  }
  // Overlapping windows (stride below the kernel) keep the reference kernel.
  NodeSpec overlap{"ConvTranspose", Attrs{{"strides", std::vector<int64_t>{1, 1}}}, 18, {}};
  overlap.inputs = {random_tensor(rng, {1, 3, 6, 6}), random_tensor(rng, {3, 4, 3, 3})};
  CHECK(check_against_reference(overlap, "overlapping ConvTranspose") == "reference");
  // An output_shape that crops the result: the reference kernel runs at run time.
  NodeSpec cropped{
      "ConvTranspose",
      Attrs{{"strides", std::vector<int64_t>{2, 2}}, {"output_shape", std::vector<int64_t>{9, 11}}},
      18,
      {random_tensor(rng, {1, 3, 5, 6}), random_tensor(rng, {3, 4, 2, 2})}};
  check_against_reference(cropped, "cropping ConvTranspose");
}

// Channels-last inputs (cpu/input_layout.h): the node with ei_input_layout="NHWC" reading the
// NHWC tensor must give what the plain node gives on the NCHW tensor (Transpose + Conv).
namespace {

// `spec` with its input 0 permuted from N x C x H x W to N x H x W x C and the layout attribute.
NodeSpec channels_last(const NodeSpec& spec) {
  NodeSpec out = spec;
  const HostTensor& x = spec.inputs[0];
  const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  const std::vector<float> v = x.values<float>();
  std::vector<float> t(v.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p)
        t[(b * h * w + p) * c + ch] = v[(b * c + ch) * h * w + p];
  out.inputs[0] = HostTensor::f32({n, h, w, c}, t);
  out.attributes["ei_input_layout"] = std::string("NHWC");
  return out;
}

// The algorithms that apply to a layer (the fast kernel's rules in cpu/fast/conv.cpp).
std::vector<std::string> applicable_algorithms(const ConvCase& c) {
  std::vector<std::string> algos = {"reference", "im2col-gemm"};
  const bool stride1 = c.strides == std::vector<int64_t>{1, 1};
  const bool pointwise = c.kh == 1 && c.kw == 1 && stride1;
  if (pointwise) algos.push_back("1x1-gemm");
  if (c.group == c.channels && c.out_channels == c.group && c.channels / c.group == 1)
    algos.push_back("depthwise");
  if (!pointwise && c.group == 1 && c.channels * c.kh * c.kw <= 128) algos.push_back("direct");
  if (c.group == 1 && c.kh == 3 && c.kw == 3 && stride1 &&
      c.dilations == std::vector<int64_t>{1, 1}) {
    for (int m : {4, 6})
      if (cpu::fast::winograd_supported(m, cpu::kernels::best_kernel_set()))
        algos.push_back(m == 4 ? "winograd4" : "winograd6");
  }
  return algos;
}

// Checks the reference kernel on the NHWC input against the NCHW run (same arithmetic: equal
// bits), then every applicable algorithm on the NHWC input against it, at 1 and 2 threads.
void check_channels_last(const NodeSpec& nchw, const ConvCase& c) {
  const NodeSpec nhwc = channels_last(nchw);
  CHECK(reference_output(nhwc) == reference_output(nchw));
  for (const std::string& a : applicable_algorithms(c)) {
    CHECK(check_against_reference(nhwc, describe(c) + " NHWC, forced " + a, {{"test_Conv", a}}) ==
          a);
  }
}

}  // namespace

TEST_CASE("Conv on a channels-last input matches Transpose + Conv, every algorithm",
          "[fast_conv][nhwc]") {
  std::mt19937 rng(4321);
  std::uniform_int_distribution<int64_t> size(1, 13), chan(1, 5), small(1, 3), pad(0, 2);
  const std::vector<int64_t> widths = {1, 7, 16, 17, 31, 33, 40};
  int checked = 0;
  for (int trial = 0; checked < 48; ++trial) {
    ConvCase c;
    c.batch = trial % 5 == 0 ? 2 : 1;
    const int kind = trial % 4;  // 0 dense, 1 depthwise, 2 grouped, 3 pointwise
    const int64_t g = kind == 2 ? 1 + small(rng) : 1;
    c.channels = kind == 1 ? 1 + chan(rng) : chan(rng) * g;
    c.group = kind == 1 ? c.channels : g;
    c.out_channels = kind == 1 ? c.channels : (trial % 3 == 0 ? 16 : chan(rng) * 2) * g;
    c.h = size(rng);
    c.w = widths[rng() % widths.size()];
    const std::vector<int64_t> kernels = {1, 3, 5, 2, 3};
    c.kh = kind == 3 ? 1 : kernels[rng() % kernels.size()];
    c.kw = kind == 3 ? 1 : kernels[rng() % kernels.size()];
    c.strides = {small(rng) % 2 + 1, small(rng)};
    c.dilations =
        trial % 5 == 1 ? std::vector<int64_t>{small(rng), small(rng)} : std::vector<int64_t>{1, 1};
    if (kind == 3 || trial % 6 == 0) c.strides = {1, 1};
    c.pads = {pad(rng), pad(rng), pad(rng), pad(rng)};
    if (kind == 3 && trial % 8 != 7) c.pads = {0, 0, 0, 0};
    c.auto_pad = trial % 9 == 0 ? "SAME_UPPER" : "";
    c.bias = trial % 3 != 1;
    c.activation = kActivations[static_cast<size_t>(trial) % kActivations.size()];
    c.residual = trial % 2 == 0;
    if (!window_fits(c)) continue;
    check_channels_last(conv_spec(rng, c), c);
    ++checked;
  }
}

TEST_CASE("direct Conv reads RGB-like channels-last inputs in place", "[fast_conv][nhwc]") {
  // 2 to 4 channels at stride 1 and 2 have in-place blocks; widths put column blocks in the
  // left and right padding and past the row's end (zero-padded copies), 5 channels and stride
  // 3 gather every block. 16 and 32 output channels run the vector kernel, 20 its edge too.
  std::mt19937 rng(4322);
  int index = 0;
  for (int64_t channels : {2, 3, 4, 5}) {
    for (int64_t stride : {1, 2, 3}) {
      for (int64_t w : {5, 16, 33, 70}) {
        const int64_t m = index % 3 == 0 ? 16 : index % 3 == 1 ? 32 : 20;
        const int64_t p = index % 3;
        const ConvCase c{index % 5 == 0 ? 2 : 1,
                         channels,
                         m,
                         1,
                         7 + index % 4,
                         w,
                         3,
                         3,
                         {stride, stride},
                         {1, index % 4 == 3 ? 2 : 1},
                         {p, p, 1, (index % 2)},
                         "",
                         true,
                         kActivations[static_cast<size_t>(index) % kActivations.size()],
                         index % 4 == 1};
        ++index;
        if (out_size(c.w, 3, stride, c.dilations[1], p, c.pads[3]) < 1) continue;
        const NodeSpec nhwc = channels_last(conv_spec(rng, c));
        CHECK(check_against_reference(nhwc, describe(c) + " NHWC", {{"test_Conv", "direct"}}) ==
              "direct");
      }
    }
  }
}

TEST_CASE("the models' first layers on their NHWC images", "[fast_conv][nhwc]") {
  std::mt19937 rng(4323);
  for (const auto& [h, w] : {std::pair<int64_t, int64_t>{256, 256}, {144, 256}}) {
    const ConvCase c{1,      3,      16,           1,  h,    w,           3,    3,
                     {2, 2}, {1, 1}, {0, 0, 1, 1}, "", true, "HardSwish", false};
    const NodeSpec nchw = conv_spec(rng, c);
    const NodeSpec nhwc = channels_last(nchw);
    CHECK(reference_output(nhwc) == reference_output(nchw));
    const std::string algorithm = check_against_reference(nhwc, describe(c) + " NHWC");
    CHECK((algorithm == "direct" || algorithm == "im2col-gemm"));
  }
}

TEST_CASE("an unknown input layout is an error", "[fast_conv][nhwc]") {
  std::mt19937 rng(4324);
  const ConvCase c{1, 3, 4, 1, 5, 5, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "", true, "", false};
  NodeSpec spec = conv_spec(rng, c);
  spec.attributes["ei_input_layout"] = std::string("CHWN");
  auto ref = run_node(spec);
  REQUIRE(!ref.is_ok());
  CHECK_THAT(ref.status().message(), Catch::Contains("ei_input_layout"));
  auto fast = run_node_in_executor(spec, {false, true, true}, {}, cpu::fast_kernels());
  REQUIRE(!fast.is_ok());
  CHECK_THAT(fast.status().message(), Catch::Contains("ei_input_layout"));
}
