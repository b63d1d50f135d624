#include "planner/weight_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "import/file_mapping.h"
namespace edgeinfer::planner {

namespace {

constexpr char kMagic[8] = {'E', 'I', 'W', 'C', 'A', 'C', 'H', 'E'};
constexpr uint32_t kFormatVersion = 1;

// 64 bytes, so the payload that follows is 64-byte aligned in the mapping.
struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t payload_bytes;
  uint64_t payload_hash;
  uint64_t name_hash;  // guards against a file copied under another entry's name
  unsigned char reserved[24];
};
static_assert(sizeof(FileHeader) == 64);

std::string errno_text() {
  return std::strerror(errno);
}

// Maps `path` and checks it; nullopt-like empty result when missing or not intact.
enum class FileState { kMissing, kCorrupt, kGood };

FileState map_entry(const std::string& path, uint64_t name_hash, CachedBytes* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? FileState::kMissing : FileState::kCorrupt;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) < sizeof(FileHeader)) {
    ::close(fd);
    return FileState::kCorrupt;
  }
  const size_t length = static_cast<size_t>(st.st_size);
  auto mapping = import::map_read_only(fd, length, 0, true);
  ::close(fd);
  if (!mapping) return FileState::kCorrupt;
  const void* address = mapping.get();
  FileHeader header;
  std::memcpy(&header, address, sizeof header);
  const auto* payload = static_cast<const unsigned char*>(address) + sizeof(FileHeader);
  const bool intact = std::memcmp(header.magic, kMagic, sizeof kMagic) == 0 &&
                      header.version == kFormatVersion &&
                      header.header_bytes == sizeof(FileHeader) && header.name_hash == name_hash &&
                      header.payload_bytes == length - sizeof(FileHeader) &&
                      header.payload_hash == content_hash(payload, header.payload_bytes);
  if (!intact) return FileState::kCorrupt;
  out->data = payload;
  out->size = header.payload_bytes;
  out->mapping = std::move(mapping);
  return FileState::kGood;
}

// Writes header + payload to a temporary file and renames it over `path`, so a reader never
// sees a half-written entry under the real name.
Status write_entry(const std::string& path, uint64_t name_hash,
                   const std::vector<unsigned char>& payload) {
  FileHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.version = kFormatVersion;
  header.header_bytes = sizeof(FileHeader);
  header.payload_bytes = payload.size();
  header.payload_hash = content_hash(payload.data(), payload.size());
  header.name_hash = name_hash;
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return error(StatusCode::kIoError,
                 "cannot create weight cache file '" + temp + "': " + errno_text());
  }
  auto write_all = [fd](const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      p += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  };
  // Not synced before the rename: a sync per entry made a first load of a model with many
  // packed layers several times slower (mediapipe: 44 -> 200 ms). After a crash an entry may
  // be torn; its checksum then fails and it is rebuilt, as any corrupt entry is.
  const bool written =
      write_all(&header, sizeof header) && write_all(payload.data(), payload.size());
  const std::string reason = written ? "" : errno_text();
  ::close(fd);
  if (!written || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = written ? errno_text() : reason;
    ::unlink(temp.c_str());
    return error(StatusCode::kIoError, "cannot write weight cache file '" + path + "': " + why);
  }
  return Status::ok();
}

// Entry names become file names: keep [A-Za-z0-9._-], hex-escape the rest.
std::string file_name_of(const std::string& name) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + ".eiw";
}

std::string hex64(uint64_t v) {
  static const char* hex = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4)
    s[i] = hex[v & 15];
  return s;
}

}  // namespace

uint64_t content_hash(const void* data, size_t size, uint64_t seed) {
  // Four independent lanes of multiply-xorshift over 8-byte words (fast enough to check a
  // large file on every load), folded together with the length.
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t lanes[4] = {seed ^ 0x243F6A8885A308D3ull, seed ^ 0x13198A2E03707344ull,
                       seed ^ 0xA4093822299F31D0ull, seed ^ 0x082EFA98EC4E6C89ull};
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  auto mix = [](uint64_t h, uint64_t w) {
    h ^= w * kMul;
    h = (h << 31) | (h >> 33);
    return h * 0xBF58476D1CE4E5B9ull;
  };
  for (; i + 32 <= size; i += 32) {
    for (int l = 0; l < 4; ++l) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * l, 8);
      lanes[l] = mix(lanes[l], w);
    }
  }
  uint64_t tail = 0;
  for (int shift = 0; i < size; ++i, shift = (shift + 8) % 64) {
    tail ^= static_cast<uint64_t>(p[i]) << shift;
    if (shift == 56) lanes[0] = mix(lanes[0], tail), tail = 0;
  }
  uint64_t h = mix(lanes[0], tail) ^ size;
  for (int l = 1; l < 4; ++l)
    h = mix(h, lanes[l]);
  h ^= h >> 29;
  return h * 0x94D049BB133111EBull ^ (h >> 32);
}

