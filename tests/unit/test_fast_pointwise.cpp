// The 1x1 Conv (1x1-gemm) against the reference on both of its AVX-512 paths: few output
// channels read the input planes in place, many pack column panels first (the split is at 48
// output channels per group), with widths across the 32-column tiles, partial 8-row panels,
// groups, fused activations and residuals.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "fast_vs_reference.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

TEST_CASE("1x1 Conv matches the reference with few and many output channels", "[fast_pointwise]") {
  std::mt19937 rng(41);
  std::uniform_int_distribution<int64_t> size(1, 23), chan(1, 40);
  const std::vector<std::string> activations = {"", "Relu", "HardSwish", "Sigmoid", "Clip"};
  int trial = 0;
  for (int64_t m : {1, 7, 16, 47, 48, 49, 72, 96, 131}) {
    for (int repeat = 0; repeat < 4; ++repeat, ++trial) {
      const int64_t group = trial % 5 == 0 ? 2 : 1;
      const int64_t c = chan(rng) * group, out_channels = m * group;
      const int64_t h = size(rng), w = size(rng) + (trial % 3) * 32;
      const bool residual = trial % 2 == 1;
      const std::string activation = activations[static_cast<size_t>(trial) % activations.size()];
      std::map<std::string, ir::Attribute> attrs{{"group", group},
                                                 {"kernel_shape", std::vector<int64_t>{1, 1}}};
      if (!activation.empty()) {
        attrs["ei_activation"] = activation;
        attrs["ei_activation_params"] =
            activation == "Clip" ? std::vector<float>{-0.25f, 0.5f} : std::vector<float>{};
      }
      NodeSpec spec{"Conv", attrs, 18, {}};
      spec.inputs.push_back(random_tensor(rng, {1, c, h, w}));
      spec.inputs.push_back(random_tensor(rng, {out_channels, c / group, 1, 1}));
      spec.inputs.push_back(random_tensor(rng, {out_channels}));
      if (residual) spec.inputs.push_back(random_tensor(rng, {1, out_channels, h, w}));
      std::ostringstream description;
      description << "C" << c << " M" << out_channels << " g" << group << ' ' << h << 'x' << w
                  << " act " << activation << (residual ? " +residual" : "");
      CHECK(check_against_reference(spec, description.str()) == "1x1-gemm");
    }
  }
}
