#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "cpu/executor_concat.h"
#include "import/importer.h"
#include "ir/graph.h"
#include "passes/pass.h"
#include "planner/concat_in_place.h"
#include "planner/graph_plan.h"
#include "planner/in_place.h"
#include "planner/memory_plan.h"
#include "planner/schedule.h"
#include "planner/tensor_memory.h"
#include "test_models.h"

using namespace edgeinfer;
using namespace edgeinfer::planner;

TEST_CASE("a chain of tensors needs only two slots", "[planner]") {
  // v_i produced at step i, read at step i+1.
  std::vector<Lifetime> lifetimes;
  std::vector<size_t> bytes;
  for (int i = 0; i < 6; ++i) {
    lifetimes.push_back({i, i + 1});
    bytes.push_back(1024);
  }
  MemoryPlan plan = plan_memory(lifetimes, bytes, 7);
  CHECK(plan_is_valid(plan, lifetimes));
  CHECK(plan.lower_bound_bytes == 2048);
  CHECK(plan.arena_bytes == 2048);
}

TEST_CASE("random lifetimes give valid plans close to the lower bound", "[planner]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    const int steps = 40;
    std::vector<Lifetime> lifetimes;
    std::vector<size_t> bytes;
    for (int v = 0; v < 60; ++v) {
      const int first = static_cast<int>(rng() % steps);
      const int last = first + static_cast<int>(rng() % 6);
      lifetimes.push_back({first, last});
      bytes.push_back(64 * (1 + rng() % 64));
    }
    lifetimes.push_back({-1, -1});  // a constant or input: never placed
    bytes.push_back(4096);
    MemoryPlan plan = plan_memory(lifetimes, bytes, steps + 6);
    REQUIRE(plan_is_valid(plan, lifetimes));
    CHECK(plan.offsets.back() == kNotPlanned);
    CHECK(plan.arena_bytes >= plan.lower_bound_bytes);
    // Greedy best fit is not optimal, but must stay near the bound on such inputs.
    CHECK(plan.arena_bytes <= plan.lower_bound_bytes * 13 / 10);
  }
}

TEST_CASE("every memory mode hands out distinct live buffers", "[planner]") {
  for (MemoryMode mode :
       {MemoryMode::kSeparate, MemoryMode::kReduce, MemoryMode::kReuse, MemoryMode::kPlanned}) {
    auto memory = make_tensor_memory(mode);
    auto a = memory->acquire(0, 100);
    auto b = memory->acquire(1, 100);
    REQUIRE(a.is_ok());
    REQUIRE(b.is_ok());
    CHECK(*a != *b);
    CHECK(reinterpret_cast<uintptr_t>(*a) % 64 == 0);
    memory->release(0);
    auto c = memory->acquire(2, 100);
    REQUIRE(c.is_ok());
    CHECK(*c != *b);
    if (mode == MemoryMode::kReuse) CHECK(*c == *a);  // equal size: the freed buffer is reused
    memory->reset();
  }
}

TEST_CASE("planned memory places values at their planned offsets", "[planner]") {
  auto memory = make_tensor_memory(MemoryMode::kPlanned);
  CHECK(memory->wants_plan());
  MemoryPlan plan;
  plan.offsets = {0, 128, 0};
  plan.sizes = {128, 64, 128};
  plan.arena_bytes = 192;
  REQUIRE(memory->set_plan(plan).is_ok());
  CHECK_FALSE(memory->wants_plan());
  auto a = memory->acquire(0, 100);
  auto b = memory->acquire(1, 64);
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  CHECK(static_cast<char*>(*b) - static_cast<char*>(*a) == 128);
  CHECK(memory->reserved_bytes() == 192);
  // A value larger than its slot still gets memory, and the plan is marked stale.
  auto big = memory->acquire(2, 1000);
  REQUIRE(big.is_ok());
  CHECK(memory->wants_plan());
}

