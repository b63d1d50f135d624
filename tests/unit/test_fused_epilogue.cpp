// The fused epilogue contract (cpu/fused_epilogue.h) on the reference kernels: a Conv or Gemm
// with ei_activation / residual / slope inputs equals the unfused ops run one after another.
#include <catch2/catch.hpp>

#include <cmath>

#include "run_node.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

std::vector<float> run_values(const NodeSpec& spec) {
  auto result = run_node(spec);
  INFO(spec.op_type << ": " << result.status().to_string());
  REQUIRE(result.is_ok());
  return (*result)[0].values<float>();
}

// 1x2x3x3 input, 2 output channels, 2x2 kernel: outputs in both signs.
const HostTensor kX = HostTensor::f32({1, 2, 3, 3}, {1, -2, 3, -4, 5, -6, 7, -8, 9,  //
                                                     -1, 2, -3, 4, -5, 6, -7, 8, -9});
const HostTensor kW = HostTensor::f32({2, 2, 2, 2}, {0.5f, -1, 0.25f, 2, -0.5f, 1, 1.5f, -2,  //
                                                     1, 1, -1, 0.5f, 0.75f, -0.25f, 2, -1});
const HostTensor kB = HostTensor::f32({2}, {0.5f, -0.25f});

std::vector<float> plain_conv() {
  return run_values(NodeSpec{"Conv", {}, 18, {kX, kW, kB}});
}

}  // namespace

TEST_CASE("fused Relu and residual on Conv equal Conv, Add, Relu", "[epilogue]") {
  const std::vector<float> conv = plain_conv();
  std::vector<float> residual(conv.size());
  for (size_t i = 0; i < residual.size(); ++i)
    residual[i] = 0.3f * static_cast<float>(i) - 2.f;
  const HostTensor r = HostTensor::f32({1, 2, 2, 2}, residual);
  const std::vector<float> fused = run_values(
      NodeSpec{"Conv", Attrs{{"ei_activation", std::string("Relu")}}, 18, {kX, kW, kB, r}});
  REQUIRE(fused.size() == conv.size());
  for (size_t i = 0; i < conv.size(); ++i) {
    CHECK(fused[i] == Approx(std::max(0.f, conv[i] + residual[i])).margin(1e-6));
  }
}

TEST_CASE("fused Clip, LeakyRelu, HardSwish and PRelu on Conv", "[epilogue]") {
  const std::vector<float> conv = plain_conv();
  SECTION("Clip") {
    const auto y = run_values(NodeSpec{"Conv",
                                       Attrs{{"ei_activation", std::string("Clip")},
                                             {"ei_activation_params", std::vector<float>{0, 6}}},
                                       18,
                                       {kX, kW, kB}});
    for (size_t i = 0; i < conv.size(); ++i)
      CHECK(y[i] == Approx(std::clamp(conv[i], 0.f, 6.f)));
  }
  SECTION("LeakyRelu") {
    const auto y = run_values(NodeSpec{"Conv",
                                       Attrs{{"ei_activation", std::string("LeakyRelu")},
                                             {"ei_activation_params", std::vector<float>{0.1f}}},
                                       18,
                                       {kX, kW, kB}});
    for (size_t i = 0; i < conv.size(); ++i)
      CHECK(y[i] == Approx(conv[i] >= 0 ? conv[i] : 0.1f * conv[i]));
  }
  SECTION("HardSwish") {
    const auto y = run_values(
        NodeSpec{"Conv", Attrs{{"ei_activation", std::string("HardSwish")}}, 18, {kX, kW, kB}});
    for (size_t i = 0; i < conv.size(); ++i) {
      CHECK(y[i] == Approx(conv[i] * std::clamp(conv[i] / 6.f + 0.5f, 0.f, 1.f)).margin(1e-6));
    }
  }
  SECTION("PRelu with one slope per channel") {
    const HostTensor slope = HostTensor::f32({2}, {0.25f, -3.f});
    const auto y = run_values(NodeSpec{"Conv",
                                       Attrs{{"ei_activation", std::string("PRelu")}},
                                       18,
                                       {kX, kW, kB, omitted(), slope}});
    for (size_t i = 0; i < conv.size(); ++i) {
      const float s = i < 4 ? 0.25f : -3.f;
      CHECK(y[i] == Approx(conv[i] >= 0 ? conv[i] : s * conv[i]));
    }
  }
}

TEST_CASE("fused Sigmoid on Gemm", "[epilogue]") {
  const HostTensor a = HostTensor::f32({2, 3}, {1, -2, 3, 0.5f, 0.25f, -1});
  const HostTensor b = HostTensor::f32({3, 2}, {1, 0, -1, 2, 0.5f, -0.5f});
  const auto plain = run_values(NodeSpec{"Gemm", {}, 18, {a, b}});
  const auto y =
      run_values(NodeSpec{"Gemm", Attrs{{"ei_activation", std::string("Sigmoid")}}, 18, {a, b}});
  for (size_t i = 0; i < plain.size(); ++i)
    CHECK(y[i] == Approx(1.f / (1.f + std::exp(-plain[i]))));
}

TEST_CASE("bad fused epilogues are errors that name the node", "[epilogue]") {
  auto unknown = run_node(
      NodeSpec{"Conv", Attrs{{"ei_activation", std::string("Frobnicate")}}, 18, {kX, kW, kB}});
  REQUIRE_FALSE(unknown.is_ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("Frobnicate"));
  auto params =
      run_node(NodeSpec{"Conv", Attrs{{"ei_activation", std::string("Clip")}}, 18, {kX, kW, kB}});
  REQUIRE_FALSE(params.is_ok());
  CHECK_THAT(params.status().message(), Catch::Contains("parameters"));
  auto residual =
      run_node(NodeSpec{"Conv", {}, 18, {kX, kW, kB, HostTensor::f32({1, 2, 1, 1}, {1, 2})}});
  REQUIRE_FALSE(residual.is_ok());
  CHECK_THAT(residual.status().message(), Catch::Contains("residual"));
  auto slope =
      run_node(NodeSpec{"Conv", Attrs{{"ei_activation", std::string("PRelu")}}, 18, {kX, kW, kB}});
  REQUIRE_FALSE(slope.is_ok());
  CHECK_THAT(slope.status().message(), Catch::Contains("slope"));
}
