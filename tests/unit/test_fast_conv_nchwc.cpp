// The fast blocked (NCHWc) Conv (cpu/fast/conv_nchwc.h) against the reference kernel, through
// the executor (prepared weights, 1 and 2 threads): blocks 16 and 8 (the AVX-512 and AVX2 strips
// where the CPU has them) and others (the portable loops), channel counts that do not fill a
// block, every window / stride / padding / dilation, NCHW and NHWC first-layer inputs,
// depthwise, fused epilogues with a blocked residual, and the layer shapes of the test models;
// the ISA strip kernels against the portable loops directly. [fast_conv_nchwc_bench] (hidden)
// times model-like layers against the planar fast kernels.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "cpu/blocked_layout.h"
#include "cpu/fast/common.h"
#include "cpu/fast/conv_nchwc.h"
#include "fast_vs_reference.h"
#include "planner/tensor_memory.h"

using namespace edgeinfer;
using namespace edgeinfer::testing;

namespace {

using Attrs = std::map<std::string, ir::Attribute>;

enum class In { kBlocked, kNchw, kNhwc };

struct Case {
  int block = 16;
  In input = In::kBlocked;
  int64_t batch = 1, channels = 16, out_channels = 16, h = 8, w = 8, kh = 3, kw = 3;
  bool depthwise = false;
  std::vector<int64_t> strides{1, 1}, dilations{1, 1}, pads{0, 0, 0, 0};
  std::string auto_pad;  // "" = explicit pads
  bool bias = true;
  std::string activation;  // "" = none
  bool residual = false;
};

std::string describe(const Case& c) {
  auto list = [](const std::vector<int64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? "," : "") + std::to_string(v[i]);
    return s + "]";
  };
  const char* in = c.input == In::kBlocked ? "blocked" : c.input == In::kNchw ? "NCHW" : "NHWC";
  return "b" + std::to_string(c.block) + " " + in + " N" + std::to_string(c.batch) + " C" +
         std::to_string(c.channels) + " M" + std::to_string(c.out_channels) +
         (c.depthwise ? " depthwise " : " ") + std::to_string(c.h) + "x" + std::to_string(c.w) +
         " k" + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s" + list(c.strides) + " d" +
         list(c.dilations) + " p" + list(c.pads) + " " + c.auto_pad + " act " + c.activation +
         (c.residual ? " +residual" : "") + (c.bias ? " +bias" : "");
}

std::vector<float> activation_params(const std::string& a) {
  if (a == "Clip") return {-0.25f, 0.5f};
  if (a == "LeakyRelu") return {0.1f};
  if (a == "HardSigmoid") return {0.2f, 0.5f};
  return {};
}

// The blocked copy of an NCHW tensor; padding lanes hold random (finite) values, which the
// kernels must ignore.
HostTensor to_blocked(std::mt19937& rng, const HostTensor& planar, int block) {
  const Shape& s = planar.shape;
  HostTensor out = random_tensor(rng, cpu::blocked_shape(s, block));
  std::vector<float> v = out.values<float>();
  const std::vector<float> src = planar.values<float>();
  std::vector<float> blocked(v.size());
  cpu::block_channels(src.data(), blocked.data(), s[0], s[1], s[2] * s[3], block);
  const int64_t lanes = block, spatial = s[2] * s[3], blocks = cpu::channel_blocks(s[1], block);
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t cb = 0; cb < blocks; ++cb)
      for (int64_t p = 0; p < spatial; ++p)
        for (int64_t l = 0; l < lanes; ++l) {
          const size_t i = static_cast<size_t>(((n * blocks + cb) * spatial + p) * lanes + l);
          if (cb * block + l < s[1]) v[i] = blocked[i];
        }
  return HostTensor::f32(out.shape, v);
}