TEST_CASE("an in-place chain shares one slot and lowers the bound", "[planner]") {
  // v0 -> v1 -> v2 -> v3, each read only by the next step: v1 may overwrite v0, v2 v1, ...
  std::vector<Lifetime> lifetimes = {{0, 1}, {1, 2}, {2, 3}, {3, 4}};
  std::vector<size_t> bytes(4, 4096);
  const std::vector<Alias> in_place = in_place_as_aliases({-1, 0, 1, 2});
  MemoryPlan plain = plan_memory(lifetimes, bytes, 5);
  MemoryPlan shared = plan_memory(lifetimes, bytes, 5, 64, in_place);
  CHECK(plain.arena_bytes == 8192);
  CHECK(shared.arena_bytes == 4096);
  CHECK(shared.lower_bound_bytes == 4096);
  CHECK(shared.lower_bound_without_in_place_bytes == 8192);
  CHECK(plan_is_valid(shared, lifetimes, in_place));
  for (size_t v = 1; v < 4; ++v) {
    CHECK(shared.offsets[v] == shared.offsets[0]);
    CHECK(shared.shares_with[v] == 0);
  }
  // Without the chain, the same offsets are an invalid plan.
  MemoryPlan broken = shared;
  broken.shares_with.assign(4, -1);
  CHECK_FALSE(plan_is_valid(broken, lifetimes));
}

TEST_CASE("random in-place chains give valid plans", "[planner]") {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<Lifetime> lifetimes;
    std::vector<size_t> bytes;
    std::vector<int> in_place;
    for (int v = 0; v < 50; ++v) {
      const int first = v;
      const int last = first + 1 + static_cast<int>(rng() % 5);
      lifetimes.push_back({first, last});
      bytes.push_back(64 * (1 + rng() % 32));
      in_place.push_back(-1);
    }
    // A value may overwrite an input that dies exactly where it is produced.
    for (int v = 1; v < 50; ++v) {
      const int candidate = static_cast<int>(rng() % v);
      const bool taken = std::count(in_place.begin(), in_place.end(), candidate) > 0;
      if (!taken && lifetimes[candidate].last == lifetimes[v].first && rng() % 2) {
        in_place[v] = candidate;
        bytes[v] = bytes[candidate];
      }
    }
    const std::vector<Alias> aliases = in_place_as_aliases(in_place);
    MemoryPlan plan = plan_memory(lifetimes, bytes, 60, 64, aliases);
    REQUIRE(plan_is_valid(plan, lifetimes, aliases));
    CHECK(plan.arena_bytes >= plan.lower_bound_bytes);
    CHECK(plan.lower_bound_bytes <= plan.lower_bound_without_in_place_bytes);
  }
}

TEST_CASE("the placement order that gives the smallest arena wins", "[planner]") {
  // Largest-first leaves a hole here that first-use order does not: whichever order is
  // chosen, the arena is the smallest of the orders tried, and never below the bound.
  std::vector<Lifetime> lifetimes = {{0, 1}, {1, 3}, {2, 4}, {0, 0}, {3, 5}};
  std::vector<size_t> bytes = {640, 1280, 640, 1920, 1280};
  MemoryPlan plan = plan_memory(lifetimes, bytes, 6);
  CHECK(plan_is_valid(plan, lifetimes));
  CHECK_FALSE(plan.ordering.empty());
  CHECK(plan.arena_bytes == plan.lower_bound_bytes);
  CHECK(plan.live_bytes.size() == 7);
  CHECK(*std::max_element(plan.live_bytes.begin(), plan.live_bytes.end()) ==
        plan.lower_bound_bytes);
}

TEST_CASE("planned memory: empty tensors leave the plan intact", "[planner]") {
  auto memory = make_tensor_memory(MemoryMode::kPlanned);
  MemoryPlan plan;
  plan.offsets = {0, kNotPlanned};
  plan.sizes = {128, 0};
  plan.arena_bytes = 128;
  REQUIRE(memory->set_plan(plan).is_ok());
  auto empty = memory->acquire(1, 0);
  REQUIRE(empty.is_ok());
  CHECK(*empty != nullptr);
  CHECK_FALSE(memory->wants_plan());
  CHECK(memory->reserved_bytes() == 128);
}

