// The weight cache: bytes derived from a model's weights (pre-packed kernels' layouts) kept in
// files, mapped read-only on later loads so they cost page cache rather than private memory.
//
//   auto store = WeightStore::open(cache_dir, model_key(file_bytes, size));
//   auto packed = store->get("conv1.packed", [&]() -> Result<std::vector<unsigned char>> {
//     return pack(weights);  // only on a miss
//   });
//   // packed->data: read-only, 64-byte aligned, alive while packed->mapping is held
//
// One file per entry under <cache_dir>/<key>/, each with a header (magic, format version,
// payload size, checksum of the payload). A file that is truncated, has a wrong header or a
// wrong checksum is never used: it is rebuilt from the callback and replaced atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edgeinfer/status.h"

namespace edgeinfer::planner {

// A 64-bit hash of bytes (not cryptographic: it detects corruption, it does not resist it).
uint64_t content_hash(const void* data, size_t size, uint64_t seed = 0);

// The CPU features packed weights may depend on ("x86_64+avx2+fma+avx512f", "aarch64").
std::string cpu_features();

// Key of a model's cache folder: its content hash and the CPU features, as text.
std::string model_cache_key(const void* model_bytes, size_t size);

// $XDG_CACHE_HOME/edgeinfer, else $HOME/.cache/edgeinfer, else "" (no cache possible).
std::string default_cache_dir();

// Drops this process's resident pages of [data, data + bytes) (the whole pages inside it)
// from a read-only file mapping: they stay in the page cache and fault back in if read again.
// Only for bytes of a file mapping nobody writes (a mapped model, a cache entry): on private
// memory it would lose data.
void release_mapped_pages(const void* data, size_t bytes);

struct CachedBytes {
  const unsigned char* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> mapping;  // keeps the file mapping alive
};

struct WeightStoreStats {
  int hits = 0;     // entries mapped from an intact file (or already mapped by this store)
  int misses = 0;   // entries produced because no file existed
  int rebuilt = 0;  // entries produced because the file was corrupt or truncated
};

class WeightStore {
 public:
  using Producer = std::function<Result<std::vector<unsigned char>>()>;

  // The store of one model: `cache_dir` (empty: default_cache_dir()) / `key`, created if
  // missing. Fails with kIoError naming the folder if it cannot be created.
  static Result<std::shared_ptr<WeightStore>> open(const std::string& cache_dir,
                                                   const std::string& key);

  // The bytes of entry `name`: mapped from its file if intact, else made by `produce`,
  // written to the file, and mapped from there. A failing `produce` is returned as is.
  // While a mapping of the entry made by this store is alive, later gets return that same
  // mapping (sessions of one model share one address range, and the file is not checked
  // again). Safe to call from several threads.
  Result<CachedBytes> get(const std::string& name, const Producer& produce);

  // Produces entry `name` again and replaces its file, whatever the file holds.
  Result<CachedBytes> rebuild(const std::string& name, const Producer& produce);

  // Path of the file that holds entry `name` (for tests and tools).
  std::string entry_path(const std::string& name) const;
  const std::string& folder() const { return folder_; }
  WeightStoreStats stats() const;

 private:
  explicit WeightStore(std::string folder) : folder_(std::move(folder)) {}
  // An entry this store mapped, remembered without keeping the mapping alive.
  struct Mapped {
    const unsigned char* data = nullptr;
    size_t size = 0;
    std::weak_ptr<const void> mapping;
  };
  Result<CachedBytes> rebuild_locked(const std::string& name, const Producer& produce);

  std::string folder_;
  mutable std::mutex mutex_;  // guards stats_ and mapped_ (sessions may be created in parallel)
  WeightStoreStats stats_;
  std::map<std::string, Mapped> mapped_;
};

}  // namespace edgeinfer::planner
