// The direct ConvTranspose kernel (cpu/fast/conv_transpose_direct.h) against the reference
// kernel: through the executor at 1 and 2 threads (the AVX-512 kernel where the CPU has it),
// and its portable loops called directly; random non-overlapping layers with odd sizes,
// channel counts that are not multiples of 16, 2x2, 3x3, 1x2 and other kernels, with and without
// bias, every fused activation and a residual. Also the rule that picks it, and every algorithm
// writing a channels-last output (cpu::kOutputLayoutAttr) against the reference ConvTranspose
// followed by a transpose.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>
#include <string_view>

#include "cpu/fast/conv_transpose_direct.h"
#include "cpu/fast/kernel_timer.h"
#include "cpu/fused_epilogue.h"
#include "cpu/input_layout.h"
#include "cpu/kernels/kernel_set.h"
#include "cpu/thread_pool.h"
#include "edgeinfer/edgeinfer.h"
#include "fast_vs_reference.h"
#include "onnx_builder.h"
#include "temp_dir.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

struct UpsampleCase {
  int64_t batch, channels, out_channels, h, w, kh, kw;
  bool bias, residual, output_shape;
  std::string activation;  // "" = none
};

std::string describe(const UpsampleCase& c) {
  std::ostringstream s;
  s << "N" << c.batch << " C" << c.channels << " M" << c.out_channels << " " << c.h << "x" << c.w
    << " k" << c.kh << "x" << c.kw << " act '" << c.activation << "'"
    << (c.residual ? " +residual" : "") << (c.bias ? " +bias" : "")
    << (c.output_shape ? " +output_shape" : "");
  return s.str();
}

std::vector<float> activation_params(const std::string& a) {
  if (a == "Clip") return {-0.3f, 0.5f};
  if (a == "LeakyRelu") return {0.1f};
  if (a == "HardSigmoid") return {0.2f, 0.5f};
  return {};
}

const std::vector<std::string> kActivations = {"",      "Relu",      "Clip",    "LeakyRelu",
                                               "PRelu", "HardSwish", "Sigmoid", "HardSigmoid",
                                               "Tanh",  "Swish",     "Gelu",    "Mish"};

NodeSpec upsample_spec(std::mt19937& rng, const UpsampleCase& c) {
  Attrs attrs{{"strides", std::vector<int64_t>{c.kh, c.kw}}};
  if (c.output_shape) attrs["output_shape"] = std::vector<int64_t>{c.h * c.kh, c.w * c.kw};
  if (!c.activation.empty()) {
    attrs["ei_activation"] = c.activation;
    attrs["ei_activation_params"] = activation_params(c.activation);
  }
  NodeSpec spec{"ConvTranspose", attrs, 18, {}};
  spec.inputs.push_back(random_tensor(rng, {c.batch, c.channels, c.h, c.w}));
  spec.inputs.push_back(random_tensor(rng, {c.channels, c.out_channels, c.kh, c.kw}));
  spec.inputs.push_back(c.bias ? random_tensor(rng, {c.out_channels}) : omitted());
  if (c.residual || c.activation == "PRelu") {
    spec.inputs.push_back(
        c.residual ? random_tensor(rng, {c.batch, c.out_channels, c.h * c.kh, c.w * c.kw})
                   : omitted());
  }
  if (c.activation == "PRelu") spec.inputs.push_back(random_tensor(rng, {c.out_channels}));
  return spec;
}

// Random layers: widths around the kernel's 16- and 64-pixel blocks, every activation in turn.
std::vector<UpsampleCase> random_cases(std::mt19937& rng, int count) {
  const std::vector<int64_t> widths = {1, 3, 15, 16, 17, 31, 63, 64, 65, 80, 130};
  const std::vector<int64_t> channels = {1, 3, 7, 16, 17, 33};
  const std::vector<std::pair<int64_t, int64_t>> kernels = {{2, 2}, {3, 3}, {1, 2},
                                                            {2, 1}, {1, 3}, {2, 4}};
  std::vector<UpsampleCase> cases;
  for (int i = 0; i < count; ++i) {
    UpsampleCase c;
    c.batch = i % 5 == 0 ? 2 : 1;
    c.channels = channels[rng() % channels.size()];
    c.out_channels = 1 + static_cast<int64_t>(rng() % 20);
    c.h = 1 + static_cast<int64_t>(rng() % 9);
    c.w = widths[rng() % widths.size()];
    std::tie(c.kh, c.kw) = kernels[static_cast<size_t>(i) % kernels.size()];
    c.bias = i % 3 != 0;
    c.residual = i % 2 == 0;
    c.output_shape = i % 7 == 3;
    c.activation = kActivations[static_cast<size_t>(i) % kActivations.size()];
    cases.push_back(c);
  }
  return cases;
}

}  // namespace

