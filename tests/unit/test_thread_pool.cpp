// The persistent thread pool: every task runs exactly once, on a thread slot in range, for
// back-to-back jobs (workers still spinning) and after a pause (workers asleep).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "cpu/thread_pool.h"

using edgeinfer::cpu::ThreadPool;

namespace {

void check_job(ThreadPool& pool, int64_t tasks) {
  std::vector<std::atomic<int>> runs(static_cast<size_t>(tasks));
  std::atomic<bool> slot_ok{true};
  pool.parallel_for(tasks, [&](int64_t t, int slot) {
    runs[static_cast<size_t>(t)].fetch_add(1);
    if (slot < 0 || slot >= pool.threads()) slot_ok = false;
  });
  for (int64_t t = 0; t < tasks; ++t)
    REQUIRE(runs[static_cast<size_t>(t)].load() == 1);
  REQUIRE(slot_ok);
}

}  // namespace

TEST_CASE("thread pool runs every task once", "[thread_pool]") {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    REQUIRE(pool.threads() == threads);
    for (int64_t tasks : {0, 1, 2, 5, 64, 1000})
      check_job(pool, tasks);
    for (int i = 0; i < 200; ++i)
      check_job(pool, 7);
    // Long enough for idle workers to stop spinning and block.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    check_job(pool, 33);
  }
}

TEST_CASE("thread pool of 0 threads has one per core", "[thread_pool]") {
  ThreadPool pool(0);
  const unsigned cores = std::thread::hardware_concurrency();
  REQUIRE(pool.threads() == (cores == 0 ? 1 : static_cast<int>(cores)));
  check_job(pool, 10);
}

TEST_CASE("thread pool splits work across threads", "[thread_pool]") {
  ThreadPool pool(2);
  std::atomic<int> slots_seen{0};  // bit per slot that ran a task
  pool.parallel_for(4, [&](int64_t task, int slot) {
    slots_seen.fetch_or(1 << slot);
    if (task != 0) return;
    // The thread holding task 0 waits for the other thread to run one of the rest (bounded,
    // so a broken pool fails instead of hanging).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (slots_seen.load() != 3 && std::chrono::steady_clock::now() < give_up)
      std::this_thread::yield();
  });
  REQUIRE(slots_seen.load() == 3);
}
