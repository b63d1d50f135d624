#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "planner/memory_plan.h"
#include "planner/tensor_memory.h"

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
  const std::vector<int> in_place = {-1, 0, 1, 2};
  MemoryPlan plain = plan_memory(lifetimes, bytes, 5);
  MemoryPlan shared = plan_memory(lifetimes, bytes, 5, 64, in_place);
  CHECK(plain.arena_bytes == 8192);
  CHECK(shared.arena_bytes == 4096);
  CHECK(shared.lower_bound_bytes == 4096);
  CHECK(shared.lower_bound_without_in_place_bytes == 8192);
  CHECK(plan_is_valid(shared, lifetimes));
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
    MemoryPlan plan = plan_memory(lifetimes, bytes, 60, 64, in_place);
    REQUIRE(plan_is_valid(plan, lifetimes));
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