TEST_CASE("planned memory: a new plan keeps the last run's tensors until the next run",
          "[planner]") {
  auto memory = make_tensor_memory(MemoryMode::kPlanned);
  MemoryPlan plan;
  plan.offsets = {0};
  plan.sizes = {256};
  plan.arena_bytes = 256;
  REQUIRE(memory->set_plan(plan).is_ok());
  auto out = memory->acquire(0, 200);
  REQUIRE(out.is_ok());
  std::memset(*out, 0x5a, 200);
  // Re-planning after the run (sizes changed) must not free the output under the caller.
  plan.arena_bytes = 512;
  plan.sizes = {512};
  REQUIRE(memory->set_plan(plan).is_ok());
  CHECK(static_cast<unsigned char*>(*out)[199] == 0x5a);  // ASan would flag a freed arena
  CHECK(memory->reserved_bytes() == 512 + 256);
  memory->reset();  // the next run starts: the old arena goes
  CHECK(memory->reserved_bytes() == 512);
}

TEST_CASE("concat slices lie in their output's slot and count once", "[planner][concat]") {
  // a (step 0) and b (step 1) are the inputs of the Concat c at step 2; c is an output.
  std::vector<Lifetime> lifetimes = {{0, 2}, {1, 2}, {2, 4}};
  std::vector<size_t> bytes = {1024, 2048, 3072};
  std::vector<Alias> aliases(3);
  aliases[0] = {2, 0};
  aliases[1] = {2, 1024};
  MemoryPlan plan = plan_memory(lifetimes, bytes, 4, 64, aliases);
  REQUIRE(plan_is_valid(plan, lifetimes, aliases));
  CHECK(plan.offsets[0] == plan.offsets[2]);
  CHECK(plan.offsets[1] == plan.offsets[2] + 1024);
  CHECK(plan.shares_with[0] == 2);
  CHECK(plan.shares_with[1] == 2);
  CHECK(plan.arena_bytes == 3072);
  CHECK(plan.lower_bound_bytes == 3072);
  CHECK(plan.lower_bound_without_in_place_bytes == 6144);  // a + b + c at the Concat
  CHECK(plan.live_bytes == std::vector<size_t>{1024, 3072, 3072, 3072, 3072});
  // The same offsets without the aliases overlap live values: invalid.
  MemoryPlan broken = plan;
  broken.shares_with.assign(3, -1);
  CHECK_FALSE(plan_is_valid(broken, lifetimes));
}

TEST_CASE("a long-lived slice reserves only its own bytes until the Concat", "[planner][concat]") {
  // A U-Net skip: s (step 0) waits for the decoder's upsampled u (step 4); both are slices of
  // the Concat c (step 5). x (steps 1-2) is a big temporary of the encoder: it fits beside s in
  // the part of c's slot that u and c take only later.
  std::vector<Lifetime> lifetimes = {{0, 5}, {1, 2}, {4, 5}, {5, 6}};
  std::vector<size_t> bytes = {1024, 4096, 2048, 3072};
  std::vector<Alias> aliases(4);
  aliases[0] = {3, 0};
  aliases[2] = {3, 1024};
  MemoryPlan plan = plan_memory(lifetimes, bytes, 6, 64, aliases);
  REQUIRE(plan_is_valid(plan, lifetimes, aliases));
  CHECK(plan.lower_bound_bytes == 1024 + 4096);
  CHECK(plan.arena_bytes == plan.lower_bound_bytes);
  CHECK(plan.offsets[2] == plan.offsets[3] + 1024);
}