HostTensor to_nhwc(const HostTensor& planar) {
  const Shape& s = planar.shape;
  const std::vector<float> src = planar.values<float>();
  std::vector<float> v(src.size());
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t p = 0; p < s[2] * s[3]; ++p)
        v[static_cast<size_t>((n * s[2] * s[3] + p) * s[1] + c)] =
            src[static_cast<size_t>((n * s[1] + c) * s[2] * s[3] + p)];
  return HostTensor::f32({s[0], s[2], s[3], s[1]}, v);
}

// The node of a case; `blocked` false gives the same layer in the ONNX layouts (NCHW input
// unless the case reads NHWC), for the planar kernels.
NodeSpec conv_spec(std::mt19937& rng, const Case& c, bool blocked = true) {
  const int64_t group = c.depthwise ? c.channels : 1;
  Attrs attrs{{"group", group}, {"strides", c.strides}, {"dilations", c.dilations}};
  if (c.auto_pad.empty()) {
    attrs["pads"] = c.pads;
  } else {
    attrs["auto_pad"] = c.auto_pad;
  }
  NodeSpec spec{"Conv", attrs, 18, {}};
  const HostTensor x = random_tensor(rng, {c.batch, c.channels, c.h, c.w});
  spec.inputs.push_back(c.input == In::kNhwc ? to_nhwc(x) : x);
  if (c.input == In::kNhwc) spec.attributes["ei_input_layout"] = std::string("NHWC");
  spec.inputs.push_back(random_tensor(rng, {c.out_channels, c.channels / group, c.kh, c.kw}));
  spec.inputs.push_back(c.bias ? random_tensor(rng, {c.out_channels}) : omitted());
  // The output's ONNX shape, from a reference run of the plain node.
  auto plain = run_node(spec);
  REQUIRE(plain.is_ok());
  const Shape out = (*plain)[0].shape;
  if (!c.activation.empty()) {
    spec.attributes["ei_activation"] = c.activation;
    spec.attributes["ei_activation_params"] = activation_params(c.activation);
  }
  if (c.residual || c.activation == "PRelu") {
    if (c.residual) {
      const HostTensor r = random_tensor(rng, out);
      spec.inputs.push_back(blocked ? to_blocked(rng, r, c.block) : r);
    } else {
      spec.inputs.push_back(omitted());
    }
  }
  if (c.activation == "PRelu") spec.inputs.push_back(random_tensor(rng, {c.out_channels}));
  if (!blocked) return spec;
  const std::string layout = cpu::blocked_layout_name(c.block);
  spec.attributes["ei_output_layout"] = layout;
  if (c.input == In::kBlocked) {
    spec.attributes["ei_input_layout"] = layout;
    spec.inputs[0] = to_blocked(rng, spec.inputs[0], c.block);
  }
  return spec;
}

void check(std::mt19937& rng, const Case& c) {
  const NodeSpec spec = conv_spec(rng, c);
  const std::string algorithm = check_against_reference(spec, describe(c));
  INFO(describe(c));
  // One channel: group 1, a dense layer.
  CHECK(algorithm == (c.depthwise && c.channels > 1 ? "nchwc-depthwise" : "nchwc"));
}

const std::vector<std::string> kActivations = {"",        "Relu",  "Clip",      "HardSwish",
                                               "Sigmoid", "PRelu", "LeakyRelu", "HardSigmoid",
                                               "Tanh",    "Swish"};

}  // namespace

