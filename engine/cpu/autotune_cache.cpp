#include "cpu/autotune_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "cpu/kernels/kernel_set.h"
#include "planner/weight_store.h"

namespace edgeinfer::cpu {

namespace {

constexpr const char* kHeader = "edgeinfer-autotune 1";

// Parses the whole file; false for anything but the header and KEY<TAB>ALGORITHM lines.
bool parse(std::istream& in, std::map<std::string, std::string>* entries) {
  std::string line;
  if (!std::getline(in, line) || line != kHeader) return false;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 == line.size() ||
        line.find('\t', tab + 1) != std::string::npos) {
      return false;
    }
    (*entries)[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return true;
}

}  // namespace

AutotuneCache AutotuneCache::open(std::string path) {
  AutotuneCache cache;
  cache.path_ = std::move(path);
  std::ifstream in(cache.path_, std::ios::binary);
  if (!in) return cache;  // no file yet
  if (!parse(in, &cache.entries_)) {
    cache.entries_.clear();
    cache.corrupt_ = true;
    cache.dirty_ = true;
  }
  return cache;
}

const std::string* AutotuneCache::find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

void AutotuneCache::record(const std::string& key, const std::string& algorithm) {
  // Keys and names never hold tabs or newlines (they are built from numbers and op names);
  // refusing them here keeps the file parseable whatever a caller passes.
  if (key.find_first_of("\t\n") != std::string::npos ||
      algorithm.find_first_of("\t\n") != std::string::npos || key.empty() || algorithm.empty()) {
    return;
  }
  auto [it, inserted] = entries_.emplace(key, algorithm);
  if (!inserted && it->second == algorithm) return;
  it->second = algorithm;
  dirty_ = true;
}

Status AutotuneCache::save() {
  if (!dirty_) return Status::ok();
  if (path_.empty()) return error(StatusCode::kIoError, "no autotune cache folder");
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  if (ec) {
    return error(StatusCode::kIoError,
                 "cannot create autotune cache folder for '" + path_ + "': " + ec.message());
  }
  // A temporary name per process, renamed over the file: a reader never sees half a file.
  const std::string temp = path_ + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << kHeader << '\n';
    for (const auto& [key, algorithm] : entries_)
      out << key << '\t' << algorithm << '\n';
    out.flush();
    if (!out) {
      std::remove(temp.c_str());
      return error(StatusCode::kIoError, "cannot write autotune cache '" + temp + "'");
    }
  }
  if (std::rename(temp.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temp.c_str());
    return error(StatusCode::kIoError, "cannot replace autotune cache '" + path_ + "': " + why);
  }
  dirty_ = false;
  corrupt_ = false;
  return Status::ok();
}

std::string autotune_cache_path(const std::string& cache_dir) {
  const std::string base = cache_dir.empty() ? planner::default_cache_dir() : cache_dir;
  if (base.empty()) return "";
  return base + "/autotune/cpu.tsv";
}

std::string cpu_signature() {
  std::string s = kernels::best_kernel_set().isa;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const std::pair<const char*, bool> features[] = {
      {"avx2", __builtin_cpu_supports("avx2")},
      {"fma", __builtin_cpu_supports("fma")},
      {"avx512f", __builtin_cpu_supports("avx512f")},
      {"avx512bw", __builtin_cpu_supports("avx512bw")},
  };
  for (const auto& [name, present] : features) {
    if (present) s += std::string("+") + name;
  }
#endif
  // The core count and cache size also move the winner; the thread count is in the key.
  s += "/cores" + std::to_string(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  return s;
}

}  // namespace edgeinfer::cpu