TEST_CASE("concat slices nest, and misaligned aliases are ignored", "[planner][concat]") {
  // a -> Concat b (with a graph input), b -> Relu in place -> r, r -> Concat c.
  std::vector<Lifetime> lifetimes = {{0, 1}, {1, 2}, {2, 3}, {3, 4}};
  std::vector<size_t> bytes = {256, 512, 512, 1024};
  std::vector<Alias> aliases(4);
  aliases[0] = {1, 256};  // a is the second half of b
  aliases[2] = {1, 0};    // r overwrites b
  aliases[1] = {3, 512};  // b's chain is the second half of c
  MemoryPlan plan = plan_memory(lifetimes, bytes, 4, 64, aliases);
  REQUIRE(plan_is_valid(plan, lifetimes, aliases));
  CHECK(plan.offsets[0] == plan.offsets[3] + 768);
  CHECK(plan.arena_bytes == 1024);
  CHECK(plan.lower_bound_bytes == 1024);

  aliases[0] = {1, 100};  // not a multiple of the alignment: a gets a slot of its own
  MemoryPlan apart = plan_memory(lifetimes, bytes, 4, 64, aliases);
  REQUIRE(plan_is_valid(apart, lifetimes, aliases));
  CHECK(apart.shares_with[0] == -1);
  CHECK(apart.offsets[0] != apart.offsets[1] + 256);
  // a still fits in the first half of c's slot, which nothing uses before step 3.
  CHECK(apart.arena_bytes == 1024);
}

TEST_CASE("random concat groups give valid plans near the bound", "[planner][concat]") {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<Lifetime> lifetimes;
    std::vector<size_t> bytes;
    std::vector<Alias> aliases;
    const int steps = 60;
    for (int step = 0; step < steps; ++step) {
      if (step >= 3 && rng() % 4 == 0) {
        // A Concat at this step over 2-3 earlier values that die here and are not yet taken.
        const size_t out = lifetimes.size();
        std::vector<size_t> parts;
        for (size_t v = 0; v < out && parts.size() < 3; ++v) {
          if (lifetimes[v].last == step - 1 && aliases[v].target < 0 && rng() % 2) {
            parts.push_back(v);
          }
        }
        size_t start = 0;
        for (size_t v : parts) {
          lifetimes[v].last = step;
          aliases[v] = {static_cast<int>(out), start};
          start += bytes[v];
        }
        lifetimes.push_back({step, step + 1 + static_cast<int>(rng() % 6)});
        bytes.push_back(start + 64 * (1 + rng() % 8));  // plus inputs that are copied
        aliases.push_back({});
      } else {
        lifetimes.push_back({step, step + 1 + static_cast<int>(rng() % 8)});
        bytes.push_back(64 * (1 + rng() % 32));
        aliases.push_back({});
      }
    }
    MemoryPlan plan = plan_memory(lifetimes, bytes, steps + 10, 64, aliases);
    REQUIRE(plan_is_valid(plan, lifetimes, aliases));
    MemoryPlan plain = plan_memory(lifetimes, bytes, steps + 10, 64);
    CHECK(plan.lower_bound_bytes <= plain.lower_bound_bytes);
    CHECK(plan.arena_bytes >= plan.lower_bound_bytes);
    CHECK(plan.arena_bytes <= plan.lower_bound_bytes * 13 / 10);
  }
}

namespace {

// A graph of float tensors of the given shapes, for the Concat analysis.
struct GraphBuilder {
  ir::Graph g;
  ir::ValueId value(const std::string& name, ir::ValueKind kind, Shape shape) {
    ir::Value v;
    v.name = name;
    v.kind = kind;
    v.dtype = DType::kFloat32;
    v.has_shape = true;
    for (int64_t d : shape)
      v.dims.push_back(ir::Dim::fixed(d));
    const ir::ValueId id = g.add_value(v);
    if (kind == ir::ValueKind::kInput) g.inputs.push_back(id);
    return id;
  }
  void node(const std::string& op, std::vector<ir::ValueId> in, ir::ValueId out, int64_t axis = 0) {
    ir::Node n;
    n.name = g.values[out].name;
    n.op_type = op;
    n.inputs = std::move(in);
    n.outputs = {out};
    if (op == "Concat") n.attributes["axis"] = axis;
    g.add_node(n);
  }
  // The aliases the session would plan with (in place, then Concat slices).
  Aliasing aliasing(std::vector<bool> keep = {}) {
    auto schedule = g.topological_order();
    REQUIRE(schedule.is_ok());
    keep.resize(g.values.size(), false);
    lifetimes = compute_lifetimes(g, *schedule, keep);
    bytes.assign(g.values.size(), 0);
    std::vector<Shape> shapes;
    for (size_t id = 0; id < g.values.size(); ++id) {
      shapes.push_back(g.values[id].static_shape());
      if (g.values[id].kind == ir::ValueKind::kIntermediate)
        bytes[id] = static_cast<size_t>(shape_elements(shapes.back())) * 4;
    }
    steps = schedule->size();
    const auto in_place = in_place_aliases(g, *schedule, lifetimes, bytes);
    return concat_in_place_aliases(g, *schedule, lifetimes, bytes, shapes, in_place, 64);
  }
  std::vector<Lifetime> lifetimes;
  std::vector<size_t> bytes;
  size_t steps = 0;
};

}  // namespace