TEST_CASE("fast NCHWc Conv matches the reference on random shapes", "[fast_conv_nchwc]") {
  std::mt19937 rng(4321);
  const std::vector<int64_t> channel_counts = {1, 3, 5, 8, 16, 17, 24, 32, 40};
  std::uniform_int_distribution<int64_t> size(1, 21), pad(0, 2), small(1, 2);
  int checked = 0;
  for (int trial = 0; checked < 150; ++trial) {
    Case c;
    // 16: AVX-512 strips, 8: AVX2 strips (on this CPU), others: the portable loops.
    const std::vector<int> blocks = {16, 8, 16, 4, 16, 8, 3, 16, 32};
    c.block = blocks[static_cast<size_t>(trial) % blocks.size()];
    const int kind = trial % 5;  // 0, 1: dense blocked; 2: depthwise; 3: NCHW; 4: NHWC input
    c.input = kind == 3 ? In::kNchw : kind == 4 ? In::kNhwc : In::kBlocked;
    c.depthwise = kind == 2;
    c.channels = channel_counts[rng() % channel_counts.size()];
    if (kind >= 3) c.channels = std::min<int64_t>(c.channels, 5);
    c.out_channels = c.depthwise ? c.channels : channel_counts[rng() % channel_counts.size()];
    c.batch = trial % 7 == 0 ? 2 : 1;
    c.h = size(rng);
    c.w = size(rng) + (trial % 3) * 11;
    const std::vector<int64_t> kernels = {1, 3, 5, 1, 3, 2};
    c.kh = kernels[rng() % kernels.size()];
    c.kw = trial % 4 == 0 ? c.kh : kernels[rng() % kernels.size()];
    c.strides = {small(rng), small(rng)};
    if (trial % 6 == 1) c.strides = {3, 1};
    c.dilations = trial % 5 == 1 ? std::vector<int64_t>{2, small(rng)} : std::vector<int64_t>{1, 1};
    c.pads = {pad(rng), pad(rng), pad(rng), pad(rng)};
    if (trial % 4 == 3) c.pads = {0, 0, 0, 0};
    c.auto_pad = trial % 9 == 0 ? "SAME_UPPER" : trial % 13 == 0 ? "VALID" : "";
    c.bias = trial % 3 != 1;
    c.activation = kActivations[static_cast<size_t>(trial) % kActivations.size()];
    c.residual = trial % 2 == 0;
    if (!window_fits(c)) continue;
    check(rng, c);
    ++checked;
  }
}

TEST_CASE("fast NCHWc Conv: 1x1, 3x3 and 5x5 layers, every epilogue", "[fast_conv_nchwc]") {
  std::mt19937 rng(99);
  for (int block : {16, 8}) {
    for (const std::string& act : kActivations) {
      Case c;
      c.block = block;
      c.activation = act;
      c.residual = true;
      // 1x1: long rows (the flattened walk) and channel counts across several blocks.
      c.channels = 40, c.out_channels = 72, c.h = 17, c.w = 19, c.kh = c.kw = 1;
      check(rng, c);
      // 1x1 at stride 2 and with padding: the row walk.
      c.strides = {2, 2};
      c.pads = {1, 0, 0, 1};
      check(rng, c);
      // 3x3 stride 1 and 2 with pads.
      c.channels = 24, c.out_channels = 17, c.h = 15, c.w = 33, c.kh = c.kw = 3;
      c.strides = {1, 1};
      c.pads = {1, 1, 1, 1};
      check(rng, c);
      c.strides = {2, 2};
      check(rng, c);
      // 5x5, asymmetric pads, dilation 2.
      c.channels = 5, c.out_channels = 40, c.kh = c.kw = 5, c.strides = {1, 1};
      c.pads = {2, 0, 1, 3};
      c.dilations = {2, 2};
      check(rng, c);
      // Depthwise 3x3 / 5x5, stride 1 / 2.
      for (int64_t k : {3, 5}) {
        for (int64_t s : {1, 2}) {
          Case d;
          d.block = block;
          d.activation = act;
          d.residual = act.size() % 2 == 0;
          d.depthwise = true;
          d.channels = d.out_channels = 40;
          d.h = 19, d.w = 37, d.kh = d.kw = k;
          d.strides = {s, s};
          d.pads = {k / 2, k / 2, k / 2, k / 2};
          check(rng, d);
        }
      }
    }
  }
}