TEST_CASE("direct ConvTranspose matches the reference on random layers", "[fast_conv]") {
  std::mt19937 rng(4242);
  for (const UpsampleCase& c : random_cases(rng, 60)) {
    const NodeSpec spec = upsample_spec(rng, c);
    CHECK(check_against_reference(spec, describe(c), {{"ConvTranspose", "direct"}}) == "direct");
  }
}

TEST_CASE("the direct ConvTranspose's portable loops match the reference", "[fast_conv]") {
  std::mt19937 rng(99);
  for (const UpsampleCase& c : random_cases(rng, 48)) {
    const NodeSpec spec = upsample_spec(rng, c);
    const std::vector<float> want = reference_output(spec);
    cpu::Epilogue e;
    auto activation = cpu::parse_activation(c.activation);
    REQUIRE(activation.is_ok());
    e.activation = *activation;
    const std::vector<float> params = activation_params(c.activation);
    if (!params.empty()) e.alpha = params[0];
    if (params.size() > 1) e.beta = params[1];
    const std::vector<float> residual =
        c.residual ? spec.inputs[3].values<float>() : std::vector<float>{};
    e.residual = c.residual ? residual.data() : nullptr;
    const std::vector<float> slope =
        c.activation == "PRelu" ? spec.inputs[4].values<float>() : std::vector<float>{};
    e.slope = slope.data();
    e.slope_count = static_cast<int64_t>(slope.size());
    const std::vector<float> x = spec.inputs[0].values<float>(), w = spec.inputs[1].values<float>();
    const std::vector<float> bias = c.bias ? spec.inputs[2].values<float>() : std::vector<float>{};
    const cpu::fast::UpsampleGeometry g{c.batch, c.channels, c.h, c.w, c.out_channels, c.kh, c.kw};
    double scale = 1;
    for (float v : want)
      scale = std::max(scale, double(std::abs(v)));
    for (int threads : {1, 2}) {
      cpu::ThreadPool pool(threads);
      PoolContext ctx(&pool, "ConvTranspose");
      std::vector<float> got(want.size(), std::nanf(""));
      cpu::fast::run_conv_transpose_direct(
          ctx, g, x.data(), w.data(), c.bias ? bias.data() : nullptr, got.data(),
          cpu::fast::GemmEpilogue::from(e), cpu::kernels::best_kernel_set(), false);
      double worst = 0;
      for (size_t i = 0; i < got.size(); ++i)
        worst = std::max(worst, std::abs(double(got[i]) - want[i]));
      INFO(describe(c) << ", threads " << threads << ", max abs diff " << worst);
      REQUIRE(worst <= 1e-4 * scale);  // NaN (an output never written) fails too
    }
  }
}

TEST_CASE("ConvTranspose's rule picks the direct kernel for thin layers", "[fast_conv]") {
  std::mt19937 rng(7);
  const bool avx512 = std::string_view(cpu::kernels::best_kernel_set().isa) == "avx512";
  // The selfie model's last layer, scaled down: 16 -> 1 channel, 2x2, with its Sigmoid.
  UpsampleCase thin{1, 16, 1, 9, 20, 2, 2, true, false, false, "Sigmoid"};
  CHECK(check_against_reference(upsample_spec(rng, thin), describe(thin)) ==
        (avx512 ? "direct" : "scatter-gemm"));
  // Many taps per pixel (32 x 2 x 2) from many channels: a GEMM's work.
  UpsampleCase wide{1, 64, 32, 5, 7, 2, 2, true, false, false, "Relu"};
  CHECK(check_against_reference(upsample_spec(rng, wide), describe(wide)) == "scatter-gemm");
  // 3x3 at stride 3, 9 taps: the vector kernel's widest kernel.
  UpsampleCase three{1, 16, 1, 5, 7, 3, 3, false, true, false, ""};
  CHECK(check_against_reference(upsample_spec(rng, three), describe(three)) ==
        (avx512 ? "direct" : "scatter-gemm"));
  // A 4-wide kernel has no vector kernel: the GEMM stays the rule.
  UpsampleCase four{1, 16, 1, 5, 7, 4, 4, true, false, false, ""};
  CHECK(check_against_reference(upsample_spec(rng, four), describe(four)) == "scatter-gemm");
}