TEST_CASE("NCHW channel concats alias their inputs as slices", "[planner][concat]") {
  GraphBuilder b;
  const Shape s = {1, 4, 8, 8};  // 1 KiB
  auto x = b.value("x", ir::ValueKind::kInput, s);
  auto a = b.value("a", ir::ValueKind::kIntermediate, s);
  auto r = b.value("r", ir::ValueKind::kIntermediate, s);
  auto t = b.value("t", ir::ValueKind::kIntermediate, s);
  auto c = b.value("c", ir::ValueKind::kIntermediate, {1, 16, 8, 8});
  auto y = b.value("y", ir::ValueKind::kIntermediate, {1, 16, 8, 8});
  b.node("Sigmoid", {x}, a);
  b.node("Relu", {a}, r);  // in place over a: the chain a -> r is the slice
  b.node("Tanh", {x}, t);
  b.node("Concat", {x, r, t, t}, c, 1);  // a graph input, a chain, one value twice
  b.node("Relu", {c}, y);
  b.g.outputs = {y};
  Aliasing al = b.aliasing();
  CHECK(al.concat_in_place[c]);
  CHECK(al.aliases[r].target == a);  // in place
  CHECK(al.aliases[a].target == c);  // the chain's root goes into the slice
  CHECK(al.aliases[a].offset == 1024);
  CHECK(al.aliases[t].target == c);  // the first occurrence; the second is copied
  CHECK(al.aliases[t].offset == 2048);
  CHECK(al.aliases[x].target == -1);  // a graph input is copied
  CHECK(al.aliases[y].target == c);   // Relu in place over the Concat output
  MemoryPlan plan = plan_memory(b.lifetimes, b.bytes, b.steps, 64, al.aliases);
  REQUIRE(plan_is_valid(plan, b.lifetimes, al.aliases));
  CHECK(plan.arena_bytes == 4096);  // everything lives in the Concat's output
  CHECK(plan.lower_bound_bytes == 4096);
  CHECK(plan.lower_bound_without_in_place_bytes > plan.lower_bound_bytes);
}

TEST_CASE("concat inputs that are read later, kept, or not contiguous are copied",
          "[planner][concat]") {
  GraphBuilder b;
  auto x = b.value("x", ir::ValueKind::kInput, {1, 4, 8, 8});
  auto a = b.value("a", ir::ValueKind::kIntermediate, {1, 4, 8, 8});
  auto t = b.value("t", ir::ValueKind::kIntermediate, {1, 4, 8, 8});
  auto c = b.value("c", ir::ValueKind::kIntermediate, {1, 8, 8, 8});
  auto h = b.value("h", ir::ValueKind::kIntermediate, {1, 4, 16, 8});  // axis 2: strided
  auto y = b.value("y", ir::ValueKind::kIntermediate, {1, 4, 8, 8});
  b.node("Sigmoid", {x}, a);
  b.node("Tanh", {x}, t);
  b.node("Concat", {a, t}, c, 1);
  b.node("Concat", {a, t}, h, -2);
  b.node("Sigmoid", {t}, y);  // t is read after both Concats
  b.g.outputs = {c, h, y};
  Aliasing al = b.aliasing();
  CHECK(al.aliases[t].target == -1);
  CHECK_FALSE(al.concat_in_place[h]);
  // a's last reader is h, which is not contiguous: not aliased into c either.
  CHECK(al.aliases[a].target == -1);
  CHECK_FALSE(al.concat_in_place[c]);

  // Kept: lives to the end, so it cannot be a slice.
  GraphBuilder k;
  auto kx = k.value("x", ir::ValueKind::kInput, {1, 4, 8, 8});
  auto ka = k.value("a", ir::ValueKind::kIntermediate, {1, 4, 8, 8});
  auto kc = k.value("c", ir::ValueKind::kIntermediate, {1, 8, 8, 8});
  k.node("Sigmoid", {kx}, ka);
  k.node("Concat", {ka, kx}, kc, 1);
  k.g.outputs = {kc};
  CHECK(k.aliasing().aliases[ka].target == kc);
  std::vector<bool> keep(k.g.values.size(), false);
  keep[ka] = true;
  CHECK(k.aliasing(keep).aliases[ka].target == -1);
}