TEST_CASE("fast NCHWc Conv: depthwise rows narrower than the window, padding past it",
          "[fast_conv_nchwc]") {
  std::mt19937 rng(17);
  for (int block : {16, 8, 4}) {
    for (int64_t k : {3, 5}) {
      for (int64_t s : {1, 2}) {
        for (int64_t w : {1, 2, 4, 7, 23}) {
          for (int64_t pad : {int64_t{1}, k - 1, k, k + 1}) {
            Case d;
            d.block = block;
            d.depthwise = true;
            d.channels = d.out_channels = 20;
            d.h = 6, d.w = w, d.kh = d.kw = k;
            d.strides = {s, s};
            d.pads = {pad, pad, pad, pad + 1};
            d.activation = pad % 2 ? "Sigmoid" : "Relu";
            d.residual = w % 2 == 1;
            if (out_size(d.w, k, s, 1, pad, pad + 1) < 1 || out_size(d.h, k, s, 1, pad, pad) < 1) {
              continue;
            }
            check(rng, d);
          }
        }
      }
    }
  }
}

TEST_CASE("fast NCHWc Conv: first layers with NCHW and NHWC inputs", "[fast_conv_nchwc]") {
  std::mt19937 rng(7);
  for (int block : {16, 8}) {
    for (In in : {In::kNchw, In::kNhwc}) {
      for (int64_t k : {1, 3, 7}) {
        Case c;
        c.block = block;
        c.input = in;
        c.channels = 3, c.out_channels = k == 7 ? 24 : 16, c.h = 29, c.w = 31, c.kh = c.kw = k;
        c.strides = {2, 2};
        c.pads = {k / 2, k / 2, k / 2, k / 2};
        c.activation = "HardSwish";
        check(rng, c);
        c.strides = {1, 1};
        c.activation = "Relu";
        c.residual = true;
        check(rng, c);
      }
    }
  }
}

TEST_CASE("fast NCHWc Conv at the test models' layer shapes", "[fast_conv_nchwc]") {
  std::mt19937 rng(11);
  Case c;
  // 1x1 expansion 16 -> 72 at 64x64.
  c.channels = 16, c.out_channels = 72, c.h = c.w = 64, c.kh = c.kw = 1, c.activation = "Relu";
  check(rng, c);
  // The projection back, with the residual of the block.
  c.channels = 72, c.out_channels = 24, c.activation = "", c.residual = true;
  check(rng, c);
  // Depthwise 3x3 over 72 channels at 32x32, stride 2.
  Case d;
  d.depthwise = true;
  d.channels = d.out_channels = 72, d.h = d.w = 32, d.strides = {2, 2}, d.pads = {1, 1, 1, 1};
  d.activation = "Relu";
  check(rng, d);
  // Depthwise 5x5 over 120 channels at 16x16 with HardSwish.
  d.channels = d.out_channels = 120, d.h = d.w = 16, d.kh = d.kw = 5, d.strides = {1, 1};
  d.pads = {2, 2, 2, 2};
  d.activation = "HardSwish";
  check(rng, d);
  // First layer 3 -> 16, 3x3 stride 2 at 256x256, NHWC input.
  Case f;
  f.input = In::kNhwc;
  f.channels = 3, f.out_channels = 16, f.h = f.w = 256, f.strides = {2, 2};
  f.pads = {1, 1, 1, 1}, f.activation = "HardSwish";
  check(rng, f);
  // Few output rows for the threads: the output blocks are split between them as well.
  c.channels = 96, c.out_channels = 576, c.h = c.w = 8, c.kh = c.kw = 1, c.pads = {0, 0, 0, 0};
  c.activation = "HardSwish";
  check(rng, c);
  c.channels = 64, c.out_channels = 72, c.h = c.w = 4, c.kh = c.kw = 3, c.pads = {1, 1, 1, 1};
  c.residual = true;
  check(rng, c);
  // A 3x3 layer deep in a U-Net: 64 -> 64 at 32x32.
  c.channels = 64, c.out_channels = 64, c.h = c.w = 32, c.kh = c.kw = 3, c.pads = {1, 1, 1, 1};
  c.residual = false, c.activation = "Relu";
  check(rng, c);
}