void release_mapped_pages(const void* data, size_t bytes) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + bytes) / page * page;
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

std::string cpu_features() {
#if defined(__x86_64__)
  std::string f = "x86_64";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) f += "+avx2";
  if (__builtin_cpu_supports("fma")) f += "+fma";
  if (__builtin_cpu_supports("avx512f")) f += "+avx512f";
  if (__builtin_cpu_supports("avx512bw")) f += "+avx512bw";
  return f;
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "generic";
#endif
}

std::string model_cache_key(const void* model_bytes, size_t size) {
  const std::string features = cpu_features();
  return hex64(content_hash(model_bytes, size)) + "-" +
         hex64(content_hash(features.data(), features.size()));
}

std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/edgeinfer";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.cache/edgeinfer";
  }
  return "";
}

Result<std::shared_ptr<WeightStore>> WeightStore::open(const std::string& cache_dir,
                                                       const std::string& key) {
  const std::string base = cache_dir.empty() ? default_cache_dir() : cache_dir;
  if (base.empty()) {
    return error(StatusCode::kIoError,
                 "no weight cache folder: set a cache directory, XDG_CACHE_HOME or HOME");
  }
  if (key.empty() || key.find('/') != std::string::npos || key[0] == '.') {
    return error(StatusCode::kInvalidArgument, "weight cache key '" + key + "' is not valid");
  }
  const std::string folder = base + "/" + key;
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec || !std::filesystem::is_directory(folder)) {
    return error(StatusCode::kIoError, "cannot create weight cache folder '" + folder + "'" +
                                           (ec ? ": " + ec.message() : ""));
  }
  return std::shared_ptr<WeightStore>(new WeightStore(folder));
}

std::string WeightStore::entry_path(const std::string& name) const {
  return folder_ + "/" + file_name_of(name);
}

WeightStoreStats WeightStore::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

Result<CachedBytes> WeightStore::get(const std::string& name, const Producer& produce) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = mapped_.find(name); it != mapped_.end()) {
    if (auto mapping = it->second.mapping.lock()) {
      ++stats_.hits;
      return CachedBytes{it->second.data, it->second.size, std::move(mapping)};
    }
  }
  const std::string path = entry_path(name);
  const uint64_t name_hash = content_hash(name.data(), name.size());
  CachedBytes cached;
  const FileState state = map_entry(path, name_hash, &cached);
  if (state == FileState::kGood) {
    ++stats_.hits;
    mapped_[name] = Mapped{cached.data, cached.size, cached.mapping};
    return cached;
  }
  EI_ASSIGN_OR_RETURN(cached, rebuild_locked(name, produce));
  // rebuild_locked() counted a rebuild; a missing file is a plain miss.
  if (state == FileState::kMissing) --stats_.rebuilt, ++stats_.misses;
  return cached;
}

Result<CachedBytes> WeightStore::rebuild(const std::string& name, const Producer& produce) {
  std::lock_guard<std::mutex> lock(mutex_);
  return rebuild_locked(name, produce);
}

Result<CachedBytes> WeightStore::rebuild_locked(const std::string& name, const Producer& produce) {
  const std::string path = entry_path(name);
  const uint64_t name_hash = content_hash(name.data(), name.size());
  auto payload = produce();
  if (!payload) return payload.status();
  EI_RETURN_IF_ERROR(write_entry(path, name_hash, *payload));
  CachedBytes cached;
  if (map_entry(path, name_hash, &cached) != FileState::kGood) {
    return error(StatusCode::kIoError,
                 "weight cache file '" + path + "' does not read back as written");
  }
  ++stats_.rebuilt;
  mapped_[name] = Mapped{cached.data, cached.size, cached.mapping};
  return cached;
}

}  // namespace edgeinfer::planner