TEST_CASE("the concat axis is contiguous only when every dim before it is 1", "[planner][concat]") {
  ir::Node n;
  n.op_type = "Concat";
  n.attributes["axis"] = int64_t{1};
  CHECK(contiguous_concat_axis(n, {1, 8, 4, 4}) == 1);
  CHECK(contiguous_concat_axis(n, {2, 8, 4, 4}) == -1);
  n.attributes["axis"] = int64_t{-1};
  CHECK(contiguous_concat_axis(n, {1, 1, 1, 4}) == 3);
  CHECK(contiguous_concat_axis(n, {1, 4, 4, 4}) == -1);
  n.attributes["axis"] = int64_t{0};
  CHECK(contiguous_concat_axis(n, {3, 4}) == 0);
  n.attributes["axis"] = int64_t{4};
  CHECK(contiguous_concat_axis(n, {1, 4}) == -1);
}

TEST_CASE("memory-aware scheduling finishes one branch before starting the next",
          "[planner][schedule]") {
  // x -> A1 (big) -> A2 (small); x -> B1 (big) -> B2 (small); y = Add(A2, B2). The nodes are
  // listed so that the model's order runs both big ones before either small one.
  GraphBuilder b;
  auto x = b.value("x", ir::ValueKind::kInput, {1, 1, 8, 8});
  auto a1 = b.value("a1", ir::ValueKind::kIntermediate, {1, 16, 8, 8});
  auto b1 = b.value("b1", ir::ValueKind::kIntermediate, {1, 16, 8, 8});
  auto a2 = b.value("a2", ir::ValueKind::kIntermediate, {1, 1, 8, 8});
  auto b2 = b.value("b2", ir::ValueKind::kIntermediate, {1, 1, 8, 8});
  auto y = b.value("y", ir::ValueKind::kIntermediate, {1, 1, 8, 8});
  b.node("Conv", {x}, a1);
  b.node("Conv", {x}, b1);
  b.node("ReduceMean", {a1}, a2);
  b.node("ReduceMean", {b1}, b2);
  b.node("Add", {a2, b2}, y);
  b.g.outputs = {y};
  b.aliasing();  // sizes and shapes
  std::vector<Shape> shapes;
  for (const auto& v : b.g.values)
    shapes.push_back(v.static_shape());
  const std::vector<bool> keep(b.g.values.size(), false);

  auto topological = b.g.topological_order();
  REQUIRE(topological.is_ok());
  CHECK(*topological == std::vector<ir::NodeId>{0, 1, 2, 3, 4});
  const auto greedy = least_memory_first_order(b.g, b.bytes, keep);
  CHECK(greedy == std::vector<ir::NodeId>{0, 2, 1, 3, 4});
  CHECK(depth_first_order(b.g) == std::vector<ir::NodeId>{0, 2, 1, 3, 4});

  auto choice = choose_schedule(b.g, b.bytes, shapes, keep, 64);
  REQUIRE(choice.is_ok());
  CHECK(is_topological_order(b.g, choice->order));
  // Model order: a1 + b1 + a2 alive at the first ReduceMean; chosen: b1 + a2 + b2 at most.
  CHECK(choice->topological_lower_bound_bytes == 4096 + 4096 + 256);
  CHECK(choice->lower_bound_bytes == 4096 + 256 + 256);
  CHECK(choice->name != "topological");
}

