// The AVX-512 depthwise kernel that reads its taps straight from the unpadded input
// (cpu/kernels/depthwise_direct.h), against the reference Conv through the executor: widths
// around and across its 16-column strips, heights around its 4-row blocks, every padding on
// each side, strides 1 and 2 (with and without a matching vertical stride), dilation, and the
// activations it applies itself or leaves to the epilogue pass (with a residual). On a CPU
// without AVX-512 the same cases check the generic depthwise path.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "cpu/kernels/depthwise_direct.h"
#include "cpu/kernels/kernel_set.h"
#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

struct DepthwiseCase {
  int64_t batch, channels, h, w, k;
  std::vector<int64_t> strides, dilations, pads;
  std::string activation;
  bool residual;
};

std::string describe(const DepthwiseCase& c) {
  std::ostringstream s;
  auto list = [&s](const std::vector<int64_t>& v) {
    for (int64_t x : v)
      s << x << ',';
  };
  s << 'N' << c.batch << " C" << c.channels << ' ' << c.h << 'x' << c.w << " k" << c.k << " s";
  list(c.strides);
  s << " d";
  list(c.dilations);
  s << " p";
  list(c.pads);
  s << " act " << c.activation << (c.residual ? " +residual" : "");
  return s.str();
}

NodeSpec depthwise_spec(std::mt19937& rng, const DepthwiseCase& c, const Shape& out_shape) {
  std::map<std::string, ir::Attribute> attrs{
      {"group", c.channels}, {"strides", c.strides}, {"dilations", c.dilations}, {"pads", c.pads}};
  if (!c.activation.empty()) {
    attrs["ei_activation"] = c.activation;
    attrs["ei_activation_params"] =
        c.activation == "Clip" ? std::vector<float>{-0.25f, 0.5f} : std::vector<float>{};
  }
  NodeSpec spec{"Conv", attrs, 18, {}};
  spec.inputs.push_back(random_tensor(rng, {c.batch, c.channels, c.h, c.w}));
  spec.inputs.push_back(random_tensor(rng, {c.channels, 1, c.k, c.k}));
  spec.inputs.push_back(random_tensor(rng, {c.channels}));
  if (c.residual) spec.inputs.push_back(random_tensor(rng, out_shape));
  return spec;
}

}  // namespace

TEST_CASE("direct depthwise kernel exists for 3x3 and 5x5 at horizontal stride 1 and 2",
          "[fast_depthwise_direct]") {
  const cpu::kernels::KernelSet& ks = cpu::kernels::best_kernel_set();
  if (std::string(ks.isa) != "avx512") {
    WARN("no AVX-512 on this CPU: the direct depthwise kernel is not used");
    return;
  }
  for (int64_t k : {3, 5}) {
    CHECK(cpu::kernels::avx512_depthwise_direct(k, k, 1) != nullptr);
    CHECK(cpu::kernels::avx512_depthwise_direct(k, k, 2) != nullptr);
    CHECK(cpu::kernels::avx512_depthwise_direct(k, k, 3) == nullptr);
  }
  CHECK(cpu::kernels::avx512_depthwise_direct(3, 5, 1) == nullptr);
  CHECK(cpu::kernels::avx512_depthwise_direct(7, 7, 1) == nullptr);
}

TEST_CASE("direct depthwise matches the reference on random shapes", "[fast_depthwise_direct]") {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int64_t> size(1, 40), chan(1, 7), pad(0, 3), coin(0, 1);
  const std::vector<std::string> activations = {"",          "Relu",    "Clip",
                                                "HardSwish", "Sigmoid", "PRelu"};
  int checked = 0;
  for (int trial = 0; checked < 150; ++trial) {
    DepthwiseCase c;
    c.batch = trial % 9 == 0 ? 2 : 1;
    c.channels = chan(rng);
    c.h = size(rng);
    c.w = size(rng) + (trial % 4) * 16;  // strips: one, several, and a partial last one
    c.k = coin(rng) ? 3 : 5;
    const int64_t s = 1 + coin(rng);
    // Mostly equal strides (the shared-row blocks); sometimes a different vertical stride.
    c.strides = trial % 5 == 0 ? std::vector<int64_t>{3 - s, s} : std::vector<int64_t>{s, s};
    c.dilations = trial % 7 == 0 ? std::vector<int64_t>{1 + coin(rng), 1 + coin(rng)}
                                 : std::vector<int64_t>{1, 1};
    c.pads = {pad(rng), pad(rng), pad(rng), pad(rng)};
    const std::string act = activations[static_cast<size_t>(trial) % activations.size()];
    c.activation = act == "PRelu" ? "" : act;  // PRelu needs a slope input: see below
    c.residual = trial % 3 == 0;
    const int64_t oh = out_size(c.h, c.k, c.strides[0], c.dilations[0], c.pads[0], c.pads[2]);
    const int64_t ow = out_size(c.w, c.k, c.strides[1], c.dilations[1], c.pads[1], c.pads[3]);
    if (oh < 1 || ow < 1) continue;
    const NodeSpec spec = depthwise_spec(rng, c, {c.batch, c.channels, oh, ow});
    CHECK(check_against_reference(spec, describe(c)) == "depthwise");
    ++checked;
  }
}

TEST_CASE("direct depthwise on the segmentation models' layer shapes", "[fast_depthwise_direct]") {
  std::mt19937 rng(7);
  // (channels, size, kernel, stride, pads top/left, bottom/right, activation)
  struct Layer {
    int64_t c, hw, k, s, p0, p1;
    std::string act;
  };
  const std::vector<Layer> layers = {{16, 128, 3, 2, 0, 1, "Relu"},
                                     {72, 64, 3, 2, 0, 1, "Relu"},
                                     {88, 32, 3, 1, 1, 1, "Relu"},
                                     {96, 32, 5, 2, 1, 2, "HardSwish"},
                                     {128, 16, 5, 1, 2, 2, "HardSwish"},
                                     {16, 128, 3, 1, 1, 1, "Clip"},
                                     {24, 33, 3, 1, 1, 1, ""}};
  for (const Layer& l : layers) {
    const DepthwiseCase c{
        1, l.c, l.hw, l.hw, l.k, {l.s, l.s}, {1, 1}, {l.p0, l.p0, l.p1, l.p1}, l.act, false};
    const int64_t o = out_size(l.hw, l.k, l.s, 1, l.p0, l.p1);
    CHECK(check_against_reference(depthwise_spec(rng, c, {1, l.c, o, o}), describe(c)) ==
          "depthwise");
  }
}