TEST_CASE("fast NCHWc Conv declines what it does not cover", "[fast_conv_nchwc]") {
  std::mt19937 rng(5);
  // A grouped convolution (not depthwise) runs the reference.
  Case c;
  c.channels = 8, c.out_channels = 8;
  NodeSpec spec = conv_spec(rng, c);
  spec.attributes["group"] = int64_t{2};
  spec.inputs[1] = random_tensor(rng, {8, 4, 3, 3});
  CHECK(check_against_reference(spec, "grouped") == "reference");
  // An input block other than the output's runs the reference.
  Case m;
  m.block = 8;
  m.channels = 16, m.out_channels = 16;
  NodeSpec mixed = conv_spec(rng, m);
  mixed.attributes["ei_output_layout"] = std::string("NCHW16c");
  CHECK(check_against_reference(mixed, "input NCHW8c, output NCHW16c") == "reference");
  // The planar algorithms are refused on a blocked node.
  Case p;
  const NodeSpec blocked = conv_spec(rng, p);
  cpu::ExecutorOptions options;
  options.algorithms = {{"Conv", "im2col-gemm"}};
  auto run = run_node_in_executor(blocked, {false, true, true}, options, cpu::fast_kernels());
  REQUIRE(run.is_ok());
  CHECK(run->algorithm == "nchwc");
  // And the reference can be asked for.
  CHECK(check_against_reference(blocked, "override", {{"Conv", "reference"}}) == "reference");
}

namespace {

// Microseconds per run of `spec` (fast kernels, `threads`): the best of many short batches (on a
// shared machine some of them run undisturbed).
double time_node(const NodeSpec& spec, int threads) {
  const std::vector<bool> constant = {false, true, true, false, true};
  ir::Graph graph = single_node_graph(spec, constant);
  cpu::ExecutorOptions options;
  options.threads = threads;
  auto executor = cpu::Executor::create(graph, cpu::fast_kernels(), {}, options);
  REQUIRE(executor.is_ok());
  auto memory = planner::make_tensor_memory(MemoryMode::kReuse);
  const ir::Node& n = graph.nodes[0];
  auto run_once = [&] {
    std::vector<TensorView> values(graph.values.size());
    std::vector<bool> live(graph.values.size(), false);
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
      if (n.inputs[i] == ir::kNoValue) continue;
      const HostTensor& t = spec.inputs[i];
      const ir::Value& v = graph.value(n.inputs[i]);
      values[n.inputs[i]] =
          v.constant ? v.constant->view()
                     : TensorView{t.dtype, t.shape, const_cast<unsigned char*>(t.bytes.data())};
      live[n.inputs[i]] = true;
    }
    REQUIRE(executor->run(values, live, *memory, nullptr).is_ok());
  };
  run_once();
  double best = 1e30;
  for (int batch = 0; batch < 25; ++batch) {
    const int reps = 5;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r)
      run_once();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::micro>(t1 - t0).count() / reps);
  }
  return best;
}

}  // namespace

