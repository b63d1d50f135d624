// The weight cache: entries are produced once, mapped on later opens, and a corrupt or
// truncated file is detected by its header and checksum and rebuilt, never used.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "planner/weight_store.h"
#include "temp_dir.h"

using namespace edgeinfer;
using namespace edgeinfer::planner;

using edgeinfer::testing::TempDir;

namespace {

std::vector<unsigned char> pattern_bytes(size_t n, unsigned seed) {
  std::vector<unsigned char> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<unsigned char>((i * 131 + seed * 7) ^ (i >> 8));
  return v;
}

// Opens a store in `dir` and gets `name`, counting calls of the producer.
std::vector<unsigned char> get_entry(const std::string& dir, const std::string& name,
                                     const std::vector<unsigned char>& payload, int* produced,
                                     WeightStoreStats* stats = nullptr) {
  auto store = WeightStore::open(dir, "model-key");
  REQUIRE(store.is_ok());
  auto bytes = (*store)->get(name, [&]() -> Result<std::vector<unsigned char>> {
    ++*produced;
    return payload;
  });
  REQUIRE(bytes.is_ok());
  CHECK(reinterpret_cast<uintptr_t>(bytes->data) % 64 == 0);
  if (stats) *stats = (*store)->stats();
  return std::vector<unsigned char>(bytes->data, bytes->data + bytes->size);
}

}  // namespace

TEST_CASE("a cache entry is produced once and mapped afterwards", "[weights]") {
  TempDir dir;
  const auto payload = pattern_bytes(100000, 1);
  int produced = 0;
  WeightStoreStats stats;
  CHECK(get_entry(dir.str(), "conv1/packed", payload, &produced, &stats) == payload);
  CHECK(produced == 1);
  CHECK(stats.misses == 1);
  CHECK(get_entry(dir.str(), "conv1/packed", payload, &produced, &stats) == payload);
  CHECK(produced == 1);  // the second open maps the file
  CHECK(stats.hits == 1);
  // A different entry is a different file.
  CHECK(get_entry(dir.str(), "conv2/packed", pattern_bytes(10, 2), &produced) ==
        pattern_bytes(10, 2));
  CHECK(produced == 2);
}

TEST_CASE("a corrupt or truncated cache file is rebuilt, never used", "[weights]") {
  TempDir dir;
  const auto payload = pattern_bytes(50000, 3);
  int produced = 0;
  get_entry(dir.str(), "w", payload, &produced);
  auto store = WeightStore::open(dir.str(), "model-key");
  REQUIRE(store.is_ok());
  const std::string file = (*store)->entry_path("w");
  REQUIRE(std::filesystem::exists(file));
  const auto size = std::filesystem::file_size(file);

  auto damage_and_check = [&](auto damage) {
    damage();
    const int before = produced;
    WeightStoreStats stats;
    CHECK(get_entry(dir.str(), "w", payload, &produced, &stats) == payload);
    CHECK(produced == before + 1);
    CHECK(stats.rebuilt == 1);
    CHECK(std::filesystem::file_size(file) == size);  // the good file is back
  };
  SECTION("a flipped payload byte fails the checksum") {
    damage_and_check([&] {
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(64 + 12345);
      const char c = static_cast<char>(payload[12345] ^ 0x10);
      f.write(&c, 1);
    });
  }
  SECTION("a truncated file") {
    damage_and_check([&] { std::filesystem::resize_file(file, size - 1000); });
  }
  SECTION("a file shorter than its header") {
    damage_and_check([&] { std::filesystem::resize_file(file, 10); });
  }
  SECTION("a damaged header") {
    damage_and_check([&] {
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      f.write("XXXX", 4);
    });
  }
  SECTION("another entry's file under this name") {
    get_entry(dir.str(), "other", payload, &produced);
    damage_and_check([&] {
      std::filesystem::copy_file((*store)->entry_path("other"), file,
                                 std::filesystem::copy_options::overwrite_existing);
    });
  }
}

TEST_CASE("weight cache errors are values", "[weights]") {
  TempDir dir;
  auto store = WeightStore::open(dir.str(), "k");
  REQUIRE(store.is_ok());
  auto failed = (*store)->get("x", []() -> Result<std::vector<unsigned char>> {
    return error(StatusCode::kInternal, "packing failed");
  });
  CHECK(failed.status().code() == StatusCode::kInternal);
  CHECK_FALSE(std::filesystem::exists((*store)->entry_path("x")));
  CHECK(WeightStore::open(dir.str(), "../escape").status().code() == StatusCode::kInvalidArgument);
  // A folder that cannot be created (a file is in the way).
  std::ofstream(dir.str() + "/file") << "x";
  CHECK(WeightStore::open(dir.str() + "/file", "k").status().code() == StatusCode::kIoError);
}

TEST_CASE("cache keys follow the model bytes and the CPU", "[weights]") {
  const auto a = pattern_bytes(1000, 1), b = pattern_bytes(1000, 2);
  CHECK(model_cache_key(a.data(), a.size()) == model_cache_key(a.data(), a.size()));
  CHECK(model_cache_key(a.data(), a.size()) != model_cache_key(b.data(), b.size()));
  CHECK(content_hash(a.data(), 999) != content_hash(a.data(), 1000));
  CHECK_FALSE(cpu_features().empty());
}