TEST_CASE("memory-aware scheduling keeps the model's order when it is already best",
          "[planner][schedule]") {
  GraphBuilder b;
  auto x = b.value("x", ir::ValueKind::kInput, {1, 4, 8, 8});
  auto a = b.value("a", ir::ValueKind::kIntermediate, {1, 4, 8, 8});
  auto c = b.value("c", ir::ValueKind::kIntermediate, {1, 4, 8, 8});
  b.node("Conv", {x}, a);
  b.node("Conv", {a}, c);
  b.g.outputs = {c};
  b.aliasing();
  std::vector<Shape> shapes;
  for (const auto& v : b.g.values)
    shapes.push_back(v.static_shape());
  auto choice = choose_schedule(b.g, b.bytes, shapes, std::vector<bool>(3, false), 64);
  REQUIRE(choice.is_ok());
  CHECK(choice->name == "topological");
  CHECK(choice->lower_bound_bytes == choice->topological_lower_bound_bytes);
}

TEST_CASE("is_topological_order rejects orders that read before writing", "[planner][schedule]") {
  GraphBuilder b;
  auto x = b.value("x", ir::ValueKind::kInput, {1, 4});
  auto a = b.value("a", ir::ValueKind::kIntermediate, {1, 4});
  auto c = b.value("c", ir::ValueKind::kIntermediate, {1, 4});
  b.node("Relu", {x}, a);
  b.node("Relu", {a}, c);
  CHECK(is_topological_order(b.g, {0, 1}));
  CHECK_FALSE(is_topological_order(b.g, {1, 0}));
  CHECK_FALSE(is_topological_order(b.g, {0}));
  CHECK_FALSE(is_topological_order(b.g, {0, 0}));
}

namespace {

// Runs concat_into_slices on views the test places by hand: the output buffer is `out`.
class SliceContext final : public cpu::KernelContext {
 public:
  SliceContext(ir::Node node, std::vector<TensorView> inputs, float* out)
      : node_(std::move(node)), inputs_(std::move(inputs)), out_(out) {}
  const ir::Node& node() const override { return node_; }
  const TensorView& input(size_t i) const override { return inputs_.at(i); }
  Result<TensorView> allocate_output(size_t, DType dtype, const Shape& shape) override {
    return TensorView{dtype, shape, out_};
  }

 private:
  ir::Node node_;
  std::vector<TensorView> inputs_;
  float* out_;
};

ir::Node concat_node(size_t inputs, int64_t axis) {
  ir::Node n;
  n.name = "cat";
  n.op_type = "Concat";
  n.attributes["axis"] = axis;
  for (size_t i = 0; i < inputs; ++i)
    n.inputs.push_back(static_cast<ir::ValueId>(i));
  n.outputs = {static_cast<ir::ValueId>(inputs)};
  return n;
}

}  // namespace

TEST_CASE("concat_into_slices copies only what is not in place, and survives stale plans",
          "[planner][concat]") {
  const Shape part = {1, 2, 4};  // 8 floats per input
  std::vector<float> a(8), b(8);
  for (int i = 0; i < 8; ++i) {
    a[i] = static_cast<float>(i);
    b[i] = static_cast<float>(100 + i);
  }
  std::vector<float> expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  Shape shape;

  // In place: a and b already are the output's two halves.
  std::vector<float> arena = expected;
  SliceContext in_place(concat_node(2, 1),
                        {TensorView{DType::kFloat32, part, arena.data()},
                         TensorView{DType::kFloat32, part, arena.data() + 8}},
                        arena.data());
  REQUIRE(cpu::concat_into_slices(in_place, shape).is_ok());
  CHECK(shape == Shape{1, 4, 4});
  CHECK(arena == expected);

  // A stale plan: b sits inside the output, but 4 floats early, overlapping a's slice.
  std::vector<float> stale(20, -1.0f);
  std::copy(b.begin(), b.end(), stale.begin() + 4);
  SliceContext shifted(concat_node(2, 1),
                       {TensorView{DType::kFloat32, part, a.data()},
                        TensorView{DType::kFloat32, part, stale.data() + 4}},
                       stale.data());
  REQUIRE(cpu::concat_into_slices(shifted, shape).is_ok());
  CHECK(std::vector<float>(stale.begin(), stale.begin() + 16) == expected);

  // A strided axis (outer 2): the plain interleaved copy.
  const Shape rows = {2, 1, 4};
  std::vector<float> out(16, 0.0f);
  SliceContext strided(
      concat_node(2, 1),
      {TensorView{DType::kFloat32, rows, a.data()}, TensorView{DType::kFloat32, rows, b.data()}},
      out.data());
  REQUIRE(cpu::concat_into_slices(strided, shape).is_ok());
  CHECK(shape == Shape{2, 2, 4});
  const std::vector<float> interleaved = {0, 1, 2, 3, 100, 101, 102, 103,
                                          4, 5, 6, 7, 104, 105, 106, 107};
  CHECK(out == interleaved);

  // Mismatched shapes are an error that names the node, not a crash.
  SliceContext bad(concat_node(2, 1),
                   {TensorView{DType::kFloat32, part, a.data()},
                    TensorView{DType::kFloat32, Shape{1, 2, 3}, b.data()}},
                   out.data());
  Status status = cpu::concat_into_slices(bad, shape);
  CHECK_FALSE(status.is_ok());
  CHECK(status.message().find("cat") != std::string::npos);
}