namespace {

// X [1,16,12,20] -> ConvTranspose 16 -> 1, 2x2 stride 2 -> Y: loaded with autotune into
// `cache`, run once; returns the algorithm the node ran.
std::string autotuned_algorithm(const std::string& cache) {
  onnx::ModelProto m = testing::onnx_model("upsample");
  auto* g = m.mutable_graph();
  testing::add_io(g->add_input(), "X", {1, 16, 12, 20});
  testing::add_io(g->add_output(), "Y", {1, 1, 24, 40});
  testing::add_weight(g, "W", {16, 1, 2, 2});
  auto* up = testing::add_conv(g, "up", "X", "W", "Y");
  up->set_op_type("ConvTranspose");
  testing::set_ints(up, "strides", {2, 2});
  Options options;
  options.autotune = true;
  options.cache_dir = cache;
  const std::string bytes = testing::serialized(m);
  auto model = Model::load_from_memory(bytes.data(), bytes.size(), "upsample", options);
  REQUIRE(model.is_ok());
  auto session = model->create_session();
  REQUIRE(session.is_ok());
  std::vector<NodeProfile> profile;
  REQUIRE(session->run_profiled(&profile).is_ok());
  REQUIRE(profile.size() == 1);
  return profile[0].algorithm;
}

}  // namespace

TEST_CASE("autotune times ConvTranspose's direct and scatter-gemm kernels", "[autotune]") {
  testing::TempDir dir;
  const int64_t before = cpu::fast::autotune_timings();
  const std::string first = autotuned_algorithm(dir.str());
  CHECK(cpu::fast::autotune_timings() - before == 2);
  CHECK((first == "direct" || first == "scatter-gemm"));
  std::ifstream in(dir.str() + "/autotune/cpu.tsv");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("\nConvTranspose x=1,16,12,20 w=16,1,2,2 threads=1 cpu=") !=
        std::string::npos);
  CHECK(text.str().find("\t" + first + "\n") != std::string::npos);
  // A second load reads the cache and times nothing.
  const int64_t again = cpu::fast::autotune_timings();
  CHECK(autotuned_algorithm(dir.str()) == first);
  CHECK(cpu::fast::autotune_timings() == again);
}

TEST_CASE("a direct override where the windows overlap is an error by name, skipped by type",
          "[fast_conv]") {
  std::mt19937 rng(3);
  NodeSpec overlap{"ConvTranspose", Attrs{{"strides", std::vector<int64_t>{1, 1}}}, 18, {}};
  overlap.inputs = {random_tensor(rng, {1, 3, 6, 6}), random_tensor(rng, {3, 4, 3, 3})};
  cpu::ExecutorOptions options;
  options.algorithms = {{"test_ConvTranspose", "direct"}};
  auto by_name = run_node_in_executor(overlap, {false, true}, options, cpu::fast_kernels());
  REQUIRE(!by_name.is_ok());
  CHECK_THAT(by_name.status().message(), Catch::Contains("does not apply"));
  CHECK(check_against_reference(overlap, "overlapping ConvTranspose, direct by op type",
                                {{"ConvTranspose", "direct"}}) == "reference");
}

namespace {

// The NCHW values of a tensor of shape `nchw`, channels-last.
std::vector<float> to_channels_last(const std::vector<float>& v, const Shape& nchw) {
  const int64_t batch = nchw[0], channels = nchw[1], spatial = nchw[2] * nchw[3];
  std::vector<float> out(v.size());
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < spatial; ++p)
        out[(n * spatial + p) * channels + c] = v[(n * channels + c) * spatial + p];
  return out;
}

}  // namespace

