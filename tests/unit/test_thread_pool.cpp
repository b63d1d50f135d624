// The persistent thread pool: every task runs exactly once, on a thread slot in range, for
// back-to-back jobs (workers still spinning) and after a pause (workers asleep); each thread
// starts with its own contiguous block of the tasks.
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

TEST_CASE("thread pool blocks are contiguous and cover the tasks", "[thread_pool]") {
  for (int threads : {1, 2, 3, 4}) {
    for (int64_t tasks : {0, 1, 2, 3, 5, 8, 13, 64}) {
      CHECK(ThreadPool::block_begin(tasks, threads, 0) == 0);
      CHECK(ThreadPool::block_begin(tasks, threads, threads) == tasks);
      for (int t = 0; t < threads; ++t) {
        const int64_t size = ThreadPool::block_begin(tasks, threads, t + 1) -
                             ThreadPool::block_begin(tasks, threads, t);
        // Shares differ by at most one task.
        CHECK(size >= tasks / threads);
        CHECK(size <= (tasks + threads - 1) / threads);
      }
    }
  }
}

TEST_CASE("thread pool threads start with their own block", "[thread_pool]") {
  // Two threads, four tasks: the caller's block is {0, 1}, the worker's {2, 3}. Task 0 holds
  // the caller until task 2 has run, so task 2 can only have been run by the worker, and the
  // worker starts with it: task 1 (the caller's) starts after task 2 has finished. A pool that
  // hands out tasks in order from one counter gives the worker task 1 first.
  ThreadPool pool(2);
  for (int job = 0; job < 20; ++job) {
    std::atomic<int> done_2{0};
    std::atomic<int> ran_2_on{-1};
    std::atomic<bool> task_1_saw_2_done{false};
    pool.parallel_for(4, [&](int64_t task, int thread) {
      if (task == 0) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (done_2.load() == 0 && std::chrono::steady_clock::now() < give_up)
          std::this_thread::yield();
      } else if (task == 1) {
        task_1_saw_2_done = done_2.load() != 0;
      } else if (task == 2) {
        ran_2_on = thread;
        done_2 = 1;
      }
    });
    REQUIRE(done_2.load() == 1);
    CHECK(ran_2_on.load() == 1);
    CHECK(task_1_saw_2_done.load());
  }
}