TEST_CASE("NCHWc Conv against the planar fast kernels", "[.bench][fast_conv_nchwc_bench]") {
  std::mt19937 rng(1);
  struct Layer {
    const char* name;
    Case c;
  };
  std::vector<Layer> layers;
  auto add = [&](const char* name, In in, int64_t cin, int64_t cout, int64_t hw, int64_t k,
                 int64_t s, bool dw, const char* act) {
    Case c;
    c.input = in;
    c.channels = cin, c.out_channels = cout, c.h = c.w = hw, c.kh = c.kw = k;
    c.strides = {s, s};
    c.pads = {k / 2, k / 2, k / 2, k / 2};
    c.depthwise = dw;
    c.activation = act;
    layers.push_back({name, c});
  };
  add("first 3x3 s2 3->16 256 NHWC", In::kNhwc, 3, 16, 256, 3, 2, false, "HardSwish");
  add("first 3x3 s2 3->16 256 NCHW", In::kNchw, 3, 16, 256, 3, 2, false, "HardSwish");
  add("1x1 16->72 64x64", In::kBlocked, 16, 72, 64, 1, 1, false, "Relu");
  add("1x1 72->24 32x32", In::kBlocked, 72, 24, 32, 1, 1, false, "");
  add("1x1 96->576 8x8", In::kBlocked, 96, 576, 8, 1, 1, false, "HardSwish");
  add("1x1 160->160 16x16", In::kBlocked, 160, 160, 16, 1, 1, false, "Relu");
  add("dw 3x3 s1 72 64x64", In::kBlocked, 72, 72, 64, 3, 1, true, "Relu");
  add("dw 3x3 s2 72 64x64", In::kBlocked, 72, 72, 64, 3, 2, true, "Relu");
  add("dw 5x5 s1 120 16x16", In::kBlocked, 120, 120, 16, 5, 1, true, "HardSwish");
  add("dw 5x5 s2 240 32x32", In::kBlocked, 240, 240, 32, 5, 2, true, "HardSwish");
  add("3x3 32->32 64x64", In::kBlocked, 32, 32, 64, 3, 1, false, "Relu");
  add("3x3 64->64 32x32", In::kBlocked, 64, 64, 32, 3, 1, false, "Relu");
  add("3x3 s2 16->32 128x128", In::kBlocked, 16, 32, 128, 3, 2, false, "Relu");
  add("3x3 128->128 16x16", In::kBlocked, 128, 128, 16, 3, 1, false, "Relu");
  add("3x3 128->128 8x8", In::kBlocked, 128, 128, 8, 3, 1, false, "Relu");
  const char* only = std::getenv("NCHWC_BENCH_ONLY");  // a substring of the layer names
  for (const Layer& l : layers) {
    if (only && std::string(l.name).find(only) == std::string::npos) continue;
    std::mt19937 r1(7), r2(7);
    const NodeSpec blocked = conv_spec(r1, l.c, true);
    const NodeSpec planar = conv_spec(r2, l.c, false);
    // The planar kernel's algorithm, for the table.
    auto planar_run =
        run_node_in_executor(planar, {false, true, true, false, true}, {}, cpu::fast_kernels());
    REQUIRE(planar_run.is_ok());
    for (int threads : {1, 2}) {
      const double tb = time_node(blocked, threads);
      const double tp = time_node(planar, threads);
      std::printf("%-30s threads %d: nchwc %8.1f us, planar (%s) %8.1f us, planar/nchwc %.2f\n",
                  l.name, threads, tb, planar_run->algorithm.c_str(), tp, tp / tb);
    }
  }
  (void)rng;
}

namespace {

std::vector<float> random_values(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v)
    x = d(rng);
  return v;
}

}  // namespace