TEST_CASE("ConvTranspose writes an NHWC output like the reference and a transpose",
          "[fast_conv][nhwc]") {
  std::mt19937 rng(2026);
  std::vector<UpsampleCase> cases = random_cases(rng, 36);
  // The selfie model's last layer, scaled down: 16 -> 2 channels, 2x2.
  cases.push_back({1, 16, 2, 9, 33, 2, 2, true, false, true, ""});
  for (UpsampleCase c : cases) {
    c.residual = false;  // the pass never marks a node with a residual
    NodeSpec spec = upsample_spec(rng, c);
    const Shape nchw{c.batch, c.out_channels, c.h * c.kh, c.w * c.kw};
    const std::vector<float> nchw_values = reference_output(spec);
    spec.attributes[cpu::kOutputLayoutAttr] = std::string("NHWC");
    // The reference kernel: bit-identical to its NCHW result transposed, with the NHWC shape.
    auto ref = run_node(spec);
    REQUIRE(ref.is_ok());
    CHECK((*ref)[0].shape == Shape{nchw[0], nchw[2], nchw[3], nchw[1]});
    REQUIRE((*ref)[0].values<float>() == to_channels_last(nchw_values, nchw));
    // The direct kernel called directly: its portable loops and (where the CPU has it) the
    // AVX-512 kernel, 1 and 2 threads.
    cpu::Epilogue e;
    auto activation = cpu::parse_activation(c.activation);
    REQUIRE(activation.is_ok());
    e.activation = *activation;
    const std::vector<float> params = activation_params(c.activation);
    if (!params.empty()) e.alpha = params[0];
    if (params.size() > 1) e.beta = params[1];
    const std::vector<float> slope =
        c.activation == "PRelu" ? spec.inputs[4].values<float>() : std::vector<float>{};
    e.slope = slope.data();
    e.slope_count = static_cast<int64_t>(slope.size());
    const std::vector<float> x = spec.inputs[0].values<float>(), w = spec.inputs[1].values<float>();
    const std::vector<float> bias = c.bias ? spec.inputs[2].values<float>() : std::vector<float>{};
    const cpu::fast::UpsampleGeometry g{c.batch, c.channels, c.h, c.w, c.out_channels, c.kh, c.kw};
    const std::vector<float> want = to_channels_last(nchw_values, nchw);
    for (bool vector_kernel : {false, true}) {
      for (int threads : {1, 2}) {
        cpu::ThreadPool pool(threads);
        PoolContext ctx(&pool, "ConvTranspose");
        std::vector<float> scratch(
            static_cast<size_t>(cpu::fast::direct_channels_last_scratch(g, threads)));
        std::vector<float> got(want.size(), std::nanf(""));
        cpu::fast::run_conv_transpose_direct(
            ctx, g, x.data(), w.data(), c.bias ? bias.data() : nullptr, scratch.data(),
            cpu::fast::GemmEpilogue::from(e), cpu::kernels::best_kernel_set(), vector_kernel,
            got.data());
        double worst = 0, scale = 1;
        for (size_t i = 0; i < got.size(); ++i) {
          worst = std::max(worst, std::abs(double(got[i]) - want[i]));
          scale = std::max(scale, double(std::abs(want[i])));
        }
        INFO(describe(c) << " NHWC, vector " << vector_kernel << ", threads " << threads
                         << ", max abs diff " << worst);
        REQUIRE(worst <= 1e-4 * scale);  // NaN (an output never written) fails too
      }
    }
    // Every algorithm forced, 1 and 2 threads, against it.
    for (const char* algorithm : {"direct", "scatter-gemm", "reference"}) {
      CHECK(check_against_reference(spec, describe(c) + " NHWC", {{"ConvTranspose", algorithm}}) ==
            algorithm);
    }
  }
}

TEST_CASE("an NHWC ConvTranspose output with a fused residual is an error", "[fast_conv][nhwc]") {
  std::mt19937 rng(5);
  UpsampleCase c{1, 4, 2, 3, 5, 2, 2, true, true, false, ""};
  NodeSpec spec = upsample_spec(rng, c);
  spec.attributes[cpu::kOutputLayoutAttr] = std::string("NHWC");
  CHECK(!run_node(spec).is_ok());
  cpu::ExecutorOptions options;
  options.algorithms = {{"ConvTranspose", "direct"}};
  CHECK(!run_node_in_executor(spec, {false, true, true, false}, options, cpu::fast_kernels())
             .is_ok());
}

TEST_CASE("an unknown ConvTranspose output layout is an error", "[fast_conv][nhwc]") {
  std::mt19937 rng(6);
  UpsampleCase c{1, 4, 2, 3, 5, 2, 2, true, false, false, ""};
  NodeSpec spec = upsample_spec(rng, c);
  spec.attributes[cpu::kOutputLayoutAttr] = std::string("NCWH");
  CHECK(!run_node(spec).is_ok());
}
