// The direct Conv kernel (cpu/fast/conv_direct.h) against the reference kernel, through the
// executor at 1 and 2 threads: dense layers with short reductions, every stride, dilation and
// padding (left padding takes its gathered path, right padding its masked loads), widths and
// channel counts that are not multiples of its 16-wide blocks, batches, fused epilogues.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

struct DirectCase {
  int64_t batch, channels, out_channels, h, w, kh, kw, stride_h, stride_w, dilation_h, dilation_w;
  std::vector<int64_t> pads;
  std::string activation;
  bool bias, residual;
};

std::string describe(const DirectCase& c) {
  std::ostringstream s;
  s << "N" << c.batch << " C" << c.channels << " M" << c.out_channels << " " << c.h << "x" << c.w
    << " k" << c.kh << "x" << c.kw << " s" << c.stride_h << "," << c.stride_w << " d"
    << c.dilation_h << "," << c.dilation_w << " p" << c.pads[0] << "," << c.pads[1] << ","
    << c.pads[2] << "," << c.pads[3] << " act '" << c.activation << "'"
    << (c.residual ? " +residual" : "") << (c.bias ? " +bias" : "");
  return s.str();
}

NodeSpec direct_spec(std::mt19937& rng, const DirectCase& c) {
  Attrs attrs{{"strides", std::vector<int64_t>{c.stride_h, c.stride_w}},
              {"dilations", std::vector<int64_t>{c.dilation_h, c.dilation_w}},
              {"pads", c.pads}};
  if (!c.activation.empty()) {
    attrs["ei_activation"] = c.activation;
    if (c.activation == "Clip") attrs["ei_activation_params"] = std::vector<float>{-0.2f, 0.7f};
  }
  NodeSpec spec{"Conv", attrs, 18, {}};
  spec.inputs.push_back(random_tensor(rng, {c.batch, c.channels, c.h, c.w}));
  spec.inputs.push_back(random_tensor(rng, {c.out_channels, c.channels, c.kh, c.kw}));
  spec.inputs.push_back(c.bias ? random_tensor(rng, {c.out_channels}) : omitted());
  if (c.residual) {
    const int64_t oh = out_size(c.h, c.kh, c.stride_h, c.dilation_h, c.pads[0], c.pads[2]);
    const int64_t ow = out_size(c.w, c.kw, c.stride_w, c.dilation_w, c.pads[1], c.pads[3]);
    spec.inputs.push_back(random_tensor(rng, {c.batch, c.out_channels, oh, ow}));
  }
  return spec;
}

}  // namespace

TEST_CASE("direct Conv matches the reference on random short-reduction layers", "[fast_conv]") {
  std::mt19937 rng(77);
  std::uniform_int_distribution<int64_t> chan(1, 4), pad(0, 2), stride(1, 3), dil(1, 2);
  const std::vector<int64_t> widths = {1, 5, 16, 17, 31, 33, 64, 70};
  const std::vector<int64_t> out_channels = {1, 7, 16, 17, 32, 40};
  const std::vector<std::string> activations = {"", "Relu", "Clip", "HardSwish", "Sigmoid"};
  int checked = 0;
  for (int trial = 0; checked < 60; ++trial) {
    DirectCase c;
    c.batch = trial % 5 == 0 ? 2 : 1;
    c.channels = chan(rng);
    c.out_channels = out_channels[rng() % out_channels.size()];
    c.h = 3 + static_cast<int64_t>(rng() % 12);
    c.w = widths[rng() % widths.size()];
    c.kh = 1 + static_cast<int64_t>(rng() % 3) * 2;  // 1, 3, 5
    c.kw = 1 + static_cast<int64_t>(rng() % 3) * 2;
    c.stride_h = stride(rng);
    c.stride_w = trial % 3 == 0 ? 3 : stride(rng) % 2 + 1;
    c.dilation_h = trial % 4 == 0 ? dil(rng) : 1;
    c.dilation_w = trial % 4 == 1 ? dil(rng) : 1;
    c.pads = {pad(rng), pad(rng), pad(rng), pad(rng)};
    c.activation = activations[static_cast<size_t>(trial) % activations.size()];
    c.bias = trial % 3 != 2;
    c.residual = trial % 4 == 3;
    const bool pointwise = c.kh == 1 && c.kw == 1 && c.stride_h == 1 && c.stride_w == 1;
    if (pointwise || c.channels * c.kh * c.kw > 128 ||  // 1x1 stride 1 has its own GEMM
        out_size(c.h, c.kh, c.stride_h, c.dilation_h, c.pads[0], c.pads[2]) < 1 ||
        out_size(c.w, c.kw, c.stride_w, c.dilation_w, c.pads[1], c.pads[3]) < 1) {
      continue;
    }
    CHECK(check_against_reference(direct_spec(rng, c), describe(c), {{"Conv", "direct"}}) ==
          "direct");
    ++checked;
  }
}

TEST_CASE("direct Conv on the models' first layers, and the rule that picks it", "[fast_conv]") {
  std::mt19937 rng(78);
  // 3-channel 3x3 stride-2 layers of the MediaPipe models (their input sizes), HardSwish fused.
  for (const auto& [h, w] : {std::pair<int64_t, int64_t>{256, 256}, {144, 256}}) {
    const DirectCase c{1, 3, 16, h, w, 3, 3, 2, 2, 1, 1, {0, 0, 1, 1}, "HardSwish", true, false};
    const std::string algorithm = check_against_reference(direct_spec(rng, c), describe(c));
#if defined(__x86_64__)
    const bool vector_kernel = __builtin_cpu_supports("avx512f");
#else
    const bool vector_kernel = false;
#endif
    CHECK(algorithm == (vector_kernel ? "direct" : "im2col-gemm"));
  }
  // A long reduction stays with the GEMM whatever the CPU.
  const DirectCase deep{1, 8, 16, 12, 12, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, "", true, false};
  CHECK(check_against_reference(direct_spec(rng, deep), describe(deep)) != "direct");
}

TEST_CASE("direct Conv does not apply to grouped layers or long reductions", "[fast_conv]") {
  std::mt19937 rng(79);
  const DirectCase wide{1, 16, 16, 6, 6, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, "", true, false};
  cpu::ExecutorOptions options;
  options.algorithms = {{"test_Conv", "direct"}};
  auto by_name = run_node_in_executor(direct_spec(rng, wide), {false, true, true}, options,
                                      cpu::fast_kernels());
  REQUIRE(!by_name.is_ok());
  CHECK_THAT(by_name.status().message(), Catch::Contains("does not apply"));
}