TEST_CASE("NCHWc strip kernels match the portable loops", "[fast_conv_nchwc]") {
  std::mt19937 rng(3);
  const cpu::fast::NchwcStripKernels portable = cpu::fast::nchwc_portable_strip_kernels();
  for (int block : {16, 8}) {
    const cpu::fast::NchwcStripKernels isa = cpu::fast::nchwc_strip_kernels(block);
    if (std::string(isa.isa) == "portable") continue;  // this CPU has no kernels for the block
    INFO("block " << block << " " << isa.isa);
    const int64_t b = block;
    for (int trial = 0; trial < 300; ++trial) {
      const bool depthwise = trial % 3 == 2;
      const int out_blocks = 1 + trial % 2;
      const int pixels =
          1 + static_cast<int>(rng() % static_cast<unsigned>(depthwise ? isa.max_depthwise_strip
                                                                       : isa.max_strip));
      const int64_t ky = 1 + rng() % 3, kx = 1 + rng() % 5;
      // Input layouts: blocked at stride 1 or 2 (pixel steps b, 2b), or a few lanes at a
      // strided distance (an NCHW / NHWC first layer).
      const bool blocked = depthwise || trial % 4 != 3;
      const int64_t lanes = blocked ? b : 1 + rng() % 5;
      const int64_t in_blocks = blocked ? 1 + rng() % 3 : 1;
      const int64_t last_lanes = blocked && trial % 5 == 0 ? 1 + rng() % b : lanes;
      const int64_t x_pixel = blocked ? b * (1 + trial % 2) : 1 + rng() % 7;
      const int64_t dil = 1 + (trial % 7 == 0);
      const int64_t x_kx = (blocked ? b : 1) * dil, x_lane = blocked ? 1 : 97;
      const int64_t x_ky = 1000, x_block = 5000;
      const std::vector<float> x = random_values(rng, 20000);
      const std::vector<float> w = random_values(rng, 2 * 3 * 5 * 3 * 16 * 16 + 64);
      const std::vector<float> bias = random_values(rng, 2 * b), slope = random_values(rng, 2 * b);
      const std::vector<float> residual = random_values(rng, 2 * 16 * b);
      const int activation = trial % 6;
      const float lo = trial % 6 == 5 ? 0.2f : -0.3f, hi = 0.5f;
      const uint64_t keep =
          trial % 4 == 0 ? (uint64_t{1} << (1 + rng() % (b - 1))) - 1 : (uint64_t{1} << b) - 1;
      std::vector<float> want(2 * 16 * b, 7.f), got(2 * 16 * b, 7.f);
      auto run = [&](const cpu::fast::NchwcStripKernels& k, std::vector<float>& y) {
        if (depthwise) {
          cpu::kernels::NchwcDepthwiseStrip s{};
          s.block = b;
          s.x = x.data();
          s.x_pixel = x_pixel, s.x_ky = x_ky, s.x_kx = x_kx;
          s.ky_count = ky, s.kx_count = kx;
          s.w = w.data(), s.w_ky = 5 * b, s.w_kx = b;
          s.bias = bias.data(), s.slope = slope.data();
          s.residual = trial % 2 ? residual.data() : nullptr;
          s.y = y.data(), s.keep = keep;
          s.col_lo = 0, s.col_hi = 1 << 30;
          s.activation = activation, s.lo = lo, s.hi = hi;
          k.depthwise(s, pixels);
        } else {
          cpu::kernels::NchwcConvStrip s{};
          s.block = b;
          s.x = x.data();
          s.x_block = x_block, s.x_lane = x_lane, s.x_pixel = x_pixel, s.x_ky = x_ky;
          s.x_kx = blocked ? x_kx : x_pixel * dil;
          s.in_blocks = in_blocks, s.lanes = lanes, s.last_lanes = last_lanes;
          s.ky_count = ky, s.kx_count = kx;
          s.w_kx = lanes * b, s.w_ky = 5 * s.w_kx, s.w_block = 3 * s.w_ky;
          for (int o = 0; o < 2; ++o) {
            s.w[o] = w.data() + o * in_blocks * s.w_block;
            s.bias[o] = bias.data() + o * b;
            s.slope[o] = slope.data() + o * b;
            s.residual[o] = trial % 2 ? residual.data() + o * 16 * b : nullptr;
            s.y[o] = y.data() + o * 16 * b;
            s.keep[o] = o == out_blocks - 1 ? keep : (uint64_t{1} << b) - 1;
          }
          s.activation = activation, s.lo = lo, s.hi = hi;
          k.conv(s, out_blocks, pixels);
        }
      };
      run(portable, want);
      run(isa, got);
      INFO("trial " << trial << (depthwise ? " depthwise" : " dense") << " pixels " << pixels
                    << " activation " << activation);
      double worst = 0;
      for (size_t i = 0; i < want.size(); ++i)
        worst = std::max(worst, std::abs(double(want[i]) - got[i]));
      CHECK(worst <= 1e-4);
    }
  }
}