TEST_CASE("real models: channel Concats planned as slices, scheduled bound no higher",
          "[planner][models][concat][schedule]") {
  // mediapipe and SINet join NCHW channels at batch 1: after import and the default passes,
  // as a session plans them. SINet's Concat inputs all die at their Concat; every one of
  // mediapipe's is read again afterwards (by the Mul and Add after each Concat), so none of
  // them can be a slice: the Concat's output could be overwritten while they are still read.
  for (const auto& [name, expect_slices] : {std::pair<const char*, bool>{"mediapipe.onnx", false},
                                            {"SINet_Softmax_simple.onnx", true}}) {
    const std::string path = edgeinfer::testing::models_dir() + name;
    INFO(path);
    auto file = import::map_model_file(path);
    REQUIRE(file.is_ok());
    auto imported = import::import_model(*file, import::ImportOptions{});
    REQUIRE(imported.is_ok());
    ir::Graph g = std::move(imported).value();
    REQUIRE(passes::run_default_passes(g, passes::PassOptions{}).is_ok());
    std::vector<size_t> bytes(g.values.size(), 0);
    std::vector<Shape> shapes(g.values.size());
    size_t concats = 0;
    for (size_t id = 0; id < g.values.size(); ++id) {
      const ir::Value& v = g.values[id];
      shapes[id] = v.kind == ir::ValueKind::kConstant ? v.constant->view().shape : v.static_shape();
      if (v.kind != ir::ValueKind::kIntermediate) continue;
      REQUIRE(v.is_fully_static());
      bytes[id] = static_cast<size_t>(shape_elements(shapes[id])) * dtype_size(v.dtype);
    }
    for (const ir::Node& n : g.nodes)
      concats += n.op_type == "Concat";
    const std::vector<bool> keep(g.values.size(), false);
    auto choice = choose_schedule(g, bytes, shapes, keep, 64);
    REQUIRE(choice.is_ok());
    CHECK(is_topological_order(g, choice->order));
    CHECK(choice->lower_bound_bytes <= choice->topological_lower_bound_bytes);
    const auto lifetimes = compute_lifetimes(g, choice->order, keep);
    const MemoryPlan plan = plan_graph_memory(g, choice->order, lifetimes, bytes, shapes, 64);
    const size_t in_place =
        std::count(plan.concat_in_place.begin(), plan.concat_in_place.end(), true);
    INFO(concats << " Concats, " << in_place << " planned as slices; bound "
                 << plan.lower_bound_bytes << " (without aliases "
                 << plan.lower_bound_without_in_place_bytes << ", model order "
                 << choice->topological_lower_bound_bytes << "), arena " << plan.arena_bytes);
    CHECK((in_place > 0) == expect_slices);
    CHECK(plan.lower_bound_bytes == choice->lower_bound_bytes);
    CHECK(plan_is_valid(plan, lifetimes));
    CHECK(static_cast<double>(plan.arena_bytes) <=
          1.05 * static_cast<double>(plan.lower_bound_bytes));
  }
}
